// Package app wires a Patchbay node together: store, services, job client and
// HTTP server, started and stopped as one.
package app

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/automation"
	"github.com/patchbay/patchbay/internal/branding"
	"github.com/patchbay/patchbay/internal/clientip"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/console"
	"github.com/patchbay/patchbay/internal/devinbox"
	"github.com/patchbay/patchbay/internal/embed"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/idempotency"
	"github.com/patchbay/patchbay/internal/inbound"
	"github.com/patchbay/patchbay/internal/jobs"
	"github.com/patchbay/patchbay/internal/marketplace"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/proxy"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/server"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/syncs"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/tracing"
	"github.com/patchbay/patchbay/internal/transform"
	"github.com/patchbay/patchbay/internal/vault"
	"github.com/patchbay/patchbay/internal/webhooks"
	"github.com/patchbay/patchbay/providers"
)

// App is one Patchbay node.
type App struct {
	cfg      config.Config
	version  string
	logger   *slog.Logger
	DB       *store.DB
	Keys     *auth.Keys
	jobs     *jobs.Client
	jobsCfg  jobs.Config
	handler  http.Handler
	webhooks *webhooks.Service
	inbound  *inbound.Service
	connect  *connect.Service
	// metrics serves /metrics on cfg.MetricsAddr, when that is set.
	metrics http.Handler
	outages *store.OutageLog
	// audit is written in batches; Run flushes the last one.
	audit *audit.Log
	// stopTracing flushes and stops the tracer provider FromEnv made.
	stopTracing func(context.Context) error
}

// Option changes how New builds a node.
type Option func(*options)

type options struct {
	tracer trace.TracerProvider
}

// WithTracerProvider makes the node trace with tp instead of what the
// OTEL_* variables say (tests give an in-memory exporter's provider).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracer = tp }
}

// New opens the store, migrates it when configured to, and builds the node.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, version string, opts ...Option) (*App, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	stopTracing := func(context.Context) error { return nil }
	if o.tracer == nil && tracing.Enabled(os.Getenv) {
		var err error
		if o.tracer, stopTracing, err = tracing.FromEnv(ctx, version); err != nil {
			return nil, err
		}
	}
	db, err := store.Open(ctx, cfg.Store(logger))
	if err != nil {
		stopTracing(ctx) //nolint:errcheck // nothing was traced yet
		return nil, err
	}
	a, err := build(ctx, cfg, logger, version, db, o.tracer)
	if err != nil {
		db.Close()
		stopTracing(ctx) //nolint:errcheck // nothing was traced yet
		return nil, err
	}
	a.stopTracing = stopTracing
	return a, nil
}

