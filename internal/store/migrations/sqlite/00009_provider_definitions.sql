-- +goose Up
-- Provider definitions the operator added through the API. Each node overlays
-- them on the definitions from files, and reloads them when they change.
CREATE TABLE provider_definitions (
    id         TEXT PRIMARY KEY,
    definition TEXT NOT NULL,  -- as sent: YAML or JSON
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE provider_definitions;
