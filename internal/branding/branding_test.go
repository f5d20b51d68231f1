package branding

import (
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/tenants"
)

func TestSettingsValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		set  Settings
		dev  bool
		want map[string]string
	}{
		{Settings{ProductName: "Acme", AccentColor: "#A1b2C3", Theme: "dark", SupportURL: "https://acme.example/help"}, false, map[string]string{}},
		{Settings{AccentColor: "#abc"}, false, map[string]string{"accent_color": "must be a colour written #rrggbb, such as #1d4ed8"}},
		{Settings{AccentColor: "blue"}, false, map[string]string{"accent_color": "must be a colour written #rrggbb, such as #1d4ed8"}},
		{Settings{Theme: "sepia"}, false, map[string]string{"theme": "must be light, dark or auto"}},
		{Settings{TermsURL: "http://127.0.0.1:8080/terms"}, true, map[string]string{}},
		{Settings{TermsURL: "http://127.0.0.1:8080/terms"}, false, map[string]string{"terms_url": "must use https"}},
		{Settings{TermsURL: "http://acme.example/terms"}, true, map[string]string{"terms_url": "must use https (http only to a loopback host in development)"}},
		{Settings{PrivacyURL: "javascript:alert(1)"}, false, map[string]string{"privacy_url": "must be an absolute https URL of at most 2000 bytes"}},
		{Settings{SupportURL: "https://user:pw@acme.example"}, false, map[string]string{"support_url": "must be an absolute https URL of at most 2000 bytes"}},
		{Settings{ProductName: "line\nbreak"}, false, map[string]string{"product_name": "must be at most 100 bytes of text without control characters"}},
	} {
		if diff := cmp.Diff(tc.want, tc.set.Valid(tc.dev)); diff != "" {
			t.Errorf("%+v dev=%v: Valid (-want +got):\n%s", tc.set, tc.dev, diff)
		}
	}
}

func TestForTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		s := NewService(db, assets.NewStore(db), Config{}, slog.New(slog.DiscardHandler))
		if _, _, err := tenants.NewService(db, nil).Put(ctx, tenants.Tenant{ID: "acme"}); err != nil {
			t.Fatal(err)
		}

		got, err := s.ForTenant(ctx, "acme")
		if err != nil || got != htmlpage.DefaultBrand {
			t.Errorf("ForTenant with no branding = %+v, %v; want the default", got, err)
		}
		if _, err := s.PutInstallation(ctx, Settings{ProductName: "Patchy", Theme: "light", SupportURL: "https://p.example/help"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutTenant(ctx, "acme", Settings{AccentColor: "#FFD400", Theme: "dark"}); err != nil {
			t.Fatal(err)
		}
		want := Effective{ProductName: "Patchy", AccentColor: "#ffd400", Theme: "dark", SupportURL: "https://p.example/help"}
		if got, err := s.ForTenant(ctx, "acme"); err != nil || got != want {
			t.Errorf("ForTenant(acme) = %+v, %v; want %+v", got, err, want)
		}
		want = Effective{ProductName: "Patchy", AccentColor: htmlpage.DefaultBrand.AccentColor, Theme: "light", SupportURL: "https://p.example/help"}
		if got := s.Brand(ctx, "other"); got != want {
			t.Errorf("Brand(other) = %+v, want the installation's %+v", got, want)
		}
		if _, err := s.PutTenant(ctx, "nobody", Settings{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("PutTenant for an unknown tenant: %v, want not found", err)
		}
		if _, err := s.PutInstallation(ctx, Settings{Theme: "sepia"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("PutInstallation with a bad theme: %v, want invalid", err)
		}
	})
}
