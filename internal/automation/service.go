package automation

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Service is the automation capability: the catalog, triggers and actions,
// platforms' REST hooks and polling, and the MCP server.
type Service struct {
	db     *store.DB
	opts   Options
	oauth  *oauth.Service
	hooks  *webhooks.Service
	logger *slog.Logger
	// api calls the SaaS's API for the MCP server's tools: the outbound
	// guard's client (the API may be on a private network only when the
	// guard allows it).
	api *http.Client
	// mcpApp is the OAuth app (with token exchange) as which the MCP server
	// exchanges a client's token for one for the API.
	mcpApp string
}

// Config wires the service.
type Config struct {
	Options
	// APIClient calls the SaaS's API (safehttp's client).
	APIClient *http.Client
	// MCPApp is the ID of the confidential OAuth app, with token exchange
	// for the API's audience, that the MCP server acts as; empty turns the
	// action tools off.
	MCPApp string
}

// NewService returns the automation service.
func NewService(db *store.DB, o *oauth.Service, hooks *webhooks.Service, logger *slog.Logger, cfg Config) *Service {
	s := &Service{db: db, opts: cfg.Options, oauth: o, hooks: hooks, logger: logger, api: cfg.APIClient, mcpApp: cfg.MCPApp}
	// A revoked grant takes its hooks with it; a 410 Gone unsubscribes one.
	o.OnRevoke(s.revoked)
	hooks.OnGone(s.gone)
	return s
}

// Catalog loads the live catalog.
func (s *Service) Catalog(ctx context.Context) (Catalog, error) {
	return Load(ctx, s.db, s.opts)
}
