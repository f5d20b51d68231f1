package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// rewriteBatch is how many row IDs RewriteColumn reads at a time.
const rewriteBatch = 500

// errRewriteRaced means a row changed between its read and its write.
var errRewriteRaced = errors.New("changed while being rewritten")

// RewriteColumn passes every non-NULL value of table.column to fn, row by
// row in id order, and writes back what fn returns (nil leaves the value as
// it is). table and column come from code, never from input. Each row is
// read and written in a transaction of its own, and written only if it still
// holds the value read, so it runs beside live traffic without losing a
// concurrent write; a row that changed is read again. An interrupted run
// can be run again. It returns how many rows it rewrote.
func (db *DB) RewriteColumn(ctx context.Context, table, column string, fn func(id string, value []byte) ([]byte, error)) (int, error) {
	n := 0
	after := ""
	for {
		ids, err := db.rewriteIDs(ctx, table, column, after)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			for attempt := 1; ; attempt++ {
				rewrote, err := db.rewriteRow(ctx, table, column, id, fn)
				if errors.Is(err, errRewriteRaced) && attempt < 5 {
					continue
				}
				if err != nil {
					return n, fmt.Errorf("%s.%s of %s: %w", table, column, id, err)
				}
				if rewrote {
					n++
				}
				break
			}
		}
		if len(ids) < rewriteBatch {
			return n, nil
		}
		after = ids[len(ids)-1]
	}
}

func (db *DB) rewriteIDs(ctx context.Context, table, column, after string) ([]string, error) {
	rows, err := db.Query(ctx, "SELECT id FROM "+table+" WHERE id > ? AND "+column+" IS NOT NULL ORDER BY id LIMIT ?", after, rewriteBatch)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", table, err)
	}
	return Column[string](rows)
}

func (db *DB) rewriteRow(ctx context.Context, table, column, id string, fn func(id string, value []byte) ([]byte, error)) (bool, error) {
	var rewrote bool
	err := db.WithTx(ctx, func(tx *Tx) error {
		var value []byte
		err := tx.QueryRow(ctx, "SELECT "+column+" FROM "+table+" WHERE id = ?", id).Scan(&value)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && value == nil) {
			return nil // deleted or cleared meanwhile
		} else if err != nil {
			return err
		}
		next, err := fn(id, value)
		if err != nil || next == nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE "+table+" SET "+column+" = ? WHERE id = ? AND "+column+" = ?", next, id, value)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errRewriteRaced
		}
		rewrote = true
		return nil
	})
	return rewrote, err
}
