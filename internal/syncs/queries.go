package syncs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/lease"
	"github.com/patchbay/patchbay/internal/store"
)

// The queries of the syncs, sync_runs and sync_records tables
// (docs/architecture.md, "Where queries live").

// syncLease is where the node running a sync holds it.
var syncLease = lease.Columns{Table: "syncs", Owner: "lease_owner", Until: "lease_until"}

const syncColumns = `id, tenant_id, connection_id, mode, config, interval_seconds, paused, cursor, failures, next_run_at,
	lease_owner, lease_until, last_run_at, last_error, created_at, updated_at`

// scanSync reads a row of syncColumns; a lease live at now makes it Running.
func scanSync(sc store.Scanner, now time.Time) (Sync, error) {
	var sy Sync
	var config string
	var cursor, leaseOwner, lastError sql.NullString
	var leaseUntil, lastRun sql.NullTime
	err := sc.Scan(&sy.ID, &sy.TenantID, &sy.ConnectionID, &sy.Mode, &config, &sy.IntervalSeconds, &sy.Paused, &cursor,
		&sy.ConsecutiveFailures, &sy.NextRunAt, &leaseOwner, &leaseUntil, &lastRun, &lastError, &sy.CreatedAt, &sy.UpdatedAt)
	if err != nil {
		return Sync{}, err
	}
	if err := json.Unmarshal([]byte(config), &sy.SyncConfig); err != nil {
		return Sync{}, fmt.Errorf("sync %s config: %w", sy.ID, err)
	}
	if cursor.Valid {
		sy.Cursor = &cursor.String
	}
	if lastRun.Valid {
		sy.LastRunAt = &lastRun.Time
	}
	sy.Running = leaseOwner.Valid && leaseUntil.Valid && leaseUntil.Time.After(now)
	sy.LastError = lastError.String
	return sy, nil
}

// syncGet returns a sync as it stands at now; sql.ErrNoRows when there is
// none.
func syncGet(ctx context.Context, q store.Querier, id string, now time.Time) (Sync, error) {
	return scanSync(q.QueryRow(ctx, "SELECT "+syncColumns+" FROM syncs WHERE id = ?", id), now)
}

// syncsList returns up to limit syncs after the ID after, only of tenantID
// and connectionID where they are not empty.
func syncsList(ctx context.Context, q store.Querier, after, tenantID, connectionID string, limit int, now time.Time) ([]Sync, error) {
	rows, err := q.Query(ctx, "SELECT "+syncColumns+` FROM syncs WHERE id > ?
		AND (? = '' OR tenant_id = ?) AND (? = '' OR connection_id = ?) ORDER BY id LIMIT ?`,
		after, tenantID, tenantID, connectionID, connectionID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (Sync, error) { return scanSync(sc, now) })
}

// dueSync is a sync the tick may queue a run of.
type dueSync struct {
	id, tenantID string
	nextRunAt    time.Time
}

// syncsDue returns up to limit unpaused syncs due at now that no live lease
// holds, after (afterNext, afterID) in (next_run_at, id) order.
func syncsDue(ctx context.Context, q store.Querier, now, afterNext time.Time, afterID string, limit int) ([]dueSync, error) {
	rows, err := q.Query(ctx, `SELECT id, tenant_id, next_run_at FROM syncs
		WHERE paused = ? AND next_run_at <= ? AND (lease_until IS NULL OR lease_until < ?)
		AND (next_run_at > ? OR (next_run_at = ? AND id > ?))
		ORDER BY next_run_at, id LIMIT ?`, false, now, now, afterNext, afterNext, afterID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (dueSync, error) {
		var d dueSync
		err := sc.Scan(&d.id, &d.tenantID, &d.nextRunAt)
		return d, err
	})
}

