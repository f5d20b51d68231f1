-- +goose Up
-- Least privilege: what each key may do (space-separated scopes from the
-- vocabulary in internal/auth; '*' is everything, which keys made before
-- scopes keep), and the one tenant it is restricted to (NULL: none). No
-- foreign key: a restricted key outlives its tenant, and then reaches nothing.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '*';
ALTER TABLE api_keys ADD COLUMN tenant_id TEXT;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN tenant_id;
ALTER TABLE api_keys DROP COLUMN scopes;
