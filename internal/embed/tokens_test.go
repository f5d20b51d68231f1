package embed

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/tenants"
)

func TestOriginProblem(t *testing.T) {
	t.Parallel()
	for origin, want := range map[string]string{
		"https://app.example.com":       "",
		"https://app.example.com:8443":  "",
		"http://localhost:3000":         "",
		"http://localhost":              "",
		"http://127.0.0.1:8080":         "",
		"http://[::1]:5173":             "",
		"https://[2001:db8::1]":         "",
		"http://app.example.com":        "must use https; http is allowed only for localhost, 127.0.0.1 and [::1]",
		"https://app.example.com/":      "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
		"https://app.example.com/x":     "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
		"https://app.example.com?x":     "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
		"https://app.example.com#x":     "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
		"https://u:p@app.example.com":   "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
		"https://App.Example.com":       "must be lowercase, as browsers send it",
		"https://app.example.com:443":   "must leave out the default port 443, as browsers do",
		"http://localhost:80":           "must leave out the default port 80, as browsers do",
		"https://app.example.com:0":     "has an invalid port",
		"https://app.example.com:08443": "has an invalid port",
		"https://app.example.com:":      "has an invalid port",
		"https://app_x.example.com":     "has an invalid host name",
		"https://-app.example.com":      "has an invalid host name",
		"ftp://app.example.com":         "must use https (or http for localhost)",
		"*":                             "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
		"null":                          "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
		"":                              "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
		"app.example.com":               "must be an origin such as https://app.example.com (scheme://host[:port], no path)",
	} {
		if diff := cmp.Diff(want, OriginProblem(origin)); diff != "" {
			t.Errorf("OriginProblem(%q) (-want +got):\n%s", origin, diff)
		}
	}
}

// FuzzOriginProblem: whatever a SaaS sends, the check neither panics nor
// accepts what a browser could not send as its Origin: an accepted origin
// is exactly scheme://host[:port] of a URL that parses back to itself.
func FuzzOriginProblem(f *testing.F) {
	for _, s := range []string{"https://app.example.com", "http://localhost:3000", "http://[::1]:1", "https://a.b:443", "https://a/b", "https:///x", "https://%41.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		if OriginProblem(origin) != "" {
			return
		}
		scheme, host, ok := strings.Cut(origin, "://")
		if !ok || (scheme != "https" && scheme != "http") || host == "" || strings.ContainsAny(host, "/?#@%\\ \t\r\n") || origin != strings.ToLower(origin) {
			t.Errorf("OriginProblem accepted %q", origin)
		}
	})
}

// FuzzAuthenticateHeader: any Authorization header is answered with a 401
// naming token_invalid, never a panic or another error, when no token
// matches.
func FuzzAuthenticateHeader(f *testing.F) {
	db := storetest.OpenSQLite(f)
	s := NewService(db, "")
	for _, h := range []string{"Bearer pbe_x", "bearer  pbe_", "Basic abc", "Bearer", "Bearer pbe_" + strings.Repeat("a", 200), "pbe_x"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/embed/v1/session", nil)
		r.Header.Set("Authorization", header)
		_, err := s.Authenticate(r.Context(), bearer(r))
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Unauthorized || e.Reason != ReasonInvalid {
			t.Errorf("Authorization %q: %v, want 401 token_invalid", header, err)
		}
	})
}