// syncLeased reports whether a live lease holds a sync at now; sql.ErrNoRows
// when there is no such sync.
func syncLeased(ctx context.Context, q store.Querier, id string, now time.Time) (bool, error) {
	var leased bool
	err := q.QueryRow(ctx, "SELECT lease_until IS NOT NULL AND lease_until >= ? FROM syncs WHERE id = ?", now, id).Scan(&leased)
	return leased, err
}

// syncInsert stores a new sync, its config as JSON.
func syncInsert(ctx context.Context, tx *store.Tx, sy Sync, config string) error {
	_, err := tx.Exec(ctx, `INSERT INTO syncs (id, tenant_id, connection_id, mode, config, interval_seconds, paused, failures,
		next_run_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		sy.ID, sy.TenantID, sy.ConnectionID, sy.Mode, config, sy.IntervalSeconds, sy.Paused, sy.NextRunAt, sy.CreatedAt, sy.UpdatedAt)
	return err
}

// syncUpdate writes a sync's settings, cursor and next run time.
func syncUpdate(ctx context.Context, tx *store.Tx, sy Sync, config string) error {
	_, err := tx.Exec(ctx, `UPDATE syncs SET mode = ?, config = ?, interval_seconds = ?, paused = ?, cursor = ?, next_run_at = ?,
		updated_at = ? WHERE id = ?`, sy.Mode, config, sy.IntervalSeconds, sy.Paused, sy.Cursor, sy.NextRunAt, sy.UpdatedAt, sy.ID)
	return err
}

func syncSetNextRun(ctx context.Context, tx *store.Tx, id string, at time.Time) error {
	_, err := tx.Exec(ctx, "UPDATE syncs SET next_run_at = ? WHERE id = ?", at, id)
	return err
}

// syncSucceed records a complete run: its cursor, no failures, the next
// run's time, and the lease released.
func syncSucceed(ctx context.Context, tx *store.Tx, id string, cursor *string, next time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE syncs SET cursor = ?, failures = 0, next_run_at = ?, lease_owner = NULL, lease_until = NULL,
		last_run_at = ?, last_error = NULL WHERE id = ?`, cursor, next, tx.Now(), id)
	return err
}

// syncFail records a failed run of owner's, the retry's time, and releases
// owner's lease; a sync another node holds now is left alone.
func syncFail(ctx context.Context, tx *store.Tx, id, owner string, failures int, next time.Time, msg string) error {
	_, err := tx.Exec(ctx, `UPDATE syncs SET failures = ?, next_run_at = ?, lease_owner = NULL, lease_until = NULL, last_run_at = ?,
		last_error = ? WHERE id = ? AND lease_owner = ?`, failures, next, tx.Now(), msg, id, owner)
	return err
}

// syncDelete deletes a sync with its runs and records (ON DELETE CASCADE),
// and reports whether there was one.
func syncDelete(ctx context.Context, q store.Querier, id string) (bool, error) {
	return store.Changed(q.Exec(ctx, "DELETE FROM syncs WHERE id = ?", id))
}

// syncRunsAbandon fails the runs of a sync left running by a node that
// stopped before its lease ran out.
func syncRunsAbandon(ctx context.Context, tx *store.Tx, syncID string) error {
	_, err := tx.Exec(ctx, "UPDATE sync_runs SET status = ?, error = ?, finished_at = ? WHERE sync_id = ? AND status = ?",
		runFailed, "abandoned: the node running it stopped", tx.Now(), syncID, runRunning)
	return err
}

func syncRunInsert(ctx context.Context, tx *store.Tx, run SyncRun) error {
	_, err := tx.Exec(ctx, `INSERT INTO sync_runs (id, sync_id, status, reason, pages, created, updated, deleted, unchanged, started_at)
		VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0, ?)`, run.ID, run.SyncID, run.Status, run.Reason, run.StartedAt)
	return err
}

// syncRunCountPage writes a run's page and record counts.
func syncRunCountPage(ctx context.Context, tx *store.Tx, run SyncRun) error {
	_, err := tx.Exec(ctx, "UPDATE sync_runs SET pages = ?, created = ?, updated = ?, unchanged = ? WHERE id = ?",
		run.Pages, run.Created, run.Updated, run.Unchanged, run.ID)
	return err
}

