-- +goose Up
-- Clients that register themselves (RFC 7591) and the device authorization
-- grant (RFC 8628).

-- registration says how an app came to be: 'admin' registered by the SaaS
-- through the admin API, 'dynamic' through POST /oauth/register,
-- 'metadata_document' from the client ID metadata document its client_id
-- URL serves (fetched again once metadata_expires_at has passed). A dynamic app's
-- registration access token (RFC 7592) is stored hashed; registered_from is
-- the client address that registered it, for the per-address cap;
-- token_endpoint_auth_method the method it registered (RFC 7591 §2), echoed
-- back when it reads its registration.
ALTER TABLE oauth_apps ADD COLUMN registration TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE oauth_apps ADD COLUMN token_endpoint_auth_method TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_apps ADD COLUMN registration_token BLOB;
ALTER TABLE oauth_apps ADD COLUMN registered_from TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_apps ADD COLUMN metadata_expires_at TIMESTAMP;
CREATE INDEX oauth_apps_registration ON oauth_apps (registration, registered_from);
CREATE UNIQUE INDEX oauth_apps_registration_token ON oauth_apps (registration_token);

-- Initial access tokens the SaaS issues to let a party use POST /oauth/register
-- when registration is not open (RFC 7591 §3); stored hashed.
CREATE TABLE oauth_initial_access_tokens (
    id          TEXT PRIMARY KEY,
    token       BLOB NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP
);

-- One row per device authorization request (RFC 8628): from
-- /oauth/device_authorization to the tokens the device polls for.
CREATE TABLE oauth_device_codes (
    id               TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    device_code      BLOB NOT NULL UNIQUE,
    user_code        BLOB NOT NULL UNIQUE,
    scopes           TEXT NOT NULL,
    status           TEXT NOT NULL,  -- pending, approved, denied, done
    -- the authorization request the verification page last started for it
    request_id       TEXT,
    authorization_id TEXT REFERENCES oauth_authorizations (id) ON DELETE CASCADE,
    granted_scopes   TEXT,
    poll_interval    INTEGER NOT NULL,  -- seconds; grows by 5 on each slow_down
    last_polled_at   TIMESTAMP,
    client_addr      TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL
);
CREATE INDEX oauth_device_codes_pending ON oauth_device_codes (app_id, client_addr, expires_at);
CREATE INDEX oauth_device_codes_expires ON oauth_device_codes (expires_at);
CREATE INDEX oauth_device_codes_request ON oauth_device_codes (request_id);

-- +goose Down
DROP TABLE oauth_device_codes;
DROP TABLE oauth_initial_access_tokens;
DROP INDEX oauth_apps_registration_token;
DROP INDEX oauth_apps_registration;
ALTER TABLE oauth_apps DROP COLUMN metadata_expires_at;
ALTER TABLE oauth_apps DROP COLUMN registered_from;
ALTER TABLE oauth_apps DROP COLUMN registration_token;
ALTER TABLE oauth_apps DROP COLUMN token_endpoint_auth_method;
ALTER TABLE oauth_apps DROP COLUMN registration;
