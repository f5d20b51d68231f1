package store

import (
	"database/sql"
	"errors"
	"testing"
	"time"
)

// TestWriteStmtCache checks that on SQLite a statement run in transactions is
// prepared once, in the background, and that the prepared statement behaves
// as the plain one: rows land, a rollback undoes them, and a unique violation
// is still recognised.
func TestWriteStmtCache(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(ctx, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TIMESTAMP NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO kv (k, v) VALUES (?, ?)"
	put := func(k string) error {
		return db.WithTx(ctx, func(tx *Tx) error {
			_, err := tx.Exec(ctx, insert, k, tx.Now())
			return err
		})
	}
	if err := put("a"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if stmt, _ := db.writeStmts.Load(insert); stmt != nil && stmt.(*sql.Stmt) != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("statement not prepared within 10s")
		}
		time.Sleep(time.Millisecond)
	}

	if err := put("b"); err != nil {
		t.Fatal(err)
	}
	if err := put("a"); !IsUniqueViolation(err) {
		t.Errorf("inserting a again = %v, want a unique violation", err)
	}
	errRollback := errors.New("roll back")
	err = db.WithTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, insert, "c", tx.Now()); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	var keys string
	if err := db.QueryRow(ctx, "SELECT group_concat(k, ',') FROM (SELECT k FROM kv ORDER BY k)").Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != "a,b" {
		t.Errorf("keys %q, want a,b", keys)
	}
	if n := db.writeStmtCount.Load(); n != 1 {
		t.Errorf("%d statements cached, want 1", n)
	}
}
