// Package app wires a Patchbay node together: store, services, job client and
// HTTP server, started and stopped as one.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/idempotency"
	"github.com/patchbay/patchbay/internal/jobs"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/server"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
)

// App is one Patchbay node.
type App struct {
	cfg     config.Config
	logger  *slog.Logger
	DB      *store.DB
	Keys    *auth.Keys
	jobs    *jobs.Client
	jobsCfg jobs.Config
	handler http.Handler
}

// New opens the store, migrates it when configured to, and builds the node.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, version string) (*App, error) {
	db, err := store.Open(ctx, cfg.Store())
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, logger, version, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg config.Config, logger *slog.Logger, version string, db *store.DB) (*App, error) {
	if cfg.AutoMigrate {
		if err := db.Migrate(ctx, logger); err != nil {
			return nil, err
		}
	}
	workers, periodic := registry(db)
	jobsCfg := jobs.Config{
		Work:        cfg.Role != config.RoleAPI,
		Workers:     workers,
		Periodic:    periodic,
		RescueAfter: cfg.JobRescueAfter,
		Logger:      logger.With("component", "jobs"),
	}
	jobClient, err := jobs.NewClient(db, jobsCfg)
	if err != nil {
		return nil, fmt.Errorf("job client: %w", err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		jobs.NewCollector(db, logger))

	keys := auth.NewKeys(db)
	handler := server.NewServer(server.Deps{
		Logger:      logger,
		DB:          db,
		Keys:        keys,
		Tenants:     tenants.NewService(db, jobClient),
		Idempotency: idempotency.NewKeys(db, logger, cfg.IdempotencyTTL),
		Limiter:     newLimiter(cfg, db),
		RateLimit:   ratelimit.Policy{Limit: cfg.RateLimit, Window: cfg.RateLimitWindow},
		Metrics:     reg,
		BodyLimit:   cfg.BodyLimit,
		AdminAPI:    cfg.Role != config.RoleWorker,
		Version:     version,
	})
	return &App{cfg: cfg, logger: logger, DB: db, Keys: keys, jobs: jobClient, jobsCfg: jobsCfg, handler: handler}, nil
}

// newLimiter picks where rate-limit counts live: shared in the database when
// several nodes may serve one PostgreSQL, in memory otherwise.
func newLimiter(cfg config.Config, db *store.DB) ratelimit.Limiter {
	storeKind := cfg.RateLimitStore
	if storeKind == "" {
		storeKind = "memory"
		if db.Dialect().Name() == store.Postgres {
			storeKind = "database"
		}
	}
	if storeKind == "database" {
		return ratelimit.NewDatabase(db)
	}
	return ratelimit.NewMemory()
}

// Handler is the node's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// Run serves HTTP on ln and works jobs until ctx is done, then drains both
// within the shutdown timeout: in-flight requests finish, running jobs finish
// (or are cancelled at the deadline and retried later, since they are durable).
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	if err := jobs.Start(ctx, a.jobs, a.jobsCfg); err != nil {
		return fmt.Errorf("start jobs: %w", err)
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
	a.logger.Info("listening", "addr", ln.Addr().String(), "role", string(a.cfg.Role), "database", a.DB.Location())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	a.logger.Info("shutting down", "timeout", a.cfg.ShutdownTimeout.String())
	drainCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	httpErr := srv.Shutdown(drainCtx)
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
func (a *App) Close() error { return a.DB.Close() }
