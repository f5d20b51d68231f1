package httpapi

import (
	"net/http"
	"time"
)

// QueryTime reads an optional RFC 3339 time from the query string: the zero
// time when absent. A malformed value is recorded in problems under name.
func QueryTime(r *http.Request, name string, problems map[string]string) time.Time {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		problems[name] = "must be an RFC 3339 time such as 2026-11-28T12:00:00Z"
	}
	return t
}
