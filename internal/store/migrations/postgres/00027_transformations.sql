-- +goose Up
-- Transformations (internal/transform): code that adapts a delivery before it
-- is signed, or an incoming event after it is verified. Each save is a new,
-- immutable version; an endpoint or a source runs the version its attachment
-- pins, or the latest.
CREATE TABLE transformations (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    language       TEXT NOT NULL,     -- javascript or wasm
    latest_version INTEGER NOT NULL,  -- the number of the newest version
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE transformation_versions (
    id                TEXT PRIMARY KEY,  -- tfv_…, what attempts record
    transformation_id TEXT NOT NULL REFERENCES transformations (id) ON DELETE CASCADE,
    version           INTEGER NOT NULL,  -- 1, 2, … per transformation
    code              BYTEA NOT NULL,     -- JavaScript source or the Wasm module
    sha256            TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (transformation_id, version)
);

-- One transformation per endpoint (ep_…) or source (src_…).
CREATE TABLE transformation_attachments (
    target_id         TEXT PRIMARY KEY,
    transformation_id TEXT NOT NULL REFERENCES transformations (id) ON DELETE CASCADE,
    version           INTEGER,  -- NULL: the latest version
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX transformation_attachments_transformation ON transformation_attachments (transformation_id, target_id);

-- The version that ran for an attempt (outgoing) or an event (incoming).
ALTER TABLE attempts ADD COLUMN transformation_version TEXT;
ALTER TABLE inbound_events ADD COLUMN transformation_version TEXT;
ALTER TABLE inbound_events ADD COLUMN transformation_error TEXT;

-- +goose Down
ALTER TABLE inbound_events DROP COLUMN transformation_error;
ALTER TABLE inbound_events DROP COLUMN transformation_version;
ALTER TABLE attempts DROP COLUMN transformation_version;
DROP TABLE transformation_attachments;
DROP TABLE transformation_versions;
DROP TABLE transformations;
