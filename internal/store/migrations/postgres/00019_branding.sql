-- +goose Up
-- A content-addressed store of small public files (logos now; marketplace
-- icons and screenshots later): served at /assets/{hash}.{ext}, so a URL never
-- changes meaning and can be cached for ever.
CREATE TABLE assets (
    hash         TEXT PRIMARY KEY, -- lowercase hex SHA-256 of bytes
    content_type TEXT NOT NULL,
    bytes        BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- Remote images (app and provider logos, avatars) fetched once through the
-- SSRF guard: hash names the stored copy, or is NULL when the fetch failed
-- (tried again once retry_at has passed).
CREATE TABLE asset_sources (
    url        TEXT PRIMARY KEY,
    hash       TEXT REFERENCES assets (hash),
    error      TEXT NOT NULL DEFAULT '',
    fetched_at TIMESTAMPTZ NOT NULL,
    retry_at   TIMESTAMPTZ
);
CREATE INDEX asset_sources_fetched ON asset_sources (fetched_at);

-- What pages show: id '' is the installation's branding, any other id a
-- tenant's override (tenant_id set, removed with the tenant). NULL fields
-- fall back to the installation's, and then to Patchbay's defaults.
CREATE TABLE branding (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    product_name TEXT,
    accent_color TEXT,
    theme        TEXT,
    support_url  TEXT,
    terms_url    TEXT,
    privacy_url  TEXT,
    logo_hash    TEXT REFERENCES assets (hash),
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX branding_tenant ON branding (tenant_id);

-- An app's uploaded logo, preferred over logo_url: the asset's hash and
-- type (which names its URL).
ALTER TABLE oauth_apps ADD COLUMN logo_hash TEXT;
ALTER TABLE oauth_apps ADD COLUMN logo_content_type TEXT;

-- How the user and team who signed in are shown on the consent screen, as
-- the SaaS's login page gave them (optional); the avatar is copied through
-- the asset fetcher, never linked.
ALTER TABLE oauth_requests ADD COLUMN user_name TEXT;
ALTER TABLE oauth_requests ADD COLUMN team_name TEXT;
ALTER TABLE oauth_requests ADD COLUMN avatar_url TEXT;

-- Scopes say what access they give, so the consent screen can group them.
ALTER TABLE oauth_scopes ADD COLUMN access_level TEXT NOT NULL DEFAULT 'read';

-- +goose Down
ALTER TABLE oauth_scopes DROP COLUMN access_level;
ALTER TABLE oauth_requests DROP COLUMN avatar_url;
ALTER TABLE oauth_requests DROP COLUMN team_name;
ALTER TABLE oauth_requests DROP COLUMN user_name;
ALTER TABLE oauth_apps DROP COLUMN logo_content_type;
ALTER TABLE oauth_apps DROP COLUMN logo_hash;
DROP TABLE branding;
DROP TABLE asset_sources;
DROP TABLE assets;
