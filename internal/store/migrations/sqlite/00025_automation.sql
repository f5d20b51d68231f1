-- +goose Up
-- Automation platforms and agents (issue 17). A trigger's settings; an
-- event type without a row is exposed under its own name with no filter
-- fields.
CREATE TABLE automation_triggers (
    event_type    TEXT PRIMARY KEY,
    exposed       BOOLEAN NOT NULL DEFAULT true,
    display_name  TEXT NOT NULL DEFAULT '',
    filter_fields TEXT NOT NULL DEFAULT '[]', -- JSON array of JSON Pointers into the payload
    updated_at    TIMESTAMP NOT NULL
);

-- The SaaS's API operations that platforms and agents may call.
CREATE TABLE automation_actions (
    key           TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    search        BOOLEAN NOT NULL DEFAULT false,
    exposed       BOOLEAN NOT NULL DEFAULT true,
    method        TEXT NOT NULL,
    url_template  TEXT NOT NULL,
    input_schema  TEXT NOT NULL,            -- JSON Schema, an object
    output_sample TEXT,                     -- JSON
    scopes        TEXT NOT NULL DEFAULT '[]',
    idempotency   TEXT NOT NULL DEFAULT 'none',
    source        TEXT NOT NULL DEFAULT 'api', -- api or openapi
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- REST hooks: an endpoint a platform's app subscribed for a user. One per
-- (app, user, team, target, trigger); the endpoint delivers.
CREATE TABLE automation_hooks (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    app_id      TEXT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    target_url  TEXT NOT NULL,
    trigger_key TEXT NOT NULL,
    filter      TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (app_id, user_id, team_id, target_url, trigger_key)
);
CREATE INDEX automation_hooks_tenant ON automation_hooks (tenant_id, id);
CREATE INDEX automation_hooks_endpoint ON automation_hooks (endpoint_id);
CREATE INDEX automation_hooks_grant ON automation_hooks (app_id, user_id, team_id);

-- Per-tenant switches: whether platforms (REST hooks, polling) and agents
-- (the MCP server) may act in the tenant. No row: both allowed.
CREATE TABLE automation_tenant_settings (
    tenant_id         TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    platforms_allowed BOOLEAN NOT NULL DEFAULT true,
    agents_allowed    BOOLEAN NOT NULL DEFAULT true,
    updated_at        TIMESTAMP NOT NULL
);

-- An endpoint's payload filter: a JSON object of JSON Pointers to the
-- scalar each must equal; NULL sends every payload.
ALTER TABLE endpoints ADD COLUMN payload_filter TEXT;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN payload_filter;
DROP TABLE automation_tenant_settings;
DROP TABLE automation_hooks;
DROP TABLE automation_actions;
DROP TABLE automation_triggers;
