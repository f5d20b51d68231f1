package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// fakeProvider is a third-party API on loopback, over TLS (provider URLs must
// be https): an OAuth 2 authorization server whose first tokens expire within
// the refresh margin and whose refresh tokens rotate (the old one dies at
// once), an RFC 7009 revocation endpoint, a /me endpoint for verification,
// and an API-key check.
type fakeProvider struct {
	*httptest.Server
	caFile string

	mu           sync.Mutex
	codes        map[string]string // code → PKCE challenge
	access       map[string]bool   // live access tokens
	refresh      string            // the one live refresh token
	refreshes    int
	attempts     int  // refresh requests, refused or not
	clientGrants int  // tokens issued for the client itself
	failRefresh  bool // answer every refresh with invalid_grant
	revoked      []string
	issued       []string // every token handed out, for the plaintext scan
	states       []string // every state Patchbay sent, for the log check
}

const (
	fakeClientID     = "client-1"
	fakeClientSecret = "fake-client-secret-9f8e7d6c"
	fakeAPIKey       = "key_live_4b3c2d1e0f"
)

func newFakeProvider(t *testing.T) *fakeProvider {
	t.Helper()
	f := &fakeProvider{codes: map[string]string{}, access: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != fakeClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			q.Get("scope") != "read write" || q.Get("state") == "" || q.Get("prompt") != "consent" {
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := f.token("code")
		f.mu.Lock()
		f.codes[code] = q.Get("code_challenge")
		f.states = append(f.states, q.Get("state"))
		f.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if id, secret, ok := r.BasicAuth(); !ok || id != fakeClientID || secret != fakeClientSecret {
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		expiresIn := 3600
		switch r.PostFormValue("grant_type") {
		case "authorization_code":
			challenge, ok := f.codes[r.PostFormValue("code")]
			delete(f.codes, r.PostFormValue("code"))
			sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
			if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge || !strings.HasSuffix(r.PostFormValue("redirect_uri"), "/connect/callback") {
				oauthError(w, http.StatusBadRequest, "invalid_grant")
				return
			}
			expiresIn = 30 // within the one-minute margin: the first use refreshes
		case "refresh_token":
			// A slow refresh widens the window for a second one to race it.
			f.mu.Unlock()
			time.Sleep(150 * time.Millisecond)
			f.mu.Lock()
			f.attempts++
			if f.failRefresh || r.PostFormValue("refresh_token") != f.refresh {
				oauthError(w, http.StatusBadRequest, "invalid_grant")
				return
			}
			f.refreshes++
		case "client_credentials":
			if r.PostFormValue("scope") != "read write" {
				oauthError(w, http.StatusBadRequest, "invalid_scope")
				return
			}
			f.clientGrants++
			access := f.tokenLocked("cc")
			f.access[access] = true
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 30})
			return
		default:
			oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
			return
		}
		access, refresh := f.tokenLocked("at"), f.tokenLocked("rt")
		f.access[access] = true
		f.refresh = refresh // rotation: the old refresh token is dead now
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
			"expires_in": expiresIn, "scope": "read write"})
	})
	mux.HandleFunc("POST /revoke", func(w http.ResponseWriter, r *http.Request) {
		if _, secret, ok := r.BasicAuth(); !ok || secret != fakeClientSecret {
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
		f.mu.Lock()
		f.revoked = append(f.revoked, r.PostFormValue("token"))
		f.mu.Unlock()
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		ok := f.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"ok": true, "id": "u1"}`)
	})
	mux.HandleFunc("GET /api/key-check", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != fakeAPIKey {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		io.WriteString(w, `{"ok": true}`)
	})
	f.Server = httptest.NewTLSServer(mux)
	t.Cleanup(f.Close)
	f.caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw})
	if err := os.WriteFile(f.caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error": %q}`, code)
}

func (f *fakeProvider) token(prefix string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenLocked(prefix)
}

func (f *fakeProvider) tokenLocked(prefix string) string {
	t := fmt.Sprintf("%s_%d_%d", prefix, len(f.issued), time.Now().UnixNano())
	f.issued = append(f.issued, t)
	return t
}

