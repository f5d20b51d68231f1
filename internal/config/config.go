// Package config reads Patchbay's configuration from, in rising precedence, an
// optional YAML file, PATCHBAY_* environment variables, and command-line flags.
// One table of settings drives all three, so a setting has the same name
// everywhere: flag --database-url, environment PATCHBAY_DATABASE_URL, file key
// database_url.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
	"github.com/patchbay/patchbay/webhook"
)

// Role says which parts of Patchbay a node runs.
type Role string

const (
	RoleAll    Role = "all"    // HTTP API and job workers
	RoleAPI    Role = "api"    // HTTP API only; jobs are enqueued for worker nodes
	RoleWorker Role = "worker" // job workers, with health and metrics over HTTP
)

// Config is a node's whole configuration.
type Config struct {
	Addr string
	// MetricsAddr, when set, is a listener of its own for /metrics, which the
	// main listener then does not serve: metrics stay on a private network
	// while the API and ingest URLs face the internet.
	MetricsAddr     string
	DataDir         string
	DatabaseURL     string
	Role            Role
	Dev             bool
	ShutdownTimeout time.Duration
	LogLevel        string
	// LogLevelGiven says the operator chose LogLevel (flag or environment);
	// only a chosen debug level shows the job queue's own debug lines.
	LogLevelGiven  bool
	AutoMigrate    bool
	DBMaxConns     int
	BodyLimit      int64
	IdempotencyTTL time.Duration
	// AuditRetention is how long the admin API's audit log keeps an event.
	AuditRetention time.Duration
	// JobRescueAfter is how long a job may stay running before it counts as
	// abandoned by a dead node and is run again.
	JobRescueAfter time.Duration
	// RateLimit is how many requests an API key may make per RateLimitWindow,
	// unless the key has its own limit. Zero turns rate limiting off.
	RateLimit       int64
	RateLimitWindow time.Duration
	// RateLimitStore is "memory" (token buckets per node) or "database"
	// (counters shared by every node). Empty picks database on PostgreSQL and
	// memory on SQLite.
	RateLimitStore string
	// PublicRateLimitPages, PublicRateLimitOAuth and PublicRateLimitIngest
	// limit each client address on the routes anyone may call (see
	// ratelimit.Addresses): the browser pages, the OAuth endpoints' requests
	// that no client secret authenticates, and incoming webhooks. A zero
	// Limit, or RateLimit 0, turns one off.
	PublicRateLimitPages  RatePolicy
	PublicRateLimitOAuth  RatePolicy
	PublicRateLimitIngest RatePolicy
	// EmbedRateLimit limits each embed token's requests to /embed/v1, and
	// PublicRateLimitEmbed each client address's; RateLimit 0 turns both off.
	EmbedRateLimit       RatePolicy
	PublicRateLimitEmbed RatePolicy

	// EncryptionKey (base64, 32 bytes) encrypts stored secrets. Empty on
	// SQLite means a key file in the data directory; PostgreSQL requires it,
	// since every node must share it.
	EncryptionKey string
	// EncryptionKeysPrevious are keys that sealed secrets before
	// EncryptionKey: still used to open them, never to seal, while
	// `patchbay keys rotate-kek` reseals everything under EncryptionKey.
	EncryptionKeysPrevious []string
	// OutboundAllow lists special-purpose networks outbound calls may reach
	// (the SSRF guard refuses them otherwise). --dev allows loopback.
	OutboundAllow []netip.Prefix
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For names the client; see internal/clientip.
	TrustedProxies []netip.Prefix
	// WebhookAllowHTTP accepts http:// endpoint URLs; --dev turns it on.
	WebhookAllowHTTP bool
	// WebhookTraceparent sends each delivery attempt's W3C traceparent to
	// the receiver, when tracing is on.
	WebhookTraceparent       bool
	WebhookTimeout           time.Duration
	WebhookRetrySchedule     []time.Duration
	WebhookRetryAfterMax     time.Duration
	Webhook429Floor          time.Duration
	EndpointDisableAfter     time.Duration
	SecretRotationOverlap    time.Duration
	WebhookRetention         time.Duration
	OperationalWebhookURL    string
	OperationalWebhookSecret string

	// PublicURL is where browsers and apps reach this installation; it is
	// the OAuth issuer. Empty means http:// and the listening address.
	PublicURL              string
	OAuthLoginURL          string
	OAuthConsentURL        string
	OAuthAccessTokenTTL    time.Duration
	OAuthRefreshTokenTTL   time.Duration
	OAuthRefreshReuseGrace time.Duration
	OAuthSecretGrace       time.Duration
	OAuthRetention         time.Duration
	OAuthTokenRateLimit    int64
	// OAuthPendingRequests and OAuthPendingRequestsPerApp bound the
	// authorization requests waiting for a sign-in, in all and per app.
	OAuthPendingRequests       int
	OAuthPendingRequestsPerApp int
	// OAuthDefaultAudience is the aud of tokens whose request named no
	// resource (RFC 8707).
	OAuthDefaultAudience string
	// AutomationAPIURL is the SaaS's API base URL, on which automation
	// actions lie and which the MCP server's tools call; AutomationAPIAudience
	// its resource indicator (default the URL). AutomationMCPApp is the OAuth
	// app the MCP server exchanges tokens as; AutomationHooksScope the scope
	// platforms' hook and poll calls need (empty: none).
	AutomationAPIURL      string
	AutomationAPIAudience string
	AutomationMCPApp      string
	AutomationHooksScope  string
	// OAuthDeviceCodeTTL and OAuthDevicePollInterval shape the device
	// authorization grant (RFC 8628).
	OAuthDeviceCodeTTL      time.Duration
	OAuthDevicePollInterval time.Duration
	// OAuthRegistration says who may use POST /oauth/register (RFC 7591):
	// off, token (a party holding an initial access token) or open.
	OAuthRegistration string
	// OAuthRegistrationScopes are the scopes a self-registered client may
	// ask for; OAuthRegistrationsPerAddress and OAuthRegistrations cap the
	// live dynamic registrations from one client address and in all;
	// OAuthRegistrationUnusedTTL is how long one that no user authorized
	// is kept.
	OAuthRegistrationScopes      []string
	OAuthRegistrationsPerAddress int
	OAuthRegistrations           int
	OAuthRegistrationUnusedTTL   time.Duration
	// OAuthRegistrationsPerToken caps the live clients registered with one
	// initial access token; OAuthClientMetadataPerHost those known from
	// metadata documents on one host. Both count toward OAuthRegistrations.
	OAuthRegistrationsPerToken int
	OAuthClientMetadataPerHost int
	// OAuthClientMetadata accepts client IDs that are https URLs of client
	// ID metadata documents, from hosts in OAuthClientMetadataHosts (empty:
	// any) and not in OAuthClientMetadataDenyHosts, fetched within
	// OAuthClientMetadataTimeout and trusting OAuthClientMetadataCAFile's
	// certificates besides the system's.
	OAuthClientMetadata          bool
	OAuthClientMetadataHosts     []string
	OAuthClientMetadataDenyHosts []string
	OAuthClientMetadataTimeout   time.Duration
	OAuthClientMetadataCAFile    string
	// OAuthClientMetadataOutboundAllow lists the special-purpose networks a
	// metadata document may be fetched from. It is apart from OutboundAllow:
	// a network opened to webhook receivers is not thereby opened to any
	// client that names a URL there as its client_id.
	OAuthClientMetadataOutboundAllow []netip.Prefix

	// ProvidersDir holds the operator's own provider definitions, which
	// replace built-in ones with the same ID.
	ProvidersDir string
	// ConnectCAFile is a PEM file of certificate authorities trusted, beside
	// the system's, for calls to providers (token, verification, revocation).
	ConnectCAFile string
	// ConnectRefreshInterval is how often the refresh job looks for
	// connections whose access token expires before its next run.
	ConnectRefreshInterval time.Duration
	// ProxyMaxAttempts, ProxyMaxWait, ProxyQueueWait and ProxyTimeout bound
	// the connections proxy: see connect.Config.
	ProxyMaxAttempts int
	ProxyMaxWait     time.Duration
	ProxyQueueWait   time.Duration
	ProxyTimeout     time.Duration

	// TransformTimeout, TransformMemory and TransformOutput bound each run
	// of a transformation (internal/transform).
	TransformTimeout time.Duration
	TransformMemory  int64
	TransformOutput  int64
}

