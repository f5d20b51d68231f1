// Package embed issues embed tokens and serves the /embed/v1 JSON API that
// Patchbay's web components use in the SaaS's own pages. The SaaS's backend
// mints a short-lived token (pbe_…) for one of its signed-in users; the
// user's browser then reaches, with it, only that tenant's objects, only
// what the token's capabilities grant, and only from the origins it names.
package embed

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/vault"
)

// TokenPrefix starts every embed token.
const TokenPrefix = "pbe_"

// Token lifetimes: the default keeps a leaked token short-lived; the SaaS
// mints a fresh one whenever its page loads.
const (
	TTLDefault = 15 * time.Minute
	TTLMax     = time.Hour
)

// Capabilities a token may grant.
const (
	CapWebhooks       = "webhooks"      // the webhook portal, reading and changing
	CapWebhooksRead   = "webhooks:read" // the webhook portal, reading only
	CapConnections    = "connections"   // the user's connections
	CapAuthorizedApps = "authorized_apps"
	// CapMarketplace is the marketplace directory for the token's team and
	// user: search, listing pages, install, uninstall, reviews.
	CapMarketplace = "marketplace"
	// CapDeveloper is a third-party developer team's console: the token's
	// team's own apps and listings only.
	CapDeveloper = "developer"
	// CapMarketplaceReview is the operator's review console over every
	// team's listings; only an installation-wide key holding
	// marketplace:admin may mint it.
	CapMarketplaceReview = "marketplace:review"
	// CapAny is what routes open to every valid token ask for, such as
	// the session; no token is granted it by name.
	CapAny = "any"
)

// capabilities is the vocabulary, with what each includes.
var capabilities = map[string][]string{
	CapWebhooks:       {CapWebhooks, CapWebhooksRead},
	CapWebhooksRead:   {CapWebhooksRead},
	CapConnections:    {CapConnections},
	CapAuthorizedApps: {CapAuthorizedApps},
	CapMarketplace:    {CapMarketplace},
	CapDeveloper:      {CapDeveloper},
	// The review console is the installation's: it includes nothing of a
	// tenant's.
	CapMarketplaceReview: {CapMarketplaceReview},
}

// capabilityList names the vocabulary for messages.
const capabilityList = "webhooks, webhooks:read, connections, authorized_apps, marketplace, developer or marketplace:review"

// KnownCapability reports whether c is in the vocabulary.
func KnownCapability(c string) bool {
	_, ok := capabilities[c]
	return ok || c == CapAny
}

