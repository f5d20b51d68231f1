package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
)

// Recovery re-sends an endpoint's failed deliveries since a time, in the
// background.
type Recovery struct {
	ID         string     `json:"id" doc:"The recovery's ID."`
	EndpointID string     `json:"endpoint_id" doc:"The endpoint it resends to."`
	Since      time.Time  `json:"since" doc:"Failed deliveries created at or after this time are resent."`
	Status     string     `json:"status" enum:"running,completed" doc:"The recovery's state: running or completed."`
	Resent     int        `json:"resent" doc:"How many deliveries it has resent so far."`
	CreatedAt  time.Time  `json:"created_at" doc:"When it started."`
	FinishedAt *time.Time `json:"finished_at" doc:"When it finished; null while it runs."`
}

// recoverPage is how many deliveries one step of a recovery re-queues: one
// short transaction, never the whole backlog at once.
const recoverPage = 500

// Recover starts re-sending every failed delivery of an endpoint created
// since a time. The job is enqueued in the same transaction as its record.
// Asked for by hand, like a resend, it ends the endpoint's pause: the first
// delivery goes out at once, as a probe if the circuit was open.
func (s *Service) Recover(ctx context.Context, tenantID, endpointID string, since time.Time) (Recovery, error) {
	if _, err := s.Endpoint(ctx, tenantID, endpointID); err != nil {
		return Recovery{}, err
	}
	rec := Recovery{ID: id.New("rcv"), EndpointID: endpointID, Since: since.UTC(), Status: "running"}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		rec.CreatedAt = tx.Now()
		if err := recoveryInsert(ctx, tx, tenantID, rec); err != nil {
			return err
		}
		if err := endpointUnpause(ctx, tx, endpointID); err != nil {
			return err
		}
		_, err := s.jobs.InsertTx(ctx, tx.Tx, RecoverArgs{RecoveryID: rec.ID}, nil)
		return err
	})
	if err != nil {
		return Recovery{}, fmt.Errorf("start recovery: %w", err)
	}
	return rec, nil
}

// Recovery returns a recovery's progress.
func (s *Service) Recovery(ctx context.Context, tenantID, endpointID, recoveryID string) (Recovery, error) {
	r, err := recoveryGet(ctx, s.db, tenantID, endpointID, recoveryID)
	if errors.Is(err, sql.ErrNoRows) {
		return Recovery{}, apperr.Errorf(apperr.NotFound, "recovery %s not found", recoveryID)
	}
	return r, err
}

// RecoverArgs runs one recovery.
type RecoverArgs struct {
	RecoveryID string `json:"recovery_id"`
}

// Kind is the job's stable name.
func (RecoverArgs) Kind() string { return "webhook_recover" }

// RecoverWorker pages through a recovery.
type RecoverWorker struct {
	river.WorkerDefaults[RecoverArgs]
	Service *Service
}

// Work re-queues one page of failed deliveries and records the progress in
// the same transaction; while pages remain it snoozes for zero seconds, so a
// long recovery is many short steps that survive restarts.
func (w *RecoverWorker) Work(ctx context.Context, job *river.Job[RecoverArgs]) error {
	s := w.Service
	var more bool
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		endpointID, since, status, cursor, err := recoveryGetProgress(ctx, tx, job.Args.RecoveryID)
		if errors.Is(err, sql.ErrNoRows) || status != "running" {
			return nil // the endpoint was deleted, or the recovery is done
		} else if err != nil {
			return err
		}
		seqs, err := deliveriesFailedSince(ctx, tx, endpointID, since, cursor, recoverPage)
		if err != nil {
			return err
		}
		if len(seqs) > 0 {
			if err := deliveriesRequeueFailed(ctx, tx, endpointID, since, seqs[0], seqs[len(seqs)-1]); err != nil {
				return err
			}
			cursor = seqs[len(seqs)-1]
		}
		more = len(seqs) == recoverPage
		return recoveryAdvance(ctx, tx, job.Args.RecoveryID, len(seqs), cursor, !more)
	})
	if err != nil {
		return err
	}
	s.wake()
	if more {
		return river.JobSnooze(0)
	}
	return nil
}
