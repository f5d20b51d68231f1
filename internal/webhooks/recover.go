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
	ID         string     `json:"id"`
	EndpointID string     `json:"endpoint_id"`
	Since      time.Time  `json:"since"`
	Status     string     `json:"status"` // running, completed
	Resent     int        `json:"resent"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
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
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_recoveries (id, tenant_id, endpoint_id, since, status, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			rec.ID, tenantID, endpointID, rec.Since, rec.Status, rec.CreatedAt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE endpoints SET paused_until = NULL WHERE id = ?", endpointID); err != nil {
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
	var r Recovery
	err := s.db.QueryRow(ctx, `SELECT id, endpoint_id, since, status, resent, created_at, finished_at FROM webhook_recoveries
		WHERE id = ? AND tenant_id = ? AND endpoint_id = ?`, recoveryID, tenantID, endpointID).
		Scan(&r.ID, &r.EndpointID, &r.Since, &r.Status, &r.Resent, &r.CreatedAt, &r.FinishedAt)
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
		var endpointID, status string
		var since time.Time
		var cursor int64
		err := tx.QueryRow(ctx, "SELECT endpoint_id, since, status, cursor_seq FROM webhook_recoveries WHERE id = ?", job.Args.RecoveryID).
			Scan(&endpointID, &since, &status, &cursor)
		if errors.Is(err, sql.ErrNoRows) || status != "running" {
			return nil // the endpoint was deleted, or the recovery is done
		} else if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT seq FROM deliveries WHERE endpoint_id = ? AND status = ? AND created_at >= ? AND seq > ?
			ORDER BY seq LIMIT ?`, endpointID, StatusFailed, since, cursor, recoverPage)
		if err != nil {
			return err
		}
		var seqs []int64
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := tx.Now()
		if len(seqs) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, attempts = 0, next_attempt_at = ?, updated_at = ?
				WHERE endpoint_id = ? AND status = ? AND seq >= ? AND seq <= ? AND created_at >= ?`,
				StatusPending, now, now, endpointID, StatusFailed, seqs[0], seqs[len(seqs)-1], since); err != nil {
				return err
			}
			cursor = seqs[len(seqs)-1]
		}
		more = len(seqs) == recoverPage
		if more {
			_, err = tx.Exec(ctx, "UPDATE webhook_recoveries SET resent = resent + ?, cursor_seq = ? WHERE id = ?", len(seqs), cursor, job.Args.RecoveryID)
		} else {
			_, err = tx.Exec(ctx, "UPDATE webhook_recoveries SET resent = resent + ?, cursor_seq = ?, status = ?, finished_at = ? WHERE id = ?",
				len(seqs), cursor, "completed", now, job.Args.RecoveryID)
		}
		return err
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
