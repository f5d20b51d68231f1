// Package oauth is Patchbay's OAuth 2 authorization server: the SaaS's scope
// catalog, third-party apps, the authorization-code flow with PKCE (the SaaS
// signs users in, Patchbay asks for consent), the token endpoint with rotating
// refresh tokens, revocation, introspection and server metadata.
//
// It follows RFC 6749, 6750, 7636, 7009, 7662, 8414, 8252 §7.3, 9207 and the
// security BCP, RFC 9700: exact redirect URIs, PKCE with S256 only, no
// implicit grant, refresh token rotation with reuse detection. Secrets,
// challenges, codes and tokens are random, shown once and stored only as
// SHA-256 hashes.
package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/ttlcache"
)

// Prefixes of the secrets the provider hands out, so that people and secret
// scanners can recognise them.
const (
	prefixClientSecret = "pbo_"
	prefixAccess       = "pbat_"
	prefixRefresh      = "pbrt_"
	prefixCode         = "pbac_"
	prefixChallenge    = "pbch_"
)

// Lifetimes that are not worth a setting: RFC 6749 §4.1.2 recommends codes
// live at most 10 minutes, and a person finishes signing in well within half
// an hour.
const (
	codeTTL    = time.Minute
	requestTTL = 30 * time.Minute
)

// Config tunes the provider.
type Config struct {
	// Issuer is the provider's URL as apps see it (RFC 8414): the base of
	// every endpoint, and the iss of each authorization response.
	Issuer string
	// LoginURL is the SaaS's sign-in page; it receives ?login_challenge=.
	// Empty in development means Patchbay's own plain login page.
	LoginURL string
	// ConsentURL, when set, is the SaaS's own consent page, which receives
	// ?consent_challenge=; otherwise Patchbay shows its consent screen.
	ConsentURL string
	// Dev serves the built-in login page.
	Dev             bool
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// RefreshReuseGrace is how long a rotated refresh token may still be
	// used, for clients that refresh concurrently; after it, a reuse revokes
	// the token family.
	RefreshReuseGrace time.Duration
	// SecretGrace is how long an app's rotated-out client secret still works.
	SecretGrace time.Duration
	// Retention is how long expired or revoked records are kept before the
	// cleanup job removes them.
	Retention time.Duration
	// TokenRateLimit caps token endpoint requests per client.
	TokenRateLimit ratelimit.Policy
}

// Service is the OAuth provider.
type Service struct {
	db      *store.DB
	cfg     Config
	limiter ratelimit.Limiter
	logger  *slog.Logger
	// clients keeps apps by client_id for the endpoints that authenticate
	// an app on every call.
	clients *ttlcache.Cache[string, App]
}

// NewService returns the OAuth provider.
func NewService(db *store.DB, limiter ratelimit.Limiter, logger *slog.Logger, cfg Config) *Service {
	return &Service{db: db, cfg: cfg, limiter: limiter, logger: logger,
		clients: ttlcache.New[string, App](clientCacheTTL)}
}

// Issuer is the provider's issuer URL.
func (s *Service) Issuer() string { return s.cfg.Issuer }

// newSecret returns a random secret with its prefix: 256 bits, base64url.
func newSecret(prefix string) string {
	var raw [32]byte
	rand.Read(raw[:])
	return prefix + base64.RawURLEncoding.EncodeToString(raw[:])
}

// hash is how every secret is stored and looked up. The secrets carry 256
// random bits, so a fast hash is enough: there is nothing to guess.
func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// marshalList stores a string list as a JSON array.
func marshalList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func unmarshalList(s string) ([]string, error) {
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("stored list %q: %w", s, err)
	}
	return v, nil
}
