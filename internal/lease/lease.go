// Package lease is the one way a node takes a row for itself for a while (an
// endpoint's delivery worker, a sync's run, a connection's refresh): a
// conditional UPDATE of an owner and an expiry column, which only one node
// can win. Every expiry is written and compared on the store's clock
// (store.DB.Now, store.Tx.Now), never a node's own, so that all leases are
// judged by one clock.
package lease

import (
	"context"
	"database/sql"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// Store is where a lease statement runs: a *store.DB for a statement
// committed on its own, or a *store.Tx inside a larger change.
type Store interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Now() time.Time
}

// Columns names where a table keeps its leases; the row's key is its id
// column.
type Columns struct {
	Table, Owner, Until string
}

// Take gives row id to owner for ttl when no live lease is held on it, or,
// with renew, when owner holds it already. cond, when not "", is the
// caller's own condition on the row (SQL with ? for each of args). It
// reports whether owner now holds the lease.
func (c Columns) Take(ctx context.Context, s Store, id, owner string, ttl time.Duration, renew bool, cond string, args ...any) (bool, error) {
	now := s.Now()
	query := "UPDATE " + c.Table + " SET " + c.Owner + " = ?, " + c.Until + " = ? WHERE id = ?"
	all := append([]any{owner, now.Add(ttl), id}, args...)
	if cond != "" {
		query += " AND " + cond
	}
	query += " AND (" + c.Until + " IS NULL OR " + c.Until + " < ?"
	all = append(all, now)
	if renew {
		query += " OR " + c.Owner + " = ?"
		all = append(all, owner)
	}
	return store.Changed(s.Exec(ctx, query+")", all...))
}

// Extend renews owner's lease on row id for ttl from now. It reports false
// when owner no longer holds it (it lapsed and another node took it).
func (c Columns) Extend(ctx context.Context, s Store, id, owner string, ttl time.Duration) (bool, error) {
	return store.Changed(s.Exec(ctx, "UPDATE "+c.Table+" SET "+c.Until+" = ? WHERE id = ? AND "+c.Owner+" = ?",
		s.Now().Add(ttl), id, owner))
}

// Release ends owner's lease on row id. A lease that is never released
// lapses at its expiry.
func (c Columns) Release(ctx context.Context, s Store, id, owner string) error {
	_, err := s.Exec(ctx, "UPDATE "+c.Table+" SET "+c.Owner+" = NULL, "+c.Until+" = NULL WHERE id = ? AND "+c.Owner+" = ?", id, owner)
	return err
}
