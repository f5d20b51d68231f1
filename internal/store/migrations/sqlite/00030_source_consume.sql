-- +goose Up
-- A source may also consume its events from a message broker: consume holds
-- where (destinations.Consume as JSON: type, url, subject, queue, topic or
-- stream key, group, message ID), consume_credentials the broker's
-- credentials as sealed JSON, never returned. NULL for an HTTP-only source.
ALTER TABLE sources ADD COLUMN consume TEXT;
ALTER TABLE sources ADD COLUMN consume_credentials BLOB;

-- +goose Down
ALTER TABLE sources DROP COLUMN consume_credentials;
ALTER TABLE sources DROP COLUMN consume;
