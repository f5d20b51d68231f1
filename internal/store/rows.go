package store

import (
	"context"
	"database/sql"
	"math/bits"
	"strings"
	"sync"
)

// maxInsertRows bounds the rows of one multi-row INSERT, well within both
// databases' limits on parameters. Up to exactInsertRows rows go in one
// statement of their own size; more, in statements of maxInsertRows or a
// power of two rows.
const (
	maxInsertRows   = 500
	exactInsertRows = 32
)

// InsertRows inserts rows of cols values each (args holds them one row after
// the other) with multi-row INSERT statements, insert being the statement
// up to VALUES: one statement and one round trip for many rows. Few distinct
// query texts exist, so prepared statements are reused, and the small groups
// that most calls bring take one round trip.
func InsertRows(ctx context.Context, tx *Tx, insert string, cols int, args []any) error {
	for len(args) > 0 {
		n := min(len(args)/cols, maxInsertRows)
		if n > exactInsertRows && n < maxInsertRows {
			n = 1 << (bits.Len(uint(n)) - 1)
		}
		if _, err := tx.Exec(ctx, insert+ValuesList(n, cols), args[:n*cols]...); err != nil {
			return err
		}
		args = args[n*cols:]
	}
	return nil
}

var valuesLists sync.Map // [2]int{rows, cols} → " VALUES (?, …), …"

// ValuesList is " VALUES (?, ?), (?, ?)" for rows rows of cols placeholders.
func ValuesList(rows, cols int) string {
	key := [2]int{rows, cols}
	if v, ok := valuesLists.Load(key); ok {
		return v.(string)
	}
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var b strings.Builder
	b.WriteString(" VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	valuesLists.Store(key, b.String())
	return b.String()
}

// PadPow2 pads a list to a power of two by repeating its last element, for
// statements where a repeated value is harmless (an IN list), so that few
// distinct query texts exist.
func PadPow2[T any](list []T) []T {
	n := 1 << bits.Len(uint(len(list)-1))
	for len(list) < n {
		list = append(list, list[len(list)-1])
	}
	return list
}

// Placeholders is "?, ?, ?" for n values.
func Placeholders(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}

// Changed reports whether the statement that returned res and err changed
// any row, for conditional UPDATEs and DELETEs whose callers act on whether
// their condition held. It passes err on.
func Changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Column reads a query's one column into a slice and closes rows.
func Column[T any](rows *sql.Rows) ([]T, error) {
	return Collect(rows, func(s Scanner) (T, error) {
		var v T
		err := s.Scan(&v)
		return v, err
	})
}

// Collect reads every row with scan into a slice and closes rows, so that a
// query function's scan is written once for its single reads and its lists.
func Collect[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Nullable stores an empty string as NULL, for optional text columns.
func Nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