// providersDir writes definitions of the fake provider: one OAuth, one API key.
func (f *fakeProvider) providersDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	oauthDef := `id: fakeoauth
display_name: Fake OAuth
categories: [testing]
docs_url: https://example.com/docs
auth:
  mode: oauth2
  authorization_url: URL/authorize
  token_url: URL/token
  revocation_url: URL/revoke
  authorization_params: {prompt: consent}
  scopes: [profile]
  pkce: true
  client_auth: client_secret_basic
  refresh: {margin: 1m, rotating: true}
verification:
  path: /me
  expect_body: {/ok: true}
proxy:
  base_url: URL/api
`
	keyDef := `id: fakekey
display_name: Fake Key
categories: [testing]
docs_url: https://example.com/docs
auth:
  mode: api_key
fields:
  - {name: api_key, label: API key, type: text, required: true, secret: true, pattern: "key_[a-z0-9_]+"}
verification:
  path: /key-check
proxy:
  base_url: URL/api
  credentials: {in: header, name: X-Api-Key, value: "${secret.api_key}"}
`
	clientDef := `id: fakecc
display_name: Fake Client Credentials
categories: [testing]
docs_url: https://example.com/docs
auth:
  mode: oauth2_client_credentials
  token_url: URL/token
  scopes: [read, write]
  client_auth: client_secret_basic
  refresh: {margin: 1m}
verification:
  path: /me
proxy:
  base_url: URL/api
`
	for name, def := range map[string]string{"fakeoauth.yaml": oauthDef, "fakekey.yaml": keyDef, "fakecc.yaml": clientDef} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(def, "URL", f.URL)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// browser is an end user's browser: it keeps cookies, trusts the fake
// provider, and stops at the SaaS's return URL.
func (f *fakeProvider) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: f.Client().Transport, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == "saas.example" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	formCSRF   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

type connectEnv struct {
	*env
	fake *fakeProvider
	ops  *receiver
}

func setupConnect(t *testing.T, d storetest.Dialect, extra ...string) *connectEnv {
	t.Helper()
	fake := newFakeProvider(t)
	ops := newReceiver(t, nil)
	e := setup(t, d, append([]string{"--rate-limit", "0", "--providers-dir", fake.providersDir(t), "--connect-ca-file", fake.caFile,
		"--outbound-allow", "127.0.0.0/8", "--operational-webhook-url", ops.URL}, extra...)...)
	if resp, body := e.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme"}`); resp.StatusCode != 201 {
		t.Fatalf("tenant: %d %s", resp.StatusCode, body)
	}
	return &connectEnv{env: e, fake: fake, ops: ops}
}

