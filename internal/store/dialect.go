package store

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between SQLite and PostgreSQL. Queries are written
// once, with ? placeholders, and the dialect adapts them. It stays inside
// this package: others ask the store for what they need (IsUniqueViolation,
// Tx.LockRow, DB.SharedByNodes), never which database it is.
type dialect interface {
	// Name is "sqlite" or "postgres"; it is also the migrations folder.
	Name() string
	// Rebind turns ? placeholders into the dialect's own.
	Rebind(query string) string
	// arg converts a Go value into what the driver stores with the right meaning.
	arg(v any) any
}

// IsUniqueViolation reports whether err is a unique-constraint (or primary
// key) violation on either database, so a capability can answer a conflict
// without asking which database it is on.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Dialect names, as accepted by Open and shown in logs.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

type sqliteDialect struct{}

func (sqliteDialect) Name() string               { return SQLite }
func (sqliteDialect) Rebind(query string) string { return query }

// sqliteTimeLayout is fixed-width UTC, so that times compare correctly as text in
// SQL (SQLite has no time type), and it is the layout modernc's driver tries
// first when it parses a TIMESTAMP column back into time.Time.
const sqliteTimeLayout = "2006-01-02 15:04:05.000000 -0700 MST"

func (sqliteDialect) arg(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(sqliteTimeLayout)
	case *time.Time:
		if t == nil {
			return nil
		}
		return t.UTC().Format(sqliteTimeLayout)
	}
	return v
}

type postgresDialect struct{}

func (postgresDialect) Name() string { return Postgres }

var rebound sync.Map // query → PostgreSQL form; queries are constants, so this stays small

func (postgresDialect) Rebind(query string) string {
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	rebound.Store(query, b.String())
	return b.String()
}

func (postgresDialect) arg(v any) any { return v }

func convertArgs(d dialect, args []any) []any {
	for i, a := range args {
		args[i] = d.arg(a)
	}
	return args
}
