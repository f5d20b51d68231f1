package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// regexpRefresh finds the refresh token in a token response.
var regexpRefresh = regexp.MustCompile(`"refresh_token":"([^"]+)"`)

// plainCall sends one request from the client address addr (through
// X-Forwarded-For; the node trusts loopback as its proxy), follows no
// redirect and keeps no cookie, as a flood would.
func plainCall(t *testing.T, method, u, addr string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// pendingRequests counts the stored authorization requests of an app, or of
// all apps when appID is "".
func pendingRequests(t *testing.T, opts store.Options, appID string) int {
	t.Helper()
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	q, args := "SELECT COUNT(*) FROM oauth_requests", []any{}
	if appID != "" {
		q, args = q+" WHERE app_id = ?", []any{appID}
	}
	if err := db.QueryRow(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAuthorizeFloodIsBounded sends 2,000 unauthenticated authorization
// requests, each with a 2,000-byte state, from one address (issue 12, item
// 4: they used to leave 2,000 rows). The per-address page limit answers most
// of them with a 429 page, and whatever it lets through is bounded by the
// pending-request bounds.
func TestAuthorizeFloodIsBounded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		state := strings.Repeat("s", 2000)
		t.Run("RateLimited", func(t *testing.T) {
			t.Parallel()
			o := setupOAuth(t, d, "--rate-limit", "1000") // the page limit at its default, 60/1m
			a := o.createApp(t, `{"team_id":"devteam","name":"Flooded","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
			authURL := o.config(a, "read:projects").AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
			statuses := map[int]int{}
			for i := range 2000 {
				resp, body := plainCall(t, "GET", authURL, "", nil)
				statuses[resp.StatusCode]++
				if resp.StatusCode == http.StatusTooManyRequests && statuses[429] == 1 {
					if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Retry-After") == "" ||
						!strings.Contains(body, "Too many requests") || !strings.Contains(resp.Header.Get("RateLimit-Policy"), `"pages";q=60;w=60`) {
						t.Errorf("request %d refused with %v:\n%s", i, resp.Header, body)
					}
				}
			}
			if statuses[429] < 1900 {
				t.Errorf("statuses %v: want at least 1900 refused with 429", statuses)
			}
			if n := pendingRequests(t, o.opts, ""); n > 60 {
				t.Errorf("%d authorization requests stored after the flood, want at most 60", n)
			}
		})

		t.Run("PendingBounds", func(t *testing.T) {
			t.Parallel()
			// --rate-limit 0 lifts the per-address limits, leaving the bounds.
			o := setupOAuth(t, d, "--rate-limit", "0", "--trusted-proxies", "127.0.0.1/32",
				"--oauth-pending-requests-per-app", "80", "--oauth-pending-requests", "100")
			a := o.createApp(t, `{"team_id":"devteam","name":"A","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
			b := o.createApp(t, `{"team_id":"devteam","name":"B","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
			verifier := oauth2.GenerateVerifier()
			authorize := func(app testApp, addr string) (started bool) {
				t.Helper()
				resp, body := plainCall(t, "GET", o.config(app, "read:projects").AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), addr, nil)
				loc, _ := url.Parse(resp.Header.Get("Location"))
				switch {
				case resp.StatusCode == 303 && loc != nil && loc.Query().Get("login_challenge") != "":
					return true
				case resp.StatusCode == 303 && loc != nil && loc.Query().Get("error") == "temporarily_unavailable" && loc.Query().Get("state") == state:
					return false
				}
				t.Fatalf("authorize from %s: %d %q\n%s", addr, resp.StatusCode, resp.Header.Get("Location"), body)
				return false
			}
			count := func(app testApp, addrs func(i int) string, n int) (started int) {
				for i := range n {
					if authorize(app, addrs(i)) {
						started++
					}
				}
				return started
			}
			// One address: 50 per app.
			if got := count(a, func(int) string { return "203.0.113.7" }, 2000); got != 50 {
				t.Errorf("one address started %d of 2000 requests, want 50", got)
			}
			// More addresses: up to the app's 80.
			if got := count(a, func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) }, 40); got != 30 {
				t.Errorf("40 other addresses started %d requests for the same app, want 30 (its bound of 80)", got)
			}
			// Another app: up to 100 in all.
			if got := count(b, func(i int) string { return fmt.Sprintf("2001:db8:%x::1", i+1) }, 40); got != 20 {
				t.Errorf("40 addresses started %d requests for another app, want 20 (the bound of 100 in all)", got)
			}
			if n := pendingRequests(t, o.opts, ""); n != 100 {
				t.Errorf("%d authorization requests stored, want 100", n)
			}
		})
	})
}

// TestOAuthPublicClientNotLockedOut is issue 12, item 5: a public client's
// client_id is public, so the per-client token limit must not let a stranger
// refuse its users' valid codes and refresh tokens. Unauthenticated and failed
// requests are limited per address instead.
func TestOAuthPublicClientNotLockedOut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--rate-limit", "1000", "--oauth-token-rate-limit", "3", "--public-rate-limit-oauth", "5/1m",
			"--trusted-proxies", "127.0.0.1/32")
		pub := o.createApp(t, `{"team_id":"devteam","name":"Mobile","client_type":"public","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		conf := o.config(pub, "read:projects")
		code, verifier := o.codeFor(t, newBrowser(t), conf)
		const attacker, victim = "203.0.113.7", "198.51.100.9"

		// The attacker's failures are limited on its address: 5, then 429s
		// in the token endpoint's own format.
		bogus := url.Values{"grant_type": {"authorization_code"}, "client_id": {pub.ClientID}, "code": {"pbac_bogus"},
			"redirect_uri": {callbackURI}, "code_verifier": {verifier}}
		attack := func() (limited int) {
			for range 6 {
				resp, body := plainCall(t, "POST", o.node.URL+"/oauth/token", attacker, bogus)
				if resp.StatusCode == http.StatusTooManyRequests {
					limited++
					if resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"error":"temporarily_unavailable"`) {
						t.Errorf("429 without Retry-After or OAuth error: %v %s", resp.Header, body)
					}
				} else if resp.StatusCode != 400 || !strings.Contains(body, "invalid_grant") {
					t.Errorf("bogus code: %d %s", resp.StatusCode, body)
				}
			}
			return limited
		}
		if limited := attack(); limited != 1 {
			t.Errorf("%d of the attacker's first 6 requests limited, want 1 (the 6th)", limited)
		}

		// The victim, elsewhere, exchanges the code and refreshes between
		// further attacks.
		form := url.Values{"grant_type": {"authorization_code"}, "client_id": {pub.ClientID}, "code": {code},
			"redirect_uri": {callbackURI}, "code_verifier": {verifier}}
		resp, body := plainCall(t, "POST", o.node.URL+"/oauth/token", victim, form)
		if resp.StatusCode != 200 {
			t.Fatalf("victim's code exchange after the attack: %d %s", resp.StatusCode, body)
		}
		refresh := regexpRefresh.FindStringSubmatch(body)
		if refresh == nil {
			t.Fatalf("no refresh token in %s", body)
		}
		for round := range 3 {
			attack()
			resp, body := plainCall(t, "POST", o.node.URL+"/oauth/token", victim,
				url.Values{"grant_type": {"refresh_token"}, "client_id": {pub.ClientID}, "refresh_token": {refresh[1]}})
			if resp.StatusCode != 200 {
				t.Fatalf("victim's refresh %d during the attack: %d %s", round, resp.StatusCode, body)
			}
			refresh = regexpRefresh.FindStringSubmatch(body)
		}

		// Wrong secrets for a confidential client count on the sender's
		// address too, and not against the client.
		conf2 := o.createApp(t, `{"team_id":"devteam","name":"Server","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		cc := url.Values{"grant_type": {"client_credentials"}}
		var limited int
		for range 6 {
			if resp, _ := plainCall(t, "POST", o.node.URL+"/oauth/token", "203.0.113.8",
				url.Values{"grant_type": {"client_credentials"}, "client_id": {conf2.ClientID}, "client_secret": {"pbo_wrong"}}); resp.StatusCode == 429 {
				limited++
			}
		}
		if limited != 1 {
			t.Errorf("%d of 6 failed authentications from one address limited, want 1", limited)
		}
		if st, _, m := o.tokenCall(t, "/oauth/token", cc, conf2.ClientID, conf2.ClientSecret); st != 200 {
			t.Errorf("the confidential client after a stranger's failures: %d %v", st, m)
		}
	})
}

// TestIngestRateLimitPerAddress limits /in/ per client address, with a
// problem, Retry-After and the RateLimit fields.
func TestIngestRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--public-rate-limit-ingest", "5/1m", "--trusted-proxies", "127.0.0.1/32")
		u := e.node.URL + "/in/src_unknown"
		for i := range 6 {
			resp, body := plainCall(t, "POST", u, "203.0.113.7", url.Values{"a": {"b"}})
			want := http.StatusNotFound
			if i == 5 {
				want = http.StatusTooManyRequests
			}
			if resp.StatusCode != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") ||
				!strings.Contains(resp.Header.Get("RateLimit-Policy"), `"ingest";q=5;w=60`) {
				t.Fatalf("request %d: %d %v %s, want %d", i, resp.StatusCode, resp.Header, body, want)
			}
			if want == 429 && resp.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		}
		if resp, body := plainCall(t, "POST", u, "203.0.113.8", url.Values{"a": {"b"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another address: %d %s, want 404", resp.StatusCode, body)
		}
	})
}

// TestConnectCookieFixation is issue 12, item 8: an attacker who plants a
// connect cookie in the victim's browser must not be able to post the
// victim's connect form with their own credentials. The page used to adopt
// the planted cookie and derive its CSRF token from it, so the attacker knew
// both.
func TestConnectCookieFixation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)
		sess := e.createJSON(t, "/v1/connect/sessions", `{"tenant_id":"acme","end_user_id":"victim","integration_id":"`+in["id"].(string)+
			`","return_url":"https://saas.example/done"}`)
		// Planted under the name the page used to read, and under the
		// session's own cookie name, should the attacker know its ID.
		const planted = "pbcb_planted_by_the_attacker"
		sessionCookie := "patchbay_connect_" + sess["id"].(string)
		victim := e.fake.browser(t)
		node, _ := url.Parse(e.node.URL + "/connect/")
		victim.Jar.SetCookies(node, []*http.Cookie{{Name: "patchbay_connect", Value: planted, Path: "/connect"},
			{Name: sessionCookie, Value: planted, Path: "/connect"}})
		action, csrf, _ := openPage(t, victim, sess["url"].(string))

		// The attacker posts the form with the planted cookie and the CSRF
		// token the old code derived from it.
		sum := sha256.Sum256([]byte("csrf:" + planted))
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.node.URL+action, strings.NewReader(url.Values{
			"csrf_token": {base64.RawURLEncoding.EncodeToString(sum[:])}, "api_key": {fakeAPIKey}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "patchbay_connect", Value: planted})
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: planted})
		resp, err := (&http.Client{Transport: e.fake.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), "wrong_browser") {
			t.Fatalf("the attacker's post with a planted cookie: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), b)
		}
		for _, c := range victim.Jar.Cookies(node) {
			if c.Name == sessionCookie && c.Value == planted {
				t.Errorf("the session's cookie is still the planted one after opening the page")
			}
		}

		// The victim's own form still works, once.
		resp, body := submit(t, victim, e.node.URL, action, url.Values{"csrf_token": {csrf}, "api_key": {fakeAPIKey}})
		if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != 303 || loc == nil || loc.Query().Get("status") != "connected" {
			t.Fatalf("the victim's connect: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
	})
}

// TestConnectCookieIsHostPrefixed: over https the connect cookie is a
// __Host- cookie, which no sibling subdomain or http page can set.
func TestConnectCookieIsHostPrefixed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d, "--public-url", "https://auth.example.com")
		in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)
		sess := e.createJSON(t, "/v1/connect/sessions", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+in["id"].(string)+
			`","return_url":"https://saas.example/done"}`)
		token := sess["url"].(string)[strings.LastIndex(sess["url"].(string), "/")+1:]
		resp, body := plainCall(t, "GET", e.node.URL+"/connect/"+token, "", nil)
		cookies := resp.Cookies()
		if resp.StatusCode != 200 || len(cookies) != 1 {
			t.Fatalf("connect page: %d %v\n%s", resp.StatusCode, cookies, body)
		}
		if c := cookies[0]; c.Name != "__Host-patchbay_connect_"+sess["id"].(string) || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
			t.Errorf("cookie %+v, want __Host-patchbay_connect_<session ID>, Secure, HttpOnly, Path=/ and no Domain", c)
		}
	})
}

