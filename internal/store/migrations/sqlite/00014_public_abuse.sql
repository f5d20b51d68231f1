-- +goose Up
-- The client address (an IPv4 address, an IPv6 /64) that started an
-- authorization request: pending requests are bounded per app and address,
-- so that one address cannot take an app's whole share.
ALTER TABLE oauth_requests ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
CREATE INDEX oauth_requests_pending ON oauth_requests (app_id, client_addr, expires_at);

-- SHA-256 of the connect page's CSRF token: random and kept on the server,
-- not derived from the browser's cookie, which an attacker may have planted.
ALTER TABLE connect_sessions ADD COLUMN csrf_hash BLOB;

-- +goose Down
ALTER TABLE connect_sessions DROP COLUMN csrf_hash;
DROP INDEX oauth_requests_pending;
ALTER TABLE oauth_requests DROP COLUMN client_addr;
