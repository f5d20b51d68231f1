package main

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// metadataHost is a loopback https server serving client ID metadata
// documents, counting fetches per path.
type metadataHost struct {
	srv    *httptest.Server
	caFile string
	hits   map[string]*atomic.Int64
	// mutable is what /mutable.json answers: "valid", "moved" (another
	// redirect URI), "down" (503) or "gone" (404); it is never cached.
	mutable atomic.Value
}

func newMetadataHost(t *testing.T) *metadataHost {
	h := &metadataHost{hits: map[string]*atomic.Int64{}}
	docs := map[string]func(w http.ResponseWriter, self string){
		"/agent.json": func(w http.ResponseWriter, self string) {
			w.Header().Set("Cache-Control", "max-age=300")
			json.NewEncoder(w).Encode(map[string]any{"client_id": self, "client_name": "Agent", "redirect_uris": []string{registeredCallback},
				"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code", "refresh_token"},
				"policy_uri": "https://agent.example/privacy", "tos_uri": "https://agent.example/terms"})
		},
		"/script-policy.json": func(w http.ResponseWriter, self string) {
			json.NewEncoder(w).Encode(map[string]any{"client_id": self, "redirect_uris": []string{registeredCallback}, "policy_uri": "javascript:alert(1)"})
		},
		"/uncached.json": func(w http.ResponseWriter, self string) {
			w.Header().Set("Cache-Control", "no-store")
			json.NewEncoder(w).Encode(map[string]any{"client_id": self, "client_name": "Uncached", "redirect_uris": []string{registeredCallback}})
		},
		"/other-id.json": func(w http.ResponseWriter, self string) {
			json.NewEncoder(w).Encode(map[string]any{"client_id": self + "x", "redirect_uris": []string{registeredCallback}})
		},
		"/secret.json": func(w http.ResponseWriter, self string) {
			json.NewEncoder(w).Encode(map[string]any{"client_id": self, "redirect_uris": []string{registeredCallback}, "token_endpoint_auth_method": "client_secret_basic"})
		},
		"/http-redirect.json": func(w http.ResponseWriter, self string) {
			json.NewEncoder(w).Encode(map[string]any{"client_id": self, "redirect_uris": []string{"http://agent.example/cb"}})
		},
		"/huge.json": func(w http.ResponseWriter, self string) {
			w.Write([]byte(`{"client_id":"` + self + `","client_name":"`))
			chunk := []byte(strings.Repeat("a", 1<<20))
			for range 10 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.Write([]byte(`"}`))
		},
		"/slow.json": func(w http.ResponseWriter, self string) {
			time.Sleep(3 * time.Second)
			json.NewEncoder(w).Encode(map[string]any{"client_id": self, "redirect_uris": []string{registeredCallback}})
		},
		"/mutable.json": func(w http.ResponseWriter, self string) {
			w.Header().Set("Cache-Control", "max-age=0")
			switch h.mutable.Load() {
			case "moved":
				json.NewEncoder(w).Encode(map[string]any{"client_id": self, "client_name": "Mutable", "redirect_uris": []string{"http://127.0.0.1/moved"}})
			case "down":
				w.WriteHeader(http.StatusServiceUnavailable)
			case "gone":
				w.WriteHeader(http.StatusNotFound)
			default:
				json.NewEncoder(w).Encode(map[string]any{"client_id": self, "client_name": "Mutable", "redirect_uris": []string{registeredCallback}})
			}
		},
		"/redirect.json": func(w http.ResponseWriter, self string) {
			w.Header().Set("Location", "/agent.json")
			w.WriteHeader(http.StatusFound)
		},
	}
	for path := range docs {
		h.hits[path] = &atomic.Int64{}
	}
	h.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h.hits[r.URL.Path].Add(1)
		w.Header().Set("Content-Type", "application/json")
		doc(w, h.srv.URL+r.URL.Path)
	}))
	t.Cleanup(h.srv.Close)
	h.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(h.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestOAuthClientMetadataDocument(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		h := newMetadataHost(t)
		o := setupOAuth(t, d, "--oauth-client-metadata-outbound-allow", "127.0.0.0/8", "--oauth-client-metadata-ca-file", h.caFile,
			"--oauth-client-metadata-timeout", "1s", "--oauth-registration-scopes", "read:projects")
		ctx := t.Context()
		_, body := o.do(t, "GET", "/.well-known/oauth-authorization-server", "")
		var md struct {
			Supported bool `json:"client_id_metadata_document_supported"`
		}
		if json.Unmarshal(body, &md); !md.Supported {
			t.Errorf("metadata does not advertise client ID metadata documents: %s", body)
		}

		// An MCP client whose client_id is its document's URL completes the
		// flow; the consent screen names the document's host.
		clientID := h.srv.URL + "/agent.json"
		conf := o.config(testApp{ClientID: clientID}, "read:projects")
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		b := newBrowser(t)
		verifier := oauth2.GenerateVerifier()
		s := b.visit(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		if s.Status != 200 || !strings.Contains(s.Page, "Not reviewed") || !strings.Contains(s.Page, "identified by a document at <strong>127.0.0.1</strong>") ||
			strings.Contains(s.Page, "registered itself") || !strings.Contains(s.Page, "Allow Agent?") ||
			!strings.Contains(s.Page, `<a href="https://agent.example/privacy" rel="noopener noreferrer">Privacy policy</a>`) ||
			!strings.Contains(s.Page, `<a href="https://agent.example/terms" rel="noopener noreferrer">Terms of service</a>`) {
			t.Fatalf("consent screen: %d\n%s", s.Status, s.Page)
		}
		f := consentForm(t, s.Page)
		f.Set("decision", "approve")
		s = b.post(o.node.URL+"/oauth/consent", f)
		if s.Callback == nil {
			t.Fatalf("no callback: %d %s", s.Status, s.Page)
		}
		tok, err := conf.Exchange(ctx, s.Callback.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if info := o.introspect(t, tok.AccessToken); info["client_id"] != clientID || info["scope"] != "read:projects" {
			t.Errorf("introspection %v", info)
		}
		if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
			t.Errorf("refresh: %v", err)
		}
		// Within its max-age the document is not fetched again.
		o.codeFor(t, b, conf)
		if n := h.hits["/agent.json"].Load(); n != 1 {
			t.Errorf("the document was fetched %d times, want 1 (max-age=300)", n)
		}
		// The app list and the authorized apps show it as self-registered.
		_, body = o.do(t, "GET", "/v1/oauth/authorizations?user_id=user_1&team_id=team_1", "")
		if !strings.Contains(string(body), `"registration":"metadata_document"`) || !strings.Contains(string(body), `"host":"127.0.0.1"`) {
			t.Errorf("authorizations: %s", body)
		}
		// A scope the policy does not allow is refused.
		wide := o.config(testApp{ClientID: clientID}, "write:projects")
		if cb := b.visit(wide.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))).Callback; cb == nil || cb.Query().Get("error") != "invalid_scope" {
			t.Errorf("scope outside the policy: %v", cb)
		}

		// no-store: fetched for every authorization request.
		uncached := o.config(testApp{ClientID: h.srv.URL + "/uncached.json"}, "read:projects")
		for range 2 {
			if s := b.visit(uncached.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))); s.Status != 200 {
				t.Fatalf("uncached document: %d %s", s.Status, s.Page)
			}
		}
		if n := h.hits["/uncached.json"].Load(); n != 2 {
			t.Errorf("a no-store document was fetched %d times for 2 requests", n)
		}

		for path, want := range map[string]string{
			"/other-id.json":      "its client_id is not the URL",
			"/secret.json":        "token_endpoint_auth_method must be none",
			"/http-redirect.json": "redirect_uris",
			"/huge.json":          "larger than",
			"/script-policy.json": "policy_uri must be an https URL",
			"/redirect.json":      "answered 302",
			"/missing.json":       "answered 404",
		} {
			c := o.config(testApp{ClientID: h.srv.URL + path}, "read:projects")
			start := time.Now()
			s := b.visit(c.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
			if s.Status != 400 || s.Callback != nil || !strings.Contains(s.Page, "invalid_client") || !strings.Contains(s.Page, want) {
				t.Errorf("%s: %d %v, want a page naming %q:\n%s", path, s.Status, s.Callback, want, s.Page)
			}
			if took := time.Since(start); took > 2500*time.Millisecond {
				t.Errorf("%s took %s; the fetch timeout is 1s", path, took)
			}
		}
		// A fetch that failed in a way a retry may mend is a 503 page with
		// Retry-After, as at the token endpoint, saying what happened
		// without the address or the library's words.
		refused := httptest.NewServer(http.NotFoundHandler())
		refusedURL := refused.URL
		refused.Close()
		for clientID, want := range map[string]string{
			h.srv.URL + "/slow.json": "could not be fetched in time from 127.0.0.1",
			strings.Replace(refusedURL, "http:", "https:", 1) + "/c.json": "127.0.0.1 refused the connection",
			// The test certificate names 127.0.0.1, not localhost.
			strings.Replace(h.srv.URL, "127.0.0.1", "localhost", 1) + "/agent.json": "the TLS certificate of localhost is not trusted",
			"https://nonexistent.invalid/c.json":                                    "its host nonexistent.invalid was not found",
		} {
			c := o.config(testApp{ClientID: clientID}, "read:projects")
			s := b.visit(c.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
			if s.Status != 503 || s.Header.Get("Retry-After") == "" || s.Callback != nil || !strings.Contains(s.Page, "temporarily_unavailable") ||
				!strings.Contains(s.Page, want) || strings.Contains(s.Page, "dial") {
				t.Errorf("%s: %d (Retry-After %q) %v, want a 503 page naming %q:\n%s", clientID, s.Status, s.Header.Get("Retry-After"), s.Callback, want, s.Page)
			}
		}
		// A redirect URI that is not in the document is refused.
		bad := o.config(testApp{ClientID: clientID}, "read:projects")
		bad.RedirectURL = "https://evil.example/cb"
		if s := b.visit(bad.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))); s.Status != 400 || s.Callback != nil {
			t.Errorf("redirect URI not in the document: %d %v", s.Status, s.Callback)
		}
	})
}

