-- +goose Up
CREATE TABLE webhook_recoveries (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    endpoint_id  TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    since        TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,    -- running, completed
    resent       INTEGER NOT NULL DEFAULT 0,
    -- the last delivery seq handled, so the job pages through without loading everything
    cursor_seq   BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);

-- +goose Down
DROP TABLE webhook_recoveries;
