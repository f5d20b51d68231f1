-- +goose Up
-- Least privilege: what each key may do (space-separated scopes from the
-- vocabulary in internal/auth; '*' is everything, which keys made before
-- scopes keep), and the one tenant it is restricted to (NULL: none). No
-- foreign key: a restricted key outlives its tenant, and then reaches nothing.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '*';
ALTER TABLE api_keys ADD COLUMN tenant_id TEXT;

-- One row: bumped in the transaction of every change to a key. Each node
-- polls it and empties its cache of keys when it moves, so a revocation
-- holds on every node within the poll interval.
CREATE TABLE api_key_changes (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO api_key_changes (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE api_key_changes;
ALTER TABLE api_keys DROP COLUMN tenant_id;
ALTER TABLE api_keys DROP COLUMN scopes;
