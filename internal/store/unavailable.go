package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/patchbay/patchbay/internal/apperr"
)

// RetryAfterSeconds is what a client is told to wait before retrying a
// request that failed because the database (or another dependency) was away: long enough not to
// hammer a restarting server, short enough that a restart of a few seconds
// costs clients little more than its own length.
const RetryAfterSeconds = 2

// IsUnavailable reports whether err means that the database could not do the
// work for a reason that says nothing about the request: it is unreachable,
// restarting, out of connections or space, or did not answer in time. Such a
// request may succeed when retried unchanged, so the HTTP edge answers it with
// 503 and Retry-After rather than 500. This is the one place that knows what
// those errors look like, for both dialects.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrCommitInDoubt) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgUnavailable(pgErr.Code)
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM:
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed),
		errors.As(err, &netErr),
		pgconn.Timeout(err),
		pgconn.SafeToRetry(err): // failed before anything reached the server, such as on a closed connection
		return true
	}
	return false
}

// pgUnavailable reports whether a PostgreSQL SQLSTATE is the server's state
// rather than the statement's fault.
func pgUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"): // connection exception
		return true
	case strings.HasPrefix(code, "53"): // insufficient resources: disk full, out of memory, too many connections
		return true
	case strings.HasPrefix(code, "58"): // system error, such as an I/O error
		return true
	}
	switch code {
	case "57P01", // admin_shutdown
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now: starting up or in recovery
		"57014", // query_canceled, as by a statement timeout
		"25006", // read_only_sql_transaction: a standby that has not been promoted yet
		"40001", // serialization_failure: retrying the same request succeeds
		"40P01": // deadlock_detected: likewise
		return true
	}
	return false
}

// Unavailable returns err as an apperr.Unavailable error when IsUnavailable
// says so, and err unchanged otherwise. The HTTP edge calls it on every error
// it answers, so no handler needs to.
func Unavailable(err error) error {
	if apperr.CodeOf(err) != apperr.Internal || !IsUnavailable(err) {
		return err
	}
	return &apperr.Error{Code: apperr.Unavailable, Message: "a service this request needs (such as the database) is unavailable for the moment; retry after the time in Retry-After", Err: err}
}
