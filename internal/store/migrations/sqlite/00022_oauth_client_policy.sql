-- +goose Up
-- The privacy policy and terms of service a self-registered client names
-- (policy_uri and tos_uri, RFC 7591 §2), https URLs linked on the consent
-- screen; empty when it names none.
ALTER TABLE oauth_apps ADD COLUMN policy_url TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_apps ADD COLUMN terms_url TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE oauth_apps DROP COLUMN terms_url;
ALTER TABLE oauth_apps DROP COLUMN policy_url;