func syncRunCountDeleted(ctx context.Context, tx *store.Tx, runID string, deleted int) error {
	_, err := tx.Exec(ctx, "UPDATE sync_runs SET deleted = ? WHERE id = ?", deleted, runID)
	return err
}

func syncRunSucceed(ctx context.Context, tx *store.Tx, runID string, deleted int) error {
	_, err := tx.Exec(ctx, "UPDATE sync_runs SET status = ?, deleted = ?, finished_at = ? WHERE id = ?", runSucceeded, deleted, tx.Now(), runID)
	return err
}

func syncRunFail(ctx context.Context, q store.Querier, runID, msg string, at time.Time) error {
	_, err := q.Exec(ctx, "UPDATE sync_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?", runFailed, msg, at, runID)
	return err
}

// syncRunsPrune keeps a sync's newest keep runs.
func syncRunsPrune(ctx context.Context, tx *store.Tx, syncID string, keep int) error {
	_, err := tx.Exec(ctx, `DELETE FROM sync_runs WHERE sync_id = ? AND id < (SELECT id FROM sync_runs WHERE sync_id = ?
		ORDER BY id DESC LIMIT 1 OFFSET ?)`, syncID, syncID, keep-1)
	return err
}

// syncRunsList returns up to limit of a sync's runs before the ID before
// (all when it is empty), newest first.
func syncRunsList(ctx context.Context, q store.Querier, syncID, before string, limit int) ([]SyncRun, error) {
	rows, err := q.Query(ctx, `SELECT id, sync_id, status, reason, pages, created, updated, deleted, unchanged, error, started_at, finished_at
		FROM sync_runs WHERE sync_id = ? AND (? = '' OR id < ?) ORDER BY id DESC LIMIT ?`, syncID, before, before, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (SyncRun, error) {
		var r SyncRun
		var errText sql.NullString
		var finished sql.NullTime
		if err := sc.Scan(&r.ID, &r.SyncID, &r.Status, &r.Reason, &r.Pages, &r.Created, &r.Updated, &r.Deleted, &r.Unchanged,
			&errText, &r.StartedAt, &finished); err != nil {
			return SyncRun{}, err
		}
		r.Error = errText.String
		if finished.Valid {
			r.FinishedAt = &finished.Time
		}
		return r, nil
	})
}

// inChunk bounds the IDs in one IN list, well under both databases' limits
// on parameters.
const inChunk = 500

