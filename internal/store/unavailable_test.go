package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestIsUnavailable checks the one classification of outage errors against
// errors the drivers really return, on both dialects: an outage is
// recognised, a statement's own fault is not.
func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		insert := func(id string) error {
			return db.WithTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
					id, strings.Repeat("x", 64<<10), "{}", tx.Now(), tx.Now())
				return err
			})
		}
		if err := insert("t1"); err != nil {
			t.Fatal(err)
		}
		var missing string
		for name, err := range map[string]error{
			"unique violation": insert("t1"),
			"no rows":          db.QueryRow(ctx, "SELECT id FROM tenants WHERE id = ?", "nope").Scan(&missing),
			"syntax error":     db.QueryRow(ctx, "SELEC 1").Scan(&missing),
			"nil":              nil,
		} {
			if store.IsUnavailable(err) {
				t.Errorf("%s (%v) is taken for an outage", name, err)
			}
			if err != nil && apperr.CodeOf(store.Unavailable(err)) == apperr.Unavailable {
				t.Errorf("%s becomes Unavailable", name)
			}
		}

		outages := map[string]error{}
		if d.Name == store.SQLite {
			// A full disk, as SQLite reports it: the writer may not grow the file.
			var pages int
			if err := db.SQL().QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
				t.Fatal(err)
			}
			outages["disk full"] = insert("t2")
		} else {
			// The server ends the session, as on a shutdown or restart (57P01).
			conn, err := db.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, outages["admin shutdown"] = conn.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
			conn.Close()
			// A statement timeout (57014).
			outages["statement timeout"] = db.WithTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 10"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "SELECT pg_sleep(1)")
				return err
			})
			// Nothing listens.
			_, outages["connection refused"] = store.Open(ctx, store.Options{DatabaseURL: "postgres://postgres@127.0.0.1:1/none?connect_timeout=2"})
			for _, code := range []string{"57P03", "08006", "53300"} {
				outages[code] = fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code})
			}
		}
		outages["connection done"] = sql.ErrConnDone
		outages["deadline"] = context.DeadlineExceeded
		for name, err := range outages {
			if !store.IsUnavailable(err) {
				t.Errorf("%s (%v) is not taken for an outage", name, err)
			}
			if apperr.CodeOf(store.Unavailable(err)) != apperr.Unavailable {
				t.Errorf("%s does not become Unavailable", name)
			}
		}
	})
}
