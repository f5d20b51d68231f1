-- +goose Up
-- Console sessions (internal/console): an operator signs in to Patchbay's own
-- pages (the marketplace review console) with an admin API key once, and
-- holds this short session in an HttpOnly cookie instead of the key. Only the
-- SHA-256 of the session's secret is kept; the key is checked on every use.
CREATE TABLE console_sessions (
    id          TEXT PRIMARY KEY,
    secret_hash BYTEA NOT NULL UNIQUE,
    key_id      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);

-- +goose Down
DROP TABLE console_sessions;