func (e *connectEnv) createJSON(t *testing.T, path, body string) map[string]any {
	t.Helper()
	resp, b := e.do(t, "POST", path, body)
	if resp.StatusCode != 201 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// openPage opens a session's URL in the browser and returns the form's
// action and CSRF token.
func openPage(t *testing.T, browser *http.Client, u string) (action, csrf, page string) {
	t.Helper()
	resp, err := browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The form posts to Patchbay, which sends the browser on to the SaaS's
	// return_url or, for OAuth, the provider.
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(csp, "frame-ancestors 'none'") ||
		!strings.Contains(csp, "; form-action 'self' https://saas.example") {
		t.Fatalf("connect page: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), b)
	}
	a, c := formAction.FindStringSubmatch(string(b)), formCSRF.FindStringSubmatch(string(b))
	if a == nil || c == nil {
		t.Fatalf("connect page has no form:\n%s", b)
	}
	return html.UnescapeString(a[1]), html.UnescapeString(c[1]), string(b)
}

// submit posts the connect form and returns the final response (a redirect
// to the SaaS, or a page).
func submit(t *testing.T, browser *http.Client, base, action string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := browser.PostForm(base+action, form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// connectOAuth runs the whole OAuth connect flow and returns the new
// connection's ID.
func (e *connectEnv) connectOAuth(t *testing.T, integrationID, user string) string {
	t.Helper()
	sess := e.createJSON(t, "/v1/connect/sessions", `{"tenant_id":"acme","end_user_id":"`+user+`","integration_id":"`+integrationID+
		`","return_url":"https://saas.example/done?x=1"}`)
	u := sess["url"].(string)
	if !strings.HasPrefix(u, e.node.URL+"/connect/pbcs_") {
		t.Fatalf("session url %q", u)
	}
	browser := e.fake.browser(t)
	action, csrf, page := openPage(t, browser, u)
	if !strings.Contains(page, "Fake OAuth") || !strings.Contains(page, "<li>read</li>") {
		t.Errorf("page does not show the provider and scopes:\n%s", page)
	}
	// Single use: another browser cannot open it again.
	if resp, err := e.fake.browser(t).Get(u); err != nil || resp.StatusCode != 400 {
		t.Errorf("second open of a session URL: %v %v, want 400", resp.StatusCode, err)
	}
	resp, body := submit(t, browser, e.node.URL, action, url.Values{"csrf_token": {csrf}, "decision": {"connect"}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 303 || loc == nil || loc.Host != "saas.example" || loc.Query().Get("status") != "connected" ||
		loc.Query().Get("x") != "1" || loc.Query().Get("session_id") != sess["id"] {
		t.Fatalf("end of the OAuth flow: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return loc.Query().Get("connection_id")
}

func (e *connectEnv) credentials(t *testing.T, connectionID string) (int, map[string]any) {
	t.Helper()
	resp, b := e.do(t, "GET", "/v1/connections/"+connectionID+"/credentials", "")
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func (e *connectEnv) opEventTypes() []string {
	var types []string
	for _, r := range e.ops.requests() {
		var ev struct{ Type string }
		json.Unmarshal(r.Body, &ev)
		types = append(types, ev.Type)
	}
	return types
}

// TestConnectOAuth: the full OAuth connect flow against a fake provider,
// concurrent credential calls refreshing once, revocation on delete,
// invalid_grant to needs_reauth, and no plaintext secret in the database.
func TestConnectOAuth(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakeoauth","name":"Prod","client_id":"`+fakeClientID+
			`","client_secret":"`+fakeClientSecret+`","scopes":["read","write"]}`)
		if strings.Contains(fmt.Sprint(in), fakeClientSecret) || in["callback_url"] != e.node.URL+"/connect/callback" {
			t.Fatalf("integration: %v", in)
		}
		if resp, body := e.do(t, "POST", "/v1/integrations", `{"provider_id":"nope","name":"x"}`); resp.StatusCode != 400 ||
			!strings.Contains(string(body), "provider_id") {
			t.Errorf("integration for an unknown provider: %d %s", resp.StatusCode, body)
		}
		integrationID := in["id"].(string)

		connID := e.connectOAuth(t, integrationID, "user-1")
		resp, body := e.do(t, "GET", "/v1/connections/"+connID, "")
		var conn struct {
			Status   string   `json:"status"`
			Scopes   []string `json:"scopes"`
			Provider struct {
				DisplayName string `json:"display_name"`
			} `json:"provider"`
		}
		json.Unmarshal(body, &conn)
		if resp.StatusCode != 200 || conn.Status != "active" || strings.Join(conn.Scopes, " ") != "read write" ||
			conn.Provider.DisplayName != "Fake OAuth" || strings.Contains(string(body), "at_") {
			t.Fatalf("connection: %d %s", resp.StatusCode, body)
		}
		if _, body := e.do(t, "GET", "/v1/connections?tenant_id=acme&end_user_id=user-1", ""); !strings.Contains(string(body), connID) {
			t.Errorf("list by end user: %s", body)
		}
		if _, body := e.do(t, "GET", "/v1/connections?tenant_id=acme&end_user_id=someone-else", ""); strings.Contains(string(body), connID) {
			t.Errorf("list by another end user: %s", body)
		}

		// The first token expires within the margin: 20 concurrent calls,
		// one refresh, one token for all.
		var wg sync.WaitGroup
		tokens := make([]string, 20)
		for i := range tokens {
			wg.Go(func() {
				status, creds := e.credentials(t, connID)
				if status != 200 {
					t.Errorf("credentials: %d %v", status, creds)
					return
				}
				tokens[i], _ = creds["access_token"].(string)
			})
		}
		wg.Wait()
		e.fake.mu.Lock()
		refreshes, liveRefresh := e.fake.refreshes, e.fake.refresh
		e.fake.mu.Unlock()
		if refreshes != 1 {
			t.Errorf("%d refreshes for 20 concurrent credential calls, want 1", refreshes)
		}
		for _, tok := range tokens {
			if tok != tokens[0] || !strings.HasPrefix(tok, "at_") {
				t.Fatalf("credential calls returned different tokens: %v", tokens)
			}
		}
		// Fresh now: no further refresh.
		if status, _ := e.credentials(t, connID); status != 200 || e.fake.refreshes != 1 {
			t.Errorf("a fresh token was refreshed again: %d, %d refreshes", status, e.fake.refreshes)
		}

		scanForPlaintext(t, e.opts, append([]string{fakeClientSecret}, e.fake.issued...))
		e.fake.mu.Lock()
		used := slices.Concat([]string{fakeClientSecret}, e.fake.issued, e.fake.states)
		e.fake.mu.Unlock()
		checkLogsHoldNo(t, e.node, used, "pbcs_")

		// Delete revokes the rotated refresh token at the provider.
		if resp, body := e.do(t, "DELETE", "/v1/connections/"+connID, ""); resp.StatusCode != 204 {
			t.Fatalf("delete: %d %s", resp.StatusCode, body)
		}
		e.fake.mu.Lock()
		revoked := append([]string(nil), e.fake.revoked...)
		e.fake.mu.Unlock()
		if len(revoked) != 1 || revoked[0] != liveRefresh {
			t.Errorf("revoked %v, want the live refresh token %s", revoked, liveRefresh)
		}
		if resp, _ := e.do(t, "GET", "/v1/connections/"+connID, ""); resp.StatusCode != 404 {
			t.Errorf("deleted connection: %d", resp.StatusCode)
		}

		// invalid_grant: the connection needs the user again, and the SaaS hears.
		conn2 := e.connectOAuth(t, integrationID, "user-2")
		e.fake.mu.Lock()
		e.fake.failRefresh = true
		e.fake.mu.Unlock()
		if status, out := e.credentials(t, conn2); status != 409 {
			t.Errorf("credentials after invalid_grant: %d %v, want 409", status, out)
		}
		if _, body := e.do(t, "GET", "/v1/connections/"+conn2, ""); !strings.Contains(string(body), `"status":"needs_reauth"`) {
			t.Errorf("connection after invalid_grant: %s", body)
		}
		if resp, _ := e.do(t, "DELETE", "/v1/integrations/"+integrationID, ""); resp.StatusCode != 409 {
			t.Errorf("delete an integration in use: %d, want 409", resp.StatusCode)
		}
		waitFor(t, 15*time.Second, "operational events", func() bool {
			got := strings.Join(e.opEventTypes(), ",")
			return strings.Count(got, "connection.created") == 2 && strings.Contains(got, "connection.needs_reauth") &&
				strings.Contains(got, "connection.deleted")
		})
	})
}

// TestConnectAPIKey: an API-key provider's form, checked by the verification
// request, and the key returned by the credentials call only.
func TestConnectAPIKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)
		sess := e.createJSON(t, "/v1/connect/sessions", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+in["id"].(string)+
			`","return_url":"https://saas.example/done"}`)
		browser := e.fake.browser(t)
		action, csrf, page := openPage(t, browser, sess["url"].(string))
		if !strings.Contains(page, `name="api_key" type="password"`) {
			t.Fatalf("form lacks the api_key field:\n%s", page)
		}
		// A malformed key is refused by the field's pattern, a wrong one by
		// the provider; neither is echoed back.
		for _, bad := range []string{"not a key", "key_wrong"} {
			resp, body := submit(t, browser, e.node.URL, action, url.Values{"csrf_token": {csrf}, "api_key": {bad}})
			if resp.StatusCode != 400 || strings.Contains(body, bad) || !strings.Contains(body, "problem") {
				t.Errorf("key %q: %d\n%s", bad, resp.StatusCode, body)
			}
		}
		// Without the CSRF token (a cross-site post): refused.
		if resp, _ := submit(t, browser, e.node.URL, action, url.Values{"api_key": {fakeAPIKey}}); resp.StatusCode != 400 {
			t.Errorf("post without CSRF token: %d", resp.StatusCode)
		}
		resp, body := submit(t, browser, e.node.URL, action, url.Values{"csrf_token": {csrf}, "api_key": {fakeAPIKey}})
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || loc == nil || loc.Query().Get("status") != "connected" {
			t.Fatalf("api key connect: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		connID := loc.Query().Get("connection_id")
		if _, body := e.do(t, "GET", "/v1/connections/"+connID, ""); strings.Contains(string(body), fakeAPIKey) {
			t.Errorf("connection shows its key: %s", body)
		}
		status, creds := e.credentials(t, connID)
		if secrets, _ := creds["secrets"].(map[string]any); status != 200 || secrets["api_key"] != fakeAPIKey {
			t.Errorf("credentials: %d %v", status, creds)
		}
		scanForPlaintext(t, e.opts, []string{fakeAPIKey})
		checkLogsHoldNo(t, e.node, []string{fakeAPIKey, csrf}, "pbcs_")
	})
}