func TestOAuthClientMetadataPolicy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		h := newMetadataHost(t)
		visit := func(o *oauthEnv, clientID string) stop {
			c := o.config(testApp{ClientID: clientID}, "read:projects")
			return newBrowser(t).visit(c.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		}
		clientID := h.srv.URL + "/agent.json"
		// Without --oauth-client-metadata-outbound-allow the guard refuses
		// loopback, before any request reaches the host; the networks opened
		// to webhook receivers (--outbound-allow) are not opened to clients.
		guarded := setupOAuth(t, d, "--oauth-client-metadata-ca-file", h.caFile, "--oauth-registration-scopes", "read:projects",
			"--oauth-client-metadata-deny-hosts", "*.evil.example", "--outbound-allow", "127.0.0.0/8")
		if s := visit(guarded, clientID); s.Status != 400 || !strings.Contains(s.Page, "loopback") {
			t.Errorf("loopback document: %d\n%s", s.Status, s.Page)
		}
		if n := h.hits["/agent.json"].Load(); n != 0 {
			t.Errorf("the guard let %d requests through", n)
		}
		for clientID, want := range map[string]string{
			"https://a.evil.example/c.json":     "does not accept clients from a.evil.example",
			"https://agent.example":             "must have a path",
			"https://agent.example/a/../b.json": "must not contain . or ..",
			"https://u@agent.example/c.json":    "must not contain user information",
			"http://agent.example/c.json":       "no app has this client_id",
			"https://agent.example/c.json#frag": "fragment",
		} {
			if s := visit(guarded, clientID); s.Status != 400 || !strings.Contains(s.Page, want) {
				t.Errorf("%s: %d, want %q:\n%s", clientID, s.Status, want, s.Page)
			}
		}
		// Turned off, or the host not on the allow-list: refused, and the
		// metadata says so when off.
		off := setupOAuth(t, d, "--oauth-client-metadata-outbound-allow", "127.0.0.0/8", "--oauth-client-metadata-ca-file", h.caFile, "--oauth-client-metadata=false")
		if s := visit(off, clientID); s.Status != 400 || !strings.Contains(s.Page, "does not accept client ID metadata documents") {
			t.Errorf("turned off: %d\n%s", s.Status, s.Page)
		}
		if _, body := off.do(t, "GET", "/.well-known/oauth-authorization-server", ""); !strings.Contains(string(body), `"client_id_metadata_document_supported":false`) {
			t.Errorf("metadata while off: %s", body)
		}
		allowOnly := setupOAuth(t, d, "--oauth-client-metadata-outbound-allow", "127.0.0.0/8", "--oauth-client-metadata-ca-file", h.caFile,
			"--oauth-client-metadata-hosts", "mcp.example.com,*.trusted.example")
		if s := visit(allowOnly, clientID); s.Status != 400 || !strings.Contains(s.Page, "does not accept clients from 127.0.0.1") {
			t.Errorf("host not on the allow-list: %d\n%s", s.Status, s.Page)
		}
		if n := h.hits["/agent.json"].Load(); n != 0 {
			t.Errorf("refused by policy, yet fetched %d times", n)
		}
	})
}

