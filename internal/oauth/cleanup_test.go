package oauth

import (
	"log/slog"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestCleanup removes what expired or was revoked before the retention
// window, and nothing else.
func TestCleanup(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		s := NewService(db, ratelimit.NewMemory(), ratelimit.NewAddresses(), slog.Default(), Config{Issuer: "http://pb.test", AccessTokenTTL: time.Hour,
			RefreshTokenTTL: 24 * time.Hour, Retention: time.Hour})
		if _, err := s.CreateScope(ctx, Scope{Name: "read", Description: "Read"}); err != nil {
			t.Fatal(err)
		}
		app, err := s.CreateApp(ctx, App{TeamID: "t", Name: "A", ClientType: Confidential, RedirectURIs: []string{"https://a.example/cb"}, Scopes: []string{"read"}})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		for _, name := range []string{"live", "expired-long-ago", "expired-recently", "revoked-long-ago", "revoked-recently"} {
			err := db.WithTx(ctx, func(tx *store.Tx) error {
				_, err := s.issue(ctx, tx, issued{appID: app.ID, familyID: name, scopes: []string{"read"}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var tokenID string
			if err := db.QueryRow(ctx, "SELECT id FROM oauth_tokens WHERE family_id = ?", name).Scan(&tokenID); err != nil {
				t.Fatal(err)
			}
			ids[name] = tokenID
		}
		past := func(d time.Duration) time.Time { return time.Now().Add(-d) }
		for _, u := range []struct {
			query string
			args  []any
		}{
			{"UPDATE oauth_tokens SET access_expires_at = ? WHERE id = ?", []any{past(2 * time.Hour), ids["expired-long-ago"]}},
			{"UPDATE oauth_tokens SET access_expires_at = ? WHERE id = ?", []any{past(time.Minute), ids["expired-recently"]}},
			{"UPDATE oauth_tokens SET revoked_at = ? WHERE id = ?", []any{past(2 * time.Hour), ids["revoked-long-ago"]}},
			{"UPDATE oauth_tokens SET revoked_at = ? WHERE id = ?", []any{past(time.Minute), ids["revoked-recently"]}},
		} {
			if _, err := db.Exec(ctx, u.query, u.args...); err != nil {
				t.Fatal(err)
			}
		}
		if err := (&CleanupWorker{Service: s}).Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
		for name, tokenID := range ids {
			var n int
			if err := db.QueryRow(ctx, "SELECT count(*) FROM oauth_tokens WHERE id = ?", tokenID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 0, false: 1}[name == "expired-long-ago" || name == "revoked-long-ago"]; n != want {
				t.Errorf("%s: %d rows left, want %d", name, n, want)
			}
		}
	})
}
