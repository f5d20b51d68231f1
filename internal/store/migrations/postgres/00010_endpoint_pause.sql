-- +goose Up
-- Until when an endpoint's deliveries wait, because its circuit breaker is
-- open or it answered 429 with a delay: deliveries that become due meanwhile,
-- new ones included, wait too, instead of each going out as a probe.
ALTER TABLE endpoints ADD COLUMN paused_until TIMESTAMPTZ;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN paused_until;
