package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pressly/goose/v3"
)

// SQLiteFile is the database file in a data directory.
func SQLiteFile(dataDir string) string { return filepath.Join(dataDir, "patchbay.db") }

// Location names the database opts select, as DB.Location does once it is
// open, without opening it: the SQLite file's absolute path, or the
// PostgreSQL URL without user or password.
func Location(opts Options) string {
	if IsPostgresURL(opts.DatabaseURL) {
		if loc, err := postgresLocation(opts.DatabaseURL); err == nil {
			return loc
		}
		return "the configured PostgreSQL database"
	}
	path := SQLiteFile(opts.DataDir)
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// Exists reports whether opts name a database that Patchbay has migrated at
// least once, without creating anything: admin commands refuse to work on a
// mistyped data directory or database URL rather than fill a new empty one.
func Exists(ctx context.Context, opts Options) (bool, error) {
	if !IsPostgresURL(opts.DatabaseURL) {
		if _, err := os.Stat(SQLiteFile(opts.DataDir)); errors.Is(err, fs.ErrNotExist) {
			return false, nil
		} else if err != nil {
			return false, err
		}
	}
	db, err := Open(ctx, opts)
	if err != nil {
		return false, err
	}
	defer db.Close()
	return db.migrated(ctx)
}

// migrated reports whether the migrations' version table exists.
func (db *DB) migrated(ctx context.Context) (bool, error) {
	query := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'"
	if db.dialect.Name() == Postgres {
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'goose_db_version'"
	}
	var n int
	if err := db.QueryRow(ctx, query).Scan(&n); err != nil {
		return false, fmt.Errorf("look for Patchbay's tables: %w", err)
	}
	return n > 0, nil
}

// PendingMigrations is how many of Patchbay's migrations this binary holds
// that the database has not applied yet.
func (db *DB) PendingMigrations(ctx context.Context) (int, error) {
	provider, err := db.migrationProvider()
	if err != nil {
		return 0, err
	}
	status, err := provider.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration status: %w", err)
	}
	pending := 0
	for _, s := range status {
		if s.State == goose.StatePending {
			pending++
		}
	}
	return pending, nil
}
