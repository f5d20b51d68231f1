package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/store"
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

const retentionBatch = 1000

// Work clears everything past the retention period.
func (w *RetentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	cutoff := time.Now().Add(-w.Service.cfg.Retention)
	for _, q := range []string{
		`UPDATE messages SET payload = NULL WHERE id IN
			(SELECT id FROM messages WHERE created_at < ? AND payload IS NOT NULL LIMIT ?)`,
		`UPDATE attempts SET response_body = NULL WHERE id IN
			(SELECT id FROM attempts WHERE attempted_at < ? AND response_body IS NOT NULL LIMIT ?)`,
	} {
		for {
			var n int64
			err := w.Service.db.WithTx(ctx, func(tx *store.Tx) error {
				res, err := tx.Exec(ctx, q, cutoff, retentionBatch)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return fmt.Errorf("webhook retention: %w", err)
			}
			if n < retentionBatch {
				break
			}
		}
	}
	return nil
}
