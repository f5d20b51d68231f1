package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// fakeAPI is a provider's API on loopback TLS for the proxy: it records
// every request that reaches it, with its arrival time, and answers as each
// path says.
type fakeAPI struct {
	*httptest.Server

	mu       sync.Mutex
	arrivals map[string][]arrival // by the path's {name}, or the path
	// release lets /v1/stream send its second chunk; streamTimedOut says it
	// had to give up waiting.
	release        chan struct{}
	streamTimedOut bool
}

type arrival struct {
	at     time.Time
	method string
	header http.Header
	body   string
}

func newFakeAPI(t testing.TB) *fakeAPI {
	t.Helper()
	f := &fakeAPI{arrivals: map[string][]arrival{}, release: make(chan struct{})}
	mux := http.NewServeMux()
	// echo answers with what it received.
	mux.HandleFunc("/v1/echo", func(w http.ResponseWriter, r *http.Request) {
		f.record("echo", r)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Upstream", "yes")
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "path": r.URL.EscapedPath(), "query": r.URL.RawQuery,
			"header": r.Header, "body": string(body)})
	})
	// flaky answers ?status= (default 429), with ?retry_after= as
	// Retry-After when given, to its first ?fail= requests, then 200.
	mux.HandleFunc("/v1/flaky/{name}", func(w http.ResponseWriter, r *http.Request) {
		n := f.record(r.PathValue("name"), r)
		q := r.URL.Query()
		if fail, _ := strconv.Atoi(q.Get("fail")); n <= fail {
			if ra := q.Get("retry_after"); ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			status, _ := strconv.Atoi(q.Get("status"))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(cmp.Or(status, http.StatusTooManyRequests))
			io.WriteString(w, `{"error": "slow down"}`)
			return
		}
		fmt.Fprintf(w, `{"ok": true, "attempt": %d}`, n)
	})
	// reset answers ?status= to its first request with X-RateLimit-Reset two
	// seconds ahead (epoch seconds, as GitHub's), then 200.
	mux.HandleFunc("/v1/reset/{name}", func(w http.ResponseWriter, r *http.Request) {
		if n := f.record(r.PathValue("name"), r); n == 1 {
			status, _ := strconv.Atoi(r.URL.Query().Get("status"))
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(f.first(r.PathValue("name")).Unix()+2, 10))
			w.WriteHeader(status)
			return
		}
		io.WriteString(w, `{"ok": true}`)
	})
	// stream sends a chunk, then waits for the test before the second.
	mux.HandleFunc("/v1/stream", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		select {
		case <-f.release:
		case <-time.After(5 * time.Second):
			f.mu.Lock()
			f.streamTimedOut = true
			f.mu.Unlock()
		}
		io.WriteString(w, "second\n")
	})
	mux.HandleFunc("/v1/paced/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r.PathValue("name"), r)
		io.WriteString(w, `{"ok": true}`)
	})
	// static is a 1 KiB JSON body, unrecorded, for the benchmark.
	static := []byte(`{"data": "` + strings.Repeat("x", 1024-12) + `"}`)
	mux.HandleFunc("/v1/static", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(static)
	})
	// hang sends no headers until the client gives up.
	mux.HandleFunc("/v1/hang", func(w http.ResponseWriter, r *http.Request) {
		f.record("hang", r)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	f.Server = httptest.NewTLSServer(mux)
	t.Cleanup(f.Close)
	return f
}

// record notes a request and returns how many have come for key.
func (f *fakeAPI) record(key string, r *http.Request) int {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.arrivals[key] = append(f.arrivals[key], arrival{at: time.Now(), method: r.Method, header: r.Header.Clone(), body: string(body)})
	return len(f.arrivals[key])
}

func (f *fakeAPI) first(key string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.arrivals[key][0].at
}

func (f *fakeAPI) seen(key string) []arrival {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.arrivals[key])
}

// proxyProviders are definitions of API-key providers for the proxy tests;
// API is the fake API's URL.
var proxyProviders = map[string]string{
	"proxykey": `rate_limit:
  retry_headers:
    - {name: X-RateLimit-Reset, format: epoch_seconds}`,
	"proxyslow": `rate_limit:
  budget: {requests: 1, window: 1h}`,
	"proxypaced": `rate_limit:
  budget: {requests: 1, window: 1s}`,
}

