// Package oauth is Patchbay's OAuth 2 authorization server: the SaaS's scope
// catalog, third-party apps, the authorization-code flow with PKCE (the SaaS
// signs users in, Patchbay asks for consent), the token endpoint with rotating
// refresh tokens, revocation, introspection and server metadata.
//
// It follows RFC 6749, 6750, 7636, 7009, 7662, 8414, 8252 §7.3, 9207, the
// resource indicators of RFC 8707 (tokens bound to the SaaS's registered
// resources), RFC 9728 resource metadata, RFC 8693 token exchange, and the
// security BCP, RFC 9700: exact redirect URIs, PKCE with S256 only, no
// implicit grant, refresh token rotation with reuse detection. Secrets,
// challenges, codes and tokens are random, shown once and stored only as
// SHA-256 hashes.
package oauth

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/htmlpage"
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
	// TokenRateLimit caps token endpoint requests per confidential client.
	// A public client's client_id proves nothing, so its requests are
	// limited per address instead (AddressRateLimit): otherwise anyone could
	// spend its quota and lock its users out.
	TokenRateLimit ratelimit.Policy
	// AddressRateLimit caps, per client address, the requests to the token,
	// revocation and introspection endpoints that no secret authenticates:
	// those of public clients, and failed authentications.
	AddressRateLimit ratelimit.Policy
	// PendingRequests and PendingRequestsPerApp bound the authorization
	// requests waiting for a sign-in, which anyone can start; zero means
	// PendingRequestsDefault and PendingRequestsPerAppDefault.
	PendingRequests       int
	PendingRequestsPerApp int
	// DefaultAudience is the aud of tokens whose request named no resource
	// (RFC 8707); empty leaves them without an audience, as before resource
	// indicators.
	DefaultAudience string
	// DeviceCodeTTL is how long a device authorization waits for its user;
	// DevicePollInterval the least time between a device's polls (RFC 8628).
	DeviceCodeTTL      time.Duration
	DevicePollInterval time.Duration
	// Registration is who may use POST /oauth/register: RegistrationOff,
	// RegistrationToken or RegistrationOpen.
	Registration string
	// RegistrationScopes are the scopes a self-registered client may ask
	// for. RegistrationsPerAddress and Registrations cap the live dynamic
	// registrations per client address and in all; RegistrationUnusedTTL is
	// how long one that no user authorized is kept.
	RegistrationScopes      []string
	RegistrationsPerAddress int
	Registrations           int
	RegistrationUnusedTTL   time.Duration
	// RegistrationsPerToken caps the live clients registered with one
	// initial access token, MetadataClientsPerHost those known from
	// metadata documents on one host: a party cannot fill the total by
	// itself from many addresses, nor with one token or one host.
	RegistrationsPerToken  int
	MetadataClientsPerHost int
	// MetadataDocuments accepts client IDs that are https URLs of client ID
	// metadata documents, from MetadataHosts (empty: any) and not from
	// MetadataDenyHosts; MetadataClient fetches them (the outbound guard's,
	// with a short timeout).
	MetadataDocuments bool
	MetadataHosts     []string
	MetadataDenyHosts []string
	MetadataClient    *http.Client
	// Brands gives the provider's pages the SaaS's branding; Images copies
	// app logos and users' avatars so that the pages serve them. Nil shows
	// Patchbay's default brand and monograms.
	Brands htmlpage.Brands
	Images htmlpage.Images
	// Assets stores apps' uploaded logos.
	Assets *assets.Store
}

// Defaults of the bounds on pending authorization requests. Beside its
// scopes (a subset of the app's registered ones) and resources (registered
// ones) a row holds at most about 4 KB: state and the redirect URI are at
// most 2,000 bytes each. So the
// defaults bound the live rows to some 80 MB.
const (
	PendingRequestsDefault       = 20000
	PendingRequestsPerAppDefault = 1000
)

// pendingPerAddress bounds the pending authorization requests of one app
// from one client address, so that one address cannot take an app's whole
// share: filling it takes PendingRequestsPerApp/pendingPerAddress addresses.
const pendingPerAddress = 50

// Service is the OAuth provider.
type Service struct {
	db        *store.DB
	cfg       Config
	limiter   ratelimit.Limiter
	addresses *ratelimit.Addresses
	logger    *slog.Logger
	// clients keeps apps by client_id for the endpoints that authenticate
	// an app on every call.
	clients *ttlcache.Cache[string, App]
	// onRevoke, when set, learns of revoked grants (OnRevoke).
	onRevoke func(ctx context.Context, tx *store.Tx, appID, userID, teamID string) error
}

// NewService returns the OAuth provider. limiter holds the per-client
// token limits, addresses the per-address ones.
func NewService(db *store.DB, limiter ratelimit.Limiter, addresses *ratelimit.Addresses, logger *slog.Logger, cfg Config) *Service {
	cfg.PendingRequests = cmp.Or(cfg.PendingRequests, PendingRequestsDefault)
	cfg.PendingRequestsPerApp = cmp.Or(cfg.PendingRequestsPerApp, PendingRequestsPerAppDefault)
	cfg.DeviceCodeTTL = cmp.Or(cfg.DeviceCodeTTL, DeviceCodeTTLDefault)
	cfg.DevicePollInterval = cmp.Or(cfg.DevicePollInterval, DevicePollIntervalDefault)
	cfg.Registration = cmp.Or(cfg.Registration, RegistrationToken)
	cfg.RegistrationsPerAddress = cmp.Or(cfg.RegistrationsPerAddress, RegistrationsPerAddressDefault)
	cfg.RegistrationsPerToken = cmp.Or(cfg.RegistrationsPerToken, RegistrationsPerTokenDefault)
	cfg.MetadataClientsPerHost = cmp.Or(cfg.MetadataClientsPerHost, MetadataClientsPerHostDefault)
	cfg.Registrations = cmp.Or(cfg.Registrations, RegistrationsDefault)
	cfg.RegistrationUnusedTTL = cmp.Or(cfg.RegistrationUnusedTTL, RegistrationUnusedTTLDefault)
	return &Service{db: db, cfg: cfg, limiter: limiter, addresses: addresses, logger: logger,
		clients: ttlcache.New[string, App](clientCacheTTL)}
}

// Issuer is the provider's issuer URL.
func (s *Service) Issuer() string { return s.cfg.Issuer }

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