// SlogLevel is the least level logged. A debug level the operator chose also
// shows the job queue's own debug lines, which store.RiverLogger moves one
// level below debug; the debug level --dev picks does not.
func (c Config) SlogLevel() slog.Level {
	var l slog.Level
	l.UnmarshalText([]byte(c.LogLevel)) //nolint:errcheck // the setting accepts only valid levels
	if l == slog.LevelDebug && c.LogLevelGiven {
		l -= slog.LevelInfo - slog.LevelDebug
	}
	return l
}

// RatePolicy is a public route's per-address limit: Limit requests per
// Window, with bursts of up to Limit.
type RatePolicy struct {
	Limit  int64
	Window time.Duration
}

// Store returns the store options the configuration names; logger hears what
// opening the store changed.
func (c Config) Store(logger *slog.Logger) store.Options {
	return store.Options{DatabaseURL: c.DatabaseURL, DataDir: c.DataDir, MaxConns: c.DBMaxConns, Logger: logger}
}

// setting is one configuration value with its three names.
type setting struct {
	name  string // the flag; the file key and variable are derived from it
	def   string
	usage string
	bool  bool
	set   func(c *Config, v string) error
}

// EnvName is the environment variable for a setting.
func EnvName(flagName string) string {
	return "PATCHBAY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func fileKey(flagName string) string { return strings.ReplaceAll(flagName, "-", "_") }

var settings = []setting{
	{name: "addr", def: "127.0.0.1:8080", usage: "address to listen on (host:port)", set: func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("must be host:port, for example 127.0.0.1:8080")
		}
		c.Addr = v
		return nil
	}},
	{name: "metrics-addr", usage: "serve /metrics only on this address (host:port, e.g. 127.0.0.1:9090), not on --addr; empty serves it on --addr", set: func(c *Config, v string) error {
		if v == "" {
			c.MetricsAddr = ""
			return nil
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("must be host:port, for example 127.0.0.1:9090")
		}
		c.MetricsAddr = v
		return nil
	}},
	{name: "data", def: "./patchbay-data", usage: "directory for the SQLite database (used when no database URL is set)", set: func(c *Config, v string) error {
		if v == "" {
			return errors.New("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{name: "database-url", usage: "PostgreSQL URL (postgres://…); empty means SQLite in the data directory", set: func(c *Config, v string) error {
		if v != "" && !store.IsPostgresURL(v) {
			return errors.New("must start with postgres:// or postgresql://")
		}
		c.DatabaseURL = v
		return nil
	}},
	{name: "role", def: "all", usage: "what this node runs: api, worker or all", set: func(c *Config, v string) error {
		switch r := Role(v); r {
		case RoleAll, RoleAPI, RoleWorker:
			c.Role = r
			return nil
		}
		return fmt.Errorf("must be api, worker or all (got %q)", v)
	}},
	{name: "dev", def: "false", bool: true, usage: "friendly local defaults: debug logs, http and loopback webhook URLs, an admin API key created and printed on first start", set: boolSetter(func(c *Config) *bool { return &c.Dev })},
	{name: "shutdown-timeout", def: "30s", usage: "how long SIGTERM waits for HTTP requests and running jobs to finish", set: durationSetter(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{name: "log-level", def: "info", usage: "debug, info, warn or error", set: func(c *Config, v string) error {
		switch v {
		case "debug", "info", "warn", "error":
			c.LogLevel = v
			return nil
		}
		return fmt.Errorf("must be debug, info, warn or error (got %q)", v)
	}},
	{name: "auto-migrate", def: "true", usage: "apply database migrations when serve starts", set: boolSetter(func(c *Config) *bool { return &c.AutoMigrate })},
	{name: "db-max-conns", def: strconv.Itoa(store.MaxConnsDefault), usage: "PostgreSQL connections per node", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errors.New("must be a positive integer")
		}
		c.DBMaxConns = n
		return nil
	}},
	{name: "body-limit", def: "1048576", usage: "largest request body accepted, in bytes (413 beyond)", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			return errors.New("must be an integer of at least 1024 (bytes)")
		}
		c.BodyLimit = n
		return nil
	}},
	{name: "idempotency-ttl", def: "24h", usage: "how long an Idempotency-Key and its stored response are kept", set: durationSetter(func(c *Config) *time.Duration { return &c.IdempotencyTTL })},
	{name: "audit-retention", def: "2160h", usage: "how long the admin API's audit log keeps each change it records (2160h is 90 days)", set: durationSetter(func(c *Config) *time.Duration { return &c.AuditRetention })},
	{name: "job-rescue-after", def: "5m", usage: "how long a job may run before it counts as abandoned by a dead node and runs again", set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 2*time.Second {
			return fmt.Errorf("must be a duration of at least 2s (got %q)", v)
		}
		c.JobRescueAfter = d
		return nil
	}},
	{name: "encryption-key", usage: "base64 32-byte key that encrypts stored secrets; required with PostgreSQL (empty on SQLite: a key file in the data directory)", set: func(c *Config, v string) error {
		if v != "" {
			if _, err := vault.ParseKey(v); err != nil {
				return err
			}
		}
		c.EncryptionKey = v
		return nil
	}},
	{name: "encryption-key-previous", usage: "comma-separated base64 keys that encrypted stored secrets before --encryption-key: still used to decrypt, never to encrypt, until patchbay keys rotate-kek has resealed everything", set: func(c *Config, v string) error {
		c.EncryptionKeysPrevious = nil
		for i, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			if _, err := vault.ParseKey(part); err != nil {
				return fmt.Errorf("key %d: %w", i+1, err)
			}
			c.EncryptionKeysPrevious = append(c.EncryptionKeysPrevious, part)
		}
		return nil
	}},
	{name: "outbound-allow", usage: "comma-separated networks (CIDR) outbound calls may reach although the SSRF guard refuses special-purpose addresses, e.g. 10.0.0.0/8", set: prefixListSetter(func(c *Config) *[]netip.Prefix { return &c.OutboundAllow })},
	{name: "trusted-proxies", usage: "comma-separated networks (CIDR) of reverse proxies whose X-Forwarded-For names the client, for per-IP rate limits and the audit log, e.g. 10.0.0.0/8", set: prefixListSetter(func(c *Config) *[]netip.Prefix { return &c.TrustedProxies })},
	{name: "webhook-allow-http", def: "false", bool: true, usage: "accept http:// endpoint URLs, not only https:// (on with --dev)", set: boolSetter(func(c *Config) *bool { return &c.WebhookAllowHTTP })},
	{name: "webhook-traceparent", def: "false", bool: true, usage: "send each delivery attempt's W3C traceparent header to webhook receivers (when tracing is on, see OTEL_EXPORTER_OTLP_ENDPOINT)", set: boolSetter(func(c *Config) *bool { return &c.WebhookTraceparent })},
	{name: "webhook-timeout", def: "15s", usage: "how long one delivery attempt may take", set: durationSetter(func(c *Config) *time.Duration { return &c.WebhookTimeout })},
	{name: "webhook-retry-schedule", def: "5s,5m,30m,2h,5h,10h,10h", usage: "comma-separated delays before each retry (each ±20% jitter)", set: func(c *Config, v string) error {
		c.WebhookRetrySchedule = nil
		for _, part := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(part))
			if err != nil || d <= 0 {
				return fmt.Errorf("must be comma-separated positive durations such as 5s,5m,30m (got %q)", part)
			}
			c.WebhookRetrySchedule = append(c.WebhookRetrySchedule, d)
		}
		if len(c.WebhookRetrySchedule) > 30 {
			return errors.New("may have at most 30 retries")
		}
		return nil
	}},
	{name: "webhook-retry-after-max", def: "1h", usage: "the longest a receiver's Retry-After may postpone a delivery", set: durationSetter(func(c *Config) *time.Duration { return &c.WebhookRetryAfterMax })},
	{name: "webhook-429-floor", def: "30s", usage: "the least wait before retrying after a 429", set: durationSetter(func(c *Config) *time.Duration { return &c.Webhook429Floor })},
	{name: "endpoint-disable-after", def: "120h", usage: "disable an endpoint that has failed without any success for this long", set: durationSetter(func(c *Config) *time.Duration { return &c.EndpointDisableAfter })},
	{name: "secret-rotation-overlap", def: "24h", usage: "how long a rotated-out endpoint secret keeps signing beside the new one", set: durationSetter(func(c *Config) *time.Duration { return &c.SecretRotationOverlap })},
	{name: "transform-timeout", def: "50ms", usage: "the CPU time one run of a transformation may take", set: durationSetter(func(c *Config) *time.Duration { return &c.TransformTimeout })},
	{name: "transform-memory", def: "16777216", usage: "the memory one run of a transformation may use, in bytes", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1<<20 || n > 4<<30 {
			return errors.New("must be an integer from 1048576 (1 MiB) to 4294967296 (4 GiB)")
		}
		c.TransformMemory = n
		return nil
	}},
	{name: "transform-output", def: "1048576", usage: "the largest result a transformation may return, in bytes", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 64<<20 {
			return errors.New("must be an integer from 1024 to 67108864 (64 MiB)")
		}
		c.TransformOutput = n
		return nil
	}},
	{name: "webhook-retention", def: "720h", usage: "how long message payloads, response bodies and incoming events' bodies are kept (the records and counts stay)", set: durationSetter(func(c *Config) *time.Duration { return &c.WebhookRetention })},
	{name: "operational-webhook-url", usage: "URL that receives operational events such as endpoint.disabled", set: func(c *Config, v string) error {
		if v != "" && checkAbsURL(v, true) != nil {
			// Not quoted: such URLs often carry a token.
			return errors.New("must be an absolute http:// or https:// URL without a fragment")
		}
		c.OperationalWebhookURL = v
		return nil
	}},
	{name: "operational-webhook-secret", usage: "whsec_ secret that signs operational events", set: func(c *Config, v string) error {
		if v != "" {
			if _, err := webhook.ParseSecret(v); err != nil {
				return errors.New("must be a whsec_ secret (whsec_ and the base64 of at least 24 bytes)")
			}
		}
		c.OperationalWebhookSecret = v
		return nil
	}},
	{name: "public-url", usage: "the URL browsers and apps reach Patchbay at, such as https://auth.example.com; the OAuth issuer (empty: http:// and the listening address)", set: func(c *Config, v string) error {
		if v == "" {
			c.PublicURL = ""
			return nil
		}
		if err := checkAbsURL(v, false); err != nil {
			return err
		}
		c.PublicURL = strings.TrimSuffix(v, "/")
		return nil
	}},
	{name: "oauth-login-url", usage: "the SaaS's sign-in page; the OAuth flow sends browsers there with ?login_challenge= (empty with --dev: a built-in page)", set: urlSetter(func(c *Config) *string { return &c.OAuthLoginURL })},
	{name: "oauth-consent-url", usage: "the SaaS's own consent page, sent ?consent_challenge= (empty: Patchbay's consent screen)", set: urlSetter(func(c *Config) *string { return &c.OAuthConsentURL })},
	{name: "oauth-access-token-ttl", def: "1h", usage: "how long an OAuth access token is valid", set: durationSetter(func(c *Config) *time.Duration { return &c.OAuthAccessTokenTTL })},
	{name: "oauth-refresh-token-ttl", def: "720h", usage: "how long an unused OAuth refresh token is valid", set: durationSetter(func(c *Config) *time.Duration { return &c.OAuthRefreshTokenTTL })},
	{name: "oauth-refresh-reuse-grace", def: "10s", usage: "how long a rotated refresh token still works, for concurrent refreshes; a later reuse revokes its token family", set: durationSetter(func(c *Config) *time.Duration { return &c.OAuthRefreshReuseGrace })},
	{name: "oauth-secret-grace", def: "24h", usage: "how long an app's rotated-out client secret keeps working", set: durationSetter(func(c *Config) *time.Duration { return &c.OAuthSecretGrace })},
	{name: "oauth-retention", def: "168h", usage: "how long expired and revoked OAuth codes and tokens are kept (to recognise their reuse) before cleanup", set: durationSetter(func(c *Config) *time.Duration { return &c.OAuthRetention })},
	{name: "oauth-token-rate-limit", def: "50", usage: "token endpoint requests per second per OAuth client; 0 turns limiting off", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return errors.New("must be a non-negative integer")
		}
		c.OAuthTokenRateLimit = n
		return nil
	}},
	{name: "oauth-pending-requests", def: "20000", usage: "authorization requests that may wait for a sign-in at once, over all apps; beyond it /oauth/authorize answers temporarily_unavailable", set: positiveIntSetter(func(c *Config) *int { return &c.OAuthPendingRequests })},
	{name: "oauth-pending-requests-per-app", def: "1000", usage: "authorization requests that may wait for a sign-in at once for one app; beyond it /oauth/authorize answers temporarily_unavailable", set: positiveIntSetter(func(c *Config) *int { return &c.OAuthPendingRequestsPerApp })},
	{name: "oauth-default-audience", usage: "the audience (aud) of OAuth tokens whose request names no resource, such as https://api.example.com; empty leaves them without one", set: func(c *Config, v string) error {
		if v != "" {
			if err := checkAbsURL(v, false); err != nil {
				return err
			}
		}
		c.OAuthDefaultAudience = v
		return nil
	}},
	{name: "automation-api-url", usage: "the SaaS's API base URL, such as https://api.example.com: automation actions' URL templates lie on it and the MCP server's tools call it", set: func(c *Config, v string) error {
		if v != "" {
			if err := checkAbsURL(v, false); err != nil {
				return err
			}
		}
		c.AutomationAPIURL = strings.TrimSuffix(v, "/")
		return nil
	}},
	{name: "automation-api-audience", usage: "the resource indicator (RFC 8707) of the SaaS's API, for which the MCP server exchanges tokens; empty means --automation-api-url", set: func(c *Config, v string) error {
		if v != "" {
			if err := checkAbsURL(v, false); err != nil {
				return err
			}
		}
		c.AutomationAPIAudience = v
		return nil
	}},
	{name: "automation-mcp-app", usage: "the ID of the confidential OAuth app (token exchange on, the API's audience allowed) as which the MCP server exchanges a client's token for one for the SaaS's API; empty offers no action tools", set: func(c *Config, v string) error {
		c.AutomationMCPApp = v
		return nil
	}},
	{name: "automation-hooks-scope", usage: "the OAuth scope platforms' REST hook and polling calls (/v1/hooks) need; empty accepts any user's token", set: func(c *Config, v string) error {
		c.AutomationHooksScope = v
		return nil
	}},
	{name: "oauth-device-code-ttl", def: "15m", usage: "how long a device authorization (RFC 8628) waits for the user to enter its code and approve", set: durationSetter(func(c *Config) *time.Duration { return &c.OAuthDeviceCodeTTL })},
	{name: "oauth-device-poll-interval", def: "5s", usage: "the least time between a device's token requests while it waits (RFC 8628 interval), in whole seconds; faster polling answers slow_down", set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d%time.Second != 0 {
			return fmt.Errorf("must be a whole number of seconds, at least 1s (got %q)", v)
		}
		c.OAuthDevicePollInterval = d
		return nil
	}},
	{name: "oauth-registration", def: "token", usage: "who may register OAuth clients at /oauth/register (RFC 7591): off, token (with an initial access token from the admin API) or open (anyone)", set: func(c *Config, v string) error {
		if v != "off" && v != "token" && v != "open" {
			return fmt.Errorf("must be off, token or open (got %q)", v)
		}
		c.OAuthRegistration = v
		return nil
	}},
	{name: "oauth-registration-scopes", usage: "comma-separated scopes a self-registered OAuth client may ask for (empty: none, so such clients can only be refused)", set: func(c *Config, v string) error {
		c.OAuthRegistrationScopes = nil
		for _, sc := range strings.Split(v, ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				c.OAuthRegistrationScopes = append(c.OAuthRegistrationScopes, sc)
			}
		}
		return nil
	}},
	{name: "oauth-client-metadata", def: "true", bool: true, usage: "accept OAuth client IDs that are https URLs of client ID metadata documents (fetched through the outbound guard); their clients may ask for --oauth-registration-scopes", set: boolSetter(func(c *Config) *bool { return &c.OAuthClientMetadata })},
	{name: "oauth-client-metadata-hosts", usage: "comma-separated hosts whose client ID metadata documents are accepted; *.example.com matches subdomains (empty: any host)", set: hostListSetter(func(c *Config) *[]string { return &c.OAuthClientMetadataHosts })},
	{name: "oauth-client-metadata-deny-hosts", usage: "comma-separated hosts whose client ID metadata documents are refused; *.example.com matches subdomains", set: hostListSetter(func(c *Config) *[]string { return &c.OAuthClientMetadataDenyHosts })},
	{name: "oauth-client-metadata-outbound-allow", usage: "comma-separated networks (CIDR) client ID metadata documents may be fetched from although the SSRF guard refuses special-purpose addresses; apart from --outbound-allow", set: prefixListSetter(func(c *Config) *[]netip.Prefix { return &c.OAuthClientMetadataOutboundAllow })},
	{name: "oauth-client-metadata-timeout", def: "5s", usage: "how long fetching a client ID metadata document may take", set: durationSetter(func(c *Config) *time.Duration { return &c.OAuthClientMetadataTimeout })},
	{name: "oauth-client-metadata-ca-file", usage: "PEM certificates trusted, besides the system's, when fetching client ID metadata documents", set: func(c *Config, v string) error {
		c.OAuthClientMetadataCAFile = v
		return nil
	}},
	{name: "oauth-registrations-per-address", def: "20", usage: "live self-registered OAuth clients one client address may have registered; beyond it /oauth/register refuses", set: positiveIntSetter(func(c *Config) *int { return &c.OAuthRegistrationsPerAddress })},
	{name: "oauth-registrations-per-token", def: "1000", usage: "live OAuth clients registered with one initial access token; beyond it /oauth/register refuses that token's holder", set: positiveIntSetter(func(c *Config) *int { return &c.OAuthRegistrationsPerToken })},
	{name: "oauth-client-metadata-per-host", def: "20", usage: "live OAuth clients known from client ID metadata documents on one host; beyond it that host's new documents are refused", set: positiveIntSetter(func(c *Config) *int { return &c.OAuthClientMetadataPerHost })},
	{name: "oauth-registrations", def: "10000", usage: "live self-registered OAuth clients in all; beyond it /oauth/register refuses", set: positiveIntSetter(func(c *Config) *int { return &c.OAuthRegistrations })},
	{name: "oauth-registration-unused-ttl", def: "24h", usage: "how long a self-registered OAuth client that no user has authorized is kept before cleanup removes it", set: durationSetter(func(c *Config) *time.Duration { return &c.OAuthRegistrationUnusedTTL })},
	{name: "providers-dir", usage: "directory of the operator's own provider definitions (*.yaml), added to the built-in catalog; one with a built-in's id replaces it", set: func(c *Config, v string) error {
		c.ProvidersDir = v
		return nil
	}},
	{name: "connect-ca-file", usage: "PEM file of certificate authorities trusted, beside the system's, for calls to providers (for a provider behind a private CA)", set: func(c *Config, v string) error {
		c.ConnectCAFile = v
		return nil
	}},
	{name: "connect-refresh-interval", def: "30s", usage: "how often the refresh job refreshes access tokens that would expire (within their provider's margin) before its next run", set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			return fmt.Errorf("must be a duration from 1s to 1h (got %q)", v)
		}
		c.ConnectRefreshInterval = d
		return nil
	}},
	{name: "proxy-max-attempts", def: "4", usage: "how often the connections proxy sends one request, retries included (1 to 10)", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10 {
			return errors.New("must be an integer from 1 to 10")
		}
		c.ProxyMaxAttempts = n
		return nil
	}},
	{name: "proxy-max-wait", def: "30s", usage: "the most one proxied request waits between its attempts; a provider asking for longer gets its response passed back at once", set: durationSetter(func(c *Config) *time.Duration { return &c.ProxyMaxWait })},
	{name: "proxy-queue-wait", def: "10s", usage: "the most a proxied request waits for its connection's rate budget before a 429", set: durationSetter(func(c *Config) *time.Duration { return &c.ProxyQueueWait })},
	{name: "proxy-timeout", def: "30s", usage: "how long one proxied attempt may wait for the provider's response headers (the body then streams as long as the caller reads)", set: durationSetter(func(c *Config) *time.Duration { return &c.ProxyTimeout })},
	{name: "rate-limit", def: "100", usage: "requests per window per API key, unless the key has its own limit; 0 turns limiting off", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return errors.New("must be a non-negative integer")
		}
		c.RateLimit = n
		return nil
	}},
	{name: "rate-limit-window", def: "1s", usage: "the window the rate limit counts over", set: durationSetter(func(c *Config) *time.Duration { return &c.RateLimitWindow })},
	{name: "rate-limit-store", usage: "memory (per node) or database (shared by all nodes); empty picks database on PostgreSQL, memory on SQLite", set: func(c *Config, v string) error {
		switch v {
		case "", "memory", "database":
			c.RateLimitStore = v
			return nil
		}
		return fmt.Errorf("must be memory or database (got %q)", v)
	}},
	{name: "public-rate-limit-pages", def: "60/1m", usage: "requests per client address to the browser pages (OAuth authorize, consent and dev sign-in; connect pages), and apart to the protected resource metadata documents and to the images under /assets/, as LIMIT/WINDOW with bursts of LIMIT; 0 turns it off, as does --rate-limit 0", set: ratePolicySetter(func(c *Config) *RatePolicy { return &c.PublicRateLimitPages })},
	{name: "public-rate-limit-oauth", def: "50/1s", usage: "token, revocation and introspection requests per client address that no client secret or API key authenticates (public clients, failed authentication), as LIMIT/WINDOW; 0 turns it off, as does --rate-limit 0", set: ratePolicySetter(func(c *Config) *RatePolicy { return &c.PublicRateLimitOAuth })},
	{name: "embed-rate-limit", def: "20/1s", usage: "requests per embed token to the browser components' API (/embed/v1), as LIMIT/WINDOW; 0 turns it off, as does --rate-limit 0", set: ratePolicySetter(func(c *Config) *RatePolicy { return &c.EmbedRateLimit })},
	{name: "public-rate-limit-embed", def: "600/1m", usage: "requests per client address to /embed/v1, as LIMIT/WINDOW; 0 turns it off, as does --rate-limit 0", set: ratePolicySetter(func(c *Config) *RatePolicy { return &c.PublicRateLimitEmbed })},
	{name: "public-rate-limit-ingest", def: "1000/1s", usage: "incoming webhook requests (/in/) per client address, as LIMIT/WINDOW; 0 turns it off, as does --rate-limit 0", set: ratePolicySetter(func(c *Config) *RatePolicy { return &c.PublicRateLimitIngest })},
}

