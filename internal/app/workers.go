package app

import (
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/branding"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/idempotency"
	"github.com/patchbay/patchbay/internal/inbound"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/syncs"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// registry is the one place where every job's worker, every periodic job and
// every queue besides the default one is registered.
func registry(cfg config.Config, logger *slog.Logger, db *store.DB, hooks *webhooks.Service, authServer *oauth.Service, incoming *inbound.Service,
	connections *connect.Service, syncService *syncs.Service) (*river.Workers, []*river.PeriodicJob, map[string]river.QueueConfig) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &tenants.PurgeWorker{DB: db})
	river.AddWorker(workers, &idempotency.CleanupWorker{DB: db})
	river.AddWorker(workers, &audit.RetentionWorker{DB: db, Retention: cfg.AuditRetention})
	river.AddWorker(workers, &ratelimit.CleanupWorker{DB: db})
	river.AddWorker(workers, &webhooks.OperationalEventWorker{Service: hooks})
	river.AddWorker(workers, &webhooks.RecoverWorker{Service: hooks})
	river.AddWorker(workers, &webhooks.RetentionWorker{Service: hooks})
	river.AddWorker(workers, &oauth.CleanupWorker{Service: authServer})
	river.AddWorker(workers, &inbound.DedupeCleanupWorker{DB: db})
	river.AddWorker(workers, &inbound.RetentionWorker{DB: db, Retention: cfg.WebhookRetention})
	river.AddWorker(workers, &inbound.RouteWorker{Service: incoming, Webhooks: hooks, Logger: logger.With("component", "inbound")})
	river.AddWorker(workers, &connect.SessionCleanupWorker{DB: db})
	river.AddWorker(workers, &connect.RefreshWorker{Service: connections, Interval: cfg.ConnectRefreshInterval})
	river.AddWorker(workers, &syncs.TickWorker{Service: syncService})
	river.AddWorker(workers, &syncs.RunWorker{Service: syncService})
	river.AddWorker(workers, &assets.CleanupWorker{DB: db, InUse: []string{branding.AssetsInUse, oauth.AssetsInUse}})

	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return idempotency.CleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return audit.RetentionArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return ratelimit.CleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return webhooks.RetentionArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return oauth.CleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return inbound.DedupeCleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return inbound.RetentionArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return connect.SessionCleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return assets.CleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Each run refreshes what would come due before the next, so the
		// interval trades how early tokens are refreshed against how often
		// the connections table is read.
		river.NewPeriodicJob(river.PeriodicInterval(cfg.ConnectRefreshInterval),
			func() (river.JobArgs, *river.InsertOpts) { return connect.RefreshArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Due syncs are queued this often; a sync's own interval is at
		// least a minute, and the run call queues one at once.
		river.NewPeriodicJob(river.PeriodicInterval(15*time.Second),
			func() (river.JobArgs, *river.InsertOpts) { return syncs.TickArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
	queues := map[string]river.QueueConfig{syncs.Queue: {MaxWorkers: syncs.QueueWorkers}}
	return workers, periodic, queues
}
