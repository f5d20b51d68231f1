package oauth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// Client types (RFC 6749 §2.1).
const (
	Confidential = "confidential" // a server that keeps a client secret
	Public       = "public"       // a native or browser app: no secret, PKCE required
)

// App is a third-party application registered by a developer's team.
type App struct {
	ID          string `json:"id"`
	TeamID      string `json:"team_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	ClientID    string `json:"client_id"`
	ClientType  string `json:"client_type"`
	// RedirectURIs are matched exactly; only the port of an http loopback
	// URI may differ (RFC 8252 §7.3).
	RedirectURIs []string `json:"redirect_uris"`
	// Scopes are those the app may ask for; each is in the catalog.
	Scopes  []string `json:"scopes"`
	LogoURL string   `json:"logo_url"`
	// LogoUploadURL is the path of a logo uploaded with PUT
	// /v1/oauth/apps/{app_id}/logo, which pages show instead of LogoURL's.
	LogoUploadURL string `json:"logo_upload_url,omitempty"`
	HomepageURL   string `json:"homepage_url"`
	// PolicyURL and TermsURL are the privacy policy and terms of service
	// a self-registered client names (policy_uri and tos_uri, RFC 7591
	// §2), linked on the consent screen.
	PolicyURL   string `json:"policy_url,omitempty"`
	TermsURL    string `json:"terms_url,omitempty"`
	IsPublished bool   `json:"is_published"`
	// TokenExchange lets the app, a service the SaaS trusts, exchange users'
	// access tokens for tokens with another audience or fewer scopes (RFC
	// 8693). Only confidential apps may have it.
	TokenExchange bool `json:"token_exchange"`
	// ExchangeAudiences are the resources (RFC 8707 identifiers) an app with
	// TokenExchange may get tokens for; none by default, so that enabling
	// the grant does not open every resource to the app.
	ExchangeAudiences []string `json:"exchange_audiences"`
	// Registration is how the app came to be: "admin" (registered by the
	// SaaS) or "dynamic" (registered itself at /oauth/register, RFC 7591,
	// and reviewed by nobody).
	Registration string    `json:"registration"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// PreviousSecretExpiresAt is when the secret replaced by the last
	// rotation stops working.
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`

	secret         []byte
	previousSecret []byte
	// registrationToken is the hashed RFC 7592 registration access token of
	// a dynamic app; registeredFrom what it counts against (see
	// registrationSource).
	registrationToken []byte
	registeredFrom    string
	authMethod        string // the token_endpoint_auth_method it registered
	// metadataExpiresAt is when a metadata-document app is fetched again.
	metadataExpiresAt *time.Time
}

// AppWithSecret is an app as created or rotated: the only time its client
// secret is shown.
type AppWithSecret struct {
	App
	ClientSecret string `json:"client_secret,omitempty"`
}

// appFields are an app's writable fields, shared by create and update; nil
// means "not given".
type appFields struct {
	Name          *string   `json:"name,omitempty"`
	Description   *string   `json:"description,omitempty"`
	RedirectURIs  *[]string `json:"redirect_uris,omitempty"`
	Scopes        *[]string `json:"scopes,omitempty"`
	LogoURL       *string   `json:"logo_url,omitempty"`
	HomepageURL   *string   `json:"homepage_url,omitempty"`
	IsPublished   *bool     `json:"is_published,omitempty"`
	TokenExchange *bool     `json:"token_exchange,omitempty"`
	// ExchangeAudiences: see App.ExchangeAudiences.
	ExchangeAudiences *[]string `json:"exchange_audiences,omitempty"`
}

func (f appFields) problems() map[string]string {
	p := map[string]string{}
	if f.Name != nil && (*f.Name == "" || len(*f.Name) > 100) {
		p["name"] = "must be 1 to 100 bytes"
	}
	if f.Description != nil && len(*f.Description) > 1000 {
		p["description"] = "must be at most 1000 bytes"
	}
	if f.RedirectURIs != nil {
		if len(*f.RedirectURIs) == 0 || len(*f.RedirectURIs) > 20 {
			p["redirect_uris"] = "must list 1 to 20 URIs"
		}
		for _, u := range *f.RedirectURIs {
			if msg := checkRedirectURI(u); msg != "" {
				p["redirect_uris"] = fmt.Sprintf("%q %s", u, msg)
			}
		}
	}
	if f.Scopes != nil {
		for _, sc := range *f.Scopes {
			if msg := validScopeName(sc); msg != "" {
				p["scopes"] = fmt.Sprintf("%q %s", sc, msg)
			}
		}
	}
	if f.ExchangeAudiences != nil {
		if len(*f.ExchangeAudiences) > maxResources {
			p["exchange_audiences"] = fmt.Sprintf("must list at most %d resource identifiers", maxResources)
		}
		for _, r := range *f.ExchangeAudiences {
			if msg := checkResourceIndicator(r); msg != "" {
				p["exchange_audiences"] = fmt.Sprintf("%q %s", r, msg)
			}
		}
	}
	for field, v := range map[string]*string{"logo_url": f.LogoURL, "homepage_url": f.HomepageURL} {
		if v != nil {
			if msg := checkShownURL(*v); msg != "" {
				p[field] = msg
			}
		}
	}
	return p
}

// checkShownURL says what is wrong with a URL that pages show or link for
// an app (logo, homepage, privacy policy, terms), or "": it must be https,
// so that no javascript: or other scheme reaches a page. Empty is none.
func checkShownURL(raw string) string {
	if u, err := url.Parse(raw); raw != "" && (err != nil || u.Scheme != "https" || u.Host == "" || len(raw) > 2000) {
		return "must be an https URL of at most 2000 bytes"
	}
	return ""
}

// checkRedirectURI reports what is wrong with a redirect URI to register, or
// "". RFC 9700 §4.1: absolute, no fragment, https unless it is a loopback IP
// literal for a native app (RFC 8252 §7.3; "localhost" is not accepted, as
// §8.3 advises).
func checkRedirectURI(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || len(raw) > 2000:
		return "must be an absolute URL of at most 2000 bytes"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment"
	case u.User != nil:
		return "must not contain user information"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopbackIP(u.Hostname()):
		return ""
	case u.Scheme == "http" && u.Hostname() == "localhost":
		return "must use the loopback IP literal 127.0.0.1 or [::1] instead of localhost"
	}
	return "must be https, or http on a loopback IP such as http://127.0.0.1/callback"
}

func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// matchRedirectURI returns the registered URI that given matches: the same
// string, or for an http loopback URI the same but for the port.
func matchRedirectURI(registered []string, given string) (string, bool) {
	if slices.Contains(registered, given) {
		return given, true
	}
	g, err := url.Parse(given)
	if err != nil || g.Scheme != "http" || !isLoopbackIP(g.Hostname()) {
		return "", false
	}
	for _, r := range registered {
		u, err := url.Parse(r)
		if err != nil || u.Scheme != "http" || !isLoopbackIP(u.Hostname()) {
			continue
		}
		if u.Hostname() == g.Hostname() && u.EscapedPath() == g.EscapedPath() && u.RawQuery == g.RawQuery &&
			u.User == nil && g.User == nil && !strings.Contains(given, "#") {
			return given, true
		}
	}
	return "", false
}

// checkAppScopes refuses scopes that are not in the catalog.
func (s *Service) checkAppScopes(ctx context.Context, scopes []string) error {
	_, unknown, err := s.describeScopes(ctx, scopes)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		return apperr.InvalidFields(map[string]string{"scopes": "not in the scope catalog: " + strings.Join(unknown, ", ")})
	}
	return nil
}

// CreateApp registers an app. A confidential app gets a client secret, shown
// only in the answer.
func (s *Service) CreateApp(ctx context.Context, app App) (AppWithSecret, error) {
	if err := s.checkAppScopes(ctx, app.Scopes); err != nil {
		return AppWithSecret{}, err
	}
	var raw [16]byte
	rand.Read(raw[:])
	app.ID = id.New("app")
	app.ClientID = "pbc_" + base64.RawURLEncoding.EncodeToString(raw[:])
	var secret string
	if app.ClientType == Confidential {
		secret = vault.NewToken(prefixClientSecret)
		app.secret = vault.HashToken(secret)
	}
	app.Registration = cmp.Or(app.Registration, registrationAdmin)
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		app.CreatedAt, app.UpdatedAt = tx.Now(), tx.Now()
		return appInsert(ctx, tx, app)
	})
	if err != nil {
		return AppWithSecret{}, fmt.Errorf("create app: %w", err)
	}
	return AppWithSecret{App: app, ClientSecret: secret}, nil
}

// App returns an app by ID.
func (s *Service) App(ctx context.Context, appID string) (App, error) {
	return appGetByID(ctx, s.db, appID)
}

// appByClientID returns the app a client_id names.
func (s *Service) appByClientID(ctx context.Context, clientID string) (App, error) {
	return appGetByClientID(ctx, s.db, clientID)
}

// ListApps returns a page of apps, all or one team's, ordered by ID.
func (s *Service) ListApps(ctx context.Context, teamID string, page httpapi.Page) ([]App, error) {
	list, err := appsList(ctx, s.db, teamID, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	return list, nil
}

// UpdateApp changes an app's writable fields.
func (s *Service) UpdateApp(ctx context.Context, appID string, f appFields) (App, error) {
	if f.Scopes != nil {
		if err := s.checkAppScopes(ctx, *f.Scopes); err != nil {
			return App{}, err
		}
	}
	app, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (App, error) {
		a, err := appGetByID(ctx, tx, appID)
		if err != nil {
			return App{}, err
		}
		setIf(&a.Name, f.Name)
		setIf(&a.Description, f.Description)
		setIf(&a.RedirectURIs, f.RedirectURIs)
		setIf(&a.Scopes, f.Scopes)
		setIf(&a.LogoURL, f.LogoURL)
		setIf(&a.HomepageURL, f.HomepageURL)
		setIf(&a.IsPublished, f.IsPublished)
		setIf(&a.TokenExchange, f.TokenExchange)
		setIf(&a.ExchangeAudiences, f.ExchangeAudiences)
		if a.TokenExchange && a.ClientType != Confidential {
			return App{}, apperr.InvalidFields(map[string]string{"token_exchange": "only confidential apps may exchange tokens"})
		}
		a.UpdatedAt = tx.Now()
		return a, appUpdate(ctx, tx, a)
	})
	s.clients.Forget(app.ClientID)
	return app, err
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// DeleteApp removes an app and, with it, every authorization, code and token
// issued to it.
func (s *Service) DeleteApp(ctx context.Context, appID string) error {
	app, err := appGetByID(ctx, s.db, appID)
	if err != nil {
		return err
	}
	defer s.clients.Forget(app.ClientID)
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := s.revoked(ctx, tx, appID, "", ""); err != nil {
			return err
		}
		if found, err := appDelete(ctx, tx, appID); err != nil {
			return err
		} else if !found {
			return apperr.Errorf(apperr.NotFound, "app %s not found", appID)
		}
		return nil
	})
}

// RevokeApp revokes every authorization and token of an app at once; the
// app stays registered, and users may authorize it again.
func (s *Service) RevokeApp(ctx context.Context, appID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if _, err := appGetByID(ctx, tx, appID); err != nil {
			return err
		}
		if err := appRevokeGrants(ctx, tx, appID); err != nil {
			return err
		}
		return s.revoked(ctx, tx, appID, "", "")
	})
}

// RotateSecret gives a confidential app a new client secret. The old one
// keeps working for the configured grace period, so the developer can roll
// the new one out without downtime; a secret older than that is dropped.
func (s *Service) RotateSecret(ctx context.Context, appID string) (AppWithSecret, error) {
	secret := vault.NewToken(prefixClientSecret)
	app, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (App, error) {
		a, err := appGetByID(ctx, tx, appID)
		if err != nil {
			return App{}, err
		}
		if a.ClientType != Confidential {
			return App{}, apperr.Errorf(apperr.Conflict, "app %s is a public client and has no secret", appID)
		}
		until := tx.Now().Add(s.cfg.SecretGrace)
		a.previousSecret, a.PreviousSecretExpiresAt, a.secret, a.UpdatedAt = a.secret, &until, vault.HashToken(secret), tx.Now()
		return a, appUpdateSecrets(ctx, tx, a)
	})
	if err != nil {
		return AppWithSecret{}, err
	}
	s.clients.Forget(app.ClientID)
	return AppWithSecret{App: app, ClientSecret: secret}, nil
}

// secretMatches checks a presented client secret against the current one and,
// within its grace period, the previous one, in constant time.
func (a App) secretMatches(secret string, now time.Time) bool {
	h := vault.HashToken(secret)
	ok := a.secret != nil && subtle.ConstantTimeCompare(h, a.secret) == 1
	if a.previousSecret != nil && a.PreviousSecretExpiresAt != nil && now.Before(*a.PreviousSecretExpiresAt) {
		ok = subtle.ConstantTimeCompare(h, a.previousSecret) == 1 || ok
	}
	return ok
}
