// Package store opens Patchbay's database, SQLite or PostgreSQL, migrates it, and
// runs transactions. Capability packages own their tables and queries; they
// write each query once with ? placeholders and run it through DB or Tx, which
// adapt it to the dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/patchbay/patchbay/internal/tracing"
	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Options say which database to open.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://. Empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite file, patchbay.db; it is created if missing.
	DataDir string
	// MaxConns caps PostgreSQL connections per node. Zero means MaxConnsDefault.
	MaxConns int
	// Logger hears of files in DataDir whose modes Open tightened; nil
	// discards that.
	Logger *slog.Logger
}

// MaxConnsDefault is the PostgreSQL pool size per node.
const MaxConnsDefault = 20

// DB is an open Patchbay database.
type DB struct {
	dialect dialect
	// write runs every transaction. On SQLite it is one connection, since SQLite
	// has one writer at a time and a pool would only queue on its lock.
	write *sql.DB
	// read serves reads outside transactions. On SQLite it is a pool of
	// query-only connections that WAL lets run beside the writer; on PostgreSQL
	// it is the same pool as write.
	read *sql.DB
	// location names the database for logs without any credentials.
	location string
	// NowFunc is the clock behind Tx.Now. Tests may replace it.
	NowFunc func() time.Time
	// tracer makes a span per transaction; nil makes none (see SetTracer).
	tracer trace.Tracer

	// readStmts caches prepared reads by query text. Queries are constants, so
	// it stays small, and SQLite is spared parsing each query on every call,
	// which was a fifth of a simple GET's CPU time.
	readStmts sync.Map // string → *sql.Stmt

	// writeStmts caches, on SQLite, statements that transactions execute,
	// prepared on the writer connection, for the same reason. Entries are nil
	// while the statement is being prepared. writeStmtCount bounds the cache,
	// in case some caller builds query texts without bound.
	writeStmts     sync.Map // string → *sql.Stmt
	writeStmtCount atomic.Int64

	// bodies shares SQLite transactions between WithGroupTx callers.
	bodies GroupCommit[*groupBody]
}

// maxWriteStmts bounds the SQLite writer's statement cache.
const maxWriteStmts = 1000

// IsPostgresURL reports whether a database URL selects PostgreSQL.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Open opens the database that opts name and checks that it answers. It does
// not migrate; call Migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	var db *DB
	var err error
	switch {
	case opts.DatabaseURL == "":
		db, err = openSQLite(opts.DataDir, opts.Logger)
	case IsPostgresURL(opts.DatabaseURL):
		db, err = openPostgres(opts.DatabaseURL, opts.MaxConns)
	default:
		return nil, fmt.Errorf("database URL must start with postgres:// or postgresql://")
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", db.location, err)
	}
	return db, nil
}

// pingSQLite opens the writer's connection. Switching a new database to WAL
// takes an exclusive lock for which SQLite does not wait (busy_timeout does
// not apply), so processes opening one file at once retry for a while.
func pingSQLite(write *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := write.Ping()
		var e *sqlite.Error
		if err == nil || !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openSQLite(dataDir string, logger *slog.Logger) (*DB, error) {
	if dataDir == "" {
		return nil, errors.New("no data directory for SQLite")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	tightened, err := tightenModes(dataDir)
	if err != nil {
		return nil, err
	}
	if len(tightened) > 0 && logger != nil {
		logger.Warn("made files in the data directory private (no access for group or others): an older version left them readable to other users of this machine",
			"data_dir", dataDir, "files", tightened)
	}
	path := SQLiteFile(dataDir)
	// SQLite would create the file with the umask's default mode (0644
	// under the usual 022) and its -wal and -shm files with the file's
	// mode. It holds key hashes and sealed credentials: create it private,
	// whatever mode the operator gave the directory.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	f.Close()
	// synchronous(FULL): a commit is on disk before Patchbay acknowledges it.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	write, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	// Open the writer first so the WAL is set up before readers attach.
	if err := pingSQLite(write); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	db := &DB{dialect: sqliteDialect{}, write: write, read: read, location: path, NowFunc: time.Now}
	db.bodies = GroupCommit[*groupBody]{Commit: db.commitBodies, Max: groupMax}
	return db, nil
}

// dataFiles are the files Patchbay keeps in its data directory that hold
// secrets or their hashes: the database, its -wal and -shm files (SQLite
// gives these the database's mode), and the encryption key file.
var dataFiles = []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm", "encryption.key"}

// tightenModes makes the data directory's files private (no access for the
// group or others, so 0644 becomes 0600) where they are not, and returns the names of those it changed. New files are created
// so; an older version created the database 0644 under the usual umask, and
// an existing file keeps its mode. It runs before SQLite opens the database,
// so the -wal and -shm files it makes next take the private mode.
func tightenModes(dataDir string) ([]string, error) {
	var changed []string
	for _, name := range dataFiles {
		path := filepath.Join(dataDir, name)
		info, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		perm := info.Mode().Perm()
		if !info.Mode().IsRegular() || perm&0o077 == 0 {
			continue
		}
		// Take the group's and others' bits away, granting nothing: 0644
		// becomes 0600.
		if err := os.Chmod(path, perm&^0o077); err != nil {
			return nil, fmt.Errorf("make %s private (readable by Patchbay's user only, as chmod 600 does): %w", path, err)
		}
		changed = append(changed, name)
	}
	return changed, nil
}

func openPostgres(databaseURL string, maxConns int) (*DB, error) {
	location, err := postgresLocation(databaseURL)
	if err != nil {
		return nil, err
	}
	pool, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	if maxConns <= 0 {
		maxConns = MaxConnsDefault
	}
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: postgresDialect{}, write: pool, read: pool, location: location, NowFunc: time.Now}, nil
}

// postgresLocation names a PostgreSQL database for logs: its host and
// database, without user or password.
func postgresLocation(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", errors.New("database URL is not a valid URL")
	}
	return "postgres://" + u.Host + u.Path, nil
}

