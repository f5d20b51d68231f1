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
ALTER TABLE oauth_requests ALTER COLUMN app_id DROP NOT NULL;
ALTER TABLE oauth_requests ADD COLUMN metadata_client_id TEXT;
ALTER TABLE oauth_requests ADD COLUMN metadata_client TEXT;
CREATE INDEX oauth_requests_metadata_pending ON oauth_requests (metadata_client_id, client_addr, expires_at);

-- +goose Down
DELETE FROM oauth_requests WHERE app_id IS NULL;
DROP INDEX oauth_requests_metadata_pending;
ALTER TABLE oauth_requests DROP COLUMN metadata_client;
ALTER TABLE oauth_requests DROP COLUMN metadata_client_id;
ALTER TABLE oauth_requests ALTER COLUMN app_id SET NOT NULL;
ALTER TABLE oauth_apps DROP COLUMN exchange_audiences;
ALTER TABLE oauth_device_codes DROP COLUMN resources;
