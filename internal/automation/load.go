package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/branding"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Options are the installation's facts the catalog states.
type Options struct {
	// PatchbayURL is Patchbay's public URL, the OAuth issuer, without a
	// trailing slash.
	PatchbayURL string
	// APIBaseURL is the SaaS's API, on which every action's URL template
	// lies and which the MCP server's tool calls reach.
	APIBaseURL string
	// APIAudience is the resource indicator (RFC 8707) of the SaaS's API;
	// empty means APIBaseURL.
	APIAudience string
	// HooksScope, when set, is the scope the hook and poll endpoints
	// require.
	HooksScope string
}

func (o Options) audience() string {
	if o.APIAudience != "" {
		return o.APIAudience
	}
	return o.APIBaseURL
}

// sampleTime is the timestamp of samples made from an event type's
// example: fixed, so that the catalog is the same bytes every time.
var sampleTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Load reads the live catalog from the store: the product from the
// installation's branding, the scope catalog, the exposed triggers and the
// actions. The same data always gives the same Catalog.
func Load(ctx context.Context, db store.Querier, opts Options) (Catalog, error) {
	brand, err := branding.InstallationBranding(ctx, db)
	if err != nil {
		return Catalog{}, fmt.Errorf("catalog branding: %w", err)
	}
	scopes, err := oauth.ScopeCatalog(ctx, db)
	if err != nil {
		return Catalog{}, fmt.Errorf("catalog scopes: %w", err)
	}
	triggers, err := loadTriggers(ctx, db)
	if err != nil {
		return Catalog{}, err
	}
	actions, err := actionsAll(ctx, db, true)
	if err != nil {
		return Catalog{}, fmt.Errorf("catalog actions: %w", err)
	}
	base := strings.TrimSuffix(opts.PatchbayURL, "/")
	name := brand.ProductName
	if name == "" {
		name = "Patchbay"
	}
	c := Catalog{
		Version: CatalogVersion,
		Product: Product{Name: name, Key: productKey(name), Description: name + " for automation platforms and AI agents.",
			HomepageURL: brand.SupportURL, APIBaseURL: opts.APIBaseURL, PatchbayURL: base, MCPURL: base + "/mcp"},
		OAuth: OAuth{AuthorizeURL: base + "/oauth/authorize", TokenURL: base + "/oauth/token", RevokeURL: base + "/oauth/revoke",
			PKCE: "S256", Scopes: []Scope{}, RequiredScopes: []string{}},
		Hooks: Hooks{SubscribeURL: base + "/v1/hooks", UnsubscribeURL: base + "/v1/hooks/{id}", PollURL: base + "/v1/hooks/poll/{trigger}",
			MeURL: base + "/v1/hooks/me", Scope: opts.HooksScope},
		Triggers: []Trigger{},
		Actions:  []Action{},
	}
	if brand.LogoURL != "" {
		c.Product.LogoURL = base + brand.LogoURL
	}
	if len(actions) > 0 {
		c.OAuth.Resource = opts.audience()
	}
	for _, sc := range scopes {
		c.OAuth.Scopes = append(c.OAuth.Scopes, Scope{Name: sc.Name, Description: sc.Description, AccessLevel: sc.AccessLevel})
	}
	required := []string{}
	if opts.HooksScope != "" && len(triggers) > 0 {
		required = append(required, opts.HooksScope)
	}
	for _, t := range triggers {
		if t.Exposed {
			c.Triggers = append(c.Triggers, t.catalog())
		}
	}
	for _, a := range actions {
		c.Actions = append(c.Actions, a.catalog())
		required = append(required, a.Scopes...)
	}
	slices.Sort(required)
	c.OAuth.RequiredScopes = append(c.OAuth.RequiredScopes, slices.Compact(required)...)
	return c, nil
}

// productKey folds a product name to lower-case letters, digits and
// single hyphens.
func productKey(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	if b.Len() == 0 {
		return "app"
	}
	return b.String()
}

// loadTriggers returns every live event type with its trigger settings.
func loadTriggers(ctx context.Context, q store.Querier) ([]TriggerSettings, error) {
	types, err := webhooks.LiveEventTypes(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("catalog event types: %w", err)
	}
	settings, err := triggerSettingsAll(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("catalog triggers: %w", err)
	}
	out := make([]TriggerSettings, 0, len(types))
	for _, et := range types {
		out = append(out, newTriggerSettings(et, settings[et.Name]))
	}
	return out, nil
}

func rawOr(v json.RawMessage, fallback string) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage(fallback)
	}
	return v
}
