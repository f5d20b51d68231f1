-- +goose Up
CREATE TABLE event_types (
    name         TEXT PRIMARY KEY,
    description  TEXT NOT NULL DEFAULT '',
    -- JSON Schema that payloads of this type must match; NULL accepts any JSON
    schema       JSONB,
    example      JSONB,
    archived     BOOLEAN NOT NULL DEFAULT false,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE endpoints (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url                   TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    event_types           TEXT NOT NULL DEFAULT '[]', -- JSON array; empty means all
    channels              TEXT NOT NULL DEFAULT '[]', -- JSON array; empty means all
    headers               TEXT NOT NULL DEFAULT '{}',
    metadata              TEXT NOT NULL DEFAULT '{}',
    delivery_order        TEXT NOT NULL DEFAULT 'unordered',
    rate_limit            INTEGER,  -- deliveries per second; NULL means unlimited
    max_concurrency       INTEGER,  -- NULL means the installation default
    retry_schedule        TEXT,     -- JSON array of seconds; NULL means the default
    secret                BYTEA NOT NULL,  -- encrypted
    previous_secret       BYTEA,           -- encrypted; still signs until previous_secret_until
    previous_secret_until TIMESTAMPTZ,
    disabled              BOOLEAN NOT NULL DEFAULT false,
    disabled_reason       TEXT,
    disabled_at           TIMESTAMPTZ,
    -- health: failures since the last success start the auto-disable clock
    last_success_at       TIMESTAMPTZ,
    failing_since         TIMESTAMPTZ,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,  -- the circuit breaker opens at a threshold
    -- the node working this endpoint's deliveries, and until when
    lease_owner           TEXT,
    lease_until           TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX endpoints_tenant ON endpoints (tenant_id, id);

CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_type  TEXT NOT NULL,
    event_id    TEXT,
    channels    TEXT NOT NULL DEFAULT '[]',
    payload     TEXT,  -- exactly as published; NULL once retention removed it
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX messages_event_id ON messages (tenant_id, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX messages_tenant ON messages (tenant_id, id);
CREATE INDEX messages_created ON messages (created_at);

CREATE TABLE deliveries (
    -- seq orders deliveries as they were published: FIFO endpoints follow it
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    endpoint_id      TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    message_id       TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    tenant_id        TEXT NOT NULL,
    status           TEXT NOT NULL,  -- pending, succeeded, failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ,
    last_attempt_at  TIMESTAMPTZ,
    last_status_code INTEGER,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, status, seq);
CREATE INDEX deliveries_message ON deliveries (message_id);
CREATE INDEX deliveries_endpoint_id ON deliveries (endpoint_id, id);

CREATE TABLE attempts (
    id             TEXT PRIMARY KEY,
    delivery_id    TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    endpoint_id    TEXT NOT NULL,
    attempted_at   TIMESTAMPTZ NOT NULL,
    duration_ms    INTEGER NOT NULL,
    status_code    INTEGER,       -- NULL when no response came
    success        BOOLEAN NOT NULL,
    error          TEXT,          -- why it failed without a response (timeout, refused by the SSRF guard, …)
    response_body  BYTEA,          -- up to 64 KiB; NULL once retention removed it
    node           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attempts_delivery ON attempts (delivery_id, attempted_at);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, attempted_at);
CREATE INDEX attempts_time ON attempts (attempted_at);

CREATE TABLE endpoint_events (
    id           TEXT PRIMARY KEY,
    endpoint_id  TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,  -- disabled, enabled
    reason       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE endpoint_events;
DROP TABLE attempts;
DROP TABLE deliveries;
DROP TABLE messages;
DROP TABLE endpoints;
DROP TABLE event_types;