// TestConnectTwoTabs: one browser may run two connect flows at once, each
// bound by its own cookie, so opening the second does not undo the first.
func TestConnectTwoTabs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)
		browser := e.fake.browser(t)
		type tab struct{ action, csrf string }
		var tabs []tab
		for _, user := range []string{"u1", "u2"} {
			sess := e.createJSON(t, "/v1/connect/sessions", `{"tenant_id":"acme","end_user_id":"`+user+`","integration_id":"`+in["id"].(string)+
				`","return_url":"https://saas.example/done"}`)
			action, csrf, _ := openPage(t, browser, sess["url"].(string))
			tabs = append(tabs, tab{action, csrf})
		}
		for i, tb := range tabs {
			resp, body := submit(t, browser, e.node.URL, tb.action, url.Values{"csrf_token": {tb.csrf}, "api_key": {fakeAPIKey}})
			if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != 303 || loc == nil || loc.Query().Get("status") != "connected" {
				t.Errorf("tab %d: %d %q %s", i+1, resp.StatusCode, resp.Header.Get("Location"), body)
			}
		}
	})
}

// TestOAuthCookieFixation: the authorization flow's browser binding must not
// adopt a cookie the browser brings. It used to: an attacker who planted a
// flow cookie in the victim's browser knew the secret the victim's request
// was bound to, and could complete the victim's sign-in from a leaked
// consent link in their own browser.
func TestOAuthCookieFixation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		a := o.createApp(t, `{"team_id":"devteam","name":"Fixed","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		const planted = "pbch_planted_by_the_attacker"
		victim := newBrowser(t)
		node, _ := url.Parse(o.node.URL + "/oauth/")
		victim.c.Jar.SetCookies(node, []*http.Cookie{{Name: "patchbay_oauth", Value: planted, Path: "/oauth"}})
		s := victim.visit(o.config(a, "read:projects").AuthCodeURL("v", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if s.Status != 200 {
			t.Fatalf("the victim's consent screen: %d\n%s", s.Status, s.Page)
		}
		f := consentForm(t, s.Page)
		var flowCookie string
		for _, c := range victim.c.Jar.Cookies(node) {
			if strings.HasPrefix(c.Name, "patchbay_oauth_oreq_") {
				flowCookie = c.Name
				if c.Value == planted {
					t.Errorf("the flow cookie holds the planted value")
				}
			}
		}

		// The attacker opens the leaked consent link with the planted value,
		// under the old name and under the request's own.
		req, _ := http.NewRequestWithContext(t.Context(), "GET", o.node.URL+"/oauth/consent?consent_challenge="+url.QueryEscape(f.Get("consent_challenge")), nil)
		req.AddCookie(&http.Cookie{Name: "patchbay_oauth", Value: planted})
		if flowCookie != "" {
			req.AddCookie(&http.Cookie{Name: flowCookie, Value: planted})
		}
		if s := newBrowser(t).walk(req); s.Status != 400 || !strings.Contains(s.Page, "access_denied") {
			t.Fatalf("the attacker with the planted cookie: %d\n%s", s.Status, s.Page)
		}
		if flowCookie == "" {
			t.Fatalf("no flow cookie named after the request in %v", victim.c.Jar.Cookies(node))
		}

		// The victim's own flow goes on.
		f.Set("decision", "approve")
		if s := victim.post(o.node.URL+"/oauth/consent", f); s.Callback == nil || s.Callback.Query().Get("code") == "" {
			t.Fatalf("the victim's consent: %+v", s)
		}
	})
}

// TestOAuthTwoTabs: one browser may run two authorizations at once, each
// bound by its own cookie, so starting the second does not undo the first.
func TestOAuthTwoTabs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		a := o.createApp(t, `{"team_id":"devteam","name":"Tabs","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		b := newBrowser(t)
		var forms []url.Values
		for _, state := range []string{"tab1", "tab2"} {
			s := b.visit(o.config(a, "read:projects").AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			if s.Status != 200 {
				t.Fatalf("%s: consent screen: %d\n%s", state, s.Status, s.Page)
			}
			forms = append(forms, consentForm(t, s.Page))
		}
		for i, f := range forms {
			f.Set("decision", "approve")
			if s := b.post(o.node.URL+"/oauth/consent", f); s.Callback == nil || s.Callback.Query().Get("code") == "" ||
				s.Callback.Query().Get("state") != []string{"tab1", "tab2"}[i] {
				t.Errorf("tab %d: %+v", i+1, s)
			}
		}
	})
}

// TestOAuthCookieIsHostPrefixed: over https the flow cookie is a __Host-
// cookie, which no sibling subdomain or http page can set.
func TestOAuthCookieIsHostPrefixed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--public-url", "https://auth.example.com")
		a := o.createApp(t, `{"team_id":"devteam","name":"Host","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		resp, body := plainCall(t, "GET", o.config(a, "read:projects").AuthCodeURL("h", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "", nil)
		cookies := resp.Cookies()
		if resp.StatusCode != 303 || len(cookies) != 1 {
			t.Fatalf("authorize: %d %v\n%s", resp.StatusCode, cookies, body)
		}
		if c := cookies[0]; !strings.HasPrefix(c.Name, "__Host-patchbay_oauth_oreq_") || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
			t.Errorf("cookie %+v, want __Host-patchbay_oauth_<request ID>, Secure, HttpOnly, Path=/ and no Domain", c)
		}
	})
}
