-- +goose Up
-- The SHA-256 of a source's ingest token, which a source with scheme none
-- needs in its URL: its ID alone, shown wherever sources are listed, must not
-- be its credential. Sources with scheme none from before have none, so their
-- old URL answers 404 until POST /v1/sources/{id}/ingest-token/rotate gives
-- them one (serve logs which).
ALTER TABLE sources ADD COLUMN ingest_token_hash BYTEA;

-- +goose Down
ALTER TABLE sources DROP COLUMN ingest_token_hash;
