-- +goose Up
CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    metadata    TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    -- set when DELETE was accepted; the purge job removes the row and its data
    deleted_at  TIMESTAMP
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    -- SHA-256 of the whole key; the key itself is shown once and never stored
    token_hash  BLOB NOT NULL UNIQUE,
    -- the first characters of the key, so people can tell keys apart
    token_hint  TEXT NOT NULL,
    -- requests per rate-limit window; NULL means the installation's default
    rate_limit  INTEGER,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);

CREATE TABLE idempotency_keys (
    api_key_id        TEXT NOT NULL,
    key               TEXT NOT NULL,
    -- method, path and body hash of the first request with this key
    fingerprint       TEXT NOT NULL,
    -- when the first request started; NULL response_status means still running
    locked_at         TIMESTAMP NOT NULL,
    response_status   INTEGER,
    response_headers  TEXT,
    response_body     BLOB,
    created_at        TIMESTAMP NOT NULL,
    expires_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

CREATE TABLE rate_limit_windows (
    bucket        TEXT NOT NULL,
    window_end    BIGINT NOT NULL, -- Unix milliseconds; the key of one fixed window
    used          BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_end)
);

-- +goose Down
DROP TABLE rate_limit_windows;
DROP TABLE idempotency_keys;
DROP TABLE api_keys;
DROP TABLE tenants;
