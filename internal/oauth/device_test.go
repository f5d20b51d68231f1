package oauth

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestUserCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := newUserCode()
		if normalizeUserCode(c) != c || normalizeUserCode(strings.ToLower(displayUserCode(c))) != c {
			t.Fatalf("user code %q does not read back", c)
		}
		seen[c] = true
	}
	if len(seen) < 999 {
		t.Errorf("%d distinct codes in 1000", len(seen))
	}
	for typed, want := range map[string]string{
		"bcdf-ghjk": "BCDFGHJK", " BCDF GHJK ": "BCDFGHJK", "BCDFGHJ": "", "BCDF-GHJKL": "", "ABCD-FGHJ": "", "BCDF_GHJK": "", "ВCDF-GHJK": "",
	} {
		if got := normalizeUserCode(typed); got != want {
			t.Errorf("normalizeUserCode(%q) = %q, want %q", typed, got, want)
		}
	}
}

// FuzzUserCode: whatever a user types, reading it never panics and yields
// either nothing or a well-formed code that reads back as itself.
func FuzzUserCode(f *testing.F) {
	for _, s := range []string{"BCDF-GHJK", "bcdfghjk", "", "ß-ß", strings.Repeat("B", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		c := normalizeUserCode(typed)
		if c == "" {
			return
		}
		if len(c) != userCodeLength || strings.Trim(c, userCodeAlphabet) != "" || normalizeUserCode(displayUserCode(c)) != c {
			t.Fatalf("normalizeUserCode(%q) = %q", typed, c)
		}
	})
}

// fuzzDeviceService is a service with one public app, cli, that may use the
// device flow with the scope read, for the device fuzz targets.
func fuzzDeviceService(f *testing.F) *Service {
	f.Helper()
	s := NewService(storetest.OpenSQLite(f), ratelimit.NewMemory(), ratelimit.NewAddresses(), slog.Default(), Config{Issuer: "http://pb.test",
		AccessTokenTTL: time.Hour, RefreshTokenTTL: time.Hour})
	if _, err := s.CreateScope(f.Context(), Scope{Name: "read", Description: "read"}); err != nil {
		f.Fatal(err)
	}
	err := s.db.WithTx(f.Context(), func(tx *store.Tx) error {
		return appInsert(f.Context(), tx, App{ID: "app_cli", ClientID: "cli", Name: "CLI", ClientType: Public, RedirectURIs: []string{},
			Scopes: []string{"read"}, ExchangeAudiences: []string{}, Registration: registrationAdmin, authMethod: "none"})
	})
	if err != nil {
		f.Fatal(err)
	}
	return s
}

// deviceErrors are the errors the device endpoints may answer a malformed
// or refused request with: RFC 6749 §5.2, RFC 8628 §3.5, RFC 8707 §2, and
// temporarily_unavailable (429) once the fuzzer has filled the bounds on
// pending codes or unauthenticated requests.
var deviceErrors = []string{"invalid_request", "invalid_client", "invalid_grant", "invalid_scope", "invalid_target", "unauthorized_client",
	"unsupported_grant_type", "authorization_pending", "slow_down", "expired_token", "access_denied", "temporarily_unavailable"}

// refusedAsDeviceEndpoint reports whether err refuses a device request, and
// fails the test unless it is a 4xx among deviceErrors.
func refusedAsDeviceEndpoint(t *testing.T, body string, err error) bool {
	t.Helper()
	var te *tokenError
	switch {
	case errors.As(err, &te):
		if te.Status < 400 || te.Status >= 500 || !slices.Contains(deviceErrors, te.Code) {
			t.Fatalf("body %q: refusal %+v", body, te)
		}
		return true
	case err != nil:
		t.Fatalf("body %q: %v", body, err)
	}
	return false
}

// FuzzDeviceAuthorizationRequest: whatever the body of a device
// authorization request (RFC 8628 §3.1), it is refused with an OAuth error
// or answered with well-formed codes for the app's scopes, never a panic or
// an internal error.
func FuzzDeviceAuthorizationRequest(f *testing.F) {
	for _, body := range []string{
		"client_id=cli&scope=read",
		"client_id=cli&scope=read+write",
		"client_id=cli&scope=read&resource=https%3A%2F%2Fapi.example",
		"client_id=cli&scope=read&resource=a&resource=b",
		"client_id=cli&client_id=cli&scope=read",
		"client_id=nobody&scope=read",
		"scope=read",
		"client_id=cli&scope=%zz",
		"client_id=cli&scope=" + strings.Repeat("read+", 500),
	} {
		f.Add(body)
	}
	s := fuzzDeviceService(f)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/device_authorization", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := s.DeviceAuthorization(t.Context(), r)
		switch {
		case refusedAsDeviceEndpoint(t, body, err):
		case !strings.HasPrefix(resp.DeviceCode, prefixDevice) || normalizeUserCode(resp.UserCode) == "" || resp.Interval <= 0 || resp.ExpiresIn <= 0:
			t.Fatalf("body %q: answer %+v", body, resp)
		}
	})
}

// FuzzDeviceCodeGrant: whatever the parameters of a device_code grant
// (RFC 8628 §3.4), the token endpoint refuses with an OAuth error, never a
// panic or an internal error; and no made-up device code yields tokens.
func FuzzDeviceCodeGrant(f *testing.F) {
	for _, params := range []string{
		"device_code=pbdc_x",
		"device_code=",
		"device_code=a&device_code=b",
		"device_code=pbdc_x&resource=https%3A%2F%2Fapi.example",
		"device_code=pbdc_x&scope=read",
		"device_code=%00",
	} {
		f.Add(params)
	}
	s := fuzzDeviceService(f)
	f.Fuzz(func(t *testing.T, params string) {
		body := "grant_type=" + url.QueryEscape(grantDeviceCode) + "&client_id=cli&" + params
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, err := s.Token(t.Context(), r); !refusedAsDeviceEndpoint(t, body, err) {
			t.Fatalf("body %q: tokens %+v for a device code nobody was given", body, resp)
		}
	})
}
