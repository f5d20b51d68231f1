// Package jobs builds Patchbay's River client on the store's database, SQLite
// or PostgreSQL, and reports job counts to Prometheus. Which workers and
// periodic jobs exist is decided in one registry, internal/app/workers.go.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"log/slog"
	"maps"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tracing"
)

// Client is River's client on database/sql: a job insert takes the *sql.Tx of
// the store transaction it belongs to.
type Client = river.Client[*sql.Tx]

// Inserter is the part of the River client a service needs to enqueue jobs
// in its own transactions. Services take it rather than *Client so that a
// test, or a node that only inserts, can hand them anything that inserts.
type Inserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Config says what a node's River client does.
type Config struct {
	// Work starts queues and periodic jobs. A node with the api role only
	// inserts jobs; worker nodes work them.
	Work     bool
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	// Queues are worked beside the default queue, each with its own
	// concurrency, for jobs that must not hold up the others.
	Queues map[string]river.QueueConfig
	// MaxWorkers is the number of jobs worked at once on this node. Zero means
	// MaxWorkersDefault.
	MaxWorkers int
	// RescueAfter: a job running this long is taken for abandoned by a dead
	// node and run again. Jobs are written to be safe to run twice.
	RescueAfter time.Duration
	Logger      *slog.Logger
	// Metrics is the registry the work metrics are registered on; nil
	// registers none.
	Metrics prometheus.Registerer
	// Tracer makes a span per job worked; nil makes none.
	Tracer trace.TracerProvider
}

// MaxWorkersDefault is the default concurrency of the default queue.
const MaxWorkersDefault = 20

// NewClient returns a River client for db.
func NewClient(db *store.DB, cfg Config) (*Client, error) {
	rc := &river.Config{
		Logger:  cfg.Logger,
		Workers: cfg.Workers,
		// Neither driver can LISTEN through database/sql, so River polls; a
		// short interval keeps a freshly enqueued job's wait small.
		PollOnly:             true,
		FetchPollInterval:    100 * time.Millisecond,
		FetchCooldown:        20 * time.Millisecond,
		RescueStuckJobsAfter: cfg.RescueAfter,
		// River requires a job's timeout to be shorter than the rescue delay.
		JobTimeout: min(time.Minute, cfg.RescueAfter/2),
	}
	var tracer trace.Tracer
	if cfg.Tracer != nil {
		tracer = tracing.Tracer(cfg.Tracer)
	}
	rc.Middleware = []rivertype.Middleware{observer(newWorkMetrics(cfg.Metrics), tracer)}
	if tracer != nil {
		rc.Middleware = append(rc.Middleware, traceInserter())
	}
	if cfg.Work {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmp.Or(cfg.MaxWorkers, MaxWorkersDefault)}}
		maps.Copy(rc.Queues, cfg.Queues)
		rc.PeriodicJobs = cfg.Periodic
	}
	return river.NewClient(db.RiverDriver(), rc)
}

// Start starts the client when it has queues to work; an insert-only client
// needs no start.
func Start(ctx context.Context, c *Client, cfg Config) error {
	if !cfg.Work {
		return nil
	}
	return c.Start(ctx)
}
