-- +goose Up
-- Polling syncs: a connection's list endpoint fetched on a schedule, its
-- records kept here, and their changes published as sync.record.* messages.

CREATE TABLE syncs (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id    TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    mode             TEXT NOT NULL,     -- full, incremental
    config           TEXT NOT NULL,     -- JSON: request, records, record_id, pagination, incremental
    interval_seconds INTEGER NOT NULL,
    paused           BOOLEAN NOT NULL,
    cursor           TEXT,              -- incremental cursor, advanced only by a complete run
    failures         INTEGER NOT NULL,  -- consecutive failed runs, for the backoff
    next_run_at      TIMESTAMP NOT NULL,
    lease_owner      TEXT,              -- the node running it, until lease_until
    lease_until      TIMESTAMP,
    last_run_at      TIMESTAMP,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX syncs_due ON syncs (next_run_at);
CREATE INDEX syncs_tenant ON syncs (tenant_id, id);
CREATE INDEX syncs_connection ON syncs (connection_id, id);

CREATE TABLE sync_runs (
    id          TEXT PRIMARY KEY,
    sync_id     TEXT NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,     -- running, succeeded, failed
    reason      TEXT NOT NULL,     -- schedule, manual
    pages       INTEGER NOT NULL,
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    deleted     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    error       TEXT,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX sync_runs_sync ON sync_runs (sync_id, started_at);

CREATE TABLE sync_records (
    sync_id       TEXT NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    record_id     TEXT NOT NULL,
    hash          BLOB NOT NULL,  -- SHA-256 of data
    data          TEXT NOT NULL,  -- canonical JSON: sorted keys, no spaces
    seen_run_id   TEXT NOT NULL,  -- the last run that saw it: a complete full run deletes the rest
    first_seen_at TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,  -- last created, changed or deleted
    deleted_at    TIMESTAMP,
    PRIMARY KEY (sync_id, record_id)
);

-- +goose Down
DROP TABLE sync_records;
DROP TABLE sync_runs;
DROP TABLE syncs;
