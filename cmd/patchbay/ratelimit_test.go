package main

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

var remainingRE = regexp.MustCompile(`;r=(\d+)`)

func TestRateLimitHeadersAnd429(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "5", "--rate-limit-window", "1h")
		last := 6
		for i := range 5 {
			resp, body := e.do(t, "GET", "/v1/tenants", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
			}
			if p := resp.Header.Get("RateLimit-Policy"); !strings.Contains(p, "q=5") || !strings.Contains(p, "w=3600") {
				t.Errorf("RateLimit-Policy = %q, want q=5 and w=3600", p)
			}
			m := remainingRE.FindStringSubmatch(resp.Header.Get("RateLimit"))
			if m == nil {
				t.Fatalf("RateLimit = %q, want r=…", resp.Header.Get("RateLimit"))
			}
			r, _ := strconv.Atoi(m[1])
			if r >= last {
				t.Errorf("request %d: remaining %d did not decrease from %d", i, r, last)
			}
			last = r
		}
		resp, body := e.do(t, "GET", "/v1/tenants", "")
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("past the quota: %d %s, want 429", resp.StatusCode, body)
		}
		if p := problem(t, resp, body); !strings.HasSuffix(p.Type, "/quota-exceeded") {
			t.Errorf("429 problem type %q, want …/quota-exceeded", p.Type)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("Retry-After = %q, want whole seconds ≥ 1", resp.Header.Get("Retry-After"))
		}
		if resp.Header.Get("RateLimit") == "" {
			t.Error("429 without RateLimit header")
		}

		// A key's own limit overrides the default.
		created := createKey(t, e.opts, "--rate-limit", "50")
		own := &env{node: e.node, key: created}
		for i := range 10 {
			if resp, _ := own.do(t, "GET", "/v1/tenants", ""); resp.StatusCode != http.StatusOK {
				t.Fatalf("key with its own limit of 50, request %d: %d", i, resp.StatusCode)
			}
		}
	})
}

// TestRateLimitAcrossNodes runs two nodes on one PostgreSQL and sends more
// requests than the quota through both at once: together they admit no more
// than the quota, and not less than 90% of it.
func TestRateLimitAcrossNodes(t *testing.T) {
	t.Parallel()
	opts := storetest.PostgresOptions(t)
	const quota = 200
	// A window of an hour, so the test cannot straddle two; wait out the last
	// seconds of one if it must.
	if untilNext := time.Hour - time.Duration(time.Now().UnixNano())%time.Hour; untilNext < 30*time.Second {
		time.Sleep(untilNext)
	}
	key := createKey(t, opts)
	args := []string{"--rate-limit", strconv.Itoa(quota), "--rate-limit-window", "1h", "--rate-limit-store", "database"}
	nodes := []*node{startNode(t, opts, args...), startNode(t, opts, args...)}

	var admitted, limited atomic.Int64
	var wg sync.WaitGroup
	for w := range 16 {
		c := client.New(nodes[w%2].URL, key)
		wg.Go(func() {
			for range 3 * quota / 16 {
				_, err := c.ListTenants(t.Context(), client.ListParams{Limit: 1})
				switch {
				case err == nil:
					admitted.Add(1)
				case strings.Contains(err.Error(), "429"):
					limited.Add(1)
				default:
					t.Errorf("request: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	t.Logf("admitted %d, limited %d (quota %d across 2 nodes)", admitted.Load(), limited.Load(), quota)
	if got := admitted.Load(); got > quota || got < quota*9/10 {
		t.Errorf("two nodes admitted %d requests, want between %d and %d", got, quota*9/10, quota)
	}
}
