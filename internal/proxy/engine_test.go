package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// fakeClock is the engine's clock in tests: time stands still at now, and
// a sleep returns at once, recorded. Pacing and retry waits are then exact
// figures, whatever the machine's load.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.sleeps = append(c.sleeps, d)
	}
	return ctx.Err()
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// fakeCredentials stand in for the connections service: each connection
// has an access token, and RefreshRejected replaces it with the next one,
// or fails with refreshErr.
type fakeCredentials struct {
	mu         sync.Mutex
	tokens     map[string]int // connection ID → number of its current token
	rejected   []string       // the tokens RefreshRejected was given
	refreshErr error
}

// providerOf names a test connection's provider: conn_<provider>_….
func providerOf(connectionID string) string {
	return strings.Split(connectionID, "_")[1]
}

func (f *fakeCredentials) Credentials(_ context.Context, connectionID string) (connect.Credentials, error) {
	if strings.HasPrefix(connectionID, "conn_gone") {
		return connect.Credentials{}, apperr.Errorf(apperr.NotFound, "connection %s not found", connectionID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.current(connectionID), nil
}

func (f *fakeCredentials) current(connectionID string) connect.Credentials {
	return connect.Credentials{ConnectionID: connectionID, ProviderID: providerOf(connectionID),
		AccessToken: fmt.Sprintf("at_%d", f.tokens[connectionID]), Secrets: map[string]string{"api_key": "key-1"}, Config: map[string]string{}}
}

func (f *fakeCredentials) RefreshRejected(_ context.Context, connectionID, rejected string) (connect.Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejected = append(f.rejected, rejected)
	if f.refreshErr != nil {
		return connect.Credentials{}, f.refreshErr
	}
	f.tokens[connectionID]++
	return f.current(connectionID), nil
}

// fakeAPI is a provider's API on loopback TLS that records what reaches it.
type fakeAPI struct {
	*httptest.Server

	mu       sync.Mutex
	arrivals map[string][]*http.Request // by the path's {name}
}

func (a *fakeAPI) record(r *http.Request) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	name := r.PathValue("name")
	a.arrivals[name] = append(a.arrivals[name], r.Clone(context.Background()))
	return len(a.arrivals[name])
}

func (a *fakeAPI) seen(name string) []*http.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.arrivals[name])
}

