package marketplace

import (
	"context"
	"encoding/json"
	"time"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Apps is what the marketplace needs of oauth.Service.
type Apps interface {
	App(ctx context.Context, appID string) (oauth.App, error)
	Scope(ctx context.Context, name string) (oauth.Scope, error)
	CreateApp(ctx context.Context, app oauth.App) (oauth.AppWithSecret, error)
	ListApps(ctx context.Context, teamID string, page httpapi.Page) ([]oauth.App, error)
	UpdateApp(ctx context.Context, appID string, f oauth.AppChanges) (oauth.App, error)
	RevokeAuthorization(ctx context.Context, authID string) error
	Issuer() string
}

// Integrations is what the marketplace needs of connect.Service.
type Integrations interface {
	Integration(ctx context.Context, integrationID string) (connect.Integration, error)
	ProviderInfo(providerID string) connect.ProviderInfo
	CreateSession(ctx context.Context, ns connect.NewSession) (connect.CreatedSession, error)
	DeleteConnection(ctx context.Context, connectionID string) error
}

// Hooks is what the marketplace needs of webhooks.Service: the operational
// webhook, developer teams' own endpoints, and apps' lifecycle webhooks,
// which are endpoints of the delivery engine under AppsTenant.
type Hooks interface {
	EmitOperational(ctx context.Context, tx *store.Tx, eventType string, data map[string]any) error
	PublishTx(ctx context.Context, tx *store.Tx, tenantID string, in []webhooks.MessageIn) ([]string, error)
	EnqueueTx(ctx context.Context, tx *store.Tx, fs []webhooks.Forward) ([]string, error)
	Delivered(endpointIDs []string)
	CheckEndpointURL(u string) error
	CreateEndpoint(ctx context.Context, e webhooks.Endpoint, secret string) (webhooks.Endpoint, error)
	UpdateEndpoint(ctx context.Context, tenantID, endpointID string, change func(e *webhooks.Endpoint)) (webhooks.Endpoint, error)
	DeleteEndpoint(ctx context.Context, tenantID, endpointID string) error
	Secret(ctx context.Context, tenantID, endpointID string) (string, error)
	RotateSecret(ctx context.Context, tenantID, endpointID, newSecret string, overlap time.Duration) (string, error)
}

// ProviderScopes gives a provider's default scopes, for integrations that
// name none: the catalog's.
type ProviderScopes func(providerID string) []string

// Deps are the marketplace's collaborators. Any may be nil in tests that do
// not reach them.
type Deps struct {
	Apps           Apps
	Integrations   Integrations
	Hooks          Hooks
	Assets         *assets.Store
	ProviderScopes ProviderScopes
}

// Service runs the marketplace.
type Service struct {
	db   *store.DB
	deps Deps
}

// NewService returns the marketplace service.
func NewService(db *store.DB, deps Deps) *Service {
	return &Service{db: db, deps: deps}
}

// Actor is who asks for a change: an admin key, or the user of an embed
// token acting as a reviewer or as a developer of TeamID.
type Actor struct {
	Type   string
	ID     string
	Name   string
	TeamID string // a developer's team
}

// searchIndex holds the live content of every listing published once.
var searchIndex = store.TextIndex{Table: "marketplace_search"}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only marshalable types are passed
	}
	return string(b)
}

// secretOverlap is how long a rotated lifecycle webhook secret keeps
// signing beside the new one.
const secretOverlap = 24 * time.Hour
