package ratelimit

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// serve starts a loopback server with the middleware in front of a handler
// that answers 200. It stands in for authentication: X-Test-Key names the
// key's ID and X-Test-Rate-Limit its override.
func serve(t *testing.T, l Limiter, def Policy, logger *slog.Logger) *httptest.Server {
	t.Helper()
	limited := Middleware(l, def, logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Test-Key"); id != "" {
			key := auth.Key{ID: id}
			if v := r.Header.Get("X-Test-Rate-Limit"); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Errorf("X-Test-Rate-Limit: %v", err)
				}
				key.RateLimit = &n
			}
			r = r.WithContext(auth.WithKey(r.Context(), key))
		}
		limited.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// response is what a test checks of an answer.
type response struct {
	Status                        int
	Policy, RateLimit, RetryAfter string
	ProblemType, Detail           string
}

// get sends one request as keyID ("" for none), with a rate limit override
// unless rateLimit is "".
func get(t *testing.T, srv *httptest.Server, keyID, rateLimit string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1/things", nil)
	if err != nil {
		t.Fatal(err)
	}
	if keyID != "" {
		req.Header.Set("X-Test-Key", keyID)
	}
	if rateLimit != "" {
		req.Header.Set("X-Test-Rate-Limit", rateLimit)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := response{
		Status:     resp.StatusCode,
		Policy:     resp.Header.Get("RateLimit-Policy"),
		RateLimit:  resp.Header.Get("RateLimit"),
		RetryAfter: resp.Header.Get("Retry-After"),
	}
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		var p httpapi.Problem
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatalf("decode problem: %v", err)
		}
		got.ProblemType, got.Detail = p.Type, p.Detail
	}
	return got
}

// limiterCase is a limiter the middleware runs on, with the effective window
// t it reports for each of three allowed requests and a denied one under
// threeAMinute, 30 seconds into a minute.
type limiterCase struct {
	name  string
	new   func(t *testing.T, c *storetest.Clock) Limiter
	wantT []string
}

var threeAMinute = Policy{Limit: 3, Window: time.Minute}

func limiterCases(t *testing.T) []limiterCase {
	cases := []limiterCase{{
		name: "memory",
		new: func(t *testing.T, c *storetest.Clock) Limiter {
			m := NewMemory()
			m.NowFunc = c.Now
			return m
		},
		// A token bucket is full again 20s per token used; denied, one token is 20s away.
		wantT: []string{"20", "40", "60", "20"},
	}}
	for _, d := range storetest.Dialects(t) {
		cases = append(cases, limiterCase{
			name: "database/" + d.Name,
			new: func(t *testing.T, c *storetest.Clock) Limiter {
				l := NewDatabase(d.Open(t))
				l.NowFunc = c.Now
				return l
			},
			// A fixed window restores the quota when it ends, 30s on.
			wantT: []string{"30", "30", "30", "30"},
		})
	}
	return cases
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	const quotaExceeded = httpapi.ProblemTypeBase + "quota-exceeded"

	t.Run("HeadersThen429", func(t *testing.T) {
		t.Parallel()
		for _, lc := range limiterCases(t) {
			t.Run(lc.name, func(t *testing.T) {
				t.Parallel()
				srv := serve(t, lc.new(t, storetest.NewClock(midWindow)), threeAMinute, storetest.DiscardLogger())
				var got []response
				for range 4 {
					got = append(got, get(t, srv, "key_a", ""))
				}
				policy := `"default";q=3;w=60`
				want := []response{
					{Status: 200, Policy: policy, RateLimit: `"default";r=2;t=` + lc.wantT[0]},
					{Status: 200, Policy: policy, RateLimit: `"default";r=1;t=` + lc.wantT[1]},
					{Status: 200, Policy: policy, RateLimit: `"default";r=0;t=` + lc.wantT[2]},
					{
						Status: 429, Policy: policy, RateLimit: `"default";r=0;t=` + lc.wantT[3],
						RetryAfter:  lc.wantT[3],
						ProblemType: quotaExceeded,
						Detail:      "this API key may make 3 requests per 60 seconds; retry in " + lc.wantT[3] + " seconds",
					},
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("responses (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("PerKeyOverride", func(t *testing.T) {
		t.Parallel()
		m := NewMemory()
		m.NowFunc = storetest.NewClock(midWindow).Now
		srv := serve(t, m, threeAMinute, storetest.DiscardLogger())
		got := []response{
			get(t, srv, "key_one", "1"),
			get(t, srv, "key_one", "1"),
			get(t, srv, "key_default", "0"), // 0 means the default, as in auth
		}
		want := []response{
			{Status: 200, Policy: `"default";q=1;w=60`, RateLimit: `"default";r=0;t=60`},
			{
				Status: 429, Policy: `"default";q=1;w=60`, RateLimit: `"default";r=0;t=60`, RetryAfter: "60",
				ProblemType: quotaExceeded, Detail: "this API key may make 1 request per 60 seconds; retry in 60 seconds",
			},
			{Status: 200, Policy: `"default";q=3;w=60`, RateLimit: `"default";r=2;t=20`},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("responses (-want +got):\n%s", diff)
		}
	})

	t.Run("Unlimited", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, NewMemory(), Policy{Window: time.Minute}, storetest.DiscardLogger())
		for i := range 3 {
			if diff := cmp.Diff(response{Status: 200}, get(t, srv, "key_a", "")); diff != "" {
				t.Errorf("request %d without a limit (-want +got):\n%s", i, diff)
			}
		}
		// A key's own limit applies even when the default is unlimited.
		if got := get(t, srv, "key_b", "5"); got.Policy != `"default";q=5;w=60` {
			t.Errorf("key with its own limit: RateLimit-Policy = %q, want q=5", got.Policy)
		}
	})

	t.Run("NoKeyPassesThrough", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, NewMemory(), Policy{Limit: 1, Window: time.Minute}, storetest.DiscardLogger())
		for i := range 3 {
			if diff := cmp.Diff(response{Status: 200}, get(t, srv, "", "")); diff != "" {
				t.Errorf("request %d without a key (-want +got):\n%s", i, diff)
			}
		}
	})

	t.Run("LimiterErrorFailsOpen", func(t *testing.T) {
		t.Parallel()
		db := storetest.OpenSQLite(t)
		db.Close()
		var logs syncBuffer
		l := NewDatabase(db)
		l.NowFunc = storetest.NewClock(midWindow).Now // frozen: every request falls within failOpenFor
		srv := serve(t, l, threeAMinute, slog.New(slog.NewTextHandler(&logs, nil)))
		for range 4 {
			if got := get(t, srv, "key_a", ""); got.Status != 200 {
				t.Errorf("status = %d, want 200 while the database is down", got.Status)
			}
		}
		out := logs.String()
		if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, "api_key_id=key_a") {
			t.Errorf("logs = %q, want one warning naming api_key_id=key_a (later requests within failOpenFor ask nobody)", out)
		}
	})
}

// syncBuffer is a bytes.Buffer that the server's goroutines may write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
