package client

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestRetryAfterDate: a Retry-After given as an HTTP date is waited for, and
// one longer than the client's longest wait is not: the 503 comes back with
// RetryAfter set, after a single attempt.
func TestRetryAfterDate(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"type":"https://patchbay.dev/problems/unavailable","title":"Service Unavailable","status":503}`))
		default:
			w.Write([]byte(`{"status":"ok","version":"test"}`))
		}
	}))
	defer srv.Close()
	c := New(srv.URL, "k", WithRetries(2, 10*time.Millisecond, 5*time.Second))
	start := time.Now()
	if _, err := c.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || time.Since(start) < 500*time.Millisecond {
		t.Errorf("%d calls in %s: want a retry after the Retry-After date", calls.Load(), time.Since(start))
	}

	calls.Store(0)
	short := New(srv.URL, "k", WithRetries(2, 10*time.Millisecond, 100*time.Millisecond))
	_, err := short.Health(t.Context())
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Status != 503 || apiErr.RetryAfter <= 100*time.Millisecond || calls.Load() != 1 {
		t.Errorf("Retry-After beyond the longest wait: %v after %d calls; want the 503 with RetryAfter, not waited for", err, calls.Load())
	}
}

// FuzzParseRetryAfter: whatever a server sends, the wait is never negative
// and parsing never panics.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999", "1.5", " 3 "} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := parseRetryAfter(v, now); d < 0 {
			t.Errorf("parseRetryAfter(%q) = %s", v, d)
		}
	})
}