// ratePolicySetter reads LIMIT/WINDOW, such as 60/1m, or 0 for no limit.
func ratePolicySetter(field func(c *Config) *RatePolicy) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		if v == "0" {
			*field(c) = RatePolicy{}
			return nil
		}
		limit, window, ok := strings.Cut(v, "/")
		n, err := strconv.ParseInt(limit, 10, 64)
		d, derr := time.ParseDuration(window)
		// The window holds Limit whole seconds' worth of refills, and the
		// RateLimit headers state it in whole seconds.
		if !ok || err != nil || derr != nil || n < 1 || d < time.Second || d%time.Second != 0 || d > 24*time.Hour {
			return fmt.Errorf("must be LIMIT/WINDOW with a positive limit and a window of whole seconds up to 24h, such as 60/1m, or 0 (got %q)", v)
		}
		*field(c) = RatePolicy{Limit: n, Window: d}
		return nil
	}
}

// hostListSetter reads a comma-separated list of host names, each possibly
// starting with "*." to match its subdomains.
func hostListSetter(field func(c *Config) *[]string) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		var hosts []string
		for _, h := range strings.Split(v, ",") {
			h = strings.ToLower(strings.TrimSpace(h))
			if h == "" {
				continue
			}
			if strings.ContainsAny(strings.TrimPrefix(h, "*."), "*/:@ ") {
				return fmt.Errorf("must be host names such as api.example.com or *.example.com (got %q)", h)
			}
			hosts = append(hosts, h)
		}
		*field(c) = hosts
		return nil
	}
}