// build makes the node on db. tp is nil when tracing is off: then nothing
// makes spans at all.
func build(ctx context.Context, cfg config.Config, logger *slog.Logger, version string, db *store.DB, tp trace.TracerProvider) (*App, error) {
	db.SetTracer(tp)
	// Every component logs through it, so a database outage is two lines,
	// not one per poll and query.
	outages := store.NewOutageLog(db, logger.Handler())
	logger = slog.New(outages)
	if cfg.AutoMigrate {
		if err := db.Migrate(ctx, logger); err != nil {
			return nil, err
		}
	}
	v, err := OpenVault(cfg, db)
	if err != nil {
		return nil, err
	}
	// One registry per node: the capabilities register their metrics on it,
	// and /metrics serves it.
	reg := prometheus.NewRegistry()
	eventTypes := webhooks.NewEventTypes(db)
	inserter := &lateInserter{}
	hooks := webhooks.NewService(db, v, eventTypes, safehttp.Options{Allow: cfg.OutboundAllow}, inserter, webhooks.Config{
		RetrySchedule:        cfg.WebhookRetrySchedule,
		Timeout:              cfg.WebhookTimeout,
		RetryAfterMax:        cfg.WebhookRetryAfterMax,
		TooManyRequestsFloor: cfg.Webhook429Floor,
		DisableAfter:         cfg.EndpointDisableAfter,
		SecretOverlap:        cfg.SecretRotationOverlap,
		AllowHTTP:            cfg.WebhookAllowHTTP,
		Retention:            cfg.WebhookRetention,
		Node:                 nodeName(),
		OperationalURL:       cfg.OperationalWebhookURL,
		OperationalSecret:    cfg.OperationalWebhookSecret,
		Metrics:              reg,
		Tracer:               tp,
		Traceparent:          cfg.WebhookTraceparent,
	})

	if cfg.OAuthLoginURL == "" && !cfg.Dev {
		logger.Info("the OAuth provider has no --oauth-login-url: authorization requests fail until one is set (tokens, introspection and the admin API work)")
	}
	limiter := newLimiter(cfg, db)
	addresses := ratelimit.NewAddresses()
	metadataRoots, err := certPool(cfg.OAuthClientMetadataCAFile, "--oauth-client-metadata-ca-file")
	if err != nil {
		return nil, err
	}
	// Pages show the SaaS's branding, and images copied through the outbound
	// guard (http URLs and loopback hosts only in development).
	assetStore := assets.NewStore(db)
	images := assets.NewRemote(db, assetStore, safehttp.Options{Allow: cfg.OutboundAllow}, cfg.Dev, logger.With("component", "assets"))
	brands := branding.NewService(db, assetStore, branding.Config{Dev: cfg.Dev}, logger.With("component", "branding"))
	metadataClient := safehttp.Options{Allow: cfg.OAuthClientMetadataOutboundAllow, Timeout: cfg.OAuthClientMetadataTimeout, RootCAs: metadataRoots}.Client()
	// authServer is Patchbay's own OAuth 2 authorization server (for third-party
	// apps); the providers of the catalog are the third parties Patchbay connects to.
	authServer := oauth.NewService(db, limiter, addresses, logger.With("component", "oauth"), oauth.Config{
		Issuer:            cfg.PublicURL,
		LoginURL:          cfg.OAuthLoginURL,
		ConsentURL:        cfg.OAuthConsentURL,
		Dev:               cfg.Dev,
		AccessTokenTTL:    cfg.OAuthAccessTokenTTL,
		RefreshTokenTTL:   cfg.OAuthRefreshTokenTTL,
		RefreshReuseGrace: cfg.OAuthRefreshReuseGrace,
		SecretGrace:       cfg.OAuthSecretGrace,
		Retention:         cfg.OAuthRetention,
		TokenRateLimit:    ratelimit.Policy{Limit: cfg.OAuthTokenRateLimit, Window: time.Second},
		AddressRateLimit:  publicPolicy(cfg, cfg.PublicRateLimitOAuth),
		PendingRequests:   cfg.OAuthPendingRequests, PendingRequestsPerApp: cfg.OAuthPendingRequestsPerApp,
		DefaultAudience: cfg.OAuthDefaultAudience,
		DeviceCodeTTL:   cfg.OAuthDeviceCodeTTL, DevicePollInterval: cfg.OAuthDevicePollInterval,
		Registration: cfg.OAuthRegistration, RegistrationScopes: cfg.OAuthRegistrationScopes,
		RegistrationsPerAddress: cfg.OAuthRegistrationsPerAddress, Registrations: cfg.OAuthRegistrations,
		RegistrationsPerToken: cfg.OAuthRegistrationsPerToken, MetadataClientsPerHost: cfg.OAuthClientMetadataPerHost,
		RegistrationUnusedTTL: cfg.OAuthRegistrationUnusedTTL,
		MetadataDocuments:     cfg.OAuthClientMetadata, MetadataHosts: cfg.OAuthClientMetadataHosts,
		MetadataDenyHosts: cfg.OAuthClientMetadataDenyHosts, MetadataClient: metadataClient,
		Brands: brands, Images: images, Assets: assetStore,
		Metrics: reg,
	})

	providerCatalog, err := loadCatalog(cfg.ProvidersDir)
	if err != nil {
		return nil, err
	}
	incoming := inbound.NewService(db, v, inserter, hooks, cfg.PublicURL, reg)
	// Transformations run for endpoints (before signing) and sources (after
	// verification), each run bounded by the transform-* settings.
	transforms := transform.NewService(db, transform.NewEngine(transform.Limits{
		Timeout: cfg.TransformTimeout, Memory: cfg.TransformMemory, Output: int(cfg.TransformOutput),
	}), transformTargets{hooks, incoming}, transformSamples{eventTypes, hooks})
	hooks.SetTransformer(transforms)
	incoming.SetTransformer(transforms, logger.With("component", "inbound"))
	if untokened, err := incoming.SourcesWithoutIngestToken(ctx); err != nil {
		return nil, err
	} else if len(untokened) > 0 {
		// Their URL was their ID alone, which is no credential; the
		// operator makes their new URLs (docs/inbound.md).
		logger.Warn("sources with scheme none have no ingest token and answer 404 until one is made: "+
			"POST /v1/sources/{source_id}/ingest-token/rotate answers with the new ingest_url", "source_ids", untokened)
	}
	connectLogger := logger.With("component", "connect")
	toProviders, err := providerClient(cfg)
	if err != nil {
		return nil, err
	}
	// The connections service's data keys are wrapped by the configured
	// encryption key, which is the key-encryption key.
	// The marketplace keeps integration installations by connect's
	// connection events, in their transactions.
	connectionEvents := &marketplace.ConnectionEvents{Next: hooks}
	connections := connect.NewService(db, connect.NewKeyring(db, v), providerCatalog, toProviders, connectionEvents, connectLogger,
		connect.Config{PublicURL: cfg.PublicURL, Node: nodeName(), Brands: brands, Images: images, Metrics: reg, Tracer: tp})
	proxyEngine := proxy.New(connections, providerCatalog, toProviders, connectLogger, proxy.Config{
		MaxAttempts: cfg.ProxyMaxAttempts, MaxWait: cfg.ProxyMaxWait, QueueWait: cfg.ProxyQueueWait, Timeout: cfg.ProxyTimeout,
		Metrics: reg, Tracer: tp,
	})
	if err := connections.LoadProviders(ctx); err != nil {
		return nil, fmt.Errorf("provider definitions: %w", err)
	}
	// Sync runs log under the connect component, as before syncs had a
	// package of their own.
	syncService := syncs.NewService(db, connections, proxyEngine, providerCatalog, hooks, inserter, connectLogger, syncs.Config{Node: nodeName()})

	market := marketplace.NewService(db, marketplace.Deps{Apps: authServer, Integrations: connections, Hooks: hooks, Assets: assetStore,
		ProviderScopes: func(providerID string) []string {
			if p, ok := providerCatalog.Get(providerID); ok {
				return p.Auth.Scopes
			}
			return nil
		}})
	connectionEvents.Marketplace = market
	authServer.Observe(market)

	embedTokens := embed.NewService(db, cfg.PublicURL)
	workers, periodic, queues := registry(cfg, logger, db, hooks, authServer, incoming, connections, syncService, embedTokens)
	jobsCfg := jobs.Config{
		Work:        cfg.Role != config.RoleAPI,
		Workers:     workers,
		Periodic:    periodic,
		Queues:      queues,
		RescueAfter: cfg.JobRescueAfter,
		Logger:      store.RiverLogger(logger.With("component", "jobs")),
		Tracer:      tp,
		Metrics:     reg,
	}
	jobClient, err := jobs.NewClient(db, jobsCfg)
	if err != nil {
		return nil, fmt.Errorf("job client: %w", err)
	}
	inserter.client = jobClient

	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		jobs.NewCollector(db, logger))
	for name, pool := range db.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}

	keys := auth.NewKeys(db)
	var inbox *devinbox.Inboxes
	if cfg.Dev {
		inbox = devinbox.New(hooks)
	}
	auditLog := audit.NewLog(db, logger.With("component", "audit"))
	toAPI, err := providerClient(cfg)
	if err != nil {
		return nil, err
	}
	automations := automation.NewService(db, authServer, hooks, logger.With("component", "automation"), automation.Config{
		Options: AutomationOptions(cfg), APIClient: toAPI, MCPApp: cfg.AutomationMCPApp})
	handler := server.NewServer(server.Deps{
		Automation: automations,
		Logger:     logger,
		DB:         db,
		Keys:       keys,
		// An operator signs in to the review console with a key that may
		// administer the marketplace.
		Console:       console.NewService(db, keys),
		SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"),
		Tenants:       tenants.NewService(db, jobClient),
		Webhooks:      hooks,
		EventTypes:    eventTypes,
		Idempotency:   idempotency.NewKeys(db, v, logger, cfg.IdempotencyTTL),
		Audit:         auditLog,
		Embed:         embedTokens,
		EmbedAPI: &embed.API{Webhooks: hooks, EventTypes: eventTypes, Connections: connections, Apps: authServer,
			Branding: brands, PublicURL: cfg.PublicURL, Images: images},
		EmbedTokenLimit: publicPolicy(cfg, cfg.EmbedRateLimit),
		EmbedAddrLimit:  publicPolicy(cfg, cfg.PublicRateLimitEmbed),
		OAuth:           authServer,
		Inbound:         incoming,
		Transforms:      transforms,
		Providers:       providerCatalog,
		Connect:         connections,
		Proxy:           proxyEngine,
		Syncs:           syncService,
		Branding:        brands,
		Assets:          assetStore,
		Marketplace:     market,
		Limiter:         limiter,
		RateLimit:       ratelimit.Policy{Limit: cfg.RateLimit, Window: cfg.RateLimitWindow},
		Addresses:       addresses,
		PagesRateLimit:  publicPolicy(cfg, cfg.PublicRateLimitPages),
		IngestRateLimit: publicPolicy(cfg, cfg.PublicRateLimitIngest),
		Metrics:         reg,
		Tracer:          tp,
		PrivateMetrics:  cfg.MetricsAddr != "",
		BodyLimit:       cfg.BodyLimit,
		Clients:         clientip.Resolver{Trusted: cfg.TrustedProxies},
		AdminAPI:        cfg.Role != config.RoleWorker,
		Dev:             cfg.Dev,
		DevInbox:        inbox,
		Version:         version,
	})
	return &App{cfg: cfg, version: version, logger: logger, DB: db, Keys: keys, jobs: jobClient, jobsCfg: jobsCfg, handler: handler, webhooks: hooks, inbound: incoming, connect: connections,
		metrics: server.MetricsHandler(reg), outages: outages, audit: auditLog}, nil
}

