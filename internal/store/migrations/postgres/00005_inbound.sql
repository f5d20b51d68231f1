-- +goose Up
-- Incoming webhooks: sources (where providers send), and the events they sent.

CREATE TABLE sources (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    tenant_id             TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    scheme                TEXT NOT NULL,   -- the verifier's scheme, readable without decrypting
    verifier              BYTEA NOT NULL,  -- encrypted verify.Config JSON: it holds the secrets
    dedupe_window_seconds INTEGER NOT NULL,
    destination_url       TEXT,            -- where events are forwarded; NULL keeps them only
    endpoint_id           TEXT,            -- the forwarding endpoint, under the tenant !inbound
    forward_header_prefix TEXT NOT NULL DEFAULT '',
    -- re-emit each new event as an outgoing message of this type, to a fixed
    -- tenant or one read from the body at a JSON pointer
    route_event_type      TEXT,
    route_tenant_id       TEXT,
    route_tenant_pointer  TEXT,
    response_status       INTEGER NOT NULL,
    response_body         TEXT NOT NULL,
    response_content_type TEXT NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX sources_tenant ON sources (tenant_id, id);

CREATE TABLE inbound_events (
    id           TEXT PRIMARY KEY,
    source_id    TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    event_id     TEXT,  -- the provider's identity of the event, the dedupe key
    duplicate_of TEXT,  -- the first event with this identity within the window
    method       TEXT NOT NULL,
    headers      TEXT NOT NULL,  -- JSON object of the headers kept
    body         BYTEA,          -- exactly as received
    signed_at    TIMESTAMPTZ,
    received_at  TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,  -- received or duplicate; the delivery says the rest
    delivery_id  TEXT            -- the forward, when there is one
);
CREATE INDEX inbound_events_source ON inbound_events (source_id, id);
CREATE INDEX inbound_events_received ON inbound_events (received_at);

-- One row per identity and source while its window lasts: the conditional
-- upsert on it decides which of two concurrent copies is the original.
CREATE TABLE inbound_dedupe (
    source_id   TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL,
    first_id    TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source_id, event_id)
);
CREATE INDEX inbound_dedupe_expires ON inbound_dedupe (expires_at);

-- A message may carry headers of its own: forwarded events keep theirs.
ALTER TABLE messages ADD COLUMN headers TEXT;

-- +goose Down
ALTER TABLE messages DROP COLUMN headers;
DROP TABLE inbound_dedupe;
DROP TABLE inbound_events;
DROP TABLE sources;
