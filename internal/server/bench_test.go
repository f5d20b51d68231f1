package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/tenants"
)

// BenchmarkGetTenant serves GET /v1/tenants/{id} through the whole handler
// chain (request ID, auth, rate limit, SQLite read, JSON, a JSON log line,
// metrics) without the network, to show the server's own cost per request.
func BenchmarkGetTenant(b *testing.B) {
	d := testDeps(b)
	d.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil)) // format the log line, as in production
	ctx := context.Background()
	if _, _, err := d.Tenants.Put(ctx, tenants.Tenant{ID: "bench", Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	limit := int64(1 << 40)
	_, secret, err := d.Keys.Create(ctx, auth.NewKey{Name: "bench", RateLimit: &limit, Scopes: []string{auth.ScopeAll}})
	if err != nil {
		b.Fatal(err)
	}
	h := NewServer(d)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodGet, "/v1/tenants/bench", nil)
			r.Header.Set("Authorization", "Bearer "+secret)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}
