package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestContract is the store contract: the same behaviour on every dialect.
func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		t.Run("TimeRoundTrip", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			ctx := t.Context()
			want := time.Date(2026, 11, 28, 10, 11, 12, 123456000, time.FixedZone("x", 3600))
			err := db.WithTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
					"t1", "One", "{}", want, tx.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var got time.Time
			var deleted *time.Time
			if err := db.QueryRow(ctx, "SELECT created_at, deleted_at FROM tenants WHERE id = ?", "t1").Scan(&got, &deleted); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want) || deleted != nil {
				t.Errorf("got created_at %v deleted_at %v, want %v and nil", got, deleted, want)
			}
			// Times compare in SQL by their meaning, not their text.
			var n int
			if err := db.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE created_at < ?", want.Add(time.Microsecond)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("count of rows created before %v = %d, want 1", want.Add(time.Microsecond), n)
			}
		})

		t.Run("UniqueViolation", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			ctx := t.Context()
			insert := func() error {
				return db.WithTx(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO tenants (id, created_at, updated_at) VALUES (?, ?, ?)", "dup", tx.Now(), tx.Now())
					return err
				})
			}
			if err := insert(); err != nil {
				t.Fatal(err)
			}
			err := insert()
			if !store.IsUniqueViolation(err) {
				t.Errorf("second insert: IsUniqueViolation(%v) = false, want true", err)
			}
			if store.IsUniqueViolation(errors.New("other")) {
				t.Error("IsUniqueViolation(other error) = true")
			}
		})

		t.Run("RollbackOnError", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			ctx := t.Context()
			boom := errors.New("boom")
			err := db.WithTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO tenants (id, created_at, updated_at) VALUES (?, ?, ?)", "gone", tx.Now(), tx.Now()); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("WithTx error = %v, want boom", err)
			}
			var n int
			if err := db.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("rows after rollback = %d, want 0", n)
			}
		})

		t.Run("TxNowIsFixed", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			fixed := time.Date(2030, 1, 2, 3, 4, 5, 6789, time.UTC)
			db.NowFunc = func() time.Time { return fixed }
			err := db.WithTx(t.Context(), func(tx *store.Tx) error {
				if diff := cmp.Diff(fixed.Truncate(time.Microsecond), tx.Now()); diff != "" {
					t.Errorf("Now (-want +got):\n%s", diff)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})

		t.Run("PlannedEachRun", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			ctx := t.Context()
			const update = "UPDATE probe SET n = n + 1 WHERE id IN (?, ?)"
			err := db.WithTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, "CREATE TABLE probe (id TEXT PRIMARY KEY, n INTEGER NOT NULL)"); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "INSERT INTO probe (id, n) VALUES ('a', 0), ('b', 0)"); err != nil {
					return err
				}
				if d.Name == store.Postgres {
					// As autovacuum leaves a table it analysed while small.
					if _, err := tx.Exec(ctx, "ANALYZE probe"); err != nil {
						return err
					}
				}
				// Enough runs on the tiny table for PostgreSQL to settle on
				// the cached statement's generic plan.
				for range 10 {
					if _, err := tx.Exec(ctx, update, "a", "b"); err != nil {
						return err
					}
				}
				if _, err := tx.Exec(ctx, "INSERT INTO probe (id, n) SELECT 'r' || i, 0 FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000) SELECT i FROM s) AS s"); err != nil {
					return err
				}
				res, err := tx.ExecPlannedEachRun(ctx, update, "a", "r7")
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 2 {
					t.Errorf("ExecPlannedEachRun changed %d rows, want 2", n)
				}
				if d.Name != store.Postgres {
					return nil
				}
				// This transaction's own scans of the table: the cached
				// statement keeps its sequential scan, the fresh plan does not.
				scans := func() (seq int) {
					t.Helper()
					if err := tx.QueryRow(ctx, "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'probe'").Scan(&seq); err != nil {
						t.Fatal(err)
					}
					return seq
				}
				before := scans()
				if _, err := tx.Exec(ctx, update, "a", "b"); err != nil {
					return err
				}
				if got := scans() - before; got != 1 {
					t.Errorf("the cached statement made %d sequential scans, want 1: the test no longer shows the generic plan it guards against", got)
				}
				before = scans()
				if _, err := tx.ExecPlannedEachRun(ctx, update, "a", "b"); err != nil {
					return err
				}
				if got := scans() - before; got != 0 {
					t.Errorf("ExecPlannedEachRun made %d sequential scans of a 20,002-row table, want 0", got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRow(ctx, "SELECT n FROM probe WHERE id = ?", "a").Scan(&n); err != nil {
				t.Fatal(err)
			}
			want := 11 // ten updates, then one planned each run
			if d.Name == store.Postgres {
				want += 2 // the two that count scans
			}
			if n != want {
				t.Errorf("row a was updated %d times, want %d", n, want)
			}
		})

		t.Run("ConcurrentMigrate", func(t *testing.T) {
			t.Parallel()
			opts := d.Options(t)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() {
					db, err := store.Open(context.Background(), opts)
					if err != nil {
						errs[i] = err
						return
					}
					defer db.Close()
					errs[i] = db.Migrate(context.Background(), storetest.DiscardLogger())
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("node %d: migrate: %v", i, err)
				}
			}
			db, err := store.Open(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var applied int
			if err := db.QueryRow(t.Context(), "SELECT count(*) FROM goose_db_version WHERE version_id = 1").Scan(&applied); err != nil {
				t.Fatal(err)
			}
			if applied != 1 {
				t.Errorf("migration 1 recorded %d times, want 1", applied)
			}
		})
	})
}

func TestOpenRejectsOtherURLs(t *testing.T) {
	t.Parallel()
	_, err := store.Open(t.Context(), store.Options{DatabaseURL: "mysql://localhost/x"})
	if err == nil {
		t.Fatal("Open(mysql://…) succeeded, want an error")
	}
}
