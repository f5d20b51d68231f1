// Package branding keeps how Patchbay's pages and embedded components look
// to the SaaS's customers: the installation's product name, logo, accent
// colour, theme and links, and optional per-tenant overrides of any of them.
package branding

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/ttlcache"
)

// Settings are the branding fields an admin sets, for the installation or as
// a tenant's override. An empty field is not set: a tenant's falls back to
// the installation's, the installation's to Patchbay's default
// (htmlpage.DefaultBrand).
type Settings struct {
	ProductName string `json:"product_name" doc:"The product name pages show in their header and title."`
	// AccentColor is #rrggbb. Text on it is white when that meets WCAG AA
	// (4.5:1), else near-black.
	AccentColor string `json:"accent_color" doc:"#rrggbb. Text on it is white when that meets WCAG AA (4.5:1), else near-black."`
	// Theme is light, dark or auto (follow the browser).
	Theme      string `json:"theme" doc:"Light, dark or auto (follow the browser)."`
	SupportURL string `json:"support_url" doc:"Where pages link for help." format:"uri"`
	TermsURL   string `json:"terms_url" doc:"The terms of service pages link to." format:"uri"`
	PrivacyURL string `json:"privacy_url" doc:"The privacy policy pages link to." format:"uri"`
}

// Branding is the installation's branding or a tenant's override, as stored.
type Branding struct {
	Settings
	// LogoURL is the path of the uploaded logo (/assets/…), or empty.
	LogoURL string `json:"logo_url" doc:"The path of the uploaded logo (/assets/…), or empty."`
	// UpdatedAt is when it last changed; zero when never set.
	UpdatedAt *time.Time `json:"updated_at" doc:"When it last changed; zero when never set."`
}

// TenantBranding is a tenant's override and what its pages show with it.
type TenantBranding struct {
	Branding
	TenantID  string    `json:"tenant_id" doc:"The tenant these settings apply to."`
	Effective Effective `json:"effective" doc:"What the tenant's pages show: its own settings over the installation's."`
}

// Effective is the branding a page or component shows: every field filled,
// from the tenant's override, the installation's branding or the default.
// LogoURL is an absolute path (/assets/…), empty when there is no logo.
type Effective = htmlpage.Brand

// Config configures the service.
type Config struct {
	// Dev admits http:// links to loopback hosts, as the rest of Patchbay
	// does in development.
	Dev bool
}

// Service keeps branding.
type Service struct {
	db     *store.DB
	assets *assets.Store
	cfg    Config
	logger *slog.Logger
	// pages caches what pages show per tenant: every page reads it, the
	// rate limit's refusal pages included, which must stay cheap.
	pages *ttlcache.Cache[string, Effective]
}

// pagesCacheTTL is how long a node shows a brand before reading it again;
// a change made on another node reaches its pages within it.
const pagesCacheTTL = 5 * time.Second

// NewService returns the branding service.
func NewService(db *store.DB, a *assets.Store, cfg Config, logger *slog.Logger) *Service {
	return &Service{db: db, assets: a, cfg: cfg, logger: logger, pages: ttlcache.New[string, Effective](pagesCacheTTL)}
}

// changed forgets every cached brand: a change to the installation's
// branding shows through every tenant's.
func (s *Service) changed() { s.pages.ForgetFunc(func(Effective) bool { return true }) }

// installationID is the row of the installation's branding; a tenant's row
// has the tenant's ID, which is never empty.
const installationID = ""

// Valid names each bad field.
func (s Settings) Valid(dev bool) map[string]string {
	problems := map[string]string{}
	if len(s.ProductName) > 100 || !utf8.ValidString(s.ProductName) || strings.ContainsFunc(s.ProductName, unicode.IsControl) {
		problems["product_name"] = "must be at most 100 bytes of text without control characters"
	}
	if s.AccentColor != "" && !isHexColor(s.AccentColor) {
		problems["accent_color"] = "must be a colour written #rrggbb, such as #1d4ed8"
	}
	switch s.Theme {
	case "", "light", "dark", "auto":
	default:
		problems["theme"] = "must be light, dark or auto"
	}
	for field, v := range map[string]string{"support_url": s.SupportURL, "terms_url": s.TermsURL, "privacy_url": s.PrivacyURL} {
		if msg := checkLink(v, dev); msg != "" {
			problems[field] = msg
		}
	}
	return problems
}

func isHexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkLink says what is wrong with a link pages show, or "": it must be
// https (http to a loopback host in development) with a host.
func checkLink(raw string, dev bool) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2000 {
		return "must be an absolute https URL of at most 2000 bytes"
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && dev && isLoopback(u.Hostname()):
	case dev:
		return "must use https (http only to a loopback host in development)"
	default:
		return "must use https"
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Installation returns the installation's branding.
func (s *Service) Installation(ctx context.Context) (Branding, error) {
	b, _, err := s.branding(ctx, installationID)
	return b, err
}

// PutInstallation replaces the installation's branding fields (not its logo).
func (s *Service) PutInstallation(ctx context.Context, set Settings) (Branding, error) {
	if err := s.put(ctx, installationID, set); err != nil {
		return Branding{}, err
	}
	return s.Installation(ctx)
}

// Tenant returns a tenant's override and its effective branding.
func (s *Service) Tenant(ctx context.Context, tenantID string) (TenantBranding, error) {
	if err := tenantExists(ctx, s.db, tenantID); err != nil {
		return TenantBranding{}, err
	}
	b, _, err := s.branding(ctx, tenantID)
	if err != nil {
		return TenantBranding{}, err
	}
	eff, err := s.ForTenant(ctx, tenantID)
	return TenantBranding{Branding: b, TenantID: tenantID, Effective: eff}, err
}

// PutTenant replaces a tenant's override fields (not its logo).
func (s *Service) PutTenant(ctx context.Context, tenantID string, set Settings) (TenantBranding, error) {
	if err := s.put(ctx, tenantID, set); err != nil {
		return TenantBranding{}, err
	}
	return s.Tenant(ctx, tenantID)
}

// DeleteTenant removes a tenant's override, logo included: its pages show
// the installation's branding again.
func (s *Service) DeleteTenant(ctx context.Context, tenantID string) error {
	if err := tenantExists(ctx, s.db, tenantID); err != nil {
		return err
	}
	defer s.changed()
	return s.db.WithTx(ctx, func(tx *store.Tx) error { return brandingDelete(ctx, tx, tenantID) })
}

func (s *Service) put(ctx context.Context, id string, set Settings) error {
	if problems := set.Valid(s.cfg.Dev); len(problems) > 0 {
		return apperr.InvalidFields(problems)
	}
	set.AccentColor = strings.ToLower(set.AccentColor)
	defer s.changed()
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if id != installationID {
			if err := tenantExists(ctx, tx, id); err != nil {
				return err
			}
		}
		return brandingUpsertSettings(ctx, tx, id, set)
	})
}

// PutLogo stores body as the logo of the installation (tenantID "") or of a
// tenant's override. declaredType is the request's Content-Type, which must
// agree with what the bytes are.
func (s *Service) PutLogo(ctx context.Context, tenantID, declaredType string, body []byte) (Branding, error) {
	defer s.changed()
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if tenantID != installationID {
			if err := tenantExists(ctx, tx, tenantID); err != nil {
				return err
			}
		}
		a, err := s.assets.PutUpload(ctx, tx, declaredType, body)
		if err != nil {
			return err
		}
		return brandingSetLogo(ctx, tx, tenantID, &a.Hash)
	})
	if err != nil {
		return Branding{}, err
	}
	b, _, err := s.branding(ctx, tenantID)
	return b, err
}

// DeleteLogo removes the logo of the installation (tenantID "") or of a
// tenant's override.
func (s *Service) DeleteLogo(ctx context.Context, tenantID string) error {
	defer s.changed()
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if tenantID != installationID {
			if err := tenantExists(ctx, tx, tenantID); err != nil {
				return err
			}
		}
		return brandingSetLogo(ctx, tx, tenantID, nil)
	})
}

// ForTenant returns the branding a tenant's pages and components show; with
// tenantID "" the installation's.
func (s *Service) ForTenant(ctx context.Context, tenantID string) (Effective, error) {
	eff := htmlpage.DefaultBrand
	ids := []string{installationID}
	if tenantID != installationID {
		ids = append(ids, tenantID)
	}
	for _, id := range ids {
		b, found, err := s.branding(ctx, id)
		if err != nil {
			return htmlpage.DefaultBrand, err
		}
		if found {
			eff = overlay(eff, b)
		}
	}
	return eff, nil
}

// overlay is eff with every field b sets.
func overlay(eff Effective, b Branding) Effective {
	return Effective{
		ProductName: cmp.Or(b.ProductName, eff.ProductName),
		LogoURL:     cmp.Or(b.LogoURL, eff.LogoURL),
		AccentColor: cmp.Or(b.AccentColor, eff.AccentColor),
		Theme:       cmp.Or(b.Theme, eff.Theme),
		SupportURL:  cmp.Or(b.SupportURL, eff.SupportURL),
		TermsURL:    cmp.Or(b.TermsURL, eff.TermsURL),
		PrivacyURL:  cmp.Or(b.PrivacyURL, eff.PrivacyURL),
	}
}

// Brand is ForTenant for pages (htmlpage.Brands), cached for a few
// seconds: when the store cannot be read, pages show the default brand
// rather than no page.
func (s *Service) Brand(ctx context.Context, tenantID string) htmlpage.Brand {
	if eff, ok := s.pages.Get(tenantID); ok {
		return eff
	}
	eff, err := s.ForTenant(ctx, tenantID)
	if err != nil {
		s.logger.WarnContext(ctx, "branding unavailable; the page shows the default", "tenant_id", tenantID, "err", err)
		return eff
	}
	s.pages.Put(tenantID, eff)
	return eff
}

// tenantExists answers a tenant in the path that does not exist (or is
// being deleted) with 404, as for any object under it.
func tenantExists(ctx context.Context, q store.Querier, tenantID string) error {
	err := tenants.MustExist(ctx, q, tenantID)
	if apperr.CodeOf(err) == apperr.Invalid {
		return tenants.NotFound(tenantID)
	}
	return err
}

// branding reads a stored branding row, and whether there is one.
func (s *Service) branding(ctx context.Context, id string) (Branding, bool, error) {
	b, found, err := brandingGet(ctx, s.db, id)
	if err != nil {
		return Branding{}, false, fmt.Errorf("branding: %w", err)
	}
	return b, found, nil
}