// clockEpoch is where the fake clock stands; the fake API's reset headers
// are reckoned from it.
var clockEpoch = time.Unix(1_800_000_000, 0)

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	a := &fakeAPI{arrivals: map[string][]*http.Request{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/ok/{name}", func(w http.ResponseWriter, r *http.Request) {
		a.record(r)
		io.WriteString(w, `{"ok": true}`)
	})
	// flaky answers ?status= (default 429), with ?retry_after= as
	// Retry-After when given, to its first ?fail= requests, then 200.
	mux.HandleFunc("/v1/flaky/{name}", func(w http.ResponseWriter, r *http.Request) {
		n := a.record(r)
		q := r.URL.Query()
		if fail, _ := strconv.Atoi(q.Get("fail")); n <= fail {
			if ra := q.Get("retry_after"); ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			status, _ := strconv.Atoi(q.Get("status"))
			w.WriteHeader(max(status, http.StatusTooManyRequests))
			io.WriteString(w, `{"error": "slow down"}`)
			return
		}
		fmt.Fprintf(w, `{"attempt": %d}`, n)
	})
	// reset answers 429 to its first request with X-RateLimit-Reset three
	// seconds after clockEpoch, as GitHub's (epoch seconds).
	mux.HandleFunc("/v1/reset/{name}", func(w http.ResponseWriter, r *http.Request) {
		if a.record(r) == 1 {
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(clockEpoch.Unix()+3, 10))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, `{"ok": true}`)
	})
	// me accepts only the bearer token ?token=.
	mux.HandleFunc("/v1/me/{name}", func(w http.ResponseWriter, r *http.Request) {
		a.record(r)
		if r.Header.Get("Authorization") != "Bearer "+r.URL.Query().Get("token") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"id": "u1"}`)
	})
	a.Server = httptest.NewTLSServer(mux)
	t.Cleanup(a.Close)
	return a
}

// testProviders are the catalog of the engine tests, by ID: keyed sends an
// API key in a header and names its reset header; paced has a budget of 5
// a second; oauth sends the access token as a bearer token.
var testProviders = map[string]string{
	"keyed": `auth: {mode: api_key}
fields:
  - {name: api_key, label: API key, type: text, required: true, secret: true}
proxy:
  base_url: BASE
  headers: {X-Api-Version: "2024-06-01"}
  credentials: {in: header, name: X-Api-Key, value: "${secret.api_key}"}
rate_limit:
  retry_headers:
    - {name: X-RateLimit-Reset, format: epoch_seconds}
`,
	"paced": `auth: {mode: api_key}
fields:
  - {name: api_key, label: API key, type: text, required: true, secret: true}
proxy:
  base_url: BASE
  credentials: {in: header, name: X-Api-Key, value: "${secret.api_key}"}
rate_limit:
  budget: {requests: 5, window: 1s}
`,
	"oauth": `auth:
  mode: oauth2
  authorization_url: https://auth.example/authorize
  token_url: https://auth.example/token
  client_auth: client_secret_basic
proxy:
  base_url: BASE
`,
}

func testCatalog(t *testing.T, baseURL string) *catalog.Catalog {
	t.Helper()
	defs := fstest.MapFS{}
	for id, def := range testProviders {
		defs[id+".yaml"] = &fstest.MapFile{Data: []byte("id: " + id + "\ndisplay_name: " + id +
			"\ncategories: [testing]\ndocs_url: https://example.com/docs\n" + strings.ReplaceAll(def, "BASE", baseURL+"/v1"))}
	}
	c, err := catalog.Load(defs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type testBundle struct {
	engine *Engine
	api    *fakeAPI
	creds  *fakeCredentials
	clock  *fakeClock
}

// setup returns an engine on a fake clock, whose connections' credentials
// come from a fake connections service and whose providers are testProviders
// on a fake API.
func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	b := &testBundle{api: newFakeAPI(t), creds: &fakeCredentials{tokens: map[string]int{}}, clock: &fakeClock{now: clockEpoch}}
	b.engine = New(b.creds, testCatalog(t, b.api.URL), b.api.Client(), storetest.DiscardLogger(), cfg)
	b.engine.clock = b.clock
	return b
}

// do sends a GET and reads the whole response.
func (b *testBundle) do(t *testing.T, connectionID, path string, header ...string) (*Response, string, error) {
	t.Helper()
	return b.send(t, connectionID, Request{Path: path}, header...)
}

func (b *testBundle) send(t *testing.T, connectionID string, req Request, header ...string) (*Response, string, error) {
	t.Helper()
	path, query, _ := strings.Cut(req.Path, "?")
	req.Path, req.RawQuery, req.Header = path, query, http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.engine.Do(t.Context(), connectionID, req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body), nil
}

// TestEnginePacing: a burst on a connection whose provider allows 5
// requests a second goes out one at once and then one every 200ms, and a
// request that would wait longer than QueueWait is refused at once with the
// wait it would have had. The clock stands still, so the waits are exact.
func TestEnginePacing(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{QueueWait: 2900 * time.Millisecond})
	var mu sync.Mutex
	var waits []time.Duration
	var refused []error
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			resp, _, err := b.do(t, "conn_paced_1", "/ok/burst")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused = append(refused, err)
				return
			}
			waits = append(waits, resp.QueueWait)
		})
	}
	wg.Wait()
	var want []time.Duration
	for i := range 15 {
		want = append(want, time.Duration(i)*200*time.Millisecond)
	}
	slices.Sort(waits)
	if diff := cmp.Diff(want, roundMs(waits)); diff != "" {
		t.Errorf("queue waits of the 15 admitted requests (-want +got):\n%s", diff)
	}
	slept := roundMs(b.clock.slept())
	slices.Sort(slept)
	if diff := cmp.Diff(want[1:], slept); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	if len(b.api.seen("burst")) != 15 {
		t.Errorf("%d requests reached the provider, want 15", len(b.api.seen("burst")))
	}
	var queued *QueueTimeoutError
	if len(refused) != 1 || apperr.CodeOf(refused[0]) != apperr.QuotaExceeded || !errors.As(refused[0], &queued) ||
		queued.RetryAfter.Round(time.Millisecond) != 3*time.Second {
		t.Fatalf("refused %v; want one QuotaExceeded whose budget has room in 3s", refused)
	}

	// Another connection of the same provider has a bucket of its own.
	if resp, _, err := b.do(t, "conn_paced_2", "/ok/other"); err != nil || resp.QueueWait != 0 {
		t.Errorf("another connection: %v, waited %v", err, resp)
	}
}

func roundMs(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// TestEngineRetries: what is retried, after how long, and how often. The
// waits are the fake clock's, so none of this sleeps.
func TestEngineRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		connectionID string
		req          Request
		header       []string
		wantStatus   int
		wantAttempts int
		wantSleeps   []time.Duration // nil: not checked (a jittered backoff)
		check        func(t *testing.T, resp *Response, b *testBundle)
	}{
		{name: "Retry-After honoured", connectionID: "conn_keyed_1", req: Request{Path: "/flaky/ra?fail=2&retry_after=1"},
			wantStatus: 200, wantAttempts: 3, wantSleeps: []time.Duration{time.Second, time.Second}},
		{name: "the provider's reset header on 429", connectionID: "conn_keyed_1", req: Request{Path: "/reset/gh"},
			wantStatus: 200, wantAttempts: 2, wantSleeps: []time.Duration{3 * time.Second}},
		{name: "POST without an Idempotency-Key not retried", connectionID: "conn_keyed_1",
			req:        Request{Method: "POST", Path: "/flaky/post?fail=1&retry_after=0", Body: []byte(`{"n":1}`)},
			wantStatus: 429, wantAttempts: 1, wantSleeps: []time.Duration{}},
		{name: "POST with an Idempotency-Key retried with its body", connectionID: "conn_keyed_1",
			req: Request{Method: "POST", Path: "/flaky/postkey?fail=1&retry_after=0", Body: []byte(`{"n":1}`)}, header: []string{"Idempotency-Key", "k1"},
			wantStatus: 200, wantAttempts: 2, wantSleeps: []time.Duration{},
			check: func(t *testing.T, _ *Response, b *testBundle) {
				for _, r := range b.api.seen("postkey") {
					if r.Header.Get("Idempotency-Key") != "k1" || r.ContentLength != int64(len(`{"n":1}`)) {
						t.Errorf("attempt with Idempotency-Key %q, %d bytes", r.Header.Get("Idempotency-Key"), r.ContentLength)
					}
				}
			}},
		{name: "bounded attempts, then the provider's answer", connectionID: "conn_keyed_1", req: Request{Path: "/flaky/always?fail=100&status=503"},
			wantStatus: 503, wantAttempts: 4,
			check: func(t *testing.T, _ *Response, b *testBundle) {
				var total time.Duration
				for _, d := range b.clock.slept() {
					total += d
				}
				if n := len(b.clock.slept()); n != 3 || total > MaxWaitDefault {
					t.Errorf("%d waits of %s in all; want 3 within %s", n, total, MaxWaitDefault)
				}
			}},
		{name: "a wait longer than allowed passed back at once", connectionID: "conn_keyed_1", req: Request{Path: "/flaky/long?fail=1&retry_after=3600"},
			wantStatus: 429, wantAttempts: 1, wantSleeps: []time.Duration{},
			check: func(t *testing.T, resp *Response, _ *testBundle) {
				if resp.Header.Get("Retry-After") != "3600" {
					t.Errorf("Retry-After %q, want the provider's 3600", resp.Header.Get("Retry-After"))
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			resp, body, err := b.send(t, tc.connectionID, tc.req, tc.header...)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus || resp.Attempts != tc.wantAttempts {
				t.Errorf("%d after %d attempts (%s); want %d after %d", resp.StatusCode, resp.Attempts, body, tc.wantStatus, tc.wantAttempts)
			}
			if tc.wantSleeps != nil {
				if diff := cmp.Diff(tc.wantSleeps, append([]time.Duration{}, b.clock.slept()...)); diff != "" {
					t.Errorf("waits between attempts (-want +got):\n%s", diff)
				}
			}
			if tc.check != nil {
				tc.check(t, resp, b)
			}
		})
	}
}

// TestEngineRequest: what reaches the provider, and what never does.
func TestEngineRequest(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	resp, _, err := b.do(t, "conn_keyed_1", "/ok/headers?q=1", "Authorization", "Bearer pbk_caller", "Cookie", "s=1",
		"X-Forwarded-For", "10.0.0.1", "X-Custom", "kept")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	got := b.api.seen("headers")[0]
	if got.Header.Get("X-Api-Key") != "key-1" || got.Header.Get("X-Api-Version") != "2024-06-01" || got.Header.Get("X-Custom") != "kept" ||
		got.Header.Get("Authorization") != "" || got.Header.Get("Cookie") != "" || got.Header.Get("X-Forwarded-For") != "" ||
		got.URL.RawQuery != "q=1" {
		t.Errorf("the provider got %s with headers %v", got.URL, got.Header)
	}
	for _, tc := range []struct {
		connectionID, path string
		want               apperr.Code
	}{
		{"conn_gone_1", "/ok/x", apperr.NotFound},
		{"conn_unknown_1", "/ok/x", apperr.Unprocessable}, // its provider left the catalog
		{"conn_keyed_1", "/../admin", apperr.Invalid},
	} {
		if _, _, err := b.do(t, tc.connectionID, tc.path); apperr.CodeOf(err) != tc.want {
			t.Errorf("%s %s: %v, want %s", tc.connectionID, tc.path, err, tc.want)
		}
	}
	if _, _, err := b.send(t, "conn_keyed_1", Request{Method: "TRACE", Path: "/ok/x"}); apperr.CodeOf(err) != apperr.MethodNotAllowed {
		t.Errorf("TRACE: %v, want MethodNotAllowed", err)
	}
}

// TestEngineRefreshOn401: a 401 on an OAuth connection refreshes the
// rejected token once and sends the request again, whatever its method; a
// refresh token refused too (Conflict) is the caller's answer.
func TestEngineRefreshOn401(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	resp, body, err := b.send(t, "conn_oauth_1", Request{Method: "POST", Path: "/me/a?token=at_1"})
	if err != nil || resp.StatusCode != 200 || resp.Attempts != 2 {
		t.Fatalf("after a refresh: %v %s %v", resp, body, err)
	}
	if diff := cmp.Diff([]string{"at_0"}, b.creds.rejected); diff != "" {
		t.Errorf("rejected tokens (-want +got):\n%s", diff)
	}
	// A token refused again is passed back, not refreshed in a loop.
	if resp, _, err := b.do(t, "conn_oauth_1", "/me/b?token=never"); err != nil || resp.StatusCode != 401 || resp.Attempts != 2 {
		t.Errorf("refused after its refresh: %v %v; want the provider's 401 after 2 attempts", resp, err)
	}
	// An API-key connection's 401 refreshes nothing.
	before := len(b.creds.rejected)
	if resp, _, err := b.do(t, "conn_keyed_1", "/me/c?token=x"); err != nil || resp.StatusCode != 401 || len(b.creds.rejected) != before {
		t.Errorf("API key 401: %v %v, %d refreshes", resp, err, len(b.creds.rejected)-before)
	}
	b.creds.mu.Lock()
	b.creds.refreshErr = apperr.Errorf(apperr.Conflict, "connection conn_oauth_2 needs the user to connect again (status needs_reauth)")
	b.creds.mu.Unlock()
	if _, _, err := b.do(t, "conn_oauth_2", "/me/d?token=at_1"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("refresh token refused: %v, want Conflict", err)
	}
}
