package proxy

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect/catalog"
)

// TestBucket: a budget of 5 per second lets one request go at once and
// spaces the rest 200ms apart; a reservation beyond the queue wait is
// refused without taking a token; a cancelled one gives its token back.
func TestBucket(t *testing.T) {
	t.Parallel()
	var bs buckets
	budget := catalog.Budget{Requests: 5, Window: catalog.Duration(time.Second)}
	now := time.Now()
	var delays []time.Duration
	for range 6 {
		_, d, ok := bs.reserve("conn_a", budget, now, time.Second)
		if !ok {
			t.Fatalf("reservation %d refused", len(delays))
		}
		delays = append(delays, d.Round(time.Millisecond))
	}
	want := []time.Duration{0, 200 * time.Millisecond, 400 * time.Millisecond, 600 * time.Millisecond, 800 * time.Millisecond, time.Second}
	if diff := cmp.Diff(want, delays); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
	// The next would wait 1.2s: refused, and it takes nothing.
	if _, d, ok := bs.reserve("conn_a", budget, now, time.Second); ok || d.Round(time.Millisecond) != 1200*time.Millisecond {
		t.Errorf("beyond the queue wait: ok %v, delay %s; want refused at 1.2s", ok, d)
	}
	r, d, ok := bs.reserve("conn_a", budget, now, 2*time.Second)
	if !ok || d.Round(time.Millisecond) != 1200*time.Millisecond {
		t.Fatalf("the refusal took a token: delay %s, ok %v", d, ok)
	}
	r.CancelAt(now)
	if _, d, _ := bs.reserve("conn_a", budget, now, 2*time.Second); d.Round(time.Millisecond) != 1200*time.Millisecond {
		t.Errorf("after a cancel, delay %s; want the cancelled 1.2s slot again", d)
	}
	// A changed budget (a provider definition updated) takes effect.
	if _, d, ok := bs.reserve("conn_a", catalog.Budget{Requests: 50, Window: catalog.Duration(time.Second)}, now, 0); !ok || d != 0 {
		t.Errorf("under a new budget, delay %s, ok %v; want a fresh bucket", d, ok)
	}
	// Other connections have buckets of their own.
	if _, d, ok := bs.reserve("conn_b", budget, now, 0); !ok || d != 0 {
		t.Errorf("another connection waited %s", d)
	}
}

// TestBucketWindow: however requests arrive, no window of the budget's
// length holds more than the budget.
func TestBucketWindow(t *testing.T) {
	t.Parallel()
	for _, budget := range []catalog.Budget{
		{Requests: 5, Window: catalog.Duration(time.Second)},
		{Requests: 100, Window: catalog.Duration(time.Minute)},
		{Requests: 1, Window: catalog.Duration(time.Second)},
	} {
		var bs buckets
		start := time.Now()
		window := time.Duration(budget.Window)
		var sent []time.Time
		// Greedy: each request goes the moment the bucket lets it.
		for range 4 * budget.Requests {
			_, d, ok := bs.reserve("c", budget, start, time.Hour)
			if !ok {
				t.Fatal("refused within an hour's wait")
			}
			sent = append(sent, start.Add(d))
		}
		for i, t0 := range sent {
			n := 0
			for _, t1 := range sent[i:] {
				if t1.Sub(t0) < window-time.Microsecond { // float rounding in the limiter
					n++
				}
			}
			if n > budget.Requests {
				t.Errorf("budget %d per %s: %d requests in the window from %s", budget.Requests, window, n, t0.Sub(start))
				break
			}
		}
	}
}

