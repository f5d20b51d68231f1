-- +goose Up
-- The resources (RFC 8707) a device authorization request named: its
-- tokens are bound to them, as those of an authorization request are.
ALTER TABLE oauth_device_codes ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';

-- The resources whose audience an app may exchange tokens for (RFC 8693):
-- a JSON list of resource identifiers; none until the SaaS names some.
ALTER TABLE oauth_apps ADD COLUMN exchange_audiences TEXT NOT NULL DEFAULT '[]';

-- oauth_apps.registered_from, the source a self-registered client counts
-- against, now holds a client address (open registration), 'token:' and an
-- initial access token's ID, or 'host:' and a metadata document's host.

-- A client from a metadata document is stored as an app only once a user
-- has signed in for it, so that sending URLs cannot fill the cap on
-- self-registered clients. Until then its request has no app_id and
-- carries the client as fetched (metadata_client, JSON), bounded and
-- expiring with the request; metadata_client_id counts its requests.
-- Exactly one of app_id and metadata_client_id is set.
CREATE TABLE oauth_requests_new (
    id                    TEXT PRIMARY KEY,
    app_id                TEXT REFERENCES oauth_apps (id) ON DELETE CASCADE,
    metadata_client_id    TEXT,
    metadata_client       TEXT,
    login_challenge       BLOB NOT NULL UNIQUE,
    consent_challenge     BLOB UNIQUE,
    browser               BLOB NOT NULL,
    csrf                  BLOB,
    status                TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,
    granted_scopes        TEXT,
    state                 TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    user_id               TEXT,
    team_id               TEXT,
    deny_error            TEXT,
    deny_description      TEXT,
    created_at            TIMESTAMP NOT NULL,
    expires_at            TIMESTAMP NOT NULL,
    client_addr           TEXT NOT NULL DEFAULT '',
    resources             TEXT NOT NULL DEFAULT '[]',
    user_name             TEXT,
    team_name             TEXT,
    avatar_url            TEXT
);
INSERT INTO oauth_requests_new (id, app_id, login_challenge, consent_challenge, browser, csrf, status, redirect_uri, scopes,
    granted_scopes, state, code_challenge, user_id, team_id, deny_error, deny_description, created_at, expires_at, client_addr, resources,
    user_name, team_name, avatar_url)
SELECT id, app_id, login_challenge, consent_challenge, browser, csrf, status, redirect_uri, scopes,
    granted_scopes, state, code_challenge, user_id, team_id, deny_error, deny_description, created_at, expires_at, client_addr, resources,
    user_name, team_name, avatar_url
FROM oauth_requests;
DROP TABLE oauth_requests;
ALTER TABLE oauth_requests_new RENAME TO oauth_requests;
CREATE INDEX oauth_requests_expires ON oauth_requests (expires_at);
CREATE INDEX oauth_requests_pending ON oauth_requests (app_id, client_addr, expires_at);
CREATE INDEX oauth_requests_metadata_pending ON oauth_requests (metadata_client_id, client_addr, expires_at);

-- +goose Down
-- app_id stays nullable: making it NOT NULL again takes another rebuild,
-- and after this DELETE no row lacks it.
DELETE FROM oauth_requests WHERE app_id IS NULL;
DROP INDEX oauth_requests_metadata_pending;
ALTER TABLE oauth_requests DROP COLUMN metadata_client;
ALTER TABLE oauth_requests DROP COLUMN metadata_client_id;
ALTER TABLE oauth_apps DROP COLUMN exchange_audiences;
ALTER TABLE oauth_device_codes DROP COLUMN resources;
