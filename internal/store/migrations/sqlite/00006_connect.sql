-- +goose Up
-- Connections to third-party APIs: the SaaS's OAuth clients (integrations),
-- connect sessions, connections, and the data keys that encrypt them.

-- Envelope encryption: each tenant's credentials are sealed with a data key
-- of its own (32 random bytes), stored here wrapped (AES-256-GCM) by the key-
-- encryption key from the configuration. 'installation' seals what belongs to
-- no tenant (integrations' client secrets). Rotating the KEK rewrites only
-- these rows; deleting a tenant deletes its key, and so shreds its data.
CREATE TABLE data_keys (
    id          TEXT PRIMARY KEY,  -- 'tenant:' || tenant_id, or 'installation'
    tenant_id   TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    wrapped_key BLOB NOT NULL,     -- sealed by the KEK, bound to id
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE integrations (
    id            TEXT PRIMARY KEY,
    provider_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    client_secret BLOB NOT NULL,  -- sealed with the installation data key
    scopes        TEXT NOT NULL,  -- JSON array; empty means the provider's defaults
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX integrations_provider ON integrations (provider_id, id);

CREATE TABLE connect_sessions (
    id             TEXT PRIMARY KEY,
    token_hash     BLOB NOT NULL UNIQUE,  -- SHA-256 of the pbcs_ token in the URL
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    end_user_id    TEXT NOT NULL,
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    scopes         TEXT NOT NULL,         -- JSON array asked for
    return_url     TEXT NOT NULL,
    status         TEXT NOT NULL,         -- pending, opened, authorizing, completed, failed
    browser_hash   BLOB,                  -- SHA-256 of the cookie of the browser that opened it
    state_hash     BLOB UNIQUE,           -- SHA-256 of the OAuth state sent to the provider
    code_verifier  BLOB,                  -- PKCE verifier, sealed with the tenant's data key
    config         TEXT NOT NULL DEFAULT '{}',  -- JSON of the non-secret field values entered
    connection_id  TEXT,
    expires_at     TIMESTAMP NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX connect_sessions_expires ON connect_sessions (expires_at);

CREATE TABLE connections (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    end_user_id         TEXT NOT NULL,
    integration_id      TEXT NOT NULL REFERENCES integrations (id),
    provider_id         TEXT NOT NULL,
    status              TEXT NOT NULL,  -- active, needs_reauth
    scopes              TEXT NOT NULL,  -- JSON array granted
    config              TEXT NOT NULL,  -- JSON of the non-secret field values
    credentials         BLOB NOT NULL,  -- sealed JSON: tokens and secret fields
    expires_at          TIMESTAMP,      -- of the access token; NULL when it does not expire
    refresh_lease_owner TEXT,           -- the node refreshing it, until refresh_lease_until
    refresh_lease_until TIMESTAMP,
    refreshed_at        TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX connections_tenant ON connections (tenant_id, end_user_id, id);
CREATE INDEX connections_integration ON connections (integration_id);

-- +goose Down
DROP TABLE connections;
DROP TABLE connect_sessions;
DROP TABLE integrations;
DROP TABLE data_keys;