// TestOAuthSelfRegisteredCapsPerSource: clients from metadata documents are
// counted per document host (whoever sends the URL), registrations with an
// initial access token per token, open ones per address, so no one source
// can fill the total for everyone.
func TestOAuthSelfRegisteredCapsPerSource(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		h := newMetadataHost(t)
		o := setupOAuth(t, d, "--oauth-client-metadata-outbound-allow", "127.0.0.0/8", "--oauth-client-metadata-ca-file", h.caFile,
			"--oauth-registration-scopes", "read:projects", "--oauth-client-metadata-per-host", "1", "--oauth-registrations-per-token", "1",
			"--oauth-registrations-per-address", "1")
		visit := func(path string) stop {
			c := o.config(testApp{ClientID: h.srv.URL + path}, "read:projects")
			return newBrowser(t).visit(c.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		}
		if s := visit("/agent.json"); s.Status != 200 || !strings.Contains(s.Page, "Allow Agent?") {
			t.Fatalf("first client from the host: %d\n%s", s.Status, s.Page)
		}
		// Over the cap, a valid client is told as a registration would be
		// (429 temporarily_unavailable): at its redirect URI, or when the
		// request names another, on a 429 page.
		if s := visit("/uncached.json"); s.Callback == nil || s.Callback.Query().Get("error") != "temporarily_unavailable" ||
			s.Callback.Query().Get("state") != "st" ||
			!strings.Contains(s.Callback.Query().Get("error_description"), "too many self-registered clients are known from 127.0.0.1") {
			t.Errorf("second client from the host: %d %v\n%s", s.Status, s.Callback, s.Page)
		}
		elsewhere := o.config(testApp{ClientID: h.srv.URL + "/uncached.json"}, "read:projects")
		elsewhere.RedirectURL = "https://evil.example/cb"
		if s := newBrowser(t).visit(elsewhere.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))); s.Status != 429 ||
			s.Callback != nil || s.Header.Get("Retry-After") == "" || !strings.Contains(s.Page, "temporarily_unavailable") {
			t.Errorf("second client from the host, unknown redirect URI: %d %v\n%s", s.Status, s.Callback, s.Page)
		}
		// The known client is not refused, and the host's client does not
		// count against the address that sent its URL.
		if s := visit("/agent.json"); s.Status != 200 {
			t.Errorf("known client after the cap: %d\n%s", s.Status, s.Page)
		}

		const body = `{"redirect_uris":["https://partner.example/cb"],"client_name":"Partner"}`
		token := func() string {
			resp, b := o.do(t, "POST", "/v1/oauth/initial-access-tokens", `{"description":"partner"}`)
			var iat struct {
				Token string `json:"token"`
			}
			if json.Unmarshal(b, &iat); resp.StatusCode != 201 {
				t.Fatalf("create initial access token: %d %s", resp.StatusCode, b)
			}
			return iat.Token
		}
		first, second := token(), token()
		o.register(t, body, first)
		if st, _, b := o.registerCall(t, "POST", o.node.URL+"/oauth/register", "application/json", body, first); st != 429 ||
			oauthErrorCode(t, b) != "temporarily_unavailable" || !strings.Contains(string(b), "with this initial access token") {
			t.Errorf("second registration with one token: %d %s", st, b)
		}
		// Another token, from the same address, has its own count.
		o.register(t, body, second)
	})
}

