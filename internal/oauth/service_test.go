package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// The service's rules, tested directly: the end-to-end tests in cmd/patchbay
// remain the contract of each HTTP flow.

const (
	testRedirect   = "https://app.example/cb"
	testResource   = "https://api.example/mcp"
	testReuseGrace = 10 * time.Second
)

type testBundle struct {
	db    *store.DB
	svc   *Service
	clock *storetest.Clock
}

// setup returns the provider on a fresh database of the dialect, with a
// stopped clock, the scopes read and write, and the SaaS's own login and
// consent pages (so that a test drives the flow as the SaaS would).
func setup(t *testing.T, d storetest.Dialect) *testBundle {
	t.Helper()
	db := d.Open(t)
	b := &testBundle{db: db, clock: storetest.FakeClock(db)}
	b.svc = NewService(db, ratelimit.NewMemory(), ratelimit.NewAddresses(), storetest.DiscardLogger(), Config{
		Issuer: "https://pb.example", LoginURL: "https://saas.example/login", ConsentURL: "https://saas.example/consent",
		AccessTokenTTL: time.Hour, RefreshTokenTTL: 24 * time.Hour, RefreshReuseGrace: testReuseGrace, SecretGrace: time.Hour,
		Retention: time.Hour,
	})
	for _, name := range []string{"read", "write"} {
		if _, err := b.svc.CreateScope(t.Context(), Scope{Name: name, Description: name}); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// app registers an app of clientType that may ask for read and write.
func (b *testBundle) app(t *testing.T, clientType string) AppWithSecret {
	t.Helper()
	app, err := b.svc.CreateApp(t.Context(), App{TeamID: "dev-team", Name: "App", ClientType: clientType,
		RedirectURIs: []string{testRedirect}, Scopes: []string{"read", "write"}})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// authorize runs the authorization-code flow for user-1 as the SaaS's pages
// would (q adds to or overrides the authorization request; grant narrows
// the consent, nil grants all) and returns the code.
func (b *testBundle) authorize(t *testing.T, app AppWithSecret, q url.Values, grant []string) string {
	t.Helper()
	ctx := t.Context()
	req := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {testRedirect}, "scope": {"read write"}, "state": {"s1"}}
	for k, v := range q {
		req[k] = v
	}
	login, browser, err := b.svc.StartAuthorization(ctx, req)
	if err != nil {
		t.Fatalf("StartAuthorization: %v", err)
	}
	r, err := b.svc.AcceptLogin(ctx, param(t, login, "login_challenge"), Account{UserID: "user-1", TeamID: "team-1"})
	if err != nil {
		t.Fatalf("AcceptLogin: %v", err)
	}
	if r, err = b.svc.AcceptConsent(ctx, param(t, r.RedirectTo, "consent_challenge"), grant); err != nil {
		t.Fatalf("AcceptConsent: %v", err)
	}
	step, err := b.svc.consentStep(ctx, param(t, r.RedirectTo, "consent_challenge"), func(requestID string) string {
		if requestID == browser.requestID {
			return browser.secret
		}
		return ""
	})
	if err != nil {
		t.Fatalf("consent step: %v", err)
	}
	if !strings.HasPrefix(step.RedirectTo, testRedirect+"?") {
		t.Fatalf("the flow ended at %q, not the app's redirect URI", step.RedirectTo)
	}
	return param(t, step.RedirectTo, "code")
}

// param returns a query parameter of a URL the flow sent the browser to.
func param(t *testing.T, rawURL, name string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query().Get(name)
	if v == "" {
		t.Fatalf("%s has no %s", rawURL, name)
	}
	return v
}

// token sends form to the token endpoint's service method as app: with HTTP
// Basic for a confidential app, with client_id in the body for a public one.
func (b *testBundle) token(t *testing.T, app AppWithSecret, form url.Values) (TokenResponse, error) {
	t.Helper()
	form = cloneValues(form)
	if app.ClientSecret == "" {
		form.Set("client_id", app.ClientID)
	}
	r := formRequest(form)
	if app.ClientSecret != "" {
		r.SetBasicAuth(url.QueryEscape(app.ClientID), url.QueryEscape(app.ClientSecret))
	}
	return b.svc.Token(t.Context(), r)
}

func formRequest(form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// exchange trades a code for tokens and fails the test if it cannot.
func (b *testBundle) exchange(t *testing.T, app AppWithSecret, code string, extra url.Values) TokenResponse {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}}
	for k, v := range extra {
		form[k] = v
	}
	resp, err := b.token(t, app, form)
	if err != nil {
		t.Fatalf("exchange the code: %v", err)
	}
	return resp
}

func (b *testBundle) refresh(t *testing.T, app AppWithSecret, refreshToken string, extra url.Values) (TokenResponse, error) {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	for k, v := range extra {
		form[k] = v
	}
	return b.token(t, app, form)
}

// active reports whether introspection finds the token live.
func (b *testBundle) active(t *testing.T, token string) bool {
	t.Helper()
	in, err := b.svc.Introspect(t.Context(), token, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return in.Active
}

// errorCode is the OAuth error code (RFC 6749 §5.2) of a token endpoint
// error, or "" for none.
func errorCode(err error) string {
	var te *tokenError
	if errors.As(err, &te) {
		return te.Code
	}
	if err != nil {
		return "not an OAuth error: " + err.Error()
	}
	return ""
}

// TestCodeWorksOnce: a code is exchanged once; presenting it again fails and
// revokes what the first exchange issued (RFC 6749 §4.1.2).
func TestCodeWorksOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		app := b.app(t, Confidential)
		code := b.authorize(t, app, nil, nil)
		first := b.exchange(t, app, code, nil)
		if first.AccessToken == "" || first.RefreshToken == "" || first.Scope != "read write" || first.ExpiresIn != 3600 {
			t.Fatalf("first exchange: %+v", first)
		}
		if !b.active(t, first.AccessToken) {
			t.Fatal("the issued access token is not active")
		}
		_, err := b.token(t, app, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}})
		if got := errorCode(err); got != "invalid_grant" {
			t.Fatalf("second exchange: %q, want invalid_grant", got)
		}
		if b.active(t, first.AccessToken) {
			t.Error("the access token issued for a reused code is still active")
		}
		if _, err := b.refresh(t, app, first.RefreshToken, nil); errorCode(err) != "invalid_grant" {
			t.Errorf("refresh token issued for a reused code: %v, want invalid_grant", err)
		}
	})
}