// AutomationOptions are the installation's facts the automation catalog
// states, from its settings: what the CLI's generators pass to
// automation.Load.
func AutomationOptions(cfg config.Config) automation.Options {
	return automation.Options{PatchbayURL: cfg.PublicURL, APIBaseURL: cfg.AutomationAPIURL, APIAudience: cfg.AutomationAPIAudience,
		HooksScope: cfg.AutomationHooksScope}
}

// loadCatalog reads the built-in provider definitions and the operator's.
func loadCatalog(dir string) (*catalog.Catalog, error) {
	sources := []fs.FS{providers.FS}
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("--providers-dir: %w", err)
		}
		sources = append(sources, os.DirFS(dir))
	}
	c, err := catalog.Load(sources...)
	if err != nil {
		return nil, fmt.Errorf("provider catalog: %w", err)
	}
	return c, nil
}

// certPool returns the system's certificate authorities and those in file,
// or nil (the system's) when file is empty. flag names the setting in errors.
func certPool(file, flag string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: %s holds no PEM certificate", flag, file)
	}
	return pool, nil
}

// providerClient is the outbound client for calls to providers, the
// connections service's and the proxy's: the SSRF guard, and the roots of
// --connect-ca-file trusted besides the system's.
func providerClient(cfg config.Config) (*http.Client, error) {
	roots, err := certPool(cfg.ConnectCAFile, "--connect-ca-file")
	if err != nil {
		return nil, err
	}
	return safehttp.Options{Allow: cfg.OutboundAllow, RootCAs: roots}.Client(), nil
}

