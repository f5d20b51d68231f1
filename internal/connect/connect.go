// Package connect is connections to third-party APIs on behalf of the SaaS's
// users: integrations (the SaaS's own OAuth clients at providers), connect
// sessions (the browser flow that authorizes a connection), and connections
// with their credentials, encrypted under per-tenant data keys (Keyring) and
// refreshed on demand.
//
// Providers are described declaratively by the catalog (package catalog);
// nothing here knows any provider by name.
package connect

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/store"
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
}

func (c Config) withDefaults() Config {
	c.SessionTTL = cmp.Or(c.SessionTTL, SessionTTLDefault)
	c.LeaseTTL = cmp.Or(c.LeaseTTL, LeaseTTLDefault)
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
	// publisher and jobs serve syncs: record messages and run-now jobs.
	publisher RecordPublisher
	jobs      JobInserter
	logger    *slog.Logger
	cfg       Config
	flight    flight
}

// NewService returns the connect service. client must be a safehttp client:
// every provider URL is a third party's.
func NewService(db *store.DB, keys *Keyring, c *catalog.Catalog, client *http.Client, events OperationalEvents, publisher RecordPublisher,
	jobs JobInserter, logger *slog.Logger, cfg Config) *Service {
	return &Service{db: db, keys: keys, catalog: c, client: client, events: events, publisher: publisher, jobs: jobs, logger: logger,
		cfg: cfg.withDefaults()}
}

// CallbackURL is the redirect URI to register with providers.
func (s *Service) CallbackURL() string { return s.cfg.PublicURL + "/connect/callback" }

func (s *Service) provider(providerID string) (*catalog.Provider, error) {
	p, ok := s.catalog.Get(providerID)
	if !ok {
		return nil, apperr.Errorf(apperr.Unprocessable, "provider %s is no longer in the catalog", providerID)
	}
	return p, nil
}

func (s *Service) emit(ctx context.Context, tx *store.Tx, eventType string, data map[string]any) error {
	if s.events == nil {
		return nil
	}
	return s.events.EmitOperational(ctx, tx, eventType, data)
}

// randomToken returns a prefixed token of 256 random bits.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func tenantExists(ctx context.Context, q store.Querier, tenantID string) error {
	var n int
	if err := q.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE id = ? AND deleted_at IS NULL", tenantID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.InvalidFields(map[string]string{"tenant_id": "no tenant " + tenantID})
	}
	return nil
}