// TestCodeBindings: a code is redeemed only by the app it was issued to,
// with the redirect URI of its request, within its minute.
func TestCodeBindings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		app, other := b.app(t, Confidential), b.app(t, Confidential)
		code := b.authorize(t, app, nil, nil)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}}
		if _, err := b.token(t, other, form); errorCode(err) != "invalid_grant" {
			t.Errorf("another app's exchange: %v, want invalid_grant", err)
		}
		wrongRedirect := cloneValues(form)
		wrongRedirect.Set("redirect_uri", testRedirect+"/other")
		if _, err := b.token(t, app, wrongRedirect); errorCode(err) != "invalid_grant" {
			t.Errorf("exchange with another redirect_uri: %v, want invalid_grant", err)
		}
		noRedirect := cloneValues(form)
		noRedirect.Del("redirect_uri")
		if _, err := b.token(t, app, noRedirect); errorCode(err) != "invalid_request" {
			t.Errorf("exchange without redirect_uri: %v, want invalid_request", err)
		}

		b.clock.Advance(codeTTL - time.Second)
		b.exchange(t, app, code, nil) // refused attempts did not spend it

		late := b.authorize(t, app, nil, nil)
		b.clock.Advance(codeTTL + time.Second)
		_, err := b.token(t, app, url.Values{"grant_type": {"authorization_code"}, "code": {late}, "redirect_uri": {testRedirect}})
		if errorCode(err) != "invalid_grant" {
			t.Errorf("exchange of an expired code: %v, want invalid_grant", err)
		}
	})
}

