package main

import (
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/bearer"
	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// oauthEnv is a node whose OAuth login URL is a stand-in for the SaaS's login
// page: it signs in whoever the test says and accepts the login challenge
// through the admin API, as a real SaaS would.
type oauthEnv struct {
	*env
	mu         sync.Mutex
	user, team string
	challenges []string // every login challenge the login page saw
	// accept is more members for the login page's accept call, such as
	// `,"user_name":"Ada"`.
	accept string
	// loginOrigin is the login page's origin, where the consent screen's
	// "switch account" sends the browser.
	loginOrigin string
}

func setupOAuth(t *testing.T, d storetest.Dialect, extra ...string) *oauthEnv {
	t.Helper()
	o := &oauthEnv{user: "user_1", team: "team_1"}
	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		user, team, accept := o.user, o.team, o.accept
		o.mu.Unlock()
		challenge := r.URL.Query().Get("login_challenge")
		o.mu.Lock()
		o.challenges = append(o.challenges, challenge)
		o.mu.Unlock()
		resp, body := o.do(t, "POST", "/v1/oauth/login-requests/"+url.PathEscape(challenge)+"/accept",
			`{"user_id":"`+user+`","team_id":"`+team+`"`+accept+`}`)
		if resp.StatusCode != 200 {
			http.Error(w, string(body), resp.StatusCode)
			return
		}
		var to struct {
			RedirectTo string `json:"redirect_to"`
		}
		json.Unmarshal(body, &to) //nolint:errcheck // checked by the browser's next step
		http.Redirect(w, r, to.RedirectTo, http.StatusFound)
	}))
	t.Cleanup(login.Close)
	o.loginOrigin = login.URL
	args := append([]string{"--oauth-login-url", login.URL + "/login", "--oauth-refresh-reuse-grace", "200ms", "--rate-limit", "0"}, extra...)
	o.env = setup(t, d, args...)
	for _, sc := range []string{"read:projects", "write:projects", "admin"} {
		if resp, body := o.do(t, "POST", "/v1/oauth/scopes", `{"name":"`+sc+`","description":"Do `+sc+` things"}`); resp.StatusCode != 201 {
			t.Fatalf("create scope: %d %s", resp.StatusCode, body)
		}
	}
	return o
}

type testApp struct {
	ID, ClientID, ClientSecret string
}

func (o *oauthEnv) createApp(t *testing.T, body string) testApp {
	t.Helper()
	resp, b := o.do(t, "POST", "/v1/oauth/apps", body)
	if resp.StatusCode != 201 {
		t.Fatalf("create app: %d %s", resp.StatusCode, b)
	}
	var a struct {
		ID           string `json:"id"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return testApp{ID: a.ID, ClientID: a.ClientID, ClientSecret: a.ClientSecret}
}

// saasPage stands in for one of the SaaS's own pages (login or consent): it
// answers 299, so a browser's walk stops there and the test reads the
// challenge from the URL and answers through the admin API itself.
func saasPage(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) }))
	t.Cleanup(srv.Close)
	return srv
}

// callbackURI is registered without a port: a loopback redirect URI may use
// any port (RFC 8252 §7.3), and the test's "app" uses this one.
const (
	registeredCallback = "http://127.0.0.1/callback"
	callbackURI        = "http://127.0.0.1:45678/callback"
)

// browser follows redirects by hand, keeping cookies, and stops at the app's
// callback or at a page.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// stop is where a browser walk ended: at the app's callback (Callback set) or
// at a page.
type stop struct {
	URL      *url.URL // the last URL visited
	Callback *url.URL
	Status   int
	Page     string
	Header   http.Header
}

func (b *browser) walk(req *http.Request) stop {
	b.t.Helper()
	for range 10 {
		if strings.HasPrefix(req.URL.String(), "http://127.0.0.1:45678/") {
			return stop{Callback: req.URL}
		}
		resp, err := b.c.Do(req)
		if err != nil {
			b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.t.Fatal(err)
		}
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			return stop{URL: req.URL, Status: resp.StatusCode, Page: string(body), Header: resp.Header}
		}
		next, err := req.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		req, _ = http.NewRequestWithContext(b.t.Context(), "GET", next.String(), nil)
	}
	b.t.Fatal("too many redirects")
	return stop{}
}

func (b *browser) visit(u string) stop {
	req, err := http.NewRequestWithContext(b.t.Context(), "GET", u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.walk(req)
}

var hiddenRE = regexp.MustCompile(`name="(consent_challenge|csrf_token)" value="([^"]*)"`)

// consentForm reads the consent screen's hidden fields.
func consentForm(t *testing.T, page string) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		f.Set(m[1], html.UnescapeString(m[2]))
	}
	if f.Get("consent_challenge") == "" || f.Get("csrf_token") == "" {
		t.Fatalf("no consent form in page:\n%s", page)
	}
	return f
}

