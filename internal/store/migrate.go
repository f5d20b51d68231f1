package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrations embed.FS

// migrationLockID is the PostgreSQL advisory lock that serialises migrations
// across nodes ("patchbay" in ASCII, truncated to 64 bits).
const migrationLockID = 0x7061746368626179

// RiverDriver returns the River driver for the database. Both drivers work on
// database/sql, so a River transaction is a store transaction.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	if db.dialect.Name() == SQLite {
		return riversqlite.New(db.write)
	}
	return riverdatabasesql.New(db.write)
}

// Migrate applies Patchbay's migrations and River's. Several nodes may call it
// at once against one fresh database: on PostgreSQL an advisory lock, on
// SQLite a file lock, lets one node migrate while the others wait and then find
// nothing left to do.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) error {
	start := time.Now()
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer unlock()

	provider, err := db.migrationProvider()
	if err != nil {
		return err
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	var applied []int64
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}

	migrator, err := rivermigrate.New(db.RiverDriver(), &rivermigrate.Config{
		// It returns what it applied, which the one line below reports.
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("apply job queue migrations: %w", err)
	}
	var jobsApplied []int
	for _, v := range res.Versions {
		jobsApplied = append(jobsApplied, v.Version)
	}
	// One line for a whole upgrade, however many migrations it applied.
	if len(applied) > 0 || len(jobsApplied) > 0 {
		logger.Info("migrations applied", "versions", applied, "job_queue_versions", jobsApplied, "duration", time.Since(start).Round(time.Millisecond).String())
	}
	return nil
}

// migrationProvider runs Patchbay's own migrations for the database's dialect.
func (db *DB) migrationProvider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.Name())
	if err != nil {
		return nil, err
	}
	gooseDialect := goose.DialectPostgres
	if db.dialect.Name() == SQLite {
		gooseDialect = goose.DialectSQLite3
	}
	provider, err := goose.NewProvider(gooseDialect, db.write, fsys)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return provider, nil
}

func (db *DB) lockMigrations(ctx context.Context) (unlock func(), err error) {
	if db.dialect.Name() == SQLite {
		return lockFile(db.location + ".migrate-lock")
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		// Unlock on a fresh context: the caller's may be cancelled already.
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockID) //nolint:errcheck // closing the session releases it anyway
		conn.Close()
	}, nil
}
