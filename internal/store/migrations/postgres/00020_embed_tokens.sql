-- +goose Up
-- Embed tokens (internal/embed): minted by the SaaS's backend for one of its
-- signed-in users, used by that user's browser against /embed/v1. Only the
-- SHA-256 of the pbe_ token is kept.
CREATE TABLE embed_tokens (
    id              TEXT PRIMARY KEY,
    token_hash      BYTEA NOT NULL UNIQUE,
    tenant_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    -- space-separated: webhooks, webhooks:read, connections, authorized_apps
    capabilities    TEXT NOT NULL,
    -- space-separated origins, such as https://app.acme.com
    allowed_origins TEXT NOT NULL,
    locale          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ
);
CREATE INDEX embed_tokens_tenant ON embed_tokens (tenant_id, id);
CREATE INDEX embed_tokens_expires_at ON embed_tokens (expires_at);

-- Changes made with an embed token are audited under the token's ID, with
-- the user it was minted for.
ALTER TABLE audit_events ADD COLUMN user_id TEXT NOT NULL DEFAULT '';

-- A connect session started from an embedded component tells the window
-- that opened it (its origin, one of the token's) when it ends, and may send
-- the browser on to return_to.
ALTER TABLE connect_sessions ADD COLUMN opener_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE connect_sessions ADD COLUMN return_to TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE connect_sessions DROP COLUMN return_to;
ALTER TABLE connect_sessions DROP COLUMN opener_origin;
ALTER TABLE audit_events DROP COLUMN user_id;
DROP TABLE embed_tokens;