// TestPKCE: a public client must send an S256 challenge, and its code is
// redeemed only with the matching verifier; a verifier without a challenge
// is refused too (RFC 9700 §2.1.1).
func TestPKCE(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		public := b.app(t, Public)
		verifier := strings.Repeat("v", 43)
		sum := sha256.Sum256([]byte(verifier))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])

		base := url.Values{"response_type": {"code"}, "client_id": {public.ClientID}, "redirect_uri": {testRedirect}, "scope": {"read"}}
		for name, q := range map[string]url.Values{
			"no challenge":     {},
			"plain method":     {"code_challenge": {challenge}, "code_challenge_method": {"plain"}},
			"no method":        {"code_challenge": {challenge}},
			"short challenge":  {"code_challenge": {"abc"}, "code_challenge_method": {"S256"}},
			"method, no value": {"code_challenge_method": {"S256"}},
		} {
			req := cloneValues(base)
			for k, v := range q {
				req[k] = v
			}
			_, _, err := b.svc.StartAuthorization(ctx, req)
			var fe *flowError
			if !errors.As(err, &fe) || fe.Code != "invalid_request" {
				t.Errorf("authorization request with %s: %v, want invalid_request", name, err)
			}
		}

		code := b.authorize(t, public, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}, nil)
		exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}}
		for name, v := range map[string]string{"no verifier": "", "another verifier": strings.Repeat("w", 43), "malformed verifier": "short"} {
			form := cloneValues(exchange)
			if v != "" {
				form.Set("code_verifier", v)
			}
			if _, err := b.token(t, public, form); errorCode(err) != "invalid_grant" {
				t.Errorf("exchange with %s: %v, want invalid_grant", name, err)
			}
		}
		b.exchange(t, public, code, url.Values{"code_verifier": {verifier}})

		confidential := b.app(t, Confidential)
		code = b.authorize(t, confidential, nil, nil) // no challenge: allowed for a confidential client
		_, err := b.token(t, confidential, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
			"code_verifier": {verifier}})
		if errorCode(err) != "invalid_grant" {
			t.Errorf("a verifier for a code without a challenge: %v, want invalid_grant", err)
		}
	})
}

// TestRefreshRotation: each refresh returns a new refresh token; the old one
// still works within the reuse grace (clients that refresh concurrently), and
// used after it revokes the whole family.
func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		app := b.app(t, Confidential)
		first := b.exchange(t, app, b.authorize(t, app, nil, nil), nil)

		second, err := b.refresh(t, app, first.RefreshToken, nil)
		if err != nil {
			t.Fatal(err)
		}
		if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken || second.Scope != "read write" {
			t.Fatalf("refresh did not rotate: %+v", second)
		}
		b.clock.Advance(testReuseGrace - time.Second)
		concurrent, err := b.refresh(t, app, first.RefreshToken, nil)
		if err != nil {
			t.Fatalf("the rotated token within the grace: %v", err)
		}

		b.clock.Advance(2 * time.Second) // past the grace
		if _, err := b.refresh(t, app, first.RefreshToken, nil); errorCode(err) != "invalid_grant" {
			t.Fatalf("the rotated token after the grace: %v, want invalid_grant", err)
		}
		for name, tok := range map[string]string{"first access": first.AccessToken, "second access": second.AccessToken,
			"concurrent access": concurrent.AccessToken, "second refresh": second.RefreshToken, "concurrent refresh": concurrent.RefreshToken} {
			if b.active(t, tok) {
				t.Errorf("%s token is active after the family was revoked", name)
			}
		}
		if _, err := b.refresh(t, app, concurrent.RefreshToken, nil); errorCode(err) != "invalid_grant" {
			t.Errorf("a refresh token of the revoked family: %v, want invalid_grant", err)
		}

		other := b.exchange(t, app, b.authorize(t, app, nil, nil), nil)
		if !b.active(t, other.AccessToken) {
			t.Error("revoking one family revoked another")
		}
	})
}