func positiveIntSetter(field func(c *Config) *int) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errors.New("must be a positive integer")
		}
		*field(c) = n
		return nil
	}
}

func boolSetter(field func(c *Config) *bool) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		*field(c) = b
		return nil
	}
}

// checkAbsURL accepts an absolute http or https URL without a fragment, and
// with a query only if allowQuery.
func checkAbsURL(v string, allowQuery bool) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || (u.RawQuery != "" && !allowQuery) {
		if allowQuery {
			return fmt.Errorf("must be an absolute http:// or https:// URL without a fragment (got %q)", v)
		}
		return fmt.Errorf("must be an absolute http:// or https:// URL without query or fragment (got %q)", v)
	}
	return nil
}

func urlSetter(field func(c *Config) *string) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		if v != "" {
			if err := checkAbsURL(v, true); err != nil {
				return err
			}
		}
		*field(c) = v
		return nil
	}
}

func durationSetter(field func(c *Config) *time.Duration) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("must be a positive duration such as 30s or 24h (got %q)", v)
		}
		*field(c) = d
		return nil
	}
}

// StoreSettings are the settings that only locate the database, for commands
// such as migrate and keys.
var StoreSettings = []string{"data", "database-url", "db-max-conns"}

// flagValue records whether a flag was given, so only given flags override.
type flagValue struct {
	s     *setting
	value string
	given bool
}

