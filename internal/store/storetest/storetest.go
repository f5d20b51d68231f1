// Package storetest opens fresh, migrated databases for tests: a SQLite file
// under t.TempDir(), and, when PATCHBAY_TEST_DATABASE_URL is set, a PostgreSQL
// database of the test's own, created for it and dropped after it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"

	"github.com/patchbay/patchbay/internal/store"
)

// EnvDatabaseURL names the PostgreSQL server the tests may use. Unset, the
// PostgreSQL variants of tests are skipped; set but unreachable, they fail.
const EnvDatabaseURL = "PATCHBAY_TEST_DATABASE_URL"

// Dialect is one database a test can run on.
type Dialect struct {
	Name string
	// Open returns a fresh migrated database, closed when the test ends.
	Open func(t testing.TB) *store.DB
	// Options returns fresh store options (a new SQLite directory or a new
	// PostgreSQL database) for a test that opens the store itself, such as
	// one that starts the binary.
	Options func(t testing.TB) store.Options
	// TimeType and BlobType are the column types of a time and of bytes,
	// for a table a test creates itself, so that tests outside store need
	// not ask which database they are on.
	TimeType, BlobType string
}

// Dialects returns SQLite, and PostgreSQL when EnvDatabaseURL is set.
func Dialects(t *testing.T) []Dialect {
	t.Helper()
	ds := []Dialect{{Name: store.SQLite, Open: OpenSQLite, Options: SQLiteOptions, TimeType: "TIMESTAMP", BlobType: "BLOB"}}
	if os.Getenv(EnvDatabaseURL) != "" {
		ds = append(ds, Dialect{Name: store.Postgres, Open: OpenPostgres, Options: PostgresOptions, TimeType: "TIMESTAMPTZ", BlobType: "BYTEA"})
	} else {
		t.Logf("PostgreSQL variants skipped: %s is not set", EnvDatabaseURL)
	}
	return ds
}

// Each runs fn as a subtest per dialect, in parallel.
func Each(t *testing.T, fn func(t *testing.T, d Dialect)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// SQLiteOptions returns options for a new SQLite database under t.TempDir().
func SQLiteOptions(t testing.TB) store.Options {
	return store.Options{DataDir: t.TempDir()}
}

// PostgresOptions creates an empty PostgreSQL database for the test, dropped
// when it ends, and returns options naming it.
func PostgresOptions(t testing.TB) store.Options {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Skipf("%s is not set", EnvDatabaseURL)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvDatabaseURL, err)
	}
	t.Cleanup(func() { admin.Close() })

	var suffix [6]byte
	rand.Read(suffix[:])
	name := "patchbay_test_" + hex.EncodeToString(suffix[:])
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database (is PostgreSQL at %s running?): %v", EnvDatabaseURL, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	u.Path = "/" + name
	return store.Options{DatabaseURL: u.String()}
}

// OpenSQLite returns a fresh migrated SQLite database.
func OpenSQLite(t testing.TB) *store.DB { return open(t, SQLiteOptions(t)) }

// OpenPostgres returns a fresh migrated PostgreSQL database.
func OpenPostgres(t testing.TB) *store.DB { return open(t, PostgresOptions(t)) }

func open(t testing.TB, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context(), DiscardLogger()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// DiscardLogger is a logger for code under test whose logs the test ignores.
func DiscardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
