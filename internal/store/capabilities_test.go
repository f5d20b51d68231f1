package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestLockRow checks that a transaction which locks a row before reading it
// sees the write of one that held the lock, on both databases, and that
// locking a missing row is no error.
func TestLockRow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		if _, err := db.Exec(ctx, "INSERT INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", "t1", "before", db.Now(), db.Now()); err != nil {
			t.Fatal(err)
		}
		locked := make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- db.WithTx(ctx, func(tx *store.Tx) error {
				if err := tx.LockRow(ctx, "tenants", "id", "t1"); err != nil {
					return err
				}
				close(locked)
				// Give the second transaction time to read, were the lock missing.
				time.Sleep(100 * time.Millisecond)
				_, err := tx.Exec(ctx, "UPDATE tenants SET name = ? WHERE id = ?", "after", "t1")
				return err
			})
		}()
		<-locked
		var name string
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			if err := tx.LockRow(ctx, "tenants", "id", "t1"); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT name FROM tenants WHERE id = ?", "t1").Scan(&name)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if name != "after" {
			t.Errorf("name read under the lock = %q, want %q (the holder's write)", name, "after")
		}

		err = db.WithTx(ctx, func(tx *store.Tx) error { return tx.LockRow(ctx, "tenants", "id", "missing") })
		if err != nil {
			t.Errorf("LockRow of a missing row = %v, want nil", err)
		}
	})
}

// TestSharedByNodes checks that only PostgreSQL is shared by several nodes.
func TestSharedByNodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		want := d.Name == store.Postgres
		if got := d.Open(t).SharedByNodes(); got != want {
			t.Errorf("SharedByNodes() = %v, want %v", got, want)
		}
	})
}

// TestIsUniqueViolation checks the one test for a unique violation against
// both kinds of key on both databases, and against other errors.
func TestIsUniqueViolation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		exec := func(query string, args ...any) error {
			_, err := db.Exec(ctx, query, args...)
			return err
		}
		if err := exec("CREATE TABLE unique_test (id INTEGER PRIMARY KEY, u TEXT UNIQUE, n TEXT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		if err := exec("INSERT INTO unique_test (id, u, n) VALUES (1, 'a', 'x')"); err != nil {
			t.Fatal(err)
		}
		for name, query := range map[string]string{
			"primary key": "INSERT INTO unique_test (id, u, n) VALUES (1, 'b', 'x')",
			"unique":      "INSERT INTO unique_test (id, u, n) VALUES (2, 'a', 'x')",
		} {
			if err := exec(query); !store.IsUniqueViolation(err) {
				t.Errorf("%s violation: IsUniqueViolation(%v) = false, want true", name, err)
			}
		}
		notNull := exec("INSERT INTO unique_test (id, u, n) VALUES (3, 'c', NULL)")
		if notNull == nil || store.IsUniqueViolation(notNull) {
			t.Errorf("NOT NULL violation %v: want an error that IsUniqueViolation rejects", notNull)
		}
		for _, err := range []error{nil, errors.New("other")} {
			if store.IsUniqueViolation(err) {
				t.Errorf("IsUniqueViolation(%v) = true", err)
			}
		}
	})
}

// TestChanged checks that Changed tells a conditional write that held from
// one that changed nothing, and passes a failure on.
func TestChanged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		if _, err := db.Exec(ctx, "INSERT INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", "t1", "one", db.Now(), db.Now()); err != nil {
			t.Fatal(err)
		}
		rename := func(from string) (bool, error) {
			return store.Changed(db.Exec(ctx, "UPDATE tenants SET name = ? WHERE id = ? AND name = ?", "two", "t1", from))
		}
		if changed, err := rename("one"); err != nil || !changed {
			t.Errorf("a write whose condition holds: Changed = %v, %v; want true, nil", changed, err)
		}
		if changed, err := rename("one"); err != nil || changed {
			t.Errorf("a write whose condition fails: Changed = %v, %v; want false, nil", changed, err)
		}
		if changed, err := store.Changed(db.Exec(ctx, "UPDATE no_such_table SET x = 1")); err == nil || changed {
			t.Errorf("a failed statement: Changed = %v, %v; want false and its error", changed, err)
		}
	})
}

// TestCollect checks that Collect scans every row in order, and stops at the
// first row its scan refuses.
func TestCollect(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		for _, id := range []string{"b", "a", "c"} {
			if _, err := db.Exec(ctx, "INSERT INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", id, "name "+id, db.Now(), db.Now()); err != nil {
				t.Fatal(err)
			}
		}
		type tenant struct{ id, name string }
		scan := func(s store.Scanner) (tenant, error) {
			var x tenant
			err := s.Scan(&x.id, &x.name)
			return x, err
		}
		rows, err := db.Query(ctx, "SELECT id, name FROM tenants ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.Collect(rows, scan)
		if err != nil {
			t.Fatal(err)
		}
		want := []tenant{{"a", "name a"}, {"b", "name b"}, {"c", "name c"}}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("Collect = %v, want %v", got, want)
		}

		refused := errors.New("refused")
		rows, err = db.Query(ctx, "SELECT id, name FROM tenants ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		got, err = store.Collect(rows, func(s store.Scanner) (tenant, error) {
			x, err := scan(s)
			if err == nil && x.id == "b" {
				err = refused
			}
			return x, err
		})
		if !errors.Is(err, refused) || got != nil {
			t.Errorf("Collect with a refusing scan = %v, %v; want nil, %v", got, err, refused)
		}
	})
}
