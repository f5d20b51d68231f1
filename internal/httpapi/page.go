package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
)

// Page limits for every list endpoint.
const (
	PageLimitDefault = 20
	PageLimitMax     = 100
)

// Page is a parsed ?limit=&cursor= pair. Lists are ordered by a unique key and
// a page holds the rows whose key is after After.
type Page struct {
	Limit int
	After string
}

// List is the shape of every list response.
type List[T any] struct {
	Data []T `json:"data" doc:"This page's items."`
	// NextCursor fetches the next page; it is empty on the last page.
	NextCursor string `json:"next_cursor,omitempty" doc:"Fetches the next page; it is empty on the last page."`
}

// cursorPrefix versions the cursor format, so a change can reject old cursors
// clearly instead of misreading them.
const cursorPrefix = "v1:"

// ParsePage reads limit and cursor from the query string.
func ParsePage(r *http.Request) (Page, error) {
	q := r.URL.Query()
	p := Page{Limit: PageLimitDefault}
	fields := map[string]string{}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > PageLimitMax {
			fields["limit"] = "must be an integer from 1 to " + strconv.Itoa(PageLimitMax)
		}
		p.Limit = n
	}
	if s := q.Get("cursor"); s != "" {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		after, ok := strings.CutPrefix(string(raw), cursorPrefix)
		// A key is text: PostgreSQL refuses NUL and invalid UTF-8 in a
		// comparison with an error, which must not become a 500.
		if err != nil || !ok || after == "" || !IsText(after) {
			fields["cursor"] = "is not a cursor this API returned"
		}
		p.After = after
	}
	if len(fields) > 0 {
		return Page{}, apperr.InvalidFields(fields)
	}
	return p, nil
}

// NewList builds a page of results from rows fetched with Limit+1: the extra
// row, when present, only says that there is a next page.
func NewList[T any](p Page, rows []T, key func(T) string) List[T] {
	l := List[T]{Data: rows}
	if l.Data == nil {
		l.Data = []T{}
	}
	if len(rows) > p.Limit {
		l.Data = rows[:p.Limit]
		l.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + key(l.Data[p.Limit-1])))
	}
	return l
}
