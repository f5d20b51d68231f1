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

-- +goose Down
ALTER TABLE oauth_apps DROP COLUMN exchange_audiences;
ALTER TABLE oauth_device_codes DROP COLUMN resources;