// publicPolicy is a public route's per-address policy. --rate-limit 0 turns
// these off too, so that one setting lifts every limit (load tests, say).
func publicPolicy(cfg config.Config, p config.RatePolicy) ratelimit.Policy {
	if cfg.RateLimit == 0 {
		return ratelimit.Policy{}
	}
	return ratelimit.Policy{Limit: p.Limit, Window: p.Window}
}

// newLimiter picks where rate-limit counts live: shared in the database when
// several nodes may serve one PostgreSQL, in memory otherwise.
func newLimiter(cfg config.Config, db *store.DB) ratelimit.Limiter {
	storeKind := cfg.RateLimitStore
	if storeKind == "" {
		storeKind = "memory"
		if db.SharedByNodes() {
			storeKind = "database"
		}
	}
	if storeKind == "database" {
		return ratelimit.NewDatabase(db)
	}
	return ratelimit.NewMemory()
}

// OpenVault opens the encryption key: the configured one (with the previous
// keys it replaces, for opening only), or on SQLite a key file beside the
// database. Several PostgreSQL nodes must share one key, so there it must be
// configured.
func OpenVault(cfg config.Config, db *store.DB) (*vault.Vault, error) {
	if cfg.EncryptionKey != "" {
		key, err := vault.ParseKey(cfg.EncryptionKey)
		if err != nil {
			return nil, err
		}
		var previous [][]byte
		for _, p := range cfg.EncryptionKeysPrevious {
			k, err := vault.ParseKey(p)
			if err != nil {
				return nil, fmt.Errorf("--encryption-key-previous: %w", err)
			}
			previous = append(previous, k)
		}
		return vault.New(key, previous...)
	}
	if len(cfg.EncryptionKeysPrevious) > 0 {
		return nil, errors.New("--encryption-key-previous needs --encryption-key, the key that replaces them")
	}
	if db.SharedByNodes() {
		return nil, fmt.Errorf("PostgreSQL needs --encryption-key (PATCHBAY_ENCRYPTION_KEY), the same on every node; make one with: openssl rand -base64 32")
	}
	key, err := vault.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "encryption.key"))
	if err != nil {
		return nil, fmt.Errorf("encryption key file: %w", err)
	}
	return vault.New(key)
}