// SharedByNodes reports whether several Patchbay nodes may work on this
// database at once, as on PostgreSQL. A SQLite file belongs to one process,
// whose transactions run one at a time on its one writer: state kept in that
// process (a key file, in-memory counters, an endpoint kept between batches)
// is then enough.
func (db *DB) SharedByNodes() bool { return db.dialect.Name() == Postgres }

// Engine names the database software ("sqlite" or "postgres") for people:
// the start line and the doctor's report. Code that needs to behave
// differently asks for the capability instead (SharedByNodes, LockRow, …).
func (db *DB) Engine() string { return db.dialect.Name() }

// Location names the database for logs; it never contains a password.
func (db *DB) Location() string { return db.location }

// SQL is the pool that transactions run on. River's driver takes it, so that a
// job inserted with InsertTx(ctx, tx.Tx, …) commits with the data it belongs to.
func (db *DB) SQL() *sql.DB { return db.write }

// SetTracer makes WithTx record a span per transaction with tp's tracer.
// Call it before the database is used; a nil tp records none.
func (db *DB) SetTracer(tp trace.TracerProvider) {
	db.tracer = nil
	if tp != nil {
		db.tracer = tracing.Tracer(tp)
	}
}

// systemName is the OpenTelemetry db.system.name of the dialect.
func (db *DB) systemName() string {
	if db.dialect.Name() == Postgres {
		return "postgresql"
	}
	return "sqlite"
}

// Pools names the connection pools for their statistics (sql.DBStats):
// "write" and, on SQLite where reads have a pool of their own, "read".
func (db *DB) Pools() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"write": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}

// Ping checks that the database answers, through both pools.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	return db.read.PingContext(ctx)
}

// Close closes both pools.
func (db *DB) Close() error {
	for _, stmts := range []*sync.Map{&db.readStmts, &db.writeStmts} {
		stmts.Range(func(_, stmt any) bool {
			if stmt := stmt.(*sql.Stmt); stmt != nil {
				stmt.Close()
			}
			return true
		})
	}
	if db.read == db.write {
		return db.write.Close()
	}
	return errors.Join(db.read.Close(), db.write.Close())
}

// QueryRow runs a read of one row outside any transaction. The read is not
// cancelled with ctx: a one-row read is over in microseconds, and a
// cancellable context makes the SQLite driver start a watcher goroutine for
// every query, which cost more than the query.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	stmt, err := db.readStmt(ctx, query)
	if err != nil {
		// Let the query fail the same way through the pool, with its error in Scan.
		return db.read.QueryRowContext(ctx, db.dialect.Rebind(query), convertArgs(db.dialect, args)...)
	}
	return stmt.QueryRowContext(ctx, convertArgs(db.dialect, args)...)
}

// Query runs a read outside any transaction.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	stmt, err := db.readStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(ctx, convertArgs(db.dialect, args)...)
}

func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if stmt, ok := db.readStmts.Load(query); ok {
		return stmt.(*sql.Stmt), nil
	}
	stmt, err := db.read.PrepareContext(ctx, db.dialect.Rebind(query))
	if err != nil {
		return nil, err
	}
	if prior, loaded := db.readStmts.LoadOrStore(query, stmt); loaded {
		stmt.Close()
		return prior.(*sql.Stmt), nil
	}
	return stmt, nil
}

// Exec runs one statement in a transaction of its own.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.dialect.Rebind(query), convertArgs(db.dialect, args)...)
}

// ExecBatched runs a statement that changes at most batch rows, such as an
// UPDATE of the rows an "IN (SELECT … LIMIT ?)" picks, again and again until
// a run changes fewer: long clean-ups proceed in short transactions that
// never hold the writer long. The batch is bound as the last argument.
func (db *DB) ExecBatched(ctx context.Context, batch int, query string, args ...any) error {
	args = append(args, batch)
	for {
		res, err := db.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n < int64(batch) {
			return err
		}
	}
}