// syncRecordsStored returns what the diff needs of those of records a sync
// has stored, by record ID.
func syncRecordsStored(ctx context.Context, tx *store.Tx, syncID string, records []record) (map[string]storedRecord, error) {
	out := make(map[string]storedRecord, len(records))
	for start := 0; start < len(records); start += inChunk {
		var ids []any
		for _, r := range records[start:min(start+inChunk, len(records))] {
			ids = append(ids, r.id)
		}
		ids = store.PadPow2(ids) // few distinct statements
		args := append([]any{syncID}, ids...)
		rows, err := tx.Query(ctx, `SELECT record_id, hash, deleted_at IS NOT NULL, seen_run_id FROM sync_records WHERE sync_id = ? AND record_id IN (`+
			store.Placeholders(len(ids))+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var recordID string
			var r storedRecord
			if err := rows.Scan(&recordID, &r.hash, &r.deleted, &r.seenRunID); err != nil {
				rows.Close()
				return nil, err
			}
			out[recordID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// syncRecordInsert stores a record a run saw for the first time.
func syncRecordInsert(ctx context.Context, tx *store.Tx, syncID, runID string, r record) error {
	_, err := tx.Exec(ctx, `INSERT INTO sync_records (sync_id, record_id, hash, data, seen_run_id, first_seen_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, syncID, r.id, r.hash, string(r.data), runID, tx.Now(), tx.Now())
	return err
}

// syncRecordReplace stores a record's new version, live again if it was
// deleted.
func syncRecordReplace(ctx context.Context, tx *store.Tx, syncID, runID string, r record) error {
	_, err := tx.Exec(ctx, `UPDATE sync_records SET hash = ?, data = ?, seen_run_id = ?, updated_at = ?, deleted_at = NULL
		WHERE sync_id = ? AND record_id = ?`, r.hash, string(r.data), runID, tx.Now(), syncID, r.id)
	return err
}

// syncRecordsMarkSeen records that a run saw records unchanged.
func syncRecordsMarkSeen(ctx context.Context, tx *store.Tx, syncID, runID string, recordIDs []string) error {
	for start := 0; start < len(recordIDs); start += inChunk {
		chunk := store.PadPow2(recordIDs[start:min(start+inChunk, len(recordIDs))]) // few distinct statements
		args := []any{runID, syncID}
		for _, r := range chunk {
			args = append(args, r)
		}
		if _, err := tx.Exec(ctx, "UPDATE sync_records SET seen_run_id = ? WHERE sync_id = ? AND record_id IN ("+store.Placeholders(len(chunk))+")", args...); err != nil {
			return err
		}
	}
	return nil
}

// syncRecordsCountLive counts a sync's records that are not deleted.
func syncRecordsCountLive(ctx context.Context, q store.Querier, syncID string) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT count(*) FROM sync_records WHERE sync_id = ? AND deleted_at IS NULL", syncID).Scan(&n)
	return n, err
}

// unseenRecord is a live record a run did not see.
type unseenRecord struct {
	id   string
	data []byte
}

// syncRecordsUnseen returns up to limit of a sync's live records that run
// runID did not see, in record ID order.
func syncRecordsUnseen(ctx context.Context, tx *store.Tx, syncID, runID string, limit int) ([]unseenRecord, error) {
	rows, err := tx.Query(ctx, `SELECT record_id, data FROM sync_records WHERE sync_id = ? AND deleted_at IS NULL AND seen_run_id <> ?
		ORDER BY record_id LIMIT ?`, syncID, runID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (unseenRecord, error) {
		var r unseenRecord
		var data string
		err := sc.Scan(&r.id, &data)
		r.data = []byte(data)
		return r, err
	})
}

// syncRecordsDeleteUnseenThrough marks deleted a sync's live records that
// run runID did not see, up to the record ID last.
func syncRecordsDeleteUnseenThrough(ctx context.Context, tx *store.Tx, syncID, runID, last string) error {
	_, err := tx.Exec(ctx, `UPDATE sync_records SET deleted_at = ?, updated_at = ?
		WHERE sync_id = ? AND deleted_at IS NULL AND seen_run_id <> ? AND record_id <= ?`,
		tx.Now(), tx.Now(), syncID, runID, last)
	return err
}

// syncRecordsList returns up to limit of a sync's records after the record
// ID after, deleted ones included, changed at or after changedSince.
func syncRecordsList(ctx context.Context, q store.Querier, syncID, after string, changedSince time.Time, limit int) ([]SyncRecord, error) {
	rows, err := q.Query(ctx, `SELECT record_id, data, hash, first_seen_at, updated_at, deleted_at FROM sync_records
		WHERE sync_id = ? AND record_id > ? AND updated_at >= ? ORDER BY record_id LIMIT ?`, syncID, after, changedSince, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (SyncRecord, error) {
		var r SyncRecord
		var data string
		var hash []byte
		var deleted sql.NullTime
		if err := sc.Scan(&r.ID, &data, &hash, &r.FirstSeenAt, &r.UpdatedAt, &deleted); err != nil {
			return SyncRecord{}, err
		}
		r.Data, r.Hash = json.RawMessage(data), fmt.Sprintf("%x", hash)
		if deleted.Valid {
			r.DeletedAt = &deleted.Time
		}
		return r, nil
	})
}