// TestExpiry: access tokens end after AccessTokenTTL and refresh tokens
// after RefreshTokenTTL, by the store's clock.
func TestExpiry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		app := b.app(t, Confidential)
		tokens := b.exchange(t, app, b.authorize(t, app, nil, nil), nil)

		b.clock.Advance(time.Hour - time.Second)
		if !b.active(t, tokens.AccessToken) {
			t.Error("the access token is inactive a second before it expires")
		}
		b.clock.Advance(2 * time.Second)
		if b.active(t, tokens.AccessToken) {
			t.Error("the access token is active a second after it expired")
		}
		if !b.active(t, tokens.RefreshToken) {
			t.Error("the refresh token expired with the access token")
		}

		b.clock.Advance(24*time.Hour - time.Hour)
		if b.active(t, tokens.RefreshToken) {
			t.Error("the refresh token is active after it expired")
		}
		if _, err := b.refresh(t, app, tokens.RefreshToken, nil); errorCode(err) != "invalid_grant" {
			t.Errorf("refresh with an expired refresh token: %v, want invalid_grant", err)
		}
	})
}

// TestScopeNarrowing: the user may grant fewer scopes than asked, and a
// refresh may ask for fewer than granted but never for more.
func TestScopeNarrowing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		app := b.app(t, Confidential)
		tokens := b.exchange(t, app, b.authorize(t, app, nil, []string{"read"}), nil)
		if tokens.Scope != "read" {
			t.Fatalf("scope after consent to read only: %q", tokens.Scope)
		}
		if _, err := b.refresh(t, app, tokens.RefreshToken, url.Values{"scope": {"read write"}}); errorCode(err) != "invalid_scope" {
			t.Errorf("refresh asking for a scope not granted: %v, want invalid_scope", err)
		}

		both := b.exchange(t, app, b.authorize(t, app, nil, nil), nil)
		narrowed, err := b.refresh(t, app, both.RefreshToken, url.Values{"scope": {"write"}})
		if err != nil || narrowed.Scope != "write" {
			t.Fatalf("refresh narrowed to write: %+v, %v", narrowed, err)
		}
		in, err := b.svc.Introspect(t.Context(), narrowed.AccessToken, "", "")
		if err != nil || in.Scope != "write" {
			t.Errorf("introspection of the narrowed token: scope %q, %v", in.Scope, err)
		}
	})
}

// TestClientAuthentication: a confidential app authenticates with HTTP Basic
// or client_secret_post, never both; its current secret and, within the
// grace, its previous one work; a public app sends no secret.
func TestClientAuthentication(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		confidential, public := b.app(t, Confidential), b.app(t, Public)
		rotated, err := b.svc.RotateSecret(ctx, confidential.ID)
		if err != nil {
			t.Fatal(err)
		}
		// A request without grant_type gets past authentication only to be
		// refused for that: invalid_request, where failed authentication is
		// invalid_client.
		cid, current, previous := confidential.ClientID, rotated.ClientSecret, confidential.ClientSecret
		for _, tc := range []struct {
			name  string
			basic []string // client ID and secret sent with HTTP Basic
			form  url.Values
			want  string
		}{
			{"basic, current secret", []string{cid, current}, nil, "invalid_request"},
			{"basic, previous secret within the grace", []string{cid, previous}, nil, "invalid_request"},
			{"post, current secret", nil, url.Values{"client_id": {cid}, "client_secret": {current}}, "invalid_request"},
			{"basic and post at once", []string{cid, current}, url.Values{"client_secret": {current}}, "invalid_request"},
			{"basic, wrong secret", []string{cid, "pbo_wrong"}, nil, "invalid_client"},
			{"post, no secret", nil, url.Values{"client_id": {cid}}, "invalid_client"},
			{"basic, unknown client", []string{"pbc_unknown", current}, nil, "invalid_client"},
			{"nothing", nil, nil, "invalid_client"},
			{"public, client_id only", nil, url.Values{"client_id": {public.ClientID}}, "invalid_request"},
			{"public, with a secret", nil, url.Values{"client_id": {public.ClientID}, "client_secret": {"pbo_anything"}}, "invalid_client"},
		} {
			r := formRequest(tc.form)
			if tc.basic != nil {
				r.SetBasicAuth(url.QueryEscape(tc.basic[0]), url.QueryEscape(tc.basic[1]))
			}
			_, err := b.svc.Token(ctx, r)
			if got := errorCode(err); got != tc.want {
				t.Errorf("%s: %q (%v), want %s", tc.name, got, err, tc.want)
			}
			if tc.name == "basic and post at once" && (err == nil || !strings.Contains(err.Error(), "one way only")) {
				t.Errorf("basic and post at once: %v, want the refusal of two methods", err)
			}
		}

		b.clock.Advance(time.Hour + time.Second) // past SecretGrace
		for name, tc := range map[string]struct{ secret, want string }{
			"current secret":                 {current, "invalid_request"},
			"previous secret past the grace": {previous, "invalid_client"},
		} {
			r := formRequest(nil)
			r.SetBasicAuth(url.QueryEscape(cid), url.QueryEscape(tc.secret))
			if _, err := b.svc.Token(ctx, r); errorCode(err) != tc.want {
				t.Errorf("%s: %v, want %s", name, err, tc.want)
			}
		}
	})
}

