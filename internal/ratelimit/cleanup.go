package ratelimit

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/store"
)

// CleanupInterval is how often CleanupPeriodicJob runs. Rows are tiny, one per
// active bucket per window, so a few minutes keeps the table small.
const CleanupInterval = 5 * time.Minute

// cleanupGrace is how long a window's row outlives the window, so that a node
// whose clock runs a little behind never finds its current row deleted.
const cleanupGrace = time.Minute

// CleanupArgs asks for the rows of ended rate-limit windows to be deleted.
type CleanupArgs struct{}

// Kind is stable: renaming the type must not strand queued jobs.
func (CleanupArgs) Kind() string { return "rate_limit_cleanup" }

// CleanupWorker deletes the rows of windows that ended more than a minute ago.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	DB *store.DB
}

// Work deletes ended windows. A failure is retried by River, and the next
// periodic run catches up anyway.
func (w *CleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	_, err := deleteBefore(ctx, w.DB, time.Now().Add(-cleanupGrace))
	return err
}

// CleanupPeriodicJob schedules CleanupArgs every CleanupInterval, and once at
// start. River runs periodic jobs on the elected leader only, so one node
// cleans up however many share the database.
func CleanupPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(CleanupInterval),
		func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)
}
