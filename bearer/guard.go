package bearer

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// CacheTTLDefault is the [Config.CacheTTL] used when it is zero: a revoked
	// token keeps working for at most 5 seconds, while a client making many
	// calls costs Patchbay one introspection per token every 5 seconds.
	CacheTTLDefault = 5 * time.Second
	// MaxCacheEntriesDefault is the [Config.MaxCacheEntries] used when it is
	// zero: a few megabytes at most.
	MaxCacheEntriesDefault = 10_000
)

// httpTimeoutDefault bounds one introspection with the default HTTP client. An
// answer takes milliseconds; waiting longer only delays the 503.
const httpTimeoutDefault = 5 * time.Second

// Config configures a [Guard]. The zero value of each optional field means its
// default.
type Config struct {
	// IntrospectionURL is Patchbay's token introspection endpoint, such as
	// "https://patchbay.example/oauth/introspect". Required; use https unless
	// Patchbay is on the same host, since the tokens and the Guard's
	// credentials travel in the request.
	IntrospectionURL string

	// APIKey is a Patchbay admin API key ("pbk_…") the Guard authenticates
	// with: what an API that third-party apps call needs, since Patchbay
	// answers about every app's tokens only to an admin key. Set either
	// APIKey, or ClientID and ClientSecret, not both. An admin key can do far
	// more than introspect tokens, so keep it on the servers that need it.
	APIKey string
	// ClientID and ClientSecret are the credentials of a Patchbay app, sent
	// with HTTP Basic authentication (RFC 6749 §2.3.1). Patchbay answers an
	// app only about the tokens issued to that app (RFC 7662 §4 allows this),
	// so they suit an API that only one app's tokens may call; any other
	// app's token is refused as invalid.
	ClientID, ClientSecret string

	// CacheTTL is how long an answer from Patchbay is reused, and therefore how
	// long a revoked token may still be accepted. Zero means CacheTTLDefault;
	// negative means every check asks Patchbay (concurrent checks of the same
	// token still share one request). Answers about active tokens are never
	// kept past the token's expiry, and failures to ask are never kept.
	CacheTTL time.Duration

	// MaxCacheEntries caps the number of cached answers, so that a flood of
	// made-up tokens cannot grow memory without bound; the least recently used
	// answer is dropped first. Zero means MaxCacheEntriesDefault.
	MaxCacheEntries int

	// HTTPClient sends introspection requests. Nil means a client with a
	// 5-second timeout that does not follow redirects. A custom client should
	// also have a timeout, and should not follow redirects to other hosts,
	// which would lose or leak the credentials.
	HTTPClient *http.Client

	// Realm is the realm named in WWW-Authenticate challenges, such as
	// "api.example.com"; empty means none is named. It must be printable ASCII.
	Realm string

	// Audience is this resource's identifier as registered in Patchbay, such
	// as "https://api.example.com". When set, only tokens issued for it (whose
	// aud names it) are accepted; empty accepts a token for any resource, as
	// before resource indicators.
	Audience string

	// ResourceMetadataURL is where this resource's metadata document (RFC
	// 9728) is served, such as
	// "https://patchbay.example/.well-known/oauth-protected-resource/api.example.com".
	// When set, every challenge names it (resource_metadata), for clients
	// that discover the authorization server from a refused call.
	ResourceMetadataURL string

	// Logger records why tokens could not be checked when Require answers 503,
	// which its caller cannot see. Nil means slog.Default().
	Logger *slog.Logger
}

// Guard checks access tokens against Patchbay and caches the answers. Create
// one with [New] and share it; it is safe for concurrent use.
type Guard struct {
	introspectionURL string
	apiKey           string
	clientID         string
	clientSecret     string
	ttl              time.Duration
	client           *http.Client
	realm            string
	audience         string
	resourceMetadata string
	logger           *slog.Logger

	mu       sync.Mutex
	cache    *cache
	inflight map[[sha256.Size]byte]*call
}

// call is one introspection shared by every check of the same token that
// arrives while it runs.
type call struct {
	done    chan struct{} // closed once tok and err are set
	tok     Token
	err     error
	waiters int                // checks still waiting; guarded by Guard.mu
	cancel  context.CancelFunc // stops the request once nobody waits
}

