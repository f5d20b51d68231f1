package store

import (
	"context"
	"sync"
)

// groupMax bounds how many bodies share one transaction, so a burst's first
// callers are not held back by its last.
const groupMax = 64

// groupCommit lets concurrent small transactions share one commit. SQLite has
// one writer and every commit waits for an fsync, so one transaction per
// request caps writes near a thousand a second; bodies that arrive while a
// commit runs join the next one instead.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupBody
	running bool
}

type groupBody struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *Tx) error
	err  error
	done chan struct{}
}

// WithGroupTx runs fn in a transaction like WithTx, but on SQLite the
// transaction may be shared with other callers' bodies, each in a savepoint
// of its own: an error rolls back only its own body. If the shared commit
// fails, each body that succeeded is run again alone, so fn must compute its
// results afresh on every call. fn must run its statements with the context
// it is given: on SQLite that one is never cancelled, since interrupting a
// statement would roll back the whole shared transaction. On PostgreSQL,
// where concurrent commits share WAL flushes anyway, it is WithTx.
func (db *DB) WithGroupTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.dialect.Name() != SQLite {
		return db.WithTx(ctx, func(tx *Tx) error { return fn(ctx, tx) })
	}
	b := &groupBody{ctx: ctx, fn: fn, done: make(chan struct{})}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, b)
	if !g.running {
		g.running = true
		// The committing loop runs on its own goroutine, so that no caller
		// waits for more than the groups up to and including its own.
		go db.commitGroups()
	}
	g.mu.Unlock()
	<-b.done // the body runs whatever ctx does later: it may be committing already
	return b.err
}

func (db *DB) commitGroups() {
	g := &db.group
	for {
		g.mu.Lock()
		n := min(len(g.queue), groupMax)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		db.commitGroup(group)
	}
}

func (db *DB) commitGroup(group []*groupBody) {
	ctx := context.Background()
	err := db.WithTx(ctx, func(tx *Tx) error {
		for _, b := range group {
			if _, err := tx.Exec(ctx, "SAVEPOINT body"); err != nil {
				return err
			}
			if b.err = b.fn(context.WithoutCancel(b.ctx), tx); b.err != nil {
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
	for _, b := range group {
		if err != nil && b.err == nil {
			b.err = db.WithTx(ctx, func(tx *Tx) error { return b.fn(context.WithoutCancel(b.ctx), tx) })
		}
		close(b.done)
	}
}
