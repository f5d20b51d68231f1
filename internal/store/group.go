package store

import (
	"context"
)

// groupMax bounds how many bodies share one transaction, so a burst's first
// callers are not held back by its last.
const groupMax = 64

// groupBody is one caller's part of a shared transaction.
type groupBody struct {
	ctx context.Context
	fn  func(ctx context.Context, tx *Tx) error
	err error // the body's own error, which rolls back only the body
}

// WithGroupTx runs fn in a transaction like WithTx, but on SQLite the
// transaction may be shared with other callers' bodies (GroupCommit), each
// in a savepoint of its own: an error rolls back only its own body. SQLite has
// one writer and every commit waits for an fsync, so one transaction per
// request caps writes near a thousand a second. If the shared commit fails,
// each body is run again alone, so fn must compute its results afresh on
// every call. fn must run its statements with the context it is given: on
// SQLite that one is never cancelled, since interrupting a statement would
// roll back the whole shared transaction. On PostgreSQL, where concurrent
// commits share WAL flushes anyway, it is WithTx.
func (db *DB) WithGroupTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.dialect.Name() != SQLite {
		return db.WithTx(ctx, func(tx *Tx) error { return fn(ctx, tx) })
	}
	b := &groupBody{ctx: context.WithoutCancel(ctx), fn: fn}
	if err := db.bodies.Submit(ctx, b); err != nil {
		return err
	}
	return b.err
}

// commitBodies runs bodies in one transaction, each in a savepoint.
func (db *DB) commitBodies(ctx context.Context, group []*groupBody) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		for _, b := range group {
			if _, err := tx.Exec(ctx, "SAVEPOINT body"); err != nil {
				return err
			}
			if b.err = b.fn(b.ctx, tx); b.err != nil {
				if _, err := tx.Exec(ctx, "ROLLBACK TO body"); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, "RELEASE body"); err != nil {
				return err
			}
		}
		return nil
	})
}

// ExecGrouped runs one statement as a transaction of its own: on SQLite in a
// shared commit (WithGroupTx), on PostgreSQL alone, in one round trip.
func (db *DB) ExecGrouped(ctx context.Context, query string, args ...any) error {
	if db.dialect.Name() != SQLite {
		_, err := db.Exec(ctx, query, args...)
		return err
	}
	return db.WithGroupTx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
}
