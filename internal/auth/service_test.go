package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

type testBundle struct {
	db    *store.DB
	keys  *Keys
	clock *storetest.Clock
}

// setup returns the key service on a fresh database of the dialect, with a
// stopped clock.
func setup(t *testing.T, d storetest.Dialect) *testBundle {
	t.Helper()
	db := d.Open(t)
	return &testBundle{db: db, keys: NewKeys(db), clock: storetest.FakeClock(db)}
}

func ptr[T any](v T) *T { return &v }

// fieldsOf returns the field problems of an Invalid error.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid {
		t.Fatalf("%v is not an invalid-request error", err)
	}
	return e.Fields
}

// TestCreate: a key is made only of known scopes and a valid tenant; the
// secret is returned once, and what is kept shows only its start.
func TestCreate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		for _, tc := range []struct {
			name  string
			nk    NewKey
			field string
		}{
			{"no scopes", NewKey{Name: "k"}, "scopes"},
			{"an unknown scope", NewKey{Name: "k", Scopes: []string{"tenants:read", "tenants:delete"}}, "scopes/1"},
			{"a bad tenant ID", NewKey{Name: "k", Scopes: []string{ScopeAll}, TenantID: ptr("a b")}, "tenant_id"},
		} {
			_, token, err := b.keys.Create(ctx, tc.nk)
			if fields := fieldsOf(t, err); fields[tc.field] == "" || token != "" {
				t.Errorf("%s: fields %v, token %q; want a problem with %s and no token", tc.name, fields, token, tc.field)
			}
		}
		if n, err := b.keys.Count(ctx); err != nil || n != 0 {
			t.Errorf("refused creations left %d keys (%v)", n, err)
		}

		key, token, err := b.keys.Create(ctx, NewKey{Name: "ci", Scopes: []string{"webhooks:read"}, TenantID: ptr("acme"), RateLimit: ptr(int64(5))})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(token, TokenPrefix) || len(token) < len(TokenPrefix)+43 {
			t.Errorf("token %q: want %s and at least 256 bits", token, TokenPrefix)
		}
		want := Key{ID: key.ID, Name: "ci", Hint: token[:len(TokenPrefix)+6] + "…", RateLimit: ptr(int64(5)), Scopes: []string{"webhooks:read"},
			TenantID: ptr("acme"), CreatedAt: b.clock.Now()}
		if diff := cmp.Diff(want, key); diff != "" {
			t.Errorf("created key (-want +got):\n%s", diff)
		}
		stored, err := b.keys.Key(ctx, key.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, stored, cmp.Comparer(time.Time.Equal)); diff != "" {
			t.Errorf("stored key (-want +got):\n%s", diff)
		}
		var storedHash []byte
		if err := b.db.QueryRow(ctx, "SELECT token_hash FROM api_keys WHERE id = ?", key.ID).Scan(&storedHash); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(storedHash), token) || len(storedHash) != 32 {
			t.Errorf("the stored token is not its SHA-256 (%d bytes)", len(storedHash))
		}
	})
}

// TestAuthenticateAndRevoke: a live key authenticates; anything else (a
// malformed, unknown or revoked key) is the same vague 401. Revoking is
// idempotent and keeps the first revocation's time.
func TestAuthenticateAndRevoke(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		key, token, err := b.keys.Create(ctx, NewKey{Name: "k", Scopes: []string{ScopeAll}})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := b.keys.Authenticate(ctx, token); err != nil || got.ID != key.ID {
			t.Fatalf("Authenticate(live key) = %v, %v", got.ID, err)
		}
		refused := map[string]string{
			"another prefix": "pbx_" + token[len(TokenPrefix):],
			"too long":       token + strings.Repeat("x", 128),
			"unknown":        TokenPrefix + strings.Repeat("A", 43),
			"empty":          "",
		}
		for name, tok := range refused {
			if _, err := b.keys.Authenticate(ctx, tok); err != errBadToken {
				t.Errorf("Authenticate(%s) = %v, want the vague 401", name, err)
			}
		}

		revokedAt := b.clock.Now()
		got, err := b.keys.Revoke(ctx, key.ID)
		if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) {
			t.Fatalf("Revoke = %+v, %v; want revoked at %v", got, err, revokedAt)
		}
		if _, err := b.keys.Authenticate(ctx, token); err != errBadToken {
			t.Errorf("Authenticate(revoked key) = %v, want the vague 401 (the revoking node's cache must forget it)", err)
		}
		b.clock.Advance(time.Hour)
		if again, err := b.keys.Revoke(ctx, key.ID); err != nil || again.RevokedAt == nil || !again.RevokedAt.Equal(revokedAt) {
			t.Errorf("second Revoke = %v, %v; want unchanged revocation time %v", again.RevokedAt, err, revokedAt)
		}
		if _, err := b.keys.Revoke(ctx, "key_missing"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("Revoke(unknown) = %v, want not found", err)
		}
	})
}

