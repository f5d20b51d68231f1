package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

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
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer unlock()

	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.Name())
	if err != nil {
		return err
	}
	gooseDialect := goose.DialectPostgres
	if db.dialect.Name() == SQLite {
		gooseDialect = goose.DialectSQLite3
	}
	provider, err := goose.NewProvider(gooseDialect, db.write, fsys)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		logger.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}

	migrator, err := rivermigrate.New(db.RiverDriver(), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return err
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("apply job queue migrations: %w", err)
	}
	for _, v := range res.Versions {
		logger.Info("job queue migration applied", "version", v.Version)
	}
	return nil
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
