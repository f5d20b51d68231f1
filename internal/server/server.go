// Package server assembles Patchbay's HTTP API: every route in routes.go, the
// middleware every request passes through, the health and metrics endpoints,
// and the OpenAPI document generated from the routes themselves.
package server

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/automation"
	"github.com/patchbay/patchbay/internal/branding"
	"github.com/patchbay/patchbay/internal/clientip"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/console"
	"github.com/patchbay/patchbay/internal/devinbox"
	"github.com/patchbay/patchbay/internal/embed"
	"github.com/patchbay/patchbay/internal/idempotency"
	"github.com/patchbay/patchbay/internal/inbound"
	"github.com/patchbay/patchbay/internal/marketplace"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/proxy"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/syncs"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/tracing"
	"github.com/patchbay/patchbay/internal/transform"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Deps are everything the HTTP API calls into.
type Deps struct {
	Logger *slog.Logger
	// Automation serves the automation catalog, platforms' hooks and the
	// MCP server.
	Automation *automation.Service
	DB         *store.DB
	Keys       *auth.Keys
	// Console signs operators in to the review console with an admin key;
	// SecureCookies is true when browsers reach Patchbay over https.
	Console       *console.Service
	SecureCookies bool
	Tenants       *tenants.Service
	Webhooks      *webhooks.Service
	EventTypes    *webhooks.EventTypes
	OAuth         *oauth.Service
	Inbound       *inbound.Service
	Transforms    *transform.Service
	Providers     *catalog.Catalog
	Connect       *connect.Service
	Proxy         *proxy.Engine
	Syncs         *syncs.Service
	// Branding is what every page shows of the SaaS; Assets serves logos.
	Branding *branding.Service
	Assets   *assets.Store
	// Marketplace is the marketplace: listings, review, installs, reviews.
	Marketplace *marketplace.Service
	Idempotency *idempotency.Keys
	// Embed checks embed tokens; EmbedAPI serves the /embed/v1 routes of
	// its own. EmbedTokenLimit limits each embed token's requests, and
	// EmbedAddrLimit each client address's to /embed/v1.
	Embed           *embed.Service
	EmbedAPI        *embed.API
	EmbedTokenLimit ratelimit.Policy
	EmbedAddrLimit  ratelimit.Policy
	// Audit records every change made through the admin API.
	Audit     *audit.Log
	Limiter   ratelimit.Limiter
	RateLimit ratelimit.Policy
	// Addresses limits each client address on the public routes: the
	// browser pages under PagesRateLimit, /in/ under IngestRateLimit. A zero
	// Limit turns one off.
	Addresses       *ratelimit.Addresses
	PagesRateLimit  ratelimit.Policy
	IngestRateLimit ratelimit.Policy
	// Metrics is the node's registry; the server adds its HTTP metrics to it
	// and serves it at /metrics, unless PrivateMetrics.
	Metrics *prometheus.Registry
	// Tracer makes a span per request; nil makes none.
	Tracer trace.TracerProvider
	// PrivateMetrics leaves /metrics to a listener of its own
	// (MetricsHandler), so the main listener answers 404 there.
	PrivateMetrics bool
	// BodyLimit caps request bodies, in bytes (413 beyond).
	BodyLimit int64
	// Clients finds each request's client address.
	Clients clientip.Resolver
	// AdminAPI serves /v1; off on worker-only nodes, which answer only health,
	// readiness and metrics.
	AdminAPI bool
	// Dev serves the development-only routes, such as the dev inbox.
	Dev bool
	// DevInbox is the webhook receiver at /dev/inbox/{name}; needed with Dev.
	DevInbox *devinbox.Inboxes
	Version  string
}

// MetricsHandler serves /metrics alone, for a listener of its own
// (--metrics-addr); every other path is 404.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", handleMetrics(reg).Handler)
	return mux
}

// NewServer returns the HTTP handler for a node.
func NewServer(d Deps) http.Handler {
	rt := newRouter(d)
	addRoutes(rt, d)
	rt.finish()
	var tracer trace.Tracer
	if d.Tracer != nil {
		tracer = tracing.Tracer(d.Tracer)
	}
	return observe(d.Logger, newHTTPMetrics(d.Metrics), tracer, d.BodyLimit, d.Clients, rt)
}