// Scanner is a row to scan: *sql.Row or *sql.Rows, so one scan function
// serves single reads and lists.
type Scanner interface{ Scan(dest ...any) error }

// Querier runs statements in or out of a transaction: *DB and *Tx are both.
// Capability packages' query functions (queries.go) take one, so a service
// method runs them in its transaction, or on the read pool for a lone read.
// On *DB, Exec commits on its own.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a database transaction with a fixed time: every row it stamps gets the
// same Now.
type Tx struct {
	// Tx is the underlying transaction, for River's InsertTx.
	Tx      *sql.Tx
	db      *DB
	dialect dialect
	now     time.Time
}

// Now is the transaction's time, in UTC, truncated to microseconds (what both
// databases keep).
func (tx *Tx) Now() time.Time { return tx.now }

// LockRow locks the row of table whose keyColumn is key until the
// transaction ends, so that transactions that read and then write it run one
// after the other; what this transaction reads after it includes what the
// previous holder committed. table and keyColumn come from code, never from
// input. On SQLite it does nothing: a transaction holds the database's one
// write lock from BEGIN (_txlock=immediate). A missing row locks nothing and
// is no error; the read that follows finds it missing.
func (tx *Tx) LockRow(ctx context.Context, table, keyColumn string, key any) error {
	if tx.dialect.Name() != Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, "SELECT 1 FROM "+table+" WHERE "+keyColumn+" = ? FOR UPDATE", key)
	return err
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if stmt := tx.db.writeStmt(query); stmt != nil {
		return tx.Tx.StmtContext(ctx, stmt).ExecContext(ctx, convertArgs(tx.dialect, args)...)
	}
	return tx.Tx.ExecContext(ctx, tx.dialect.Rebind(query), convertArgs(tx.dialect, args)...)
}

// ExecPlannedEachRun runs a statement in the transaction that PostgreSQL
// plans for its arguments on every run, instead of reusing the generic plan
// of the driver's cached statement. It is for statements that find rows by
// key in a table that grows fast from empty: a generic plan made while the
// table was a page or two is a sequential scan, and it stays in use, reading
// the whole table on every run, until the table is next analysed.
func (tx *Tx) ExecPlannedEachRun(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx.dialect.Name() != Postgres {
		return tx.Exec(ctx, query, args...)
	}
	// An unnamed statement: PostgreSQL plans it for the values bound to it.
	args = append([]any{pgx.QueryExecModeExec}, convertArgs(tx.dialect, args)...)
	return tx.Tx.ExecContext(ctx, tx.dialect.Rebind(query), args...)
}

// writeStmt returns the statement prepared on the SQLite writer for query, or
// nil. PostgreSQL's driver caches prepared statements per connection itself.
// A statement new to the cache is prepared in the background: the writer is
// the transaction's own connection, busy until it ends.
func (db *DB) writeStmt(query string) *sql.Stmt {
	if db.dialect.Name() != SQLite {
		return nil
	}
	if stmt, ok := db.writeStmts.Load(query); ok {
		return stmt.(*sql.Stmt)
	}
	if db.writeStmtCount.Add(1) > maxWriteStmts {
		db.writeStmtCount.Add(-1)
		return nil
	}
	if _, loaded := db.writeStmts.LoadOrStore(query, (*sql.Stmt)(nil)); loaded {
		db.writeStmtCount.Add(-1)
		return nil
	}
	go func() {
		stmt, err := db.write.PrepareContext(context.Background(), query)
		if err != nil { // the statement fails in its transaction too; try again next time
			db.writeStmts.Delete(query)
			db.writeStmtCount.Add(-1)
			return
		}
		db.writeStmts.Store(query, stmt)
	}()
	return nil
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.dialect.Rebind(query), convertArgs(tx.dialect, args)...)
}

// QueryRow runs a single-row query in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.dialect.Rebind(query), convertArgs(tx.dialect, args)...)
}

// Now is the time a transaction starting now would stamp its rows with: UTC,
// truncated to microseconds (what both databases keep).
func (db *DB) Now() time.Time { return db.NowFunc().UTC().Truncate(time.Microsecond) }

// WithTx runs fn in a transaction and commits if fn returns nil. On SQLite the
// transaction takes the write lock at BEGIN (_txlock=immediate), so two writers
// never deadlock on a lock upgrade.
func (db *DB) WithTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if db.tracer != nil {
		var span trace.Span
		_, span = db.tracer.Start(ctx, "db.transaction", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system.name", db.systemName())))
		defer func() { tracing.End(span, err) }()
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback() //nolint:errcheck // a no-op after Commit
	tx := &Tx{Tx: sqlTx, db: db, dialect: db.dialect, now: db.Now()}
	if err := fn(tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return &commitError{err}
	}
	return nil
}

// WithTxValue is WithTx for a function that returns a value.
func WithTxValue[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (T, error) {
	var v T
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}