const proxyProviderTemplate = `id: ID
display_name: ID
categories: [testing]
docs_url: https://example.com/docs
auth:
  mode: api_key
fields:
  - {name: api_key, label: API key, type: text, required: true, secret: true}
proxy:
  base_url: BASE
  headers: {X-Api-Version: "2024-06-01"}
  credentials: {in: header, name: X-Api-Key, value: "${secret.api_key}"}
`

// writeProxyProviders writes the proxy test providers into dir, and two
// that cannot be reached: one at a closed loopback port, one at a private
// address the SSRF guard refuses.
func writeProxyProviders(t testing.TB, dir, apiURL string) {
	t.Helper()
	defs := map[string]string{}
	for id, extra := range proxyProviders {
		defs[id] = strings.NewReplacer("ID", id, "BASE", apiURL+"/v1").Replace(proxyProviderTemplate) + extra + "\n"
	}
	defs["proxydead"] = strings.NewReplacer("ID", "proxydead", "BASE", "https://127.0.0.1:1/v1").Replace(proxyProviderTemplate)
	defs["proxyprivate"] = strings.NewReplacer("ID", "proxyprivate", "BASE", "https://10.255.255.1/v1").Replace(proxyProviderTemplate)
	for id, def := range defs {
		if err := os.WriteFile(filepath.Join(dir, id+".yaml"), []byte(def), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// writeCAFile writes the certificates of TLS test servers as one PEM file.
func writeCAFile(t testing.TB, servers ...*httptest.Server) string {
	t.Helper()
	var pemBytes []byte
	for _, s := range servers {
		pemBytes = append(pemBytes, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})...)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

type proxyEnv struct {
	*connectEnv
	api *fakeAPI
}

// setupProxy starts a node that knows the fake OAuth provider and the proxy
// test providers, with a short per-attempt timeout for the hang test.
func setupProxy(t *testing.T, d storetest.Dialect, extra ...string) *proxyEnv {
	t.Helper()
	fake := newFakeProvider(t)
	api := newFakeAPI(t)
	dir := fake.providersDir(t)
	writeProxyProviders(t, dir, api.URL)
	e := setup(t, d, append([]string{"--rate-limit", "0", "--providers-dir", dir, "--connect-ca-file", writeCAFile(t, fake.Server, api.Server),
		"--outbound-allow", "127.0.0.0/8", "--proxy-timeout", "1s"}, extra...)...)
	if resp, body := e.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme"}`); resp.StatusCode != 201 {
		t.Fatalf("tenant: %d %s", resp.StatusCode, body)
	}
	return &proxyEnv{connectEnv: &connectEnv{env: e, fake: fake}, api: api}
}

// connectKey connects an end user to an API-key provider through the
// connect page, with fakeAPIKey, and returns the connection's ID.
func connectKey(t testing.TB, e *env, providerID string) string {
	t.Helper()
	admin := func(path, body string) map[string]any {
		req, _ := http.NewRequest("POST", e.node.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 {
			t.Fatalf("POST %s: %d %v %v", path, resp.StatusCode, out, err)
		}
		return out
	}
	in := admin("/v1/integrations", `{"provider_id":"`+providerID+`","name":"`+providerID+`"}`)
	sess := admin("/v1/connect/sessions", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+in["id"].(string)+
		`","return_url":"https://saas.example/done"}`)
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(sess["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a, c := formAction.FindStringSubmatch(string(page)), formCSRF.FindStringSubmatch(string(page))
	if a == nil || c == nil {
		t.Fatalf("connect page has no form:\n%s", page)
	}
	jar := resp.Cookies()
	form := url.Values{"csrf_token": {html.UnescapeString(c[1])}, "api_key": {fakeAPIKey}}
	req, _ := http.NewRequest("POST", e.node.URL+html.UnescapeString(a[1]), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range jar {
		req.AddCookie(ck)
	}
	resp, err = browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 303 || loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect %s: %d %q", providerID, resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("connection_id")
}

// proxy sends a request through a connection's proxy with the env's key.
func (e *proxyEnv) proxy(t *testing.T, method, connectionID, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return e.do(t, method, "/v1/connections/"+connectionID+"/proxy"+path, body, headers...)
}

func attempts(resp *http.Response) string { return resp.Header.Get("X-Patchbay-Attempts") }

// TestProxy: the connections proxy end to end against fake providers on
// loopback TLS.
func TestProxy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupProxy(t, d)
		conn := connectKey(t, e.env, "proxykey")

		t.Run("credentials injected, caller's own headers not forwarded", func(t *testing.T) {
			resp, body := e.proxy(t, "POST", conn, "/echo?q=1&r=a%2Fb", `{"x":1}`, "Cookie", "session=s3cret",
				"X-Forwarded-For", "10.1.2.3", "X-Custom", "kept", "Content-Type", "application/json")
			var echo struct {
				Method, Path, Query, Body string
				Header                    http.Header
			}
			if err := json.Unmarshal(body, &echo); err != nil || resp.StatusCode != 200 {
				t.Fatalf("echo: %d %s", resp.StatusCode, body)
			}
			h := echo.Header
			if h.Get("Authorization") != "" || h.Get("Cookie") != "" || h.Get("X-Forwarded-For") != "" || strings.Contains(string(body), e.key) {
				t.Errorf("the caller's Authorization, Cookie or X-Forwarded-For reached the provider: %v", h)
			}
			if h.Get("X-Api-Key") != fakeAPIKey || h.Get("X-Api-Version") != "2024-06-01" || h.Get("X-Custom") != "kept" ||
				h.Get("Content-Type") != "application/json" {
				t.Errorf("provider got headers %v; want the key, the provider's version header and the caller's own", h)
			}
			if echo.Method != "POST" || echo.Path != "/v1/echo" || echo.Query != "q=1&r=a%2Fb" || echo.Body != `{"x":1}` {
				t.Errorf("provider got %s %s ? %s with %q", echo.Method, echo.Path, echo.Query, echo.Body)
			}
			if resp.Header.Get("X-Upstream") != "yes" || attempts(resp) != "1" || resp.Header.Get("X-Patchbay-Queue-Wait-Ms") != "0" {
				t.Errorf("response headers %v", resp.Header)
			}
		})

		t.Run("fakekey provider's key injected", func(t *testing.T) {
			keyConn := connectKey(t, e.env, "fakekey")
			resp, body := e.proxy(t, "GET", keyConn, "/key-check", "")
			if resp.StatusCode != 200 || string(body) != `{"ok": true}` {
				t.Errorf("key check through the proxy: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("429 with Retry-After retried after the wait it asks", func(t *testing.T) {
			resp, body := e.proxy(t, "GET", conn, "/flaky/ra?fail=2&retry_after=1", "")
			if resp.StatusCode != 200 || attempts(resp) != "3" || !strings.Contains(string(body), `"attempt": 3`) {
				t.Fatalf("%d, attempts %s: %s", resp.StatusCode, attempts(resp), body)
			}
			seen := e.api.seen("ra")
			for i := 1; i < len(seen); i++ {
				if gap := seen[i].at.Sub(seen[i-1].at); gap < 950*time.Millisecond {
					t.Errorf("attempt %d came %s after the one told Retry-After: 1", i+1, gap)
				}
			}
		})

		for _, status := range []int{429, 503} {
			t.Run(fmt.Sprintf("%d with the provider's reset header", status), func(t *testing.T) {
				name := "reset" + strconv.Itoa(status)
				resp, body := e.proxy(t, "GET", conn, fmt.Sprintf("/reset/%s?status=%d", name, status), "")
				if resp.StatusCode != 200 || attempts(resp) != "2" {
					t.Fatalf("%d, attempts %s: %s", resp.StatusCode, attempts(resp), body)
				}
				seen := e.api.seen(name)
				if reset := time.Unix(seen[0].at.Unix()+2, 0); len(seen) != 2 || seen[1].at.Before(reset) {
					t.Errorf("retried at %s, before X-RateLimit-Reset %s", seen[1].at, reset)
				}
			})
		}

		t.Run("POST retried only with an Idempotency-Key", func(t *testing.T) {
			resp, body := e.proxy(t, "POST", conn, "/flaky/post?fail=1&retry_after=0", `{"n":1}`)
			if resp.StatusCode != 429 || attempts(resp) != "1" || string(body) != `{"error": "slow down"}` || len(e.api.seen("post")) != 1 {
				t.Errorf("POST without a key: %d, attempts %s, %d arrivals: %s", resp.StatusCode, attempts(resp), len(e.api.seen("post")), body)
			}
			resp, body = e.proxy(t, "POST", conn, "/flaky/postkey?fail=1&retry_after=0", `{"n":1}`, "Idempotency-Key", "key-1")
			seen := e.api.seen("postkey")
			if resp.StatusCode != 200 || attempts(resp) != "2" || len(seen) != 2 {
				t.Fatalf("POST with a key: %d, attempts %s, %d arrivals: %s", resp.StatusCode, attempts(resp), len(seen), body)
			}
			for _, a := range seen {
				if a.method != "POST" || a.header.Get("Idempotency-Key") != "key-1" || a.body != `{"n":1}` {
					t.Errorf("attempt %s with Idempotency-Key %q and body %q", a.method, a.header.Get("Idempotency-Key"), a.body)
				}
			}
		})

		t.Run("bounded attempts, then the provider's answer", func(t *testing.T) {
			resp, body := e.proxy(t, "GET", conn, "/flaky/always?fail=100&status=503", "")
			if resp.StatusCode != 503 || attempts(resp) != "4" || len(e.api.seen("always")) != 4 || string(body) != `{"error": "slow down"}` {
				t.Errorf("%d, attempts %s, %d arrivals: %s", resp.StatusCode, attempts(resp), len(e.api.seen("always")), body)
			}
		})

		t.Run("a wait longer than allowed returns at once", func(t *testing.T) {
			resp, _ := e.proxy(t, "GET", conn, "/flaky/long?fail=1&retry_after=3600", "")
			if resp.StatusCode != 429 || attempts(resp) != "1" || resp.Header.Get("Retry-After") != "3600" {
				t.Errorf("%d, attempts %s, Retry-After %q", resp.StatusCode, attempts(resp), resp.Header.Get("Retry-After"))
			}
		})

		t.Run("streams", func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", e.node.URL+"/v1/connections/"+conn+"/proxy/stream", nil)
			req.Header.Set("Authorization", "Bearer "+e.key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			first, err := r.ReadString('\n')
			if err != nil || first != "first\n" {
				t.Fatalf("first chunk %q, %v", first, err)
			}
			close(e.api.release) // only now may the provider finish
			rest, _ := io.ReadAll(r)
			e.api.mu.Lock()
			timedOut := e.api.streamTimedOut
			e.api.mu.Unlock()
			if string(rest) != "second\n" || timedOut {
				t.Errorf("rest %q; the provider had to finish before the first chunk was read: %v", rest, timedOut)
			}
		})

		// How a burst is spread within a budget is TestEnginePacing's, in
		// internal/proxy, on a fake clock; here the budget is one an hour,
		// which no scheduling delay can blur.
		t.Run("queue wait exceeded", func(t *testing.T) {
			slow := connectKey(t, e.env, "proxyslow")
			if resp, body := e.proxy(t, "GET", slow, "/paced/slow", ""); resp.StatusCode != 200 {
				t.Fatalf("first request: %d %s", resp.StatusCode, body)
			}
			resp, body := e.proxy(t, "GET", slow, "/paced/slow", "")
			p := problem(t, resp, body)
			ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			if resp.StatusCode != 429 || ra < 3000 || !strings.Contains(p.Detail, "rate budget") || len(e.api.seen("slow")) != 1 {
				t.Errorf("second request in an hour's budget of 1: %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
		})

		t.Run("unreachable provider", func(t *testing.T) {
			dead := connectKey(t, e.env, "proxydead")
			resp, body := e.proxy(t, "GET", dead, "/x", "")
			if p := problem(t, resp, body); resp.StatusCode != 502 || !strings.Contains(p.Detail, "4 attempts") {
				t.Errorf("closed port: %d %s", resp.StatusCode, body)
			}
			private := connectKey(t, e.env, "proxyprivate")
			resp, body = e.proxy(t, "GET", private, "/x", "")
			if p := problem(t, resp, body); resp.StatusCode != 502 || !strings.Contains(p.Detail, "--outbound-allow") {
				t.Errorf("private address: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("no response headers in time", func(t *testing.T) {
			resp, body := e.proxy(t, "POST", conn, "/hang", "")
			if p := problem(t, resp, body); resp.StatusCode != 504 || !strings.Contains(p.Detail, "1 attempt") {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})

		t.Run("Patchbay's own problems", func(t *testing.T) {
			resp, body := e.proxy(t, "GET", id.New("conn"), "/echo", "")
			if p := problem(t, resp, body); resp.StatusCode != 404 || !strings.Contains(p.Detail, "not found") {
				t.Errorf("unknown connection: %d %s", resp.StatusCode, body)
			}
			resp, body = e.proxy(t, "GET", "nope", "/echo", "")
			if problem(t, resp, body); resp.StatusCode != 400 {
				t.Errorf("malformed connection ID: %d %s", resp.StatusCode, body)
			}
			resp, body = e.proxy(t, "POST", conn, "/echo", strings.Repeat("x", 1<<20+1))
			if problem(t, resp, body); resp.StatusCode != 413 {
				t.Errorf("body over the limit: %d %s", resp.StatusCode, body)
			}
			if len(e.api.seen("echo")) != 1 {
				t.Errorf("%d requests reached the provider's echo, want only the first subtest's", len(e.api.seen("echo")))
			}
		})

		t.Run("OAuth: 401 refreshes once, not again within a minute; needs_reauth is 409", func(t *testing.T) {
			in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakeoauth","name":"Prod","client_id":"`+fakeClientID+
				`","client_secret":"`+fakeClientSecret+`","scopes":["read","write"]}`)
			oauthConn := e.connectOAuth(t, in["id"].(string), "user-1")
			// The first token is due, so the first call refreshes anyway.
			if resp, body := e.proxy(t, "GET", oauthConn, "/me", ""); resp.StatusCode != 200 || string(body) != `{"ok": true, "id": "u1"}` {
				t.Fatalf("first call: %d %s", resp.StatusCode, body)
			}
			// The provider forgets every access token: concurrent calls
			// get a 401 each, and share one refresh.
			e.fake.mu.Lock()
			clear(e.fake.access)
			before := e.fake.refreshes
			e.fake.mu.Unlock()
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					if resp, body := e.proxy(t, "GET", oauthConn, "/me", ""); resp.StatusCode != 200 {
						t.Errorf("after the provider dropped the token: %d %s", resp.StatusCode, body)
					}
				})
			}
			wg.Wait()
			e.fake.mu.Lock()
			refreshes := e.fake.refreshes - before
			e.fake.mu.Unlock()
			if refreshes != 1 {
				t.Errorf("%d refreshes for 5 concurrent 401s, want 1", refreshes)
			}

			// A token refused again within a minute of that refresh was
			// refused for something else: the 401 is passed back, and the
			// provider's refresh quota is not spent on it.
			e.fake.mu.Lock()
			clear(e.fake.access)
			e.fake.mu.Unlock()
			if resp, body := e.proxy(t, "GET", oauthConn, "/me", ""); resp.StatusCode != 401 {
				t.Errorf("a second 401 within a minute: %d %s, want the provider's 401", resp.StatusCode, body)
			}
			e.fake.mu.Lock()
			refreshes = e.fake.refreshes - before
			e.fake.mu.Unlock()
			if refreshes != 1 {
				t.Errorf("%d refreshes after a second 401 within a minute, want still 1", refreshes)
			}

			// Another connection, whose refresh token the provider refuses
			// too: 409.
			other := e.connectOAuth(t, in["id"].(string), "user-2")
			if resp, body := e.proxy(t, "GET", other, "/me", ""); resp.StatusCode != 200 {
				t.Fatalf("first call of the other connection: %d %s", resp.StatusCode, body)
			}
			e.fake.mu.Lock()
			clear(e.fake.access)
			e.fake.failRefresh = true
			e.fake.mu.Unlock()
			resp, body := e.proxy(t, "GET", other, "/me", "")
			if p := problem(t, resp, body); resp.StatusCode != 409 || !strings.Contains(p.Detail, "needs_reauth") {
				t.Errorf("after invalid_grant: %d %s", resp.StatusCode, body)
			}
			resp, body = e.proxy(t, "GET", other, "/me", "")
			if problem(t, resp, body); resp.StatusCode != 409 {
				t.Errorf("a needs_reauth connection: %d %s", resp.StatusCode, body)
			}
		})
	})
}
