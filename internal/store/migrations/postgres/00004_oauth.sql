-- +goose Up
-- The OAuth 2 provider. Secrets, codes, challenges and tokens are stored only
-- as SHA-256 hashes (BYTEA); lists are JSON arrays, read and written whole.

CREATE TABLE oauth_scopes (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE oauth_apps (
    id                         TEXT PRIMARY KEY,
    team_id                    TEXT NOT NULL,  -- the developer's team, the SaaS's own ID
    name                       TEXT NOT NULL,
    description                TEXT NOT NULL DEFAULT '',
    client_id                  TEXT NOT NULL UNIQUE,
    client_type                TEXT NOT NULL,  -- confidential or public
    client_secret              BYTEA,          -- hashed; NULL for public apps
    previous_client_secret     BYTEA,          -- hashed; still accepted until previous_secret_expires_at
    previous_secret_expires_at TIMESTAMPTZ,
    redirect_uris              TEXT NOT NULL,  -- JSON array of exact URIs
    scopes                     TEXT NOT NULL DEFAULT '[]',
    logo_url                   TEXT NOT NULL DEFAULT '',
    homepage_url               TEXT NOT NULL DEFAULT '',
    is_published               BOOLEAN NOT NULL DEFAULT false,
    created_at                 TIMESTAMPTZ NOT NULL,
    updated_at                 TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_apps_team ON oauth_apps (team_id, id);

CREATE TABLE oauth_authorizations (
    id         TEXT PRIMARY KEY,
    app_id     TEXT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    team_id    TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    UNIQUE (app_id, user_id, team_id)
);
CREATE INDEX oauth_authorizations_user ON oauth_authorizations (user_id, team_id, id);

-- One row per visit to /oauth/authorize, from the login challenge to the code.
CREATE TABLE oauth_requests (
    id                    TEXT PRIMARY KEY,
    app_id                TEXT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    login_challenge       BYTEA NOT NULL UNIQUE,
    consent_challenge     BYTEA UNIQUE,
    browser               BYTEA NOT NULL,  -- the browser's flow cookie
    csrf                  BYTEA,           -- the consent form's token
    status                TEXT NOT NULL,   -- login, consent, approved, denied, done
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,
    granted_scopes        TEXT,
    state                 TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    user_id               TEXT,
    team_id               TEXT,
    deny_error            TEXT,
    deny_description      TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_requests_expires ON oauth_requests (expires_at);

CREATE TABLE oauth_codes (
    code             BYTEA PRIMARY KEY,
    app_id           TEXT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    authorization_id TEXT NOT NULL REFERENCES oauth_authorizations (id) ON DELETE CASCADE,
    family_id        TEXT NOT NULL,  -- the tokens issued from this code, for revocation on reuse
    redirect_uri     TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    code_challenge   TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    used_at          TIMESTAMPTZ
);
CREATE INDEX oauth_codes_expires ON oauth_codes (expires_at);

CREATE TABLE oauth_tokens (
    id                 TEXT PRIMARY KEY,
    app_id             TEXT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    -- NULL for client_credentials tokens, which belong to the app itself
    authorization_id   TEXT REFERENCES oauth_authorizations (id) ON DELETE CASCADE,
    family_id          TEXT NOT NULL,  -- every token descended from one code by refreshing
    access_token       BYTEA NOT NULL UNIQUE,
    refresh_token      BYTEA UNIQUE,   -- NULL for client_credentials tokens
    scopes             TEXT NOT NULL,
    user_id            TEXT,
    team_id            TEXT,
    access_expires_at  TIMESTAMPTZ NOT NULL,
    refresh_expires_at TIMESTAMPTZ,
    rotated_at         TIMESTAMPTZ,    -- when its refresh token was used
    created_at         TIMESTAMPTZ NOT NULL,
    revoked_at         TIMESTAMPTZ
);
CREATE INDEX oauth_tokens_family ON oauth_tokens (family_id);
CREATE INDEX oauth_tokens_authorization ON oauth_tokens (authorization_id);
CREATE INDEX oauth_tokens_app ON oauth_tokens (app_id);
CREATE INDEX oauth_tokens_expires ON oauth_tokens (access_expires_at);

-- +goose Down
DROP TABLE oauth_tokens;
DROP TABLE oauth_codes;
DROP TABLE oauth_requests;
DROP TABLE oauth_authorizations;
DROP TABLE oauth_apps;
DROP TABLE oauth_scopes;