// TestTokenRules checks minting, authentication, expiry against the
// service's clock, revocation and tenant restriction, on both stores.
func TestTokenRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		for _, id := range []string{"acme", "beta"} {
			if _, _, err := tenants.NewService(db, nil).Put(ctx, tenants.Tenant{ID: id, Name: id}); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		s := NewService(db, "")
		s.NowFunc = func() time.Time { return now }

		nt := NewToken{TenantID: "acme", UserID: "u1", Capabilities: []string{CapWebhooksRead, CapWebhooksRead, CapConnections},
			AllowedOrigins: []string{"https://app.acme.test"}}
		tok, secret, err := s.Mint(ctx, nt)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, TokenPrefix) || len(secret) < len(TokenPrefix)+43 || !tok.ExpiresAt.Equal(now.Add(TTLDefault)) {
			t.Fatalf("minted %q expiring %s, want a 256-bit pbe_ token expiring in 15 minutes", secret, tok.ExpiresAt)
		}
		if diff := cmp.Diff([]string{CapWebhooksRead, CapConnections}, tok.Capabilities); diff != "" {
			t.Errorf("capabilities (-want +got):\n%s", diff)
		}
		for _, tc := range []struct {
			need string
			want bool
		}{{CapWebhooksRead, true}, {CapWebhooks, false}, {CapConnections, true}, {CapAuthorizedApps, false}, {CapAny, true}} {
			if got := tok.Grants(tc.need); got != tc.want {
				t.Errorf("Grants(%s) = %v, want %v", tc.need, got, tc.want)
			}
		}
		if full := (Token{Capabilities: []string{CapWebhooks}}); !full.Grants(CapWebhooksRead) {
			t.Error("webhooks does not include webhooks:read")
		}

		got, err := s.Authenticate(ctx, secret)
		if err != nil || got.ID != tok.ID || got.TenantID != "acme" || got.UserID != "u1" {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		reason := func(err error) string {
			var e *apperr.Error
			if !errors.As(err, &e) {
				return "not an apperr: " + err.Error()
			}
			return string(e.Code) + " " + e.Reason
		}
		now = tok.ExpiresAt.Add(-time.Millisecond)
		if _, err := s.Authenticate(ctx, secret); err != nil {
			t.Errorf("a millisecond before expiry: %v", err)
		}
		now = tok.ExpiresAt
		if _, err := s.Authenticate(ctx, secret); reason(err) != "unauthorized token_expired" {
			t.Errorf("at expiry: %v, want token_expired", err)
		}
		now = tok.CreatedAt

		// A caller restricted to another tenant neither lists nor revokes it.
		beta := tenants.Restrict(ctx, "beta")
		if _, err := s.Revoke(beta, tok.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("revoke from beta: %v, want not found", err)
		}
		if _, err := s.List(beta, "acme", httpapi.Page{Limit: 10}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("list acme from beta: %v, want not found", err)
		}
		if _, err := s.Revoke(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, secret); reason(err) != "unauthorized token_revoked" {
			t.Errorf("after revoking: %v, want token_revoked", err)
		}
		list, err := s.List(ctx, "acme", httpapi.Page{Limit: 10})
		if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
			t.Errorf("list = %+v, %v; want the revoked token", list, err)
		}

		// Minting checks every field and names each bad one.
		for _, tc := range []struct {
			change func(*NewToken)
			field  string
		}{
			{func(n *NewToken) { n.TenantID = "" }, "tenant_id"},
			{func(n *NewToken) { n.UserID = "a b" }, "user_id"},
			{func(n *NewToken) { n.UserName = strings.Repeat("x", 201) }, "user_name"},
			{func(n *NewToken) { n.Capabilities = nil }, "capabilities"},
			{func(n *NewToken) { n.Capabilities = []string{"webhooks:admin"} }, "capabilities/0"},
			{func(n *NewToken) { n.AllowedOrigins = nil }, "allowed_origins"},
			{func(n *NewToken) { n.AllowedOrigins = []string{"https://a.test", "http://b.test"} }, "allowed_origins/1"},
			{func(n *NewToken) { n.TTL = TTLMax + time.Second }, "ttl_seconds"},
			{func(n *NewToken) { n.Locale = "de_DE" }, "locale"},
		} {
			bad := nt
			tc.change(&bad)
			_, _, err := s.Mint(ctx, bad)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[tc.field] == "" {
				t.Errorf("mint with a bad %s: %v (%+v), want 400 naming it alone", tc.field, err, e)
			}
		}
		if _, _, err := s.Mint(ctx, NewToken{TenantID: "nobody", UserID: "u1", Capabilities: []string{CapWebhooks},
			AllowedOrigins: []string{"https://a.test"}}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("mint for an unknown tenant: %v, want invalid", err)
		}
		long, _, err := s.Mint(ctx, NewToken{TenantID: "acme", UserID: "u1", Capabilities: []string{CapWebhooks},
			AllowedOrigins: []string{"https://a.test"}, TTL: TTLMax, Locale: "de-DE"})
		if err != nil || !long.ExpiresAt.Equal(now.Add(TTLMax)) || long.Locale != "de-DE" {
			t.Errorf("an hour's token: %+v, %v", long, err)
		}
	})
}

// TestRequireToken checks the middleware's answers over HTTP on loopback:
// origins, the CORS header on refusals, and the token's tenant as the
// request's {tenant_id}.
func TestRequireToken(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	if _, _, err := tenants.NewService(db, nil).Put(t.Context(), tenants.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	s := NewService(db, "https://Patchbay.Example:443/")
	_, secret, err := s.Mint(t.Context(), NewToken{TenantID: "acme", UserID: "u1", Capabilities: []string{CapWebhooksRead},
		AllowedOrigins: []string{"https://app.acme.test"}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /t/{tenant_id}", CORS(RequireToken(s)(RequireCapability(CapWebhooks)(http.NotFoundHandler()))))
	mux.Handle("GET /t", CORS(RequireToken(s)(RequireCapability(CapWebhooksRead)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		only, _ := tenants.RestrictedTo(r.Context())
		w.Write([]byte(r.PathValue("tenant_id") + " " + only)) //nolint:errcheck // test handler
	})))))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range []struct {
		path, token, origin string
		status              int
		acao, body          string
	}{
		{"/t", secret, "https://app.acme.test", 200, "https://app.acme.test", "acme acme"},
		{"/t", secret, "", 200, "", "acme acme"},
		{"/t", secret, "https://evil.test", 403, "https://evil.test", "origin_not_allowed"},
		// Patchbay's own origin: its hosted pages send it on changes.
		{"/t", secret, "https://patchbay.example", 200, "https://patchbay.example", "acme acme"},
		{"/t", secret, "https://patchbay.example:8443", 403, "https://patchbay.example:8443", "origin_not_allowed"},
		{"/t", "pbe_nope", "https://app.acme.test", 401, "https://app.acme.test", "token_invalid"},
		{"/t", "", "", 401, "", "token_invalid"},
		{"/t/beta", secret, "", 403, "", "capability_missing"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Access-Control-Allow-Origin") != tc.acao || !strings.Contains(b.String(), tc.body) {
			t.Errorf("%s with token %q from %q: %d ACAO %q %s; want %d ACAO %q …%s…", tc.path, tc.token, tc.origin, resp.StatusCode,
				resp.Header.Get("Access-Control-Allow-Origin"), b, tc.status, tc.acao, tc.body)
		}
	}
}

func TestOriginOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://auth.example.com":         "https://auth.example.com",
		"HTTPS://Auth.Example.com:443/x?y": "https://auth.example.com",
		"http://127.0.0.1:8080":            "http://127.0.0.1:8080",
		"http://localhost:80":              "http://localhost",
		"http://[::1]:3000/":               "http://[::1]:3000",
		"https://auth.example.com:8443":    "https://auth.example.com:8443",
		"":                                 "",
		"/relative":                        "",
	} {
		if got := OriginOf(in); got != want {
			t.Errorf("OriginOf(%q) = %q, want %q", in, got, want)
		}
	}
}
