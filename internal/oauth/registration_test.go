package oauth

import (
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/vault"
)

// TestCleanupUnusedRegistrations removes self-registered clients that no
// user authorized within the TTL, and expired device codes, and nothing else.
func TestCleanupUnusedRegistrations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		s := NewService(db, ratelimit.NewMemory(), ratelimit.NewAddresses(), slog.Default(), Config{Issuer: "http://pb.test", AccessTokenTTL: time.Hour,
			RefreshTokenTTL: 24 * time.Hour, Retention: time.Hour, RegistrationUnusedTTL: time.Hour})
		old := time.Now().Add(-2 * time.Hour)
		apps := map[string]string{}
		for _, name := range []string{"dynamic-old-unused", "dynamic-old-used", "dynamic-new-unused", "admin-old-unused"} {
			app := App{ID: "app_" + strings.ReplaceAll(name, "-", "_"), ClientID: "pbc_" + name, TeamID: "", Name: name, ClientType: Public,
				RedirectURIs: []string{"https://a.example/cb"}, Scopes: []string{}, Registration: registrationDynamic, CreatedAt: old, UpdatedAt: old}
			if strings.HasPrefix(name, "admin") {
				app.Registration = registrationAdmin
			}
			if strings.Contains(name, "new") {
				app.CreatedAt = time.Now()
			}
			if err := db.WithTx(ctx, func(tx *store.Tx) error { return appInsert(ctx, tx, app) }); err != nil {
				t.Fatal(err)
			}
			apps[name] = app.ID
		}
		if err := db.WithTx(ctx, func(tx *store.Tx) error {
			_, err := s.grant(ctx, tx, apps["dynamic-old-used"], "u", "t", []string{}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for name, expires := range map[string]time.Time{"expired": time.Now().Add(-20 * time.Minute), "recently-expired": time.Now().Add(-time.Minute), "live": time.Now().Add(time.Minute)} {
			if _, err := db.Exec(ctx, `INSERT INTO oauth_device_codes (id, app_id, device_code, user_code, scopes, status, poll_interval,
				client_addr, created_at, expires_at) VALUES (?, ?, ?, ?, '[]', ?, 5, '', ?, ?)`,
				"odev_"+name, apps["admin-old-unused"], vault.HashToken("d"+name), vault.HashToken("u"+name), deviceCodePending, old, expires); err != nil {
				t.Fatal(err)
			}
		}
		if err := (&CleanupWorker{Service: s}).Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
		for name, appID := range apps {
			var n int
			if err := db.QueryRow(ctx, "SELECT count(*) FROM oauth_apps WHERE id = ?", appID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 0, false: 1}[name == "dynamic-old-unused"]; n != want {
				t.Errorf("%s: %d rows left, want %d", name, n, want)
			}
		}
		var ids []string
		rows, err := db.Query(ctx, "SELECT id FROM oauth_device_codes")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			rows.Scan(&id) //nolint:errcheck // compared below
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if strings.Join(ids, " ") != "odev_live odev_recently-expired" {
			t.Errorf("device codes left: %v, want odev_live and odev_recently-expired", ids)
		}
	})
}

// FuzzClientMetadata: whatever the body, a registration request is either
// refused with an RFC 7591 error or yields metadata within the policy.
func FuzzClientMetadata(f *testing.F) {
	for _, s := range []string{
		`{"redirect_uris":["https://a.example/cb"],"scope":"read"}`,
		`{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}`,
		`{"grant_types":["urn:ietf:params:oauth:grant-type:device_code"],"client_name":"CLI"}`,
		`{"redirect_uris":"x"}`, `[]`, `null`, `{"scope":"write"}`,
	} {
		f.Add(s)
	}
	db := storetest.OpenSQLite(f)
	s := NewService(db, ratelimit.NewMemory(), ratelimit.NewAddresses(), slog.Default(), Config{Issuer: "http://pb.test", RegistrationScopes: []string{"read"}})
	for _, sc := range []string{"read", "write"} {
		if _, err := s.CreateScope(f.Context(), Scope{Name: sc, Description: sc}); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/oauth/register", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		md, _, terr := s.parseClientMetadata(t.Context(), r)
		if terr != nil {
			if terr.Status != 400 || (terr.Code != "invalid_client_metadata" && terr.Code != "invalid_redirect_uri") {
				t.Fatalf("refusal %+v", terr)
			}
			return
		}
		if md.Scope != "" && md.Scope != "read" {
			t.Fatalf("scope %q is outside the policy", md.Scope)
		}
		for _, u := range md.RedirectURIs {
			if checkRedirectURI(u) != "" {
				t.Fatalf("redirect URI %q accepted", u)
			}
		}
		if len(md.ResponseTypes) != 1 || md.ResponseTypes[0] != "code" {
			t.Fatalf("response_types %v", md.ResponseTypes)
		}
	})
}