// TestOAuthClientMetadataRevalidatedAtTokenEndpoint: a client known from a
// metadata document is checked again at the token endpoint once the
// document's cache lifetime has passed. A code whose redirect URI the
// document no longer lists cannot be redeemed; a document that is gone
// ends the client (invalid_client), for codes and refreshes alike; a host
// that is briefly down gets the client a 503 to retry, not its stale copy.
func TestOAuthClientMetadataRevalidatedAtTokenEndpoint(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		h := newMetadataHost(t)
		o := setupOAuth(t, d, "--oauth-client-metadata-outbound-allow", "127.0.0.0/8", "--oauth-client-metadata-ca-file", h.caFile,
			"--oauth-registration-scopes", "read:projects")
		clientID := h.srv.URL + "/mutable.json"
		conf := o.config(testApp{ClientID: clientID}, "read:projects")
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		b := newBrowser(t)
		redeem := func(code, verifier string) (int, map[string]any) {
			st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {callbackURI}, "code_verifier": {verifier}, "client_id": {clientID}}, "", "")
			return st, m
		}
		refresh := func(token string) (int, http.Header, map[string]any) {
			return o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {clientID}}, "", "")
		}

		st, m := redeem(o.codeFor(t, b, conf))
		if st != 200 {
			t.Fatalf("first code: %d %v", st, m)
		}
		refreshToken := m["refresh_token"].(string)
		code, verifier := o.codeFor(t, b, conf)

		h.mutable.Store("moved")
		if st, m := redeem(code, verifier); st != 400 || m["error"] != "invalid_grant" || !strings.Contains(m["error_description"].(string), "no longer") {
			t.Errorf("code for a redirect URI the document no longer lists: %d %v", st, m)
		}
		// The client itself is still described: it may refresh.
		st, _, m = refresh(refreshToken)
		if st != 200 {
			t.Fatalf("refresh while the document is valid: %d %v", st, m)
		}
		refreshToken = m["refresh_token"].(string)

		h.mutable.Store("down")
		if st, hd, m := refresh(refreshToken); st != 503 || m["error"] != "temporarily_unavailable" || hd.Get("Retry-After") == "" {
			t.Errorf("refresh while the document's host is down: %d %v (Retry-After %q)", st, m, hd.Get("Retry-After"))
		}

		h.mutable.Store("gone")
		if st, _, m := refresh(refreshToken); st != 401 || m["error"] != "invalid_client" || !strings.Contains(m["error_description"].(string), "answered 404") {
			t.Errorf("refresh after the document is gone: %d %v", st, m)
		}
		h.mutable.Store("valid")
		if st, _, m := refresh(refreshToken); st != 200 {
			t.Errorf("refresh once the document is back: %d %v", st, m)
		}
	})
}

