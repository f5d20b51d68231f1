package ratelimit

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/store"
)

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
	_, err := windowsDeleteBefore(ctx, w.DB, time.Now().Add(-cleanupGrace))
	return err
}