func (f *flagValue) String() string {
	if f == nil || f.s == nil {
		return ""
	}
	return f.value
}
func (f *flagValue) Set(v string) error { f.value, f.given = v, true; return nil }
func (f *flagValue) IsBoolFlag() bool   { return f.s.bool }

// Loader registers settings as flags on a flag set and, after parsing, builds
// the Config.
type Loader struct {
	flags  map[string]*flagValue
	config *string
}

const configUsage = "optional YAML configuration file; flags and PATCHBAY_* variables override it"

// Register adds the named settings (all when names is empty) and --config to fs.
func Register(fs *flag.FlagSet, names ...string) *Loader {
	l := &Loader{flags: map[string]*flagValue{}}
	for i := range settings {
		s := &settings[i]
		if len(names) > 0 && !contains(names, s.name) {
			continue
		}
		v := &flagValue{s: s, value: s.def}
		l.flags[s.name] = v
		fs.Var(v, s.name, s.usage)
	}
	l.config = fs.String("config", "", configUsage)
	return l
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// Load builds the configuration: defaults, then the file, then the
// environment, then the flags that were given. The error names the setting
// and where it came from, in one line.
func (l *Loader) Load(getenv func(string) string) (Config, error) {
	var c Config
	for i := range settings {
		if err := settings[i].set(&c, settings[i].def); err != nil {
			panic("config: bad default for " + settings[i].name) // caught by tests
		}
	}
	path := *l.config
	if path == "" {
		path = getenv("PATCHBAY_CONFIG")
	}
	if path != "" {
		if err := loadFile(&c, path); err != nil {
			return c, err
		}
	}
	for i := range settings {
		s := &settings[i]
		if v := getenv(EnvName(s.name)); v != "" {
			if err := s.set(&c, v); err != nil {
				return c, fmt.Errorf("%s: %w", EnvName(s.name), err)
			}
		}
	}
	for name, f := range l.flags {
		if f.given {
			if err := f.s.set(&c, f.value); err != nil {
				return c, fmt.Errorf("--%s: %w", name, err)
			}
		}
	}
	c.LogLevelGiven = givenAnywhere(l, getenv, "log-level")
	if c.Dev {
		if !c.LogLevelGiven {
			c.LogLevel = "debug"
		}
		if !givenAnywhere(l, getenv, "webhook-allow-http") {
			c.WebhookAllowHTTP = true
		}
		loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		c.OutboundAllow = append(c.OutboundAllow, loopback...)
		c.OAuthClientMetadataOutboundAllow = append(c.OAuthClientMetadataOutboundAllow, loopback...)
	}
	return c, nil
}

// givenAnywhere reports whether a setting was given by flag or environment;
// --dev changes only defaults the operator did not set.
func givenAnywhere(l *Loader, getenv func(string) string, name string) bool {
	if f, ok := l.flags[name]; ok && f.given {
		return true
	}
	return getenv(EnvName(name)) != ""
}

func loadFile(c *Config, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(raw, &values); err != nil {
		return fmt.Errorf("config file %s: not valid YAML: %w", path, err)
	}
	for key, value := range values {
		s := settingByFileKey(key)
		if s == nil {
			return fmt.Errorf("config file %s: unknown setting %q", path, key)
		}
		if err := s.set(c, fmt.Sprint(value)); err != nil {
			return fmt.Errorf("config file %s: %s: %w", path, key, err)
		}
	}
	return nil
}

func settingByFileKey(key string) *setting {
	for i := range settings {
		if fileKey(settings[i].name) == key {
			return &settings[i]
		}
	}
	return nil
}

// prefixListSetter parses a comma-separated list of CIDR prefixes.
func prefixListSetter(field func(*Config) *[]netip.Prefix) func(*Config, string) error {
	return func(c *Config, v string) error {
		var list []netip.Prefix
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/8", part)
			}
			list = append(list, p.Masked())
		}
		*field(c) = list
		return nil
	}
}