func (b *browser) post(u string, form url.Values) stop {
	req, err := http.NewRequestWithContext(b.t.Context(), "POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.walk(req)
}

func (o *oauthEnv) config(a testApp, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: a.ClientID, ClientSecret: a.ClientSecret, RedirectURL: callbackURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: o.node.URL + "/oauth/authorize", TokenURL: o.node.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// authorize runs the browser part of the flow and returns the callback.
// approve says what to click if the consent screen shows; nil expects no
// consent screen.
func (o *oauthEnv) authorize(t *testing.T, b *browser, authURL string, approve *bool) *url.URL {
	t.Helper()
	s := b.visit(authURL)
	if approve == nil {
		if s.Callback == nil {
			t.Fatalf("expected to go straight back to the app; got %d:\n%s", s.Status, s.Page)
		}
		return s.Callback
	}
	if s.Callback != nil || s.Status != 200 {
		t.Fatalf("expected the consent screen; got callback %v status %d:\n%s", s.Callback, s.Status, s.Page)
	}
	// Its form posts to Patchbay, which sends the browser on to the app.
	if csp := s.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
		!strings.HasSuffix(csp, "; form-action 'self' "+o.loginOrigin+" http://127.0.0.1:45678") {
		t.Errorf("consent page CSP = %q, want frame-ancestors 'none' and form-action 'self', the login page's origin and the app's", csp)
	}
	f := consentForm(t, s.Page)
	f.Set("decision", map[bool]string{true: "approve", false: "deny"}[*approve])
	s = b.post(o.node.URL+"/oauth/consent", f)
	if s.Callback == nil {
		t.Fatalf("consent did not return to the app: %d\n%s", s.Status, s.Page)
	}
	return s.Callback
}

// introspect asks with the env's API key.
func (o *oauthEnv) introspect(t *testing.T, token string) map[string]any {
	t.Helper()
	resp, body := o.do(t, "POST", "/oauth/introspect", url.Values{"token": {token}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 200 {
		t.Fatalf("introspect: %d %s", resp.StatusCode, body)
	}
	if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		t.Fatalf("introspect body %s", body)
	}
	if strings.TrimSpace(string(body)) == `{"active":false}` {
		return map[string]any{"active": false}
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if m["active"] != true {
		t.Fatalf("an inactive token must answer exactly {\"active\":false}; got %s", body)
	}
	return m
}

func TestOAuthAuthorizationCodeFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		ctx := t.Context()
		app := o.createApp(t, `{"team_id":"devteam","name":"Timely","redirect_uris":["`+registeredCallback+`"],
			"scopes":["read:projects","write:projects"],"logo_url":"https://timely.example/logo.png","homepage_url":"https://timely.example"}`)
		if !strings.HasPrefix(app.ClientSecret, "pbo_") || len(app.ClientSecret) < 4+43 {
			t.Fatalf("client secret %q: want pbo_ and 256 bits", app.ClientSecret)
		}
		conf := o.config(app, "read:projects")
		b := newBrowser(t)

		verifier := oauth2.GenerateVerifier()
		cb := o.authorize(t, b, conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)), client.Ptr(true))
		q := cb.Query()
		if q.Get("state") != "st-1" || q.Get("iss") != o.node.URL || q.Get("code") == "" {
			t.Fatalf("callback %s: want code, state st-1 and iss %s", cb, o.node.URL)
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Extra("scope") != "read:projects" || time.Until(tok.Expiry) < 50*time.Minute {
			t.Fatalf("token %+v scope %v", tok, tok.Extra("scope"))
		}
		info := o.introspect(t, tok.AccessToken)
		if info["sub"] != "user_1" || info["team_id"] != "team_1" || info["scope"] != "read:projects" || info["client_id"] != app.ClientID ||
			info["token_type"] != "Bearer" || info["token_use"] != "access_token" || info["iss"] != o.node.URL {
			t.Errorf("introspection %v", info)
		}

		// The TokenSource refreshes an expired token, rotating the refresh token.
		ts := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)})
		fresh, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken || fresh.RefreshToken == "" {
			t.Fatalf("refresh did not rotate: %+v", fresh)
		}
		if o.introspect(t, fresh.AccessToken)["active"] != true || o.introspect(t, tok.RefreshToken)["active"] != false {
			t.Error("after rotation the new access token must be active and the old refresh token inactive")
		}

		// Same app, user, team and scopes: no consent screen.
		verifier2 := oauth2.GenerateVerifier()
		cb = o.authorize(t, b, conf.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier2)), nil)
		if cb.Query().Get("state") != "st-2" || cb.Query().Get("code") == "" {
			t.Fatalf("callback %s", cb)
		}
		// A new scope shows consent again, and the authorization becomes the union.
		wider := o.config(app, "write:projects")
		verifier3 := oauth2.GenerateVerifier()
		cb = o.authorize(t, b, wider.AuthCodeURL("st-3", oauth2.S256ChallengeOption(verifier3)), client.Ptr(true))
		tok3, err := wider.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier3))
		if err != nil {
			t.Fatal(err)
		}
		if tok3.Extra("scope") != "write:projects" {
			t.Errorf("scope %v", tok3.Extra("scope"))
		}
		resp, body := o.do(t, "GET", "/v1/oauth/authorizations?user_id=user_1&team_id=team_1", "")
		var auths struct {
			Data []struct {
				ID     string   `json:"id"`
				Scopes []string `json:"scopes"`
				App    struct {
					Name string `json:"name"`
				} `json:"app"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &auths); err != nil || resp.StatusCode != 200 || len(auths.Data) != 1 {
			t.Fatalf("authorizations: %d %s", resp.StatusCode, body)
		}
		if got := strings.Join(auths.Data[0].Scopes, " "); got != "read:projects write:projects" || auths.Data[0].App.Name != "Timely" {
			t.Errorf("authorization %+v, want the union of scopes", auths.Data[0])
		}

		// Revoking the authorization kills every token under it at once.
		if resp, body := o.do(t, "DELETE", "/v1/oauth/authorizations/"+auths.Data[0].ID, ""); resp.StatusCode != 204 {
			t.Fatalf("revoke authorization: %d %s", resp.StatusCode, body)
		}
		for _, tk := range []string{fresh.AccessToken, fresh.RefreshToken, tok3.AccessToken} {
			if o.introspect(t, tk)["active"] != false {
				t.Error("a token survived the revocation of its authorization")
			}
		}
		if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
			t.Errorf("refresh after revocation: %v, want invalid_grant", err)
		}
		// Authorizing again after a revocation asks for consent again.
		verifier4 := oauth2.GenerateVerifier()
		o.authorize(t, b, conf.AuthCodeURL("st-4", oauth2.S256ChallengeOption(verifier4)), client.Ptr(true))

		o.mu.Lock()
		secrets := append([]string{app.ClientSecret, tok.AccessToken, tok.RefreshToken, fresh.AccessToken, fresh.RefreshToken, q.Get("code")}, o.challenges...)
		o.mu.Unlock()
		checkLogsHoldNo(t, o.node, slices.Concat(secrets, []string{tok3.AccessToken, tok3.RefreshToken, verifier, verifier2, verifier3, verifier4}), "pbo_", "pbk_")
		rows := scanForPlaintext(t, o.opts, secrets)
		if n := rows["oauth_apps"] + rows["oauth_authorizations"] + rows["oauth_requests"] + rows["oauth_codes"] + rows["oauth_tokens"]; n < 10 {
			t.Errorf("only %d rows in the OAuth tables; the check looked at nothing", n)
		}
	})
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}

// tokenCall posts a form to the token endpoint as given, with optional
// Basic credentials, and returns the status, headers and decoded JSON.
func (o *oauthEnv) tokenCall(t *testing.T, path string, form url.Values, basicID, basicSecret string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", o.node.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%s answered %d with non-JSON %q", path, resp.StatusCode, body)
		}
	}
	return resp.StatusCode, resp.Header, m
}

// codeFor runs a consented flow and returns a fresh code and its verifier.
func (o *oauthEnv) codeFor(t *testing.T, b *browser, conf *oauth2.Config) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	s := b.visit(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	if s.Callback == nil {
		f := consentForm(t, s.Page)
		f.Set("decision", "approve")
		s = b.post(o.node.URL+"/oauth/consent", f)
	}
	if s.Callback == nil || s.Callback.Query().Get("code") == "" {
		t.Fatalf("no code: %+v", s)
	}
	return s.Callback.Query().Get("code"), verifier
}

func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		ctx := t.Context()
		app := o.createApp(t, `{"team_id":"devteam","name":"Timely","redirect_uris":["`+registeredCallback+`","https://timely.example/cb?x=1"],
			"scopes":["read:projects","write:projects"]}`)
		public := o.createApp(t, `{"team_id":"devteam","name":"CLI","client_type":"public","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		if public.ClientSecret != "" {
			t.Fatal("a public app got a secret")
		}
		conf := o.config(app, "read:projects")
		b := newBrowser(t)

		authURL := func(client string, params ...string) string {
			q := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {callbackURI}, "scope": {"read:projects"},
				"state": {"xyz"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
			for i := 0; i+1 < len(params); i += 2 {
				if params[i+1] == "" {
					q.Del(params[i])
				} else {
					q.Set(params[i], params[i+1])
				}
			}
			return o.node.URL + "/oauth/authorize?" + q.Encode()
		}

		t.Run("redirect URI mismatches get an error page, never a redirect", func(t *testing.T) {
			for _, uri := range []string{"http://127.0.0.1/callback/", "http://127.0.0.1:45678/callback?extra=1", "http://127.0.0.2/callback",
				"https://evil.example/callback", "https://timely.example/cb", "https://timely.example/cb?x=1&y=2", "http://localhost/callback", ""} {
				s := b.visit(authURL(app.ClientID, "redirect_uri", uri))
				if s.Callback != nil || s.Status != 400 || !strings.Contains(s.Page, "Cannot continue") {
					t.Errorf("redirect_uri %q: got callback %v status %d", uri, s.Callback, s.Status)
				}
			}
			if s := b.visit(authURL("pbc_unknown")); s.Callback != nil || s.Status != 400 {
				t.Errorf("unknown client: %+v", s)
			}
			if s := b.visit(authURL(app.ClientID) + "&client_id=" + app.ClientID); s.Callback != nil || s.Status != 400 {
				t.Errorf("repeated client_id: %+v", s)
			}
		})

		t.Run("other errors go back to the app with error, state and iss", func(t *testing.T) {
			for _, c := range []struct {
				name   string
				client string
				params []string
				want   string
			}{
				{"unknown scope", app.ClientID, []string{"scope", "read:projects nope"}, "invalid_scope"},
				{"scope the app may not ask for", app.ClientID, []string{"scope", "admin"}, "invalid_scope"},
				{"no scope", app.ClientID, []string{"scope", ""}, "invalid_scope"},
				{"token response type", app.ClientID, []string{"response_type", "token"}, "unsupported_response_type"},
				{"PKCE downgrade to plain", app.ClientID, []string{"code_challenge_method", "plain"}, "invalid_request"},
				{"PKCE method missing", app.ClientID, []string{"code_challenge_method", ""}, "invalid_request"},
				{"public client without PKCE", public.ClientID, []string{"code_challenge", "", "code_challenge_method", ""}, "invalid_request"},
			} {
				s := b.visit(authURL(c.client, c.params...))
				if s.Callback == nil {
					t.Errorf("%s: no redirect (status %d)", c.name, s.Status)
					continue
				}
				q := s.Callback.Query()
				if q.Get("error") != c.want || q.Get("state") != "xyz" || q.Get("iss") != o.node.URL || q.Get("code") != "" {
					t.Errorf("%s: callback %s, want error=%s with state and iss", c.name, s.Callback, c.want)
				}
			}
		})

		t.Run("consent needs the same browser and a valid CSRF token", func(t *testing.T) {
			s := b.visit(conf.AuthCodeURL("c", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			f := consentForm(t, s.Page)
			f.Set("decision", "approve")
			bad := url.Values{"consent_challenge": {f.Get("consent_challenge")}, "csrf_token": {"forged"}, "decision": {"approve"}}
			if s := b.post(o.node.URL+"/oauth/consent", bad); s.Callback != nil || s.Status != 400 {
				t.Errorf("forged CSRF token: %+v", s)
			}
			if s := newBrowser(t).post(o.node.URL+"/oauth/consent", f); s.Callback != nil || s.Status != 400 {
				t.Errorf("another browser (no flow cookie): %+v", s)
			}
			// Deny: the app hears access_denied.
			f.Set("decision", "deny")
			s = b.post(o.node.URL+"/oauth/consent", f)
			if s.Callback == nil || s.Callback.Query().Get("error") != "access_denied" || s.Callback.Query().Get("state") != "c" {
				t.Fatalf("deny: %+v", s)
			}
			// The request is used up.
			if s := b.post(o.node.URL+"/oauth/consent", f); s.Callback != nil || s.Status != 400 {
				t.Errorf("second decision: %+v", s)
			}
		})

		t.Run("code rules", func(t *testing.T) {
			code, verifier := o.codeFor(t, b, conf)
			if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); !isOAuthError(err, "invalid_grant") {
				t.Errorf("wrong verifier: %v", err)
			}
			if _, err := conf.Exchange(ctx, code); !isOAuthError(err, "invalid_grant") {
				t.Errorf("no verifier: %v", err)
			}
			other := *conf
			other.RedirectURL = "http://127.0.0.1:1/callback"
			if _, err := other.Exchange(ctx, code, oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
				t.Errorf("other redirect_uri: %v", err)
			}
			tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			// Reuse fails and revokes what the code gave.
			if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
				t.Errorf("code reuse: %v", err)
			}
			if o.introspect(t, tok.AccessToken)["active"] != false || o.introspect(t, tok.RefreshToken)["active"] != false {
				t.Error("tokens from a reused code are still active")
			}
			// Two exchanges racing: one wins, the other revokes what it got.
			code, verifier = o.codeFor(t, b, conf)
			var wg sync.WaitGroup
			results := make([]*oauth2.Token, 2)
			errs := make([]error, 2)
			for i := range 2 {
				wg.Go(func() { results[i], errs[i] = conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)) })
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("racing exchanges: %v and %v, want exactly one success", errs[0], errs[1])
			}
			for i := range 2 {
				if errs[i] == nil && o.introspect(t, results[i].AccessToken)["active"] != false {
					t.Error("the racing winner's token is still active after the second use of its code")
				}
			}
			// A code is bound to its client.
			code, verifier = o.codeFor(t, b, conf)
			other2 := o.createApp(t, `{"team_id":"devteam","name":"Other","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
			if _, err := o.config(other2).Exchange(ctx, code, oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
				t.Errorf("another client's code: %v", err)
			}
		})

		t.Run("refresh rules", func(t *testing.T) {
			code, verifier := o.codeFor(t, b, conf)
			tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
				"scope": {"read:projects write:projects"}}, app.ClientID, app.ClientSecret)
			if st != 400 || m["error"] != "invalid_scope" {
				t.Errorf("wider scope on refresh: %d %v", st, m)
			}
			// Two refreshes within the grace period both work (concurrent clients)...
			r1, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
				t.Errorf("second refresh within the grace period: %v", err)
			}
			// ...but after it, a reuse revokes the whole family.
			time.Sleep(300 * time.Millisecond)
			if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
				t.Errorf("refresh token reuse: %v", err)
			}
			if o.introspect(t, r1.AccessToken)["active"] != false || o.introspect(t, r1.RefreshToken)["active"] != false {
				t.Error("the family survived refresh token reuse")
			}
		})

		t.Run("client authentication", func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}}
			st, h, m := o.tokenCall(t, "/oauth/token", form, app.ClientID, "pbo_wrong")
			if st != 401 || m["error"] != "invalid_client" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("wrong secret: %d %v %q", st, m, h.Get("WWW-Authenticate"))
			}
			both := url.Values{"grant_type": {"client_credentials"}, "client_secret": {app.ClientSecret}}
			if st, _, m := o.tokenCall(t, "/oauth/token", both, app.ClientID, app.ClientSecret); st != 400 || m["error"] != "invalid_request" {
				t.Errorf("basic and post at once: %d %v", st, m)
			}
			if st, _, m := o.tokenCall(t, "/oauth/token?client_secret="+app.ClientSecret, form, app.ClientID, app.ClientSecret); st != 400 || m["error"] != "invalid_request" {
				t.Errorf("secret in the query string: %d %v", st, m)
			}
			// Text PostgreSQL cannot store or compare: these were 500s there.
			if st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"a\x00b"}, "client_secret": {"x"}}, "", ""); st != 400 || m["error"] != "invalid_request" {
				t.Errorf("a client_id with NUL: %d %v", st, m)
			}
			if st, _, m := o.tokenCall(t, "/oauth/token", form, "a\xffb", "x"); st != 401 || m["error"] != "invalid_client" {
				t.Errorf("a Basic client ID that is not UTF-8: %d %v", st, m)
			}
			post := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {"read:projects"}}
			st, h, m = o.tokenCall(t, "/oauth/token", post, "", "")
			if st != 200 || m["refresh_token"] != nil || m["scope"] != "read:projects" || h.Get("Cache-Control") != "no-store" {
				t.Fatalf("client_secret_post client_credentials: %d %v %v", st, m, h)
			}
			if info := o.introspect(t, m["access_token"].(string)); info["sub"] != app.ClientID || info["team_id"] != nil {
				t.Errorf("client_credentials token introspection %v", info)
			}
			if st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}}, app.ClientID, app.ClientSecret); st != 400 || m["error"] != "invalid_scope" {
				t.Errorf("client_credentials beyond the app's scopes: %d %v", st, m)
			}
			if st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {public.ClientID}}, "", ""); st != 400 || m["error"] != "unauthorized_client" {
				t.Errorf("public client_credentials: %d %v", st, m)
			}
			if st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"password"}}, app.ClientID, app.ClientSecret); st != 400 || m["error"] != "unsupported_grant_type" {
				t.Errorf("password grant: %d %v", st, m)
			}
			// A rotated secret keeps working during its grace period.
			resp, body := o.do(t, "POST", "/v1/oauth/apps/"+app.ID+"/secret/rotate", "")
			var rotated struct {
				ClientSecret string `json:"client_secret"`
			}
			if json.Unmarshal(body, &rotated); resp.StatusCode != 200 || rotated.ClientSecret == "" || rotated.ClientSecret == app.ClientSecret {
				t.Fatalf("rotate: %d %s", resp.StatusCode, body)
			}
			for _, secret := range []string{app.ClientSecret, rotated.ClientSecret} {
				if st, _, m := o.tokenCall(t, "/oauth/token", form, app.ClientID, secret); st != 200 {
					t.Errorf("secret during the grace period: %d %v", st, m)
				}
			}
		})

		t.Run("revocation and introspection", func(t *testing.T) {
			code, verifier := o.codeFor(t, b, conf)
			tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			// Unknown tokens answer 200.
			if st, _, _ := o.tokenCall(t, "/oauth/revoke", url.Values{"token": {"pbat_unknown"}}, app.ClientID, app.ClientSecret); st != 200 {
				t.Errorf("revoking an unknown token: %d", st)
			}
			// Revoking the refresh token kills the access token too.
			if st, _, m := o.tokenCall(t, "/oauth/revoke", url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, app.ClientID, app.ClientSecret); st != 200 {
				t.Fatalf("revoke: %d %v", st, m)
			}
			if o.introspect(t, tok.AccessToken)["active"] != false {
				t.Error("access token alive after its refresh token was revoked")
			}
			for _, dead := range []string{"", "pbat_nope", tok.RefreshToken} {
				if o.introspect(t, dead)["active"] != false {
					t.Errorf("introspecting %.10q", dead)
				}
			}
			if st, _, m := o.tokenCall(t, "/oauth/introspect", url.Values{"token": {strings.Repeat("x", 5000)}}, app.ClientID, app.ClientSecret); st != 400 || m["error"] != "invalid_request" {
				t.Errorf("oversized token: %d %v", st, m)
			}
			// Introspection needs credentials.
			st, _, m := o.tokenCall(t, "/oauth/introspect", url.Values{"token": {tok.AccessToken}}, "", "")
			if st != 401 {
				t.Errorf("introspection without credentials: %d %v", st, m)
			}
			// An app may introspect its own tokens only.
			cc := url.Values{"grant_type": {"client_credentials"}}
			_, _, mine := o.tokenCall(t, "/oauth/token", cc, app.ClientID, app.ClientSecret)
			st, _, m = o.tokenCall(t, "/oauth/introspect", url.Values{"token": {mine["access_token"].(string)}}, app.ClientID, app.ClientSecret)
			if st != 200 || m["active"] != true {
				t.Errorf("own token: %d %v", st, m)
			}
			other := o.createApp(t, `{"team_id":"devteam","name":"Nosy","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
			if st, _, m := o.tokenCall(t, "/oauth/introspect", url.Values{"token": {mine["access_token"].(string)}}, other.ClientID, other.ClientSecret); st != 200 || m["active"] != false {
				t.Errorf("another app's token: %d %v", st, m)
			}
		})

		t.Run("deleting or revoking an app kills its tokens", func(t *testing.T) {
			victim := o.createApp(t, `{"team_id":"devteam","name":"Doomed","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
			cc := url.Values{"grant_type": {"client_credentials"}}
			_, _, m1 := o.tokenCall(t, "/oauth/token", cc, victim.ClientID, victim.ClientSecret)
			if resp, body := o.do(t, "POST", "/v1/oauth/apps/"+victim.ID+"/revoke", ""); resp.StatusCode != 204 {
				t.Fatalf("revoke app: %d %s", resp.StatusCode, body)
			}
			if o.introspect(t, m1["access_token"].(string))["active"] != false {
				t.Error("token alive after its app was revoked")
			}
			_, _, m2 := o.tokenCall(t, "/oauth/token", cc, victim.ClientID, victim.ClientSecret)
			if resp, body := o.do(t, "DELETE", "/v1/oauth/apps/"+victim.ID, ""); resp.StatusCode != 204 {
				t.Fatalf("delete app: %d %s", resp.StatusCode, body)
			}
			if o.introspect(t, m2["access_token"].(string))["active"] != false {
				t.Error("token alive after its app was deleted")
			}
		})

		t.Run("metadata", func(t *testing.T) {
			resp, body := o.do(t, "GET", "/.well-known/oauth-authorization-server", "")
			var md map[string]any
			if err := json.Unmarshal(body, &md); err != nil || resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if md["issuer"] != o.node.URL || md["token_endpoint"] != o.node.URL+"/oauth/token" || md["authorization_response_iss_parameter_supported"] != true {
				t.Errorf("metadata %s", body)
			}
			if got, _ := json.Marshal(md["code_challenge_methods_supported"]); string(got) != `["S256"]` {
				t.Errorf("code_challenge_methods_supported %s", got)
			}
			if got, _ := json.Marshal(md["response_types_supported"]); string(got) != `["code"]` {
				t.Errorf("response_types_supported %s", got)
			}
		})

		t.Run("admin API input", func(t *testing.T) {
			for _, c := range []struct{ body, field string }{
				{`{"team_id":"t","name":"x","redirect_uris":["http://example.com/cb"]}`, "redirect_uris"},
				{`{"team_id":"t","name":"x","redirect_uris":["https://example.com/cb#frag"]}`, "redirect_uris"},
				{`{"team_id":"t","name":"x","redirect_uris":["https://example.com/cb"],"scopes":["unknown"]}`, "scopes"},
				{`{"team_id":"t","name":"x","redirect_uris":["https://example.com/cb"],"client_type":"spa"}`, "client_type"},
				{`{"team_id":"t","redirect_uris":["https://example.com/cb"]}`, "name"},
				{`{"team_id":"t","name":"x","redirect_uris":["https://example.com/cb"],"logo_url":"http://x"}`, "logo_url"},
			} {
				resp, body := o.do(t, "POST", "/v1/oauth/apps", c.body)
				p := problem(t, resp, body)
				if resp.StatusCode != 400 || !strings.Contains(string(body), `"`+c.field+`"`) {
					t.Errorf("%s: %d %+v, want 400 naming %s", c.body, resp.StatusCode, p, c.field)
				}
			}
			resp, body := o.do(t, "POST", "/v1/oauth/login-requests/pbch_nope/accept", `{"user_id":"u","team_id":"t"}`)
			if resp.StatusCode != 404 {
				t.Errorf("unknown login challenge: %d %s", resp.StatusCode, body)
			}
		})
	})
}

// TestOAuthDevLoginAndSaaSConsent: in --dev mode with no login URL the
// built-in sign-in page stands in for the SaaS; with a consent URL the SaaS
// renders consent itself through the consent-request API.
func TestOAuthDevLoginAndSaaSConsent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		consentPage := saasPage(t)
		e := setup(t, d, "--dev", "--rate-limit", "0", "--oauth-consent-url", consentPage.URL+"/consent?brand=acme")
		o := &oauthEnv{env: e}
		if resp, body := o.do(t, "POST", "/v1/oauth/scopes", `{"name":"read:projects","description":"Read your projects"}`); resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		app := o.createApp(t, `{"team_id":"devteam","name":"Timely","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		conf := o.config(app, "read:projects")
		b := newBrowser(t)

		verifier := oauth2.GenerateVerifier()
		s := b.visit(conf.AuthCodeURL("dev", oauth2.S256ChallengeOption(verifier)))
		if s.Status != 200 || !strings.Contains(s.Page, "Development sign-in") {
			t.Fatalf("dev login page: %d\n%s", s.Status, s.Page)
		}
		// Signing in goes on to the SaaS's consent page, or to the app.
		if csp, want := s.Header.Get("Content-Security-Policy"), "; form-action 'self' "+consentPage.URL+" http://127.0.0.1:45678"; !strings.HasSuffix(csp, want) {
			t.Errorf("dev login page CSP = %q, want it to end %q", csp, want)
		}
		m := regexp.MustCompile(`name="login_challenge" value="([^"]+)"`).FindStringSubmatch(s.Page)
		if m == nil {
			t.Fatalf("no login challenge in:\n%s", s.Page)
		}
		// The sign-in form only works in the browser that started the flow.
		form := url.Values{"login_challenge": {html.UnescapeString(m[1])}, "user_id": {"ada"}, "team_id": {"eng"}}
		if s := newBrowser(t).post(e.node.URL+"/oauth/dev/login", form); s.Status != 400 {
			t.Errorf("dev login from another browser: %+v", s)
		}
		s = b.post(e.node.URL+"/oauth/dev/login", form)
		if s.Status != 299 {
			t.Fatalf("expected the SaaS's consent page; got %d\n%s", s.Status, s.Page)
		}
		// The walk stopped at the SaaS's consent page, which got the challenge.
		if s.URL.Query().Get("brand") != "acme" {
			t.Errorf("consent URL lost its own query: %s", s.URL)
		}
		challenge := s.URL.Query().Get("consent_challenge")
		resp, body := o.do(t, "GET", "/v1/oauth/consent-requests/"+url.PathEscape(challenge), "")
		var cr struct {
			App    struct{ Name string } `json:"app"`
			UserID string                `json:"user_id"`
			TeamID string                `json:"team_id"`
			Scopes []struct {
				Name, Description string
			} `json:"scopes"`
		}
		if err := json.Unmarshal(body, &cr); err != nil || resp.StatusCode != 200 || cr.App.Name != "Timely" || cr.UserID != "ada" ||
			cr.TeamID != "eng" || len(cr.Scopes) != 1 || cr.Scopes[0].Description != "Read your projects" {
			t.Fatalf("consent request: %d %s", resp.StatusCode, body)
		}
		resp, body = o.do(t, "POST", "/v1/oauth/consent-requests/"+url.PathEscape(challenge)+"/accept", "")
		var to struct {
			RedirectTo string `json:"redirect_to"`
		}
		if err := json.Unmarshal(body, &to); err != nil || resp.StatusCode != 200 {
			t.Fatalf("accept consent: %d %s", resp.StatusCode, body)
		}
		s = b.visit(to.RedirectTo)
		if s.Callback == nil || s.Callback.Query().Get("state") != "dev" {
			t.Fatalf("after consent: %+v", s)
		}
		tok, err := conf.Exchange(t.Context(), s.Callback.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if info := o.introspect(t, tok.AccessToken); info["sub"] != "ada" || info["team_id"] != "eng" {
			t.Errorf("introspection %v", info)
		}

		// The SaaS may refuse the login; the app hears why.
		s = b.visit(conf.AuthCodeURL("no", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		m = regexp.MustCompile(`name="login_challenge" value="([^"]+)"`).FindStringSubmatch(s.Page)
		resp, body = o.do(t, "POST", "/v1/oauth/login-requests/"+url.PathEscape(html.UnescapeString(m[1]))+"/reject",
			`{"error":"login_required","error_description":"account locked"}`)
		if err := json.Unmarshal(body, &to); err != nil || resp.StatusCode != 200 {
			t.Fatalf("reject login: %d %s", resp.StatusCode, body)
		}
		s = b.visit(to.RedirectTo)
		if s.Callback == nil || s.Callback.Query().Get("error") != "login_required" || s.Callback.Query().Get("error_description") != "account locked" ||
			s.Callback.Query().Get("state") != "no" {
			t.Fatalf("after a refused login: %+v", s)
		}
	})
}

func TestOAuthTokenRateLimitPerClient(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--oauth-token-rate-limit", "3")
		a := o.createApp(t, `{"team_id":"devteam","name":"Busy","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		b := o.createApp(t, `{"team_id":"devteam","name":"Calm","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		form := url.Values{"grant_type": {"client_credentials"}}
		var limited int
		for range 6 {
			st, h, m := o.tokenCall(t, "/oauth/token", form, a.ClientID, a.ClientSecret)
			if st == 429 {
				limited++
				if h.Get("Retry-After") == "" || m["error"] == nil {
					t.Errorf("429 without Retry-After or error: %v %v", h, m)
				}
			}
		}
		if limited < 2 {
			t.Errorf("%d of 6 quick requests were limited at 3/s", limited)
		}
		// Another client has its own quota.
		if st, _, m := o.tokenCall(t, "/oauth/token", form, b.ClientID, b.ClientSecret); st != 200 {
			t.Errorf("another client: %d %v", st, m)
		}
		// A stranger cannot spend a client's quota with bad secrets.
		for range 5 {
			o.tokenCall(t, "/oauth/token", form, b.ClientID, "pbo_wrong")
		}
		if st, _, m := o.tokenCall(t, "/oauth/token", form, b.ClientID, b.ClientSecret); st != 200 {
			t.Errorf("after a stranger's failed attempts: %d %v", st, m)
		}
	})
}

// TestBearerAgainstPatchbay protects an API with the bearer package and
// tokens from a real node: scopes, RFC 6750 answers, and revocation taking
// effect within the guard's stated cache bound.
func TestBearerAgainstPatchbay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		app := o.createApp(t, `{"team_id":"devteam","name":"Timely","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects","write:projects"]}`)
		const ttl = 300 * time.Millisecond
		guard, err := bearer.New(bearer.Config{IntrospectionURL: o.node.URL + "/oauth/introspect", APIKey: o.key, CacheTTL: ttl, Realm: "api.test"})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, _ := bearer.TokenFrom(r.Context())
			io.WriteString(w, tok.Subject+" "+tok.TeamID+" "+strings.Join(tok.Scopes, ","))
		})
		mux.Handle("GET /projects", guard.Require("read:projects")(whoami))
		mux.Handle("POST /projects", guard.Require("write:projects")(whoami))
		api := httptest.NewServer(mux)
		t.Cleanup(api.Close)
		call := func(method, path, token string) (int, http.Header, string) {
			req, _ := http.NewRequestWithContext(t.Context(), method, api.URL+path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, string(body)
		}

		// A user's token from the real flow.
		conf := o.config(app, "read:projects")
		code, verifier := o.codeFor(t, newBrowser(t), conf)
		tok, err := conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if st, _, body := call("GET", "/projects", tok.AccessToken); st != 200 || body != "user_1 team_1 read:projects" {
			t.Fatalf("valid token: %d %q", st, body)
		}
		st, h, _ := call("POST", "/projects", tok.AccessToken)
		if st != 403 || !strings.Contains(h.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
			t.Errorf("missing scope: %d %q", st, h.Get("WWW-Authenticate"))
		}
		if st, h, _ := call("GET", "/projects", ""); st != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("no token: %d %q", st, h.Get("WWW-Authenticate"))
		}
		if st, _, _ := call("GET", "/projects?access_token="+url.QueryEscape(tok.AccessToken), ""); st != 400 {
			t.Errorf("token in the query string: %d", st)
		}
		// The refresh token is not an access token.
		if st, h, _ := call("GET", "/projects", tok.RefreshToken); st != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("refresh token as access token: %d %q", st, h.Get("WWW-Authenticate"))
		}

		// Revoked in Patchbay: refused once the guard's cache bound has passed.
		if st, _, m := o.tokenCall(t, "/oauth/revoke", url.Values{"token": {tok.AccessToken}}, app.ClientID, app.ClientSecret); st != 200 {
			t.Fatalf("revoke: %d %v", st, m)
		}
		revoked := time.Now()
		waitFor(t, 5*time.Second, "the revoked token to be refused", func() bool {
			st, h, _ := call("GET", "/projects", tok.AccessToken)
			return st == 401 && strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`)
		})
		if took := time.Since(revoked); took > ttl+time.Second {
			t.Errorf("the revoked token was accepted for %s, beyond the %s cache bound", took, ttl)
		}
	})
}
