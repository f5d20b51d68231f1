// Package connect is connections to third-party APIs on behalf of the SaaS's
// users: integrations (the SaaS's own OAuth clients at providers), connect
// sessions (the browser flow that authorizes a connection), and connections
// with their credentials, encrypted under per-tenant data keys (Keyring) and
// refreshed on demand. Requests to a provider for a connection go through
// package proxy, which asks this one for the credentials.
//
// Providers are described declaratively by the catalog (package catalog);
// nothing here knows any provider by name.
package connect

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tracing"
	"github.com/patchbay/patchbay/internal/ttlcache"
)

// Defaults for Config.
const (
	SessionTTLDefault = 15 * time.Minute
	LeaseTTLDefault   = 30 * time.Second
)

// Config tunes the service. Zero values mean the defaults.
type Config struct {
	// PublicURL is where browsers reach Patchbay; the OAuth redirect URI is
	// PublicURL + "/connect/callback".
	PublicURL string
	// SessionTTL is how long a connect session's URL may be opened and its
	// flow completed. Defaults to SessionTTLDefault.
	SessionTTL time.Duration
	// Node names this process in refresh leases.
	Node string
	// LeaseTTL bounds how long one node may hold a connection's refresh lease;
	// a node that dies mid-refresh delays the others at most this long.
	// Defaults to LeaseTTLDefault.
	LeaseTTL time.Duration

	// Brands gives the connect pages the SaaS's branding (the session's
	// tenant's); Images copies provider logos so that the pages serve them.
	// Nil shows Patchbay's default brand and monograms.
	Brands htmlpage.Brands
	Images htmlpage.Images

	// Metrics is the registry the refresh metrics are registered on; nil
	// registers none.
	Metrics prometheus.Registerer
	// Tracer makes a span per refresh asked of a provider; nil makes none.
	Tracer trace.TracerProvider
}

func (c Config) withDefaults() Config {
	c.SessionTTL = cmp.Or(c.SessionTTL, SessionTTLDefault)
	// A lease must outlive the refresh it guards.
	c.LeaseTTL = max(cmp.Or(c.LeaseTTL, LeaseTTLDefault), refreshTimeout+5*time.Second)
	c.Node = cmp.Or(c.Node, "node")
	return c
}

// OperationalEvents enqueues an operational event in a transaction; the
// webhooks service is one.
type OperationalEvents interface {
	EmitOperational(ctx context.Context, tx *store.Tx, eventType string, data map[string]any) error
}

// Service manages integrations, connect sessions and connections.
type Service struct {
	db      *store.DB
	keys    *Keyring
	catalog *catalog.Catalog
	client  *http.Client
	events  OperationalEvents
	logger  *slog.Logger
	cfg     Config
	flight  flight
	// rejections are the connections refreshed after a provider's 401
	// within rejectedRefreshGap.
	rejections *ttlcache.Cache[string, struct{}]
	metrics    *refreshMetrics
	tracer     trace.Tracer // nil when tracing is off
}

// NewService returns the connect service. client must be a safehttp client:
// every provider URL is a third party's.
func NewService(db *store.DB, keys *Keyring, c *catalog.Catalog, client *http.Client, events OperationalEvents, logger *slog.Logger,
	cfg Config) *Service {
	return &Service{db: db, keys: keys, catalog: c, client: client, events: events, logger: logger,
		cfg: cfg.withDefaults(), rejections: ttlcache.New[string, struct{}](rejectedRefreshGap), metrics: newRefreshMetrics(db, cfg.Metrics),
		tracer: optionalTracer(cfg.Tracer)}
}

// CallbackURL is the redirect URI to register with providers.
func (s *Service) CallbackURL() string { return s.cfg.PublicURL + "/connect/callback" }

func (s *Service) emit(ctx context.Context, tx *store.Tx, eventType string, data map[string]any) error {
	if s.events == nil {
		return nil
	}
	return s.events.EmitOperational(ctx, tx, eventType, data)
}

func optionalTracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		return nil
	}
	return tracing.Tracer(tp)
}