// TestOAuthClientMetadataStoredOnSignIn: a client from a metadata document
// is stored, and counted against the caps, only once a user signs in for
// it; requests that nobody signs in for leave nothing behind but
// themselves, so sending URLs cannot fill the caps.
func TestOAuthClientMetadataStoredOnSignIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		h := newMetadataHost(t)
		login := saasPage(t) // where the test decides who signs in
		o := &oauthEnv{env: setup(t, d, "--oauth-login-url", login.URL+"/login", "--rate-limit", "0",
			"--oauth-client-metadata-outbound-allow", "127.0.0.0/8", "--oauth-client-metadata-ca-file", h.caFile,
			"--oauth-registration-scopes", "read:projects", "--oauth-client-metadata-per-host", "1")}
		if resp, body := o.do(t, "POST", "/v1/oauth/scopes", `{"name":"read:projects","description":"Read your projects"}`); resp.StatusCode != 201 {
			t.Fatalf("create scope: %d %s", resp.StatusCode, body)
		}
		metadataApps := func() int {
			t.Helper()
			resp, body := o.do(t, "GET", "/v1/oauth/apps", "")
			if resp.StatusCode != 200 {
				t.Fatalf("list apps: %d %s", resp.StatusCode, body)
			}
			return strings.Count(string(body), `"registration":"metadata_document"`)
		}
		start := func(b *browser, path string) string {
			t.Helper()
			c := o.config(testApp{ClientID: h.srv.URL + path}, "read:projects")
			s := b.visit(c.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			if s.Status != 299 || s.URL.Query().Get("login_challenge") == "" {
				t.Fatalf("%s: expected the login page; got %d %v\n%s", path, s.Status, s.URL, s.Page)
			}
			return s.URL.Query().Get("login_challenge")
		}

		// Requests for two clients of one host, more than its cap, with
		// nobody signing in: nothing is stored.
		agentBrowser, otherBrowser := newBrowser(t), newBrowser(t)
		agentChallenge := start(agentBrowser, "/agent.json")
		otherChallenge := start(otherBrowser, "/uncached.json")
		start(newBrowser(t), "/uncached.json")
		if n := metadataApps(); n != 0 {
			t.Errorf("%d metadata-document apps stored before anyone signed in", n)
		}
		// The login page still learns which client asks.
		resp, body := o.do(t, "GET", "/v1/oauth/login-requests/"+url.PathEscape(otherChallenge), "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"client_id":"`+h.srv.URL+`/uncached.json"`) ||
			!strings.Contains(string(body), `"name":"Uncached"`) || !strings.Contains(string(body), `"registration":"metadata_document"`) {
			t.Errorf("login request of an unsaved client: %d %s", resp.StatusCode, body)
		}

		accept := func(challenge string) string {
			t.Helper()
			resp, body := o.do(t, "POST", "/v1/oauth/login-requests/"+url.PathEscape(challenge)+"/accept", `{"user_id":"ada","team_id":"eng"}`)
			var to struct {
				RedirectTo string `json:"redirect_to"`
			}
			if err := json.Unmarshal(body, &to); err != nil || resp.StatusCode != 200 {
				t.Fatalf("accept login: %d %s", resp.StatusCode, body)
			}
			return to.RedirectTo
		}
		// A sign-in stores the client, and the flow goes on to consent.
		if s := agentBrowser.visit(accept(agentChallenge)); s.Status != 200 || !strings.Contains(s.Page, "Allow Agent?") {
			t.Errorf("consent after sign-in: %d\n%s", s.Status, s.Page)
		}
		if n := metadataApps(); n != 1 {
			t.Errorf("%d metadata-document apps after one sign-in, want 1", n)
		}
		// The host is now at its cap: a sign-in for its other client sends
		// the browser back to that client with the refusal.
		s := otherBrowser.visit(accept(otherChallenge))
		if s.Callback == nil || s.Callback.Query().Get("error") != "temporarily_unavailable" ||
			!strings.Contains(s.Callback.Query().Get("error_description"), "from 127.0.0.1") {
			t.Errorf("sign-in for a client over the host's cap: %d %v\n%s", s.Status, s.Callback, s.Page)
		}
		if n := metadataApps(); n != 1 {
			t.Errorf("%d metadata-document apps after a refused sign-in, want 1", n)
		}
	})
}
