package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of rate_limit_windows (docs/architecture.md, "Where queries
// live").

// windowLease adds a lease to the window's row, creating it, unless that would
// take the row past the limit; then it changes nothing and returns no row. One
// statement, so concurrent leases from any number of nodes cannot overshoot.
// Both PostgreSQL and SQLite (3.35+) accept it as written.
const windowLeaseSQL = `INSERT INTO rate_limit_windows (bucket, window_end, used) VALUES (?, ?, ?)
ON CONFLICT (bucket, window_end) DO UPDATE SET used = rate_limit_windows.used + excluded.used
WHERE rate_limit_windows.used + excluded.used <= ?
RETURNING used`

func windowLease(ctx context.Context, tx *store.Tx, bucket string, end, want, limit int64) (used int64, err error) {
	err = tx.QueryRow(ctx, windowLeaseSQL, bucket, end, want, limit).Scan(&used)
	return used, err
}

func windowUsed(ctx context.Context, q store.Querier, bucket string, end int64) (used int64, err error) {
	err = q.QueryRow(ctx, "SELECT used FROM rate_limit_windows WHERE bucket = ? AND window_end = ?", bucket, end).Scan(&used)
	return used, err
}

func windowsDeleteBefore(ctx context.Context, db *store.DB, t time.Time) (int64, error) {
	res, err := db.Exec(ctx, "DELETE FROM rate_limit_windows WHERE window_end <= ?", t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("delete rate limit windows: %w", err)
	}
	return res.RowsAffected()
}
