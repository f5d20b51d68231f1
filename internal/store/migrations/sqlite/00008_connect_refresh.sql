-- +goose Up
-- The refresh job: it finds active connections whose access token expires
-- soon by (status, expires_at), and backs off from a provider that keeps
-- failing instead of calling it on every run.
ALTER TABLE connections ADD COLUMN refresh_failures INTEGER NOT NULL DEFAULT 0;  -- transient refresh failures in a row
ALTER TABLE connections ADD COLUMN next_refresh_at TIMESTAMP;  -- the job leaves the connection alone until then
CREATE INDEX connections_due ON connections (status, expires_at);

-- +goose Down
DROP INDEX connections_due;
ALTER TABLE connections DROP COLUMN next_refresh_at;
ALTER TABLE connections DROP COLUMN refresh_failures;
