-- +goose Up
-- An endpoint's type: http (a URL receiving POSTs) or a message broker (nats,
-- rabbitmq, kafka, redis, mqtt) whose address is the url. broker holds the
-- broker's settings as JSON (subject, exchange, topic…); broker_credentials
-- its credentials as sealed JSON, never returned.
ALTER TABLE endpoints ADD COLUMN type TEXT NOT NULL DEFAULT 'http';
ALTER TABLE endpoints ADD COLUMN broker TEXT;
ALTER TABLE endpoints ADD COLUMN broker_credentials BLOB;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN broker_credentials;
ALTER TABLE endpoints DROP COLUMN broker;
ALTER TABLE endpoints DROP COLUMN type;