// TestAudienceBinding: tokens for a registered resource carry it as their
// audience, and only what the authorization named can be asked for later.
func TestAudienceBinding(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		if _, err := b.svc.CreateResource(ctx, Resource{Identifier: testResource, Name: "MCP", Scopes: []string{"read"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.CreateResource(ctx, Resource{Identifier: "https://other.example/api", Name: "Other", Scopes: []string{"read", "write"}}); err != nil {
			t.Fatal(err)
		}
		app := b.app(t, Confidential)

		_, _, err := b.svc.StartAuthorization(ctx, url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {testRedirect},
			"scope": {"read"}, "resource": {"https://unknown.example/api"}})
		if fe := (*flowError)(nil); !errors.As(err, &fe) || fe.Code != "invalid_target" {
			t.Errorf("authorization for an unregistered resource: %v, want invalid_target", err)
		}
		_, _, err = b.svc.StartAuthorization(ctx, url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {testRedirect},
			"scope": {"read write"}, "resource": {testResource}})
		if fe := (*flowError)(nil); !errors.As(err, &fe) || fe.Code != "invalid_scope" {
			t.Errorf("authorization for a scope the resource does not accept: %v, want invalid_scope", err)
		}

		tokens := b.exchange(t, app, b.authorize(t, app, url.Values{"scope": {"read"}, "resource": {testResource}}, nil), nil)
		in, err := b.svc.Introspect(ctx, tokens.AccessToken, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{testResource}, in.Audience); diff != "" || in.Scope != "read" {
			t.Errorf("token for the resource: scope %q, audience (-want +got):\n%s", in.Scope, diff)
		}
		if _, err := b.refresh(t, app, tokens.RefreshToken, url.Values{"resource": {"https://other.example/api"}}); errorCode(err) != "invalid_target" {
			t.Errorf("refresh for a resource the authorization did not name: %v, want invalid_target", err)
		}
		again, err := b.refresh(t, app, tokens.RefreshToken, url.Values{"resource": {testResource}})
		if err != nil {
			t.Fatal(err)
		}
		if in, _ := b.svc.Introspect(ctx, again.AccessToken, "", ""); !cmp.Equal(in.Audience, []string{testResource}) {
			t.Errorf("refreshed token's audience %v, want [%s]", in.Audience, testResource)
		}

		plain := b.exchange(t, app, b.authorize(t, app, nil, nil), nil)
		if in, _ := b.svc.Introspect(ctx, plain.AccessToken, "", ""); len(in.Audience) != 0 || !in.Active {
			t.Errorf("a token whose request named no resource: active %v, audience %v; want none (no default audience)", in.Active, in.Audience)
		}
		// The app acting for itself may name any registered resource, and
		// its token's scopes narrow to those the resource accepts.
		cc, err := b.token(t, app, url.Values{"grant_type": {"client_credentials"}, "resource": {testResource}})
		if err != nil || cc.Scope != "read" {
			t.Errorf("client_credentials for the resource: %+v, %v; want scope read", cc, err)
		}
		if _, err := b.token(t, app, url.Values{"grant_type": {"client_credentials"}, "scope": {"write"}, "resource": {testResource}}); errorCode(err) != "invalid_scope" {
			t.Errorf("client_credentials naming a scope the resource does not accept: %v, want invalid_scope", err)
		}
	})
}