// TestBucketEviction: a bucket idle long enough to be full again is dropped
// at the next sweep; a busy one stays.
func TestBucketEviction(t *testing.T) {
	t.Parallel()
	var bs buckets
	budget := catalog.Budget{Requests: 5, Window: catalog.Duration(time.Second)} // refills in 200ms
	now := time.Now()
	bs.reserve("idle", budget, now, time.Second)
	later := now.Add(bucketSweep)
	bs.reserve("busy", budget, later.Add(-time.Millisecond), time.Second)
	bs.reserve("busy", budget, later.Add(-time.Millisecond), time.Second) // due 199ms after
	bs.reserve("other", budget, later, time.Second)                       // sweeps
	bs.mu.Lock()
	_, idle := bs.m["idle"]
	_, busy := bs.m["busy"]
	n := len(bs.m)
	bs.mu.Unlock()
	if idle || !busy || n != 2 {
		t.Errorf("after the sweep: idle kept %v, busy kept %v, %d buckets; want only busy and other", idle, busy, n)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	github := &catalog.Provider{RateLimit: &catalog.RateLimit{RetryHeaders: []catalog.RetryHeader{
		{Name: "X-RateLimit-Reset", Format: catalog.RetryEpochSeconds},
	}}}
	plain := &catalog.Provider{}
	for _, tc := range []struct {
		name    string
		p       *catalog.Provider
		status  int
		headers map[string]string
		want    time.Duration
		told    bool
	}{
		{"seconds", plain, 429, map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"date", plain, 503, map[string]string{"Retry-After": now.Add(5 * time.Second).UTC().Format(http.TimeFormat)}, 5 * time.Second, true},
		{"past date", plain, 503, map[string]string{"Retry-After": now.Add(-5 * time.Second).UTC().Format(http.TimeFormat)}, 0, true},
		{"garbage", plain, 429, map[string]string{"Retry-After": "soon"}, 0, false},
		{"nothing", plain, 429, nil, 0, false},
		{"provider's header", github, 429, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Unix()+7, 10)}, 7 * time.Second, true},
		{"provider's header first", github, 503, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Unix()+7, 10), "Retry-After": "1"}, 7 * time.Second, true},
		{"provider's header not on 502", github, 502, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Unix()+7, 10)}, 0, false},
		{"Retry-After on 502", github, 502, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Unix()+7, 10), "Retry-After": "2"}, 2 * time.Second, true},
	} {
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
		for k, v := range tc.headers {
			resp.Header.Set(k, v)
		}
		got, told := retryAfter(resp, tc.p, now)
		if got != tc.want || told != tc.told {
			t.Errorf("%s: retryAfter = %s, %v; want %s, %v", tc.name, got, told, tc.want, tc.told)
		}
	}
}

