-- +goose Up
-- The display name of the developer (the person, company or team) behind an
-- app, set by the SaaS and shown on the consent screen as "by …"; empty when
-- the SaaS has not named one.
ALTER TABLE oauth_apps ADD COLUMN developer_name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE oauth_apps DROP COLUMN developer_name;