// New returns a Guard for cfg, or an error if cfg lacks the introspection URL,
// has no credentials or two kinds, or has an unusable value.
func New(cfg Config) (*Guard, error) {
	u, err := url.Parse(cfg.IntrospectionURL)
	switch {
	case cfg.IntrospectionURL == "":
		return nil, errors.New("bearer: IntrospectionURL is required")
	case err != nil:
		return nil, fmt.Errorf("bearer: IntrospectionURL: %w", err)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return nil, fmt.Errorf("bearer: IntrospectionURL %q is not an absolute http or https URL", cfg.IntrospectionURL)
	case u.User != nil:
		return nil, errors.New("bearer: IntrospectionURL must not contain credentials; set APIKey, or ClientID and ClientSecret")
	}

	client := cfg.ClientID != "" || cfg.ClientSecret != ""
	switch {
	case cfg.APIKey != "" && client:
		return nil, errors.New("bearer: set either APIKey or ClientID and ClientSecret, not both")
	case cfg.APIKey == "" && !client:
		return nil, errors.New("bearer: no credentials: set APIKey, or ClientID and ClientSecret")
	case client && (cfg.ClientID == "" || cfg.ClientSecret == ""):
		return nil, errors.New("bearer: ClientID and ClientSecret must both be set")
	}

	if cfg.MaxCacheEntries < 0 {
		return nil, fmt.Errorf("bearer: MaxCacheEntries %d is negative", cfg.MaxCacheEntries)
	}
	if i := slices.IndexFunc([]byte(cfg.Realm), func(c byte) bool { return c < 0x20 || c > 0x7e }); i >= 0 {
		return nil, fmt.Errorf("bearer: Realm has a byte 0x%02x that cannot appear in a header", cfg.Realm[i])
	}

	for name, v := range map[string]string{"Audience": cfg.Audience, "ResourceMetadataURL": cfg.ResourceMetadataURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" ||
			strings.ContainsAny(v, "\"\\") || slices.ContainsFunc([]byte(v), func(c byte) bool { return c < 0x21 || c > 0x7e }) {
			return nil, fmt.Errorf("bearer: %s %q is not an absolute http or https URL without a fragment", name, v)
		}
	}

	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{
			Timeout: httpTimeoutDefault,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return &Guard{
		introspectionURL: cfg.IntrospectionURL,
		apiKey:           cfg.APIKey,
		clientID:         cfg.ClientID,
		clientSecret:     cfg.ClientSecret,
		ttl:              cmp.Or(cfg.CacheTTL, CacheTTLDefault),
		client:           httpClient,
		realm:            cfg.Realm,
		audience:         cfg.Audience,
		resourceMetadata: cfg.ResourceMetadataURL,
		logger:           cmp.Or(cfg.Logger, slog.Default()),
		cache:            newCache(cmp.Or(cfg.MaxCacheEntries, MaxCacheEntriesDefault)),
		inflight:         make(map[[sha256.Size]byte]*call),
	}, nil
}

// Check returns what Patchbay says about token, an access token as sent by a
// client (without "Bearer "). The error wraps [ErrInvalidToken] if the token
// must be refused (including a token for another resource than
// [Config.Audience]), [ErrUnavailable] if it could not be checked, or the
// error of ctx if ctx ended first.
//
// Answers are cached for [Config.CacheTTL], and concurrent checks of a token
// that is not cached share one request to Patchbay. Check refuses without
// asking a token that is empty, longer than 4 KiB, or not made of the
// characters RFC 6750 allows (token68).
func (g *Guard) Check(ctx context.Context, token string) (Token, error) {
	tok, err := g.check(ctx, token)
	if err == nil && g.audience != "" && !slices.Contains(tok.Audiences, g.audience) {
		return Token{}, fmt.Errorf("bearer: %w %s", errAudience, g.audience)
	}
	return tok, err
}

// errAudience reports a token issued for another resource (RFC 8707).
var errAudience = fmt.Errorf("%w: its audience does not include", ErrInvalidToken)

// check is Check without the audience.
func (g *Guard) check(ctx context.Context, token string) (Token, error) {
	if !validToken(token) {
		return Token{}, fmt.Errorf("bearer: malformed token: %w", ErrInvalidToken)
	}
	// Only the hash is kept, so that a heap dump of the cache yields no usable
	// tokens.
	key := sha256.Sum256([]byte(token))

	g.mu.Lock()
	if res, ok := g.cache.get(key, time.Now()); ok {
		g.mu.Unlock()
		return res.tok.clone(), res.err
	}
	c := g.inflight[key]
	if c == nil {
		// The request outlives any one caller, so it keeps ctx's values but not
		// its cancellation; it is cancelled once every caller has gone.
		callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &call{done: make(chan struct{}), cancel: cancel}
		g.inflight[key] = c
		go g.resolve(callCtx, key, token, c)
	}
	c.waiters++
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.tok.clone(), c.err
	case <-ctx.Done():
		g.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			c.cancel()
			if g.inflight[key] == c {
				delete(g.inflight, key) // a later check starts afresh
			}
		}
		g.mu.Unlock()
		return Token{}, fmt.Errorf("bearer: %w", context.Cause(ctx))
	}
}

// resolve introspects token for the checks waiting on c and caches the answer.
func (g *Guard) resolve(ctx context.Context, key [sha256.Size]byte, token string, c *call) {
	defer c.cancel()
	tok, err := g.introspect(ctx, token)
	now := time.Now()
	g.mu.Lock()
	if g.inflight[key] == c {
		delete(g.inflight, key)
	}
	if lifetime := g.lifetime(tok, err, now); lifetime > 0 {
		g.cache.put(key, result{tok, err}, now.Add(lifetime))
	}
	c.tok, c.err = tok, err
	g.mu.Unlock()
	close(c.done)
}

// lifetime is how long an introspection answer may be reused.
func (g *Guard) lifetime(tok Token, err error, now time.Time) time.Duration {
	switch {
	case errors.Is(err, ErrInvalidToken):
		return g.ttl // a dead token never comes back to life
	case err != nil:
		return 0 // Patchbay may answer the next check
	case !tok.ExpiresAt.IsZero():
		return min(g.ttl, tok.ExpiresAt.Sub(now))
	}
	return g.ttl
}

func (t Token) clone() Token {
	// Callers get their own Scopes, so that changing them cannot change the
	// cached answer other requests see.
	t.Scopes = slices.Clone(t.Scopes)
	t.Audiences = slices.Clone(t.Audiences)
	return t
}

// maxTokenLen is far above Patchbay's tokens (under 100 bytes), and stops
// absurd input before it costs a request to Patchbay.
const maxTokenLen = 4096

// validToken reports whether s is a token68 (RFC 7235 §2.1, the b64token of
// RFC 6750 §2.1) of at most maxTokenLen bytes.
func validToken(s string) bool {
	if s == "" || len(s) > maxTokenLen {
		return false
	}
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}