func TestProxyURL(t *testing.T) {
	t.Parallel()
	p := &catalog.Provider{ID: "zd", Proxy: catalog.Proxy{BaseURL: "https://${config.subdomain}.zendesk.com/api/v2"},
		Fields: []catalog.Field{{Name: "subdomain", Required: true}}}
	config := map[string]string{"subdomain": "acme"}
	for _, tc := range []struct{ path, query, want string }{
		{"/tickets.json", "page=2", "https://acme.zendesk.com/api/v2/tickets.json?page=2"},
		{"/users/a%2Fb", "", "https://acme.zendesk.com/api/v2/users/a%2Fb"},
		{"", "", "https://acme.zendesk.com/api/v2/"},
		{"//evil.example/x", "", "https://acme.zendesk.com/api/v2//evil.example/x"},
		{"/x@evil.example", "", "https://acme.zendesk.com/api/v2/x@evil.example"},
		{"/a%3Fb", "", "https://acme.zendesk.com/api/v2/a%3Fb"},
		{"/v1.2/a..b/.well-known/x;y", "", "https://acme.zendesk.com/api/v2/v1.2/a..b/.well-known/x;y"},
		{"/100%25", "", "https://acme.zendesk.com/api/v2/100%25"},
	} {
		got, err := proxyURL(p, config, tc.path, tc.query)
		if err != nil || got != tc.want {
			t.Errorf("proxyURL(%q, %q) = %q, %v; want %q", tc.path, tc.query, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ path, query, field string }{
		{"/../admin", "", "path"},
		{"/a/%2e%2e/b", "", "path"},
		{"/a/..;/b", "", "path"},          // Tomcat-style path parameters
		{"/a/..%3B/b", "", "path"},        // …escaped
		{"/a/..%5cb", "", "path"},         // a backslash as a separator
		{"/a/%5c..%5c", "", "path"},       // …on both sides
		{"/a/%252e%252e/b", "", "path"},   // escaped twice
		{"/a/%25252e./b", "", "path"},     // three times, mixed
		{"/a%2f..%2fb", "", "path"},       // escaped slashes
		{"/a/.../b", "", "path"},          // trailing dots trimmed by some servers
		{"/a/%c0%ae%c0%ae/b", "", "path"}, // overlong UTF-8 for "."
		{"/a/%00", "", "path"},
		{"/%2525252525252e", "", "path"}, // deeper than anyone should escape
		{"/%zz", "", "path"},
		{"/ok", "a=1#frag", "query"},
	} {
		_, err := proxyURL(p, config, tc.path, tc.query)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Fields[tc.field] == "" {
			t.Errorf("proxyURL(%q, %q) = %v; want an Invalid error naming %s", tc.path, tc.query, err, tc.field)
		}
	}
	if _, err := proxyURL(p, map[string]string{}, "/x", ""); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("without the subdomain: %v, want Unprocessable", err)
	}
}

func TestForwardHeader(t *testing.T) {
	t.Parallel()
	in := http.Header{
		"Authorization":     {"Bearer pbk_secret"},
		"Cookie":            {"session=1"},
		"Connection":        {"keep-alive, X-Hop"},
		"X-Hop":             {"1"},
		"Keep-Alive":        {"timeout=5"},
		"Te":                {"trailers"},
		"Upgrade":           {"websocket"},
		"Proxy-Connection":  {"keep-alive"},
		"X-Forwarded-For":   {"10.0.0.1"},
		"X-Forwarded-Proto": {"https"},
		"Forwarded":         {"for=10.0.0.1"},
		"X-Real-Ip":         {"10.0.0.1"},
		"True-Client-Ip":    {"10.0.0.1"},
		"Content-Length":    {"3"},
		"Accept":            {"application/json"},
		"Content-Type":      {"application/json"},
		"Idempotency-Key":   {"k1"},
		"X-Custom":          {"a", "b"},
	}
	want := http.Header{
		"Accept":          {"application/json"},
		"Content-Type":    {"application/json"},
		"Idempotency-Key": {"k1"},
		"X-Custom":        {"a", "b"},
	}
	if diff := cmp.Diff(want, forwardHeader(in)); diff != "" {
		t.Errorf("forwardHeader (-want +got):\n%s", diff)
	}
	if in.Get("Authorization") == "" {
		t.Error("forwardHeader changed its argument")
	}
}

func TestIdempotent(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]bool{
		"GET": true, "HEAD": true, "OPTIONS": true, "TRACE": true, "PUT": true, "DELETE": true,
		"POST": false, "PATCH": false, "PROPFIND": false,
	} {
		if got := idempotent(method); got != want {
			t.Errorf("idempotent(%s) = %v", method, got)
		}
	}
}

// FuzzProxyPath: whatever path a caller sends, a URL the proxy makes stays
// under the provider's base path however a server behind it reads the path:
// unescaped up to maxUnescapes times, "\\" as "/", ";parameters" dropped.
func FuzzProxyPath(f *testing.F) {
	for _, seed := range []string{"/tickets.json", "/../admin", "/a/%2e%2e/b", "/a/..;/b", "/%5c..%5c", "/%252e%252e", "//x", "/a%2Fb", "/%zz"} {
		f.Add(seed)
	}
	p := &catalog.Provider{ID: "zd", Proxy: catalog.Proxy{BaseURL: "https://acme.zendesk.com/api/v2"}}
	f.Fuzz(func(t *testing.T, escaped string) {
		target, err := proxyURL(p, nil, escaped, "")
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Fields["path"] == "" {
				t.Fatalf("proxyURL(%q) = %v; want an Invalid error naming path", escaped, err)
			}
			return
		}
		u, err := url.Parse(target)
		if err != nil || u.Host != "acme.zendesk.com" {
			t.Fatalf("proxyURL(%q) = %q (%v), another host", escaped, target, err)
		}
		layer := u.EscapedPath()
		for range maxUnescapes + 1 {
			read := strings.ReplaceAll(layer, "\\", "/")
			var segs []string
			for _, seg := range strings.Split(read, "/") {
				seg, _, _ = strings.Cut(seg, ";")
				segs = append(segs, seg)
			}
			if clean := path.Clean(strings.Join(segs, "/")); clean != "/api/v2" && !strings.HasPrefix(clean, "/api/v2/") {
				t.Fatalf("proxyURL(%q) = %q, which a server reads as %q", escaped, target, clean)
			}
			next, err := url.PathUnescape(layer)
			if err != nil || next == layer {
				return
			}
			layer = next
		}
	})
}