// Token is an embed token as shown to the SaaS: never the token itself.
type Token struct {
	ID             string     `json:"id"`
	TenantID       string     `json:"tenant_id"`
	UserID         string     `json:"user_id"`
	UserName       string     `json:"user_name"`
	Capabilities   []string   `json:"capabilities"`
	AllowedOrigins []string   `json:"allowed_origins"`
	Locale         string     `json:"locale"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
}

// Grants reports whether the token holds capability need.
func (t Token) Grants(need string) bool {
	if need == CapAny {
		return true
	}
	for _, c := range t.Capabilities {
		if slices.Contains(capabilities[c], need) {
			return true
		}
	}
	return false
}

// AllowsOrigin reports whether a browser page of origin may use the token.
func (t Token) AllowsOrigin(origin string) bool {
	return slices.Contains(t.AllowedOrigins, origin)
}

// Service mints, lists, revokes and checks embed tokens.
type Service struct {
	db *store.DB
	// ownOrigin is Patchbay's own (its public URL's): its hosted pages use
	// tokens from there, and browsers send it on same-origin changes.
	ownOrigin string
	// NowFunc is the clock that expiry is checked against; nil means
	// time.Now. Tests set it.
	NowFunc func() time.Time
}

// NewService returns the embed token service of the Patchbay served at
// publicURL.
func NewService(db *store.DB, publicURL string) *Service {
	return &Service{db: db, ownOrigin: OriginOf(publicURL)}
}

// originAllowed reports whether a page of origin may use t: one of the
// token's origins, or Patchbay's own, whose hosted pages every token may
// be used on.
func (s *Service) originAllowed(t Token, origin string) bool {
	return t.AllowsOrigin(origin) || origin != "" && origin == s.ownOrigin
}

func (s *Service) now() time.Time {
	if s.NowFunc != nil {
		return s.NowFunc()
	}
	return time.Now()
}

// NewToken is what the SaaS asks a token for.
type NewToken struct {
	TenantID, UserID, UserName string
	Capabilities               []string
	AllowedOrigins             []string
	TTL                        time.Duration
	Locale                     string
}

// Mint makes a token and returns it with its secret, which is not kept.
func (s *Service) Mint(ctx context.Context, nt NewToken) (Token, string, error) {
	if problems := nt.problems(); len(problems) > 0 {
		return Token{}, "", apperr.InvalidFields(problems)
	}
	if nt.TTL == 0 {
		nt.TTL = TTLDefault
	}
	secret := vault.NewToken(TokenPrefix)
	now := s.now().UTC().Truncate(time.Microsecond)
	t := Token{ID: id.New("emb"), TenantID: nt.TenantID, UserID: nt.UserID, UserName: nt.UserName,
		Capabilities: distinct(nt.Capabilities), AllowedOrigins: distinct(nt.AllowedOrigins), Locale: nt.Locale,
		CreatedAt: now, ExpiresAt: now.Add(nt.TTL)}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tenants.MustExist(ctx, tx, t.TenantID); err != nil {
			return err
		}
		return tokenInsert(ctx, tx, t, vault.HashToken(secret))
	})
	if err != nil {
		return Token{}, "", fmt.Errorf("mint embed token: %w", err)
	}
	return t, secret, nil
}

// problems names what is wrong with a token request, by field.
func (nt NewToken) problems() map[string]string {
	p := map[string]string{}
	if msg := tenants.ValidID(nt.TenantID); msg != "" {
		p["tenant_id"] = msg
	}
	if msg := tenants.ValidID(nt.UserID); msg != "" {
		p["user_id"] = msg
	}
	if len(nt.UserName) > 200 || !httpapi.IsText(nt.UserName) {
		p["user_name"] = "must be text of at most 200 bytes"
	}
	if len(nt.Capabilities) == 0 {
		p["capabilities"] = "must grant at least one of " + capabilityList
	}
	for i, c := range nt.Capabilities {
		if _, ok := capabilities[c]; !ok {
			p[fmt.Sprintf("capabilities/%d", i)] = fmt.Sprintf("%q is not a capability; use %s", c, capabilityList)
		}
	}
	if len(nt.AllowedOrigins) == 0 {
		p["allowed_origins"] = "must list at least one origin, such as https://app.example.com"
	} else if len(nt.AllowedOrigins) > maxOrigins {
		p["allowed_origins"] = fmt.Sprintf("must list at most %d origins", maxOrigins)
	}
	for i, o := range nt.AllowedOrigins {
		if msg := OriginProblem(o); msg != "" {
			p[fmt.Sprintf("allowed_origins/%d", i)] = msg
		}
	}
	if nt.TTL < 0 || nt.TTL > TTLMax || (nt.TTL > 0 && nt.TTL < time.Second) {
		p["ttl_seconds"] = fmt.Sprintf("must be from 1 to %d seconds", int(TTLMax.Seconds()))
	}
	if msg := localeProblem(nt.Locale); msg != "" {
		p["locale"] = msg
	}
	return p
}

// maxOrigins bounds a token's allowed origins.
const maxOrigins = 10

// localeProblem checks a BCP 47 language tag loosely: letters, digits and
// hyphens, such as de or en-GB. Empty means the browser's language.
func localeProblem(l string) string {
	if l == "" {
		return ""
	}
	if len(l) > 35 {
		return "must be a language tag such as en or de-DE"
	}
	for _, part := range strings.Split(l, "-") {
		if part == "" || len(part) > 8 || strings.TrimFunc(part, isAlnum) != "" {
			return "must be a language tag such as en or de-DE"
		}
	}
	return ""
}

func isAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

func distinct(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// List returns a page of a tenant's tokens, newest first, expired and
// revoked ones included until the cleanup job removes them.
func (s *Service) List(ctx context.Context, tenantID string, page httpapi.Page) ([]Token, error) {
	var err error
	if tenantID, err = tenants.Own(ctx, tenantID); err != nil {
		return nil, err
	}
	list, err := tokensOfTenant(ctx, s.db, tenantID, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list embed tokens: %w", err)
	}
	return list, nil
}

// Revoke makes a token unusable at once. Revoking a revoked token changes
// nothing. A caller restricted to a tenant reaches only its tenant's tokens.
func (s *Service) Revoke(ctx context.Context, tokenID string) (Token, error) {
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Token, error) {
		t, err := tokenGet(ctx, tx, tokenID)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !tenants.Visible(ctx, t.TenantID) {
			return Token{}, apperr.Errorf(apperr.NotFound, "embed token %s not found", tokenID)
		} else if err != nil {
			return Token{}, err
		}
		if t.RevokedAt != nil {
			return t, nil
		}
		now := tx.Now()
		if err := tokenRevoke(ctx, tx, tokenID, now); err != nil {
			return Token{}, err
		}
		t.RevokedAt = &now
		return t, nil
	})
}

// Token problem reasons: the last segment of the problem type, which the
// components read to show the user a clear message.
const (
	ReasonExpired           = "token_expired"
	ReasonRevoked           = "token_revoked"
	ReasonInvalid           = "token_invalid"
	ReasonCapabilityMissing = "capability_missing"
	ReasonOriginNotAllowed  = "origin_not_allowed"
)

// Authenticate returns the live token whose secret is given: 401 with
// reason token_invalid, token_expired or token_revoked otherwise.
func (s *Service) Authenticate(ctx context.Context, secret string) (Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return Token{}, apperr.Because(apperr.Unauthorized, ReasonInvalid, "send an embed token as Authorization: Bearer pbe_…")
	}
	hash := vault.HashToken(secret)
	t, stored, err := tokenGetByHash(ctx, s.db, hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Token{}, apperr.Because(apperr.Unauthorized, ReasonInvalid, "this embed token is not valid")
	case err != nil:
		return Token{}, fmt.Errorf("authenticate embed token: %w", err)
	case subtle.ConstantTimeCompare(stored, hash) != 1: // the index found it; compare anyway, as for every secret
		return Token{}, apperr.Because(apperr.Unauthorized, ReasonInvalid, "this embed token is not valid")
	case t.RevokedAt != nil:
		return Token{}, apperr.Because(apperr.Unauthorized, ReasonRevoked, "this embed token was revoked; reload the page for a new one")
	case !s.now().Before(t.ExpiresAt):
		return Token{}, apperr.Because(apperr.Unauthorized, ReasonExpired, "this embed token expired at %s; reload the page for a new one",
			t.ExpiresAt.Format(time.RFC3339))
	}
	return t, nil
}

// CleanupAge is how long after expiring a token is deleted: long enough for
// the SaaS to see it listed as expired.
const CleanupAge = 24 * time.Hour

// CleanupArgs is the periodic job that deletes tokens that expired more
// than CleanupAge ago.
type CleanupArgs struct{}

// Kind is the job's stable name.
func (CleanupArgs) Kind() string { return "embed_token_cleanup" }

// CleanupWorker deletes old tokens in batches.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	Service *Service
}

// Work deletes every token that expired more than CleanupAge ago.
func (w *CleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	if err := tokensDeleteExpiredBefore(ctx, w.Service.db, w.Service.now().Add(-CleanupAge)); err != nil {
		return fmt.Errorf("embed token cleanup: %w", err)
	}
	return nil
}
