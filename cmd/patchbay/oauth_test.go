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
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

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
}

func (o *oauthEnv) signInAs(user, team string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.user, o.team = user, team
}

func setupOAuth(t *testing.T, d storetest.Dialect, extra ...string) *oauthEnv {
	t.Helper()
	o := &oauthEnv{user: "user_1", team: "team_1"}
	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		user, team := o.user, o.team
		o.mu.Unlock()
		challenge := r.URL.Query().Get("login_challenge")
		o.mu.Lock()
		o.challenges = append(o.challenges, challenge)
		o.mu.Unlock()
		resp, body := o.do(t, "POST", "/v1/oauth/login-requests/"+url.PathEscape(challenge)+"/accept",
			`{"user_id":"`+user+`","team_id":"`+team+`"}`)
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
			return stop{Status: resp.StatusCode, Page: string(body), Header: resp.Header}
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
	if csp := s.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("consent page CSP = %q, want frame-ancestors 'none'", csp)
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

func ptr[T any](v T) *T { return &v }

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
		cb := o.authorize(t, b, conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)), ptr(true))
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
			info["token_type"] != "access_token" || info["iss"] != o.node.URL {
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
		cb = o.authorize(t, b, wider.AuthCodeURL("st-3", oauth2.S256ChallengeOption(verifier3)), ptr(true))
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
		o.authorize(t, b, conf.AuthCodeURL("st-4", oauth2.S256ChallengeOption(verifier4)), ptr(true))

		o.mu.Lock()
		secrets := append([]string{app.ClientSecret, tok.AccessToken, tok.RefreshToken, fresh.AccessToken, fresh.RefreshToken, q.Get("code")}, o.challenges...)
		o.mu.Unlock()
		assertNoPlaintextSecrets(t, o.env, secrets)
	})
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}

// assertNoPlaintextSecrets reads every column of every OAuth table and fails
// if any secret, code, challenge or token appears in it.
func assertNoPlaintextSecrets(t *testing.T, e *env, secrets []string) {
	t.Helper()
	db := openRaw(t, e.opts)
	rowsSeen := 0
	for _, table := range []string{"oauth_apps", "oauth_authorizations", "oauth_requests", "oauth_codes", "oauth_tokens"} {
		rows, err := db.QueryContext(t.Context(), "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			rowsSeen++
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var text string
				switch v := v.(type) {
				case []byte:
					text = string(v)
				case string:
					text = v
				default:
					continue
				}
				for _, s := range secrets {
					if s != "" && strings.Contains(text, s) {
						t.Errorf("%s.%s holds a plaintext secret", table, cols[i])
					}
				}
			}
		}
		rows.Close()
	}
	if rowsSeen < 10 {
		t.Errorf("only %d rows in the OAuth tables; the check looked at nothing", rowsSeen)
	}
}
