-- +goose Up
-- The marketplace (internal/marketplace): listings of OAuth apps and
-- integrations, their revisions through review, the workflow log,
-- installations with per-day counters, reviews, the category catalog, apps'
-- lifecycle webhooks, and the full-text index of published listings.
CREATE TABLE marketplace_categories (
    slug        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    position    INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE marketplace_listings (
    id             TEXT PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    app_id         TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    team_id        TEXT NOT NULL,
    developer_name TEXT NOT NULL,
    state          TEXT NOT NULL,
    -- the working revision's number, 0 when there is none
    revision       INTEGER NOT NULL,
    -- the live revision's number and content (JSON), 0 and '' before the
    -- first publication
    version        INTEGER NOT NULL,
    live           TEXT NOT NULL,
    live_name      TEXT NOT NULL,
    -- the listing's key in marketplace_search: a 63-bit hash of its ID
    search_key     BIGINT NOT NULL UNIQUE,
    install_count  INTEGER NOT NULL DEFAULT 0,
    rating_count   INTEGER NOT NULL DEFAULT 0,
    rating_sum     INTEGER NOT NULL DEFAULT 0,
    rating_avg     DOUBLE PRECISION NOT NULL DEFAULT 0,
    -- visible ratings of 1 to 5, space-separated counts
    rating_dist    TEXT NOT NULL DEFAULT '0 0 0 0 0',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    published_at   TIMESTAMPTZ
);
CREATE INDEX marketplace_listings_team ON marketplace_listings (team_id, id);
CREATE INDEX marketplace_listings_app ON marketplace_listings (app_id);
CREATE INDEX marketplace_listings_integration ON marketplace_listings (integration_id);
CREATE INDEX marketplace_listings_popular ON marketplace_listings (state, install_count, id);
CREATE INDEX marketplace_listings_rating ON marketplace_listings (state, rating_avg, id);
CREATE INDEX marketplace_listings_newest ON marketplace_listings (state, published_at, id);

-- The live categories of each listing, for the directory's filter.
CREATE TABLE marketplace_listing_categories (
    category   TEXT NOT NULL,
    listing_id TEXT NOT NULL REFERENCES marketplace_listings (id) ON DELETE CASCADE,
    PRIMARY KEY (category, listing_id)
);
CREATE INDEX marketplace_listing_categories_listing ON marketplace_listing_categories (listing_id);

CREATE TABLE marketplace_revisions (
    listing_id   TEXT NOT NULL REFERENCES marketplace_listings (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    state        TEXT NOT NULL,
    content      TEXT NOT NULL,
    last_note    TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    submitted_at TIMESTAMPTZ,
    decided_at   TIMESTAMPTZ,
    PRIMARY KEY (listing_id, number)
);

CREATE TABLE marketplace_transitions (
    id         TEXT PRIMARY KEY,
    listing_id TEXT NOT NULL REFERENCES marketplace_listings (id) ON DELETE CASCADE,
    revision   INTEGER NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX marketplace_transitions_listing ON marketplace_transitions (listing_id, id);

CREATE TABLE marketplace_installations (
    id               TEXT PRIMARY KEY,
    listing_id       TEXT NOT NULL REFERENCES marketplace_listings (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    tenant_id        TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    version          INTEGER NOT NULL,
    scopes           TEXT NOT NULL,
    status           TEXT NOT NULL,
    authorization_id TEXT NOT NULL,
    connection_id    TEXT NOT NULL,
    installed_by     TEXT NOT NULL,
    installed_at     TIMESTAMPTZ NOT NULL,
    uninstalled_at   TIMESTAMPTZ,
    uninstalled_by   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX marketplace_installations_active ON marketplace_installations (listing_id, tenant_id, user_id) WHERE status = 'active';
CREATE INDEX marketplace_installations_tenant ON marketplace_installations (tenant_id, status, id);
CREATE INDEX marketplace_installations_listing ON marketplace_installations (listing_id, status, id);
CREATE INDEX marketplace_installations_authorization ON marketplace_installations (authorization_id);
CREATE INDEX marketplace_installations_connection ON marketplace_installations (connection_id);

-- Installs and uninstalls per listing and UTC day, counted as they happen.
CREATE TABLE marketplace_install_days (
    listing_id TEXT NOT NULL REFERENCES marketplace_listings (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    installs   INTEGER NOT NULL,
    uninstalls INTEGER NOT NULL,
    PRIMARY KEY (listing_id, day)
);

CREATE TABLE marketplace_reviews (
    id            TEXT PRIMARY KEY,
    listing_id    TEXT NOT NULL REFERENCES marketplace_listings (id) ON DELETE CASCADE,
    tenant_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    rating        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    reply_body    TEXT NOT NULL DEFAULT '',
    replied_at    TIMESTAMPTZ,
    hidden        BOOLEAN NOT NULL DEFAULT false,
    hidden_reason TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (listing_id, tenant_id, user_id)
);
CREATE INDEX marketplace_reviews_listing ON marketplace_reviews (listing_id, id);

-- An app's lifecycle webhook: an endpoint of the delivery engine under the
-- tenant !apps, which no API call can name.
CREATE TABLE marketplace_app_webhooks (
    app_id      TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    url         TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- The full-text index of published listings (store.TextIndex): name and
-- tags, tagline, description, developer; keyed by search_key.
CREATE TABLE marketplace_search (
    key BIGINT PRIMARY KEY,
    doc TSVECTOR NOT NULL
);
CREATE INDEX marketplace_search_doc ON marketplace_search USING GIN (doc);

-- +goose Down
DROP TABLE marketplace_search;
DROP TABLE marketplace_app_webhooks;
DROP TABLE marketplace_reviews;
DROP TABLE marketplace_install_days;
DROP TABLE marketplace_installations;
DROP TABLE marketplace_transitions;
DROP TABLE marketplace_revisions;
DROP TABLE marketplace_listing_categories;
DROP TABLE marketplace_listings;
DROP TABLE marketplace_categories;
