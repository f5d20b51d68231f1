package ratelimit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// leaseParts is how many leases a window's quota is cut into: a node leases
// Limit/leaseParts at a time (at least 1), so a busy bucket costs one database
// write per that many requests, and at most one lease per node goes unused
// when a node's traffic stops. Near the end of the quota a lease shrinks to
// what is left, so the nodes together never admit more than Limit.
const leaseParts = 20

// failOpenFor is how long a bucket admits requests without asking the
// database after a lease failed. A database outage then costs one failed
// statement and one log line per bucket per interval, not one per request.
const failOpenFor = time.Second

// leaseTimeout bounds a lease statement. Requests wait for it, so a database
// slower than this counts as down, and the bucket fails open.
const leaseTimeout = time.Second

// Database is a Limiter whose limit holds across every node that shares the
// database. Windows are fixed and aligned to the policy's Window (a 1-minute
// window starts at every whole minute, the same on every node), and each
// (bucket, window) has a row in rate_limit_windows counting the quota leased
// so far.
//
// A node does not write per request. It leases a part of the window's quota
// with one conditional upsert that never takes the count past the limit,
// answers requests from the lease in memory, and leases again when it runs
// out; concurrent requests for one bucket share one lease statement. Once the
// row reaches the limit, the node denies locally until the window ends.
//
// A row is keyed by its window's end, in Unix milliseconds: rows do not record
// their window's length, so the end is what lets cleanup find the windows that
// are over (see DeleteBefore).
type Database struct {
	// NowFunc is the clock, time.Now by default; tests replace it before first
	// use. Nodes' clocks must roughly agree, as windows follow wall time.
	NowFunc func() time.Time

	db      *store.DB
	buckets *table[lease]
	// leases counts lease statements, for tests.
	leases atomic.Int64
}

// lease is this node's share of one bucket's current window.
type lease struct {
	limit int64
	// end is when the window ends, in Unix milliseconds: the row's key.
	end int64
	// held is leased to this node and not yet used.
	held int64
	// used is the row's count after this node's last lease: every node's
	// leases, used or not.
	used int64
	// exhausted says the row has reached the limit: nothing more to lease
	// until the window ends.
	exhausted bool
	// pending is closed when the lease statement in flight returns; requests
	// that find it wait for that statement instead of running their own.
	pending chan struct{}
	// openUntil (Unix nanoseconds) is when a bucket that met a database error
	// asks the database again; until then it admits every request.
	openUntil int64
}

// NewDatabase returns a limiter on db's rate_limit_windows table.
func NewDatabase(db *store.DB) *Database {
	return &Database{
		NowFunc: time.Now,
		db:      db,
		buckets: newTable(func(l *lease, now int64) bool {
			return l.pending == nil && l.end*int64(time.Millisecond) <= now
		}),
	}
}

// Allow admits the request if this node holds part of the bucket's quota for
// the current window, leasing more from the database when it runs out. If the
// database fails, Allow admits the request and returns the error.
func (d *Database) Allow(ctx context.Context, bucket string, p Policy) (Decision, error) {
	if err := p.validate(); err != nil {
		return openDecision, err
	}
	if p.Limit == 0 {
		return openDecision, nil
	}
	window := p.Window.Milliseconds()
	for {
		now := d.NowFunc()
		end := (now.UnixMilli()/window + 1) * window
		reset := time.UnixMilli(end).Sub(now)

		sh, l, _ := d.buckets.lock(bucket, now.UnixNano())
		if l.end != end || l.limit != p.Limit {
			// A new window, or a changed limit: start over. A lease in flight
			// for the old state is discarded when it returns; with a changed
			// limit, its units stay counted in the row, which errs on the
			// side of admitting less.
			*l = lease{limit: p.Limit, end: end}
		}
		switch {
		case l.held > 0:
			l.held--
			dec := Decision{Allowed: true, Limit: p.Limit, Remaining: max(0, p.Limit-l.used+l.held), Reset: reset}
			sh.mu.Unlock()
			return dec, nil
		case l.exhausted:
			sh.mu.Unlock()
			return Decision{Limit: p.Limit, Reset: reset, RetryAfter: reset}, nil
		case now.UnixNano() < l.openUntil:
			dec := Decision{Allowed: true, Limit: p.Limit, Remaining: max(0, p.Limit-l.used), Reset: reset}
			sh.mu.Unlock()
			return dec, nil
		case l.pending != nil:
			wait := l.pending
			sh.mu.Unlock()
			<-wait // closed within leaseTimeout
			continue
		}

		done := make(chan struct{})
		l.pending = done
		want := min(max(1, p.Limit/leaseParts), p.Limit-l.used)
		sh.mu.Unlock()

		used, granted, err := d.lease(ctx, bucket, end, p.Limit, want)

		sh.mu.Lock()
		if l.pending == done {
			l.pending = nil
			if err != nil {
				l.openUntil = now.Add(failOpenFor).UnixNano()
			} else {
				l.used, l.held, l.exhausted = used, l.held+granted, used >= p.Limit
			}
		}
		remaining := max(0, p.Limit-l.used)
		sh.mu.Unlock()
		close(done)
		if err != nil {
			return Decision{Allowed: true, Limit: p.Limit, Remaining: remaining, Reset: reset},
				fmt.Errorf("lease rate limit quota for %s: %w", bucket, err)
		}
		// Take a unit like any other request; a waiter may have taken the
		// last one first, and then this request leases again.
	}
}

// lease tries to lease want units of the window ending at end and returns the
// row's count after it and the units granted: want, or none when less than
// want is left (the count then says how much is).
func (d *Database) lease(ctx context.Context, bucket string, end, limit, want int64) (used, granted int64, err error) {
	// Requests that did not start the lease wait for it too, so it must not
	// end when the request that started it is cancelled.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaseTimeout)
	defer cancel()
	d.leases.Add(1)
	err = d.db.WithTx(ctx, func(tx *store.Tx) error {
		used, err = windowLease(ctx, tx, bucket, end, want, limit)
		return err
	})
	if err == nil {
		return used, want, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, err
	}
	used, err = windowUsed(ctx, d.db, bucket, end)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil // deleted in between; the next lease creates it again
	}
	return used, 0, err
}

// DeleteBefore deletes the windows that ended at or before t and returns how
// many it deleted.
func (d *Database) DeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	return windowsDeleteBefore(ctx, d.db, t)
}
