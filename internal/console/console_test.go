package console

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// consoleServer serves the console's page, sign-in and sign-out, and one API
// route behind RequireSession that answers with the key it found, as the
// router wires them.
func consoleServer(t *testing.T, d storetest.Dialect, secure bool) (*httptest.Server, *auth.Keys, *storetest.Clock) {
	t.Helper()
	db := d.Open(t)
	clock := storetest.FakeClock(db)
	keys := auth.NewKeys(db)
	s := NewService(db, keys)
	p := Pages{Sessions: s, Bundle: "/embed/v1/patchbay.js?v=test", Secure: secure}
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, p.HandlePage())
	mux.Handle("POST "+Path+"/session", p.HandleSignIn())
	mux.Handle("POST "+Path+"/session/end", p.HandleSignOut())
	mux.Handle(APIPath+"/echo", RequireSession(s, secure)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, _ := auth.KeyFrom(r.Context())
		io.WriteString(w, key.ID) //nolint:errcheck // a test server
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, keys, clock
}

func newKey(t *testing.T, keys *auth.Keys, tenant *string, scopes ...string) (auth.Key, string) {
	t.Helper()
	k, secret, err := keys.Create(context.Background(), auth.NewKey{Name: "ops " + strings.Join(scopes, " "), Scopes: scopes, TenantID: tenant})
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

// browser is an HTTP client with a cookie jar that does not follow redirects
// and sends what a browser's same-origin form post sends.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, c *http.Client, method, u string, body io.Reader, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

var sameSite = map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"}

func signIn(t *testing.T, c *http.Client, srv *httptest.Server, key string, header map[string]string) *http.Response {
	t.Helper()
	resp, _ := do(t, c, "POST", srv.URL+Path+"/session", strings.NewReader(url.Values{"key": {key}}.Encode()), header)
	return resp
}

var csrfAttr = regexp.MustCompile(`csrf="([^"]+)"`)

func TestConsoleSession(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		srv, keys, clock := consoleServer(t, d, false)
		admin, adminSecret := newKey(t, keys, nil, "*")
		_, readerSecret := newKey(t, keys, nil, "webhooks:read")
		acme := "acme"
		_, tenantSecret := newKey(t, keys, &acme, "*")
		c := browser(t)

		// Signed out: the sign-in form, and the component waiting for a #token.
		resp, body := do(t, c, "GET", srv.URL+Path, nil, nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(body, `name="key" type="password"`) || !strings.Contains(body, "<patchbay-review-console data-console hidden") ||
			!strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(body, `<script src="/embed/v1/patchbay.js?v=test" defer></script>`) {
			t.Fatalf("signed-out page: %d CSP %q\n%s", resp.StatusCode, csp, body)
		}

		// Refused sign-ins set no cookie.
		for _, tc := range []struct {
			name   string
			key    string
			header map[string]string
			status int
		}{
			{"unknown key", "pbk_nope", sameSite, 401},
			{"key without marketplace:admin", readerSecret, sameSite, 403},
			{"key restricted to a tenant", tenantSecret, sameSite, 403},
			{"posted from another site", adminSecret, map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"}, 403},
			{"posted from another origin", adminSecret, map[string]string{"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"}, 403},
		} {
			resp := signIn(t, c, srv, tc.key, tc.header)
			if resp.StatusCode != tc.status || len(resp.Cookies()) != 0 {
				t.Errorf("%s: %d with cookies %v, want %d and none", tc.name, resp.StatusCode, resp.Cookies(), tc.status)
			}
		}

		resp = signIn(t, c, srv, adminSecret, sameSite)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != Path || len(resp.Cookies()) != 1 {
			t.Fatalf("sign-in: %d %v", resp.StatusCode, resp.Header)
		}
		ck := resp.Cookies()[0]
		if ck.Name != "patchbay_console" || !ck.HttpOnly || ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" ||
			ck.MaxAge <= 0 || ck.MaxAge > int(SessionTTL.Seconds()) || strings.Contains(ck.Value, adminSecret) {
			t.Fatalf("session cookie: %+v", ck)
		}

		// Signed in: the component with the session's CSRF token.
		_, body = do(t, c, "GET", srv.URL+Path, nil, nil)
		m := csrfAttr.FindStringSubmatch(body)
		if m == nil || m[1] != CSRFToken(ck.Value) || strings.Contains(body, `name="key"`) || !strings.Contains(body, "ops *") {
			t.Fatalf("signed-in page:\n%s", body)
		}
		csrf := m[1]

		// The API: reads with the cookie; changes also with the CSRF token, from this site.
		if resp, body := do(t, c, "GET", srv.URL+APIPath+"/echo", nil, nil); resp.StatusCode != 200 || body != admin.ID {
			t.Errorf("GET with the session: %d %q", resp.StatusCode, body)
		}
		for _, h := range []map[string]string{
			{},
			{"X-CSRF-Token": "wrong"},
			{"X-CSRF-Token": CSRFToken("pbc_another")},
			{"X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-site"},
		} {
			if resp, body := do(t, c, "POST", srv.URL+APIPath+"/echo", nil, h); resp.StatusCode != 403 || !strings.Contains(body, "csrf_failed") {
				t.Errorf("POST with %v: %d %s", h, resp.StatusCode, body)
			}
		}
		if resp, body := do(t, c, "POST", srv.URL+APIPath+"/echo", nil, map[string]string{"X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-origin"}); resp.StatusCode != 200 || body != admin.ID {
			t.Errorf("POST with the CSRF token: %d %q", resp.StatusCode, body)
		}
		// Without the cookie, nothing.
		if resp, body := do(t, http.DefaultClient, "GET", srv.URL+APIPath+"/echo", nil, nil); resp.StatusCode != 401 || !strings.Contains(body, ReasonSessionInvalid) {
			t.Errorf("GET without the session: %d %s", resp.StatusCode, body)
		}

		// The session expires after SessionTTL.
		clock.Advance(SessionTTL + time.Second)
		if resp, body := do(t, c, "GET", srv.URL+APIPath+"/echo", nil, nil); resp.StatusCode != 401 || !strings.Contains(body, ReasonSessionInvalid) {
			t.Errorf("GET after expiry: %d %s", resp.StatusCode, body)
		}
		if _, body := do(t, c, "GET", srv.URL+Path, nil, nil); !strings.Contains(body, `name="key"`) {
			t.Errorf("page after expiry shows no sign-in form:\n%s", body)
		}

		// Revoking the key ends its sessions at once.
		c = browser(t)
		signIn(t, c, srv, adminSecret, sameSite)
		if resp, _ := do(t, c, "GET", srv.URL+APIPath+"/echo", nil, nil); resp.StatusCode != 200 {
			t.Fatalf("GET after a new sign-in: %d", resp.StatusCode)
		}
		if _, err := keys.Revoke(context.Background(), admin.ID); err != nil {
			t.Fatal(err)
		}
		if resp, _ := do(t, c, "GET", srv.URL+APIPath+"/echo", nil, nil); resp.StatusCode != 401 {
			t.Errorf("GET after the key's revocation: %d, want 401", resp.StatusCode)
		}
	})
}

func TestConsoleSignOut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		srv, keys, _ := consoleServer(t, d, false)
		_, secret := newKey(t, keys, nil, "*")
		c := browser(t)
		signIn(t, c, srv, secret, sameSite)
		_, body := do(t, c, "GET", srv.URL+Path, nil, nil)
		csrf := csrfAttr.FindStringSubmatch(body)[1]

		// A sign-out without the token (a forged form) changes nothing.
		resp, _ := do(t, c, "POST", srv.URL+Path+"/session/end", strings.NewReader("csrf_token=forged"), sameSite)
		if resp.StatusCode != 403 {
			t.Errorf("forged sign-out: %d", resp.StatusCode)
		}
		if resp, _ := do(t, c, "GET", srv.URL+APIPath+"/echo", nil, nil); resp.StatusCode != 200 {
			t.Fatalf("session after a forged sign-out: %d", resp.StatusCode)
		}
		u, _ := url.Parse(srv.URL)
		old := c.Jar.Cookies(u)
		resp, _ = do(t, c, "POST", srv.URL+Path+"/session/end", strings.NewReader("csrf_token="+url.QueryEscape(csrf)), sameSite)
		if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 || resp.Cookies()[0].MaxAge >= 0 {
			t.Fatalf("sign-out: %d %v", resp.StatusCode, resp.Cookies())
		}
		// The old cookie, replayed, is dead too: the session is gone, not only the cookie.
		replay := browser(t)
		replay.Jar.SetCookies(u, old)
		if resp, _ := do(t, replay, "GET", srv.URL+APIPath+"/echo", nil, nil); resp.StatusCode != 401 {
			t.Errorf("replayed cookie after sign-out: %d, want 401", resp.StatusCode)
		}
	})
}

func TestConsoleSecureCookie(t *testing.T) {
	t.Parallel()
	d := storetest.Dialects(t)[0]
	srv, keys, _ := consoleServer(t, d, true)
	_, secret := newKey(t, keys, nil, "*")
	resp := signIn(t, browser(t), srv, secret, sameSite)
	if len(resp.Cookies()) != 1 {
		t.Fatalf("sign-in over https: %d %v", resp.StatusCode, resp.Header)
	}
	ck := resp.Cookies()[0]
	if ck.Name != "__Host-patchbay_console" || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
		t.Errorf("cookie over https: %+v", ck)
	}
}