// TestUpdate: nil leaves a value, a rate limit of 0 returns to the default,
// and the node's cache shows the change at once.
func TestUpdate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		key, token, err := b.keys.Create(ctx, NewKey{Name: "before", Scopes: []string{ScopeAll}, RateLimit: ptr(int64(5))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.keys.Authenticate(ctx, token); err != nil { // cached now
			t.Fatal(err)
		}
		got, err := b.keys.Update(ctx, key.ID, ptr("after"), nil)
		if err != nil || got.Name != "after" || got.RateLimit == nil || *got.RateLimit != 5 {
			t.Fatalf("Update(name) = %+v, %v; want name after, rate limit kept", got, err)
		}
		if authed, _ := b.keys.Authenticate(ctx, token); authed.Name != "after" {
			t.Errorf("Authenticate after Update sees name %q: the cache was not emptied", authed.Name)
		}
		if got, err := b.keys.Update(ctx, key.ID, nil, ptr(int64(0))); err != nil || got.RateLimit != nil || got.Name != "after" {
			t.Errorf("Update(rate limit 0) = %+v, %v; want the default limit and the name kept", got, err)
		}
		if _, err := b.keys.Update(ctx, "key_missing", ptr("x"), nil); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("Update(unknown) = %v, want not found", err)
		}
	})
}

// TestAccessPermit: a route's access needs its scope, and keys restricted to
// a tenant only reach tenant routes.
func TestAccessPermit(t *testing.T) {
	t.Parallel()
	acme := ptr("acme")
	for _, tc := range []struct {
		name   string
		access Access
		key    Key
		ok     bool
	}{
		{"scope held", TenantAccess("webhooks:read"), Key{Scopes: []string{"webhooks:read"}}, true},
		{"scope implied", TenantAccess("webhooks:read"), Key{Scopes: []string{"webhooks:admin"}}, true},
		{"scope lacking", TenantAccess("webhooks:write"), Key{Scopes: []string{"webhooks:read"}}, false},
		{"restricted key, tenant route", TenantAccess("webhooks:read"), Key{Scopes: []string{ScopeAll}, TenantID: acme}, true},
		{"restricted key, installation route", InstallationAccess("keys:admin"), Key{Scopes: []string{ScopeAll}, TenantID: acme}, false},
		{"unrestricted key, installation route", InstallationAccess("keys:admin"), Key{Scopes: []string{ScopeAll}}, true},
	} {
		err := tc.access.Permit(tc.key)
		if (err == nil) != tc.ok || err != nil && apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s: Permit = %v, want ok %v (or 403)", tc.name, err, tc.ok)
		}
	}
}

// TestRequireKeyAndRequire runs the two middlewares as routes.go chains them:
// no key is 401 with a challenge, a key without the scope 403, and a key
// restricted to a tenant gets 404 for another tenant's path.
func TestRequireKeyAndRequire(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		newToken := func(scopes []string, tenant *string) string {
			t.Helper()
			_, token, err := b.keys.Create(ctx, NewKey{Name: "k", Scopes: scopes, TenantID: tenant})
			if err != nil {
				t.Fatal(err)
			}
			return token
		}
		all, acmeOnly, reader := newToken([]string{ScopeAll}, nil), newToken([]string{ScopeAll}, ptr("acme")), newToken([]string{"tenants:read"}, nil)
		mux := http.NewServeMux()
		chain := func(a Access) http.Handler {
			return RequireKey(b.keys)(Require(a)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })))
		}
		mux.Handle("PUT /v1/tenants/{tenant_id}", chain(TenantAccess("tenants:write")))
		mux.Handle("GET /v1/keys", chain(InstallationAccess("keys:admin")))

		for _, tc := range []struct {
			name, method, path, auth string
			want                     int
			challenge                string
		}{
			{"no key", "GET", "/v1/keys", "", 401, `Bearer realm="patchbay"`},
			{"not a bearer", "GET", "/v1/keys", "Basic " + all, 401, `Bearer realm="patchbay"`},
			{"unknown key", "GET", "/v1/keys", "Bearer " + TokenPrefix + "nope", 401, `Bearer realm="patchbay", error="invalid_token"`},
			{"key with everything", "GET", "/v1/keys", "Bearer " + all, 204, ""},
			{"restricted key, installation route", "GET", "/v1/keys", "Bearer " + acmeOnly, 403, ""},
			{"restricted key, its tenant", "PUT", "/v1/tenants/acme", "Bearer " + acmeOnly, 204, ""},
			{"restricted key, another tenant", "PUT", "/v1/tenants/globex", "Bearer " + acmeOnly, 404, ""},
			{"scope lacking", "PUT", "/v1/tenants/acme", "Bearer " + reader, 403, ""},
		} {
			r := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, r)
			if w.Code != tc.want || w.Header().Get("WWW-Authenticate") != tc.challenge {
				t.Errorf("%s: %d, WWW-Authenticate %q; want %d, %q", tc.name, w.Code, w.Header().Get("WWW-Authenticate"), tc.want, tc.challenge)
			}
			if tc.want >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: Content-Type %q, want a problem", tc.name, w.Header().Get("Content-Type"))
			}
		}
	})
}
