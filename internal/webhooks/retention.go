package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// RetentionArgs removes old payloads and response bodies.
type RetentionArgs struct{}

// Kind is the job's stable name.
func (RetentionArgs) Kind() string { return "webhook_retention" }

// RetentionWorker empties message payloads and attempt response bodies older
// than the retention period, in batches. The rows stay, so logs keep their
// counts, statuses and timings.
type RetentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	Service *Service
}

// RetentionBatch is how many rows one statement of a retention job changes.
const RetentionBatch = 1000

// Work clears everything past the retention period.
func (w *RetentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	cutoff := time.Now().Add(-w.Service.cfg.Retention)
	if err := messagesEmptyBefore(ctx, w.Service.db, cutoff); err != nil {
		return fmt.Errorf("webhook retention: %w", err)
	}
	if err := attemptsEmptyBefore(ctx, w.Service.db, cutoff); err != nil {
		return fmt.Errorf("webhook retention: %w", err)
	}
	return nil
}
