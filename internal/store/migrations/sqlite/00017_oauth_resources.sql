-- +goose Up
-- The SaaS's protected resources (RFC 8707 resource indicators, RFC 9728
-- metadata), the audiences tokens are bound to, and token exchange (RFC 8693).
-- Lists are JSON arrays, as in 00004.
CREATE TABLE oauth_resources (
    id         TEXT PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,  -- the resource indicator, such as https://api.example.com
    name       TEXT NOT NULL,
    scopes     TEXT NOT NULL,         -- the scopes it accepts
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The resources an authorization request named, carried to its code, and
-- the resources a user granted an app (consent is asked again for a new one).
ALTER TABLE oauth_requests ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE oauth_codes ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE oauth_authorizations ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
-- resources and grant_scopes: what the grant covers, kept through refreshes
-- so that a refresh may narrow one token's audience (and with it the scopes
-- that audience accepts) without losing the rest; '[]' in rows from before
-- this migration means the token's own scopes. audiences: this access
-- token's aud. actor: the act claim of an exchanged token (JSON).
ALTER TABLE oauth_tokens ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE oauth_tokens ADD COLUMN grant_scopes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE oauth_tokens ADD COLUMN audiences TEXT NOT NULL DEFAULT '[]';
ALTER TABLE oauth_tokens ADD COLUMN actor TEXT;
-- Whether the app may exchange users' tokens (RFC 8693); only the SaaS sets it.
ALTER TABLE oauth_apps ADD COLUMN token_exchange BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE oauth_apps DROP COLUMN token_exchange;
ALTER TABLE oauth_tokens DROP COLUMN actor;
ALTER TABLE oauth_tokens DROP COLUMN audiences;
ALTER TABLE oauth_tokens DROP COLUMN grant_scopes;
ALTER TABLE oauth_tokens DROP COLUMN resources;
ALTER TABLE oauth_authorizations DROP COLUMN resources;
ALTER TABLE oauth_codes DROP COLUMN resources;
ALTER TABLE oauth_requests DROP COLUMN resources;
DROP TABLE oauth_resources;
