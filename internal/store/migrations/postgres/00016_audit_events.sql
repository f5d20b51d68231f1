-- +goose Up
-- The admin API's audit log: one row per change attempted with an API key
-- (internal/audit). Rows are never updated; the retention job deletes old ones.
CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    occurred_at   TIMESTAMPTZ NOT NULL,
    api_key_id    TEXT NOT NULL,
    method        TEXT NOT NULL,
    -- the matched route pattern's path, such as /v1/tenants/{tenant_id}
    route         TEXT NOT NULL,
    -- the object changed: the created object's ID, or the route's last ID parameter
    object_id     TEXT NOT NULL,
    -- the route's ID parameters, {"tenant_id": "acme", "endpoint_id": "ep_…"}
    path_ids      JSONB NOT NULL,
    status        INTEGER NOT NULL,
    problem_type  TEXT NOT NULL,
    replayed      BOOLEAN NOT NULL,
    request_id    TEXT NOT NULL,
    client_ip     TEXT NOT NULL
);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);
CREATE INDEX audit_events_api_key_id ON audit_events (api_key_id, id);
CREATE INDEX audit_events_object_id ON audit_events (object_id, id);

-- Append-only below the service too: no statement may change a row.
-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