// nodeName identifies this process in leases and attempt records.
func nodeName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), id.New("n")[len("n_")+20:])
}

// lateInserter lets services built before the River client (whose workers
// need those services) insert jobs through it once it exists.
type lateInserter struct{ client *jobs.Client }

func (l *lateInserter) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return l.client.InsertTx(ctx, tx, args, opts)
}

// Handler is the node's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// Run serves HTTP on ln and works jobs until ctx is done, then drains both
// within the shutdown timeout: in-flight requests finish, running jobs finish
// (or are cancelled at the deadline and retried later, since they are durable).
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	if a.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on --metrics-addr %s: %w", a.cfg.MetricsAddr, err)
		}
		metricsSrv := &http.Server{Handler: a.metrics, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn)}
		go metricsSrv.Serve(mln) //nolint:errcheck // ends with Close
		// Served through the drain; scrapes are short and not waited for.
		defer metricsSrv.Close() //nolint:errcheck
		a.logger.Info("metrics listening", "addr", mln.Addr().String())
	}
	if err := jobs.Start(ctx, a.jobs, a.jobsCfg); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	// The dispatcher outlives the HTTP server's drain, so requests that
	// publish during the drain are still delivered by this node.
	dispatchCtx, stopDispatch := context.WithCancel(context.Background())
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		if a.cfg.Role != config.RoleAPI {
			a.webhooks.NewDispatcher(a.logger.With("component", "dispatcher")).Run(dispatchCtx)
		}
	}()
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	go a.connect.WatchProviders(watchCtx)
	// Broker consumers stop with the watchers; their messages in flight are
	// acknowledged only once committed, so nothing is lost when they stop.
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		if a.cfg.Role != config.RoleAPI {
			a.inbound.RunConsumers(watchCtx, a.logger.With("component", "consumers"))
		}
	}()
	defer func() { stopWatching(); <-consumed }()
	if a.cfg.Role != config.RoleWorker { // workers authenticate no one
		go a.Keys.Watch(watchCtx) // changes to keys made on other nodes
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.logStart(ctx, ln.Addr().String())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	a.logger.Info("shutting down", "timeout", a.cfg.ShutdownTimeout.String())
	drainCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	httpErr := srv.Shutdown(drainCtx)
	a.audit.Flush(drainCtx) //nolint:errcheck // Flush logs what it could not write
	stopDispatch()
	select {
	case <-dispatched:
	case <-drainCtx.Done():
	}
	jobsErr := a.stopJobs(drainCtx)
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return errors.Join(serveErr, httpErr, jobsErr)
}

func (a *App) stopJobs(ctx context.Context) error {
	if !a.jobsCfg.Work {
		return nil
	}
	err := a.jobs.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		a.logger.Warn("jobs still running at the shutdown deadline; cancelling them (they will be retried)")
		return a.jobs.StopAndCancel(context.Background())
	}
	return err
}

// Close releases the database.
func (a *App) Close() error {
	if a.stopTracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.stopTracing(ctx); err != nil {
			a.logger.Warn("flushing traces", "error", err)
		}
	}
	a.outages.Close()
	return a.DB.Close()
}
