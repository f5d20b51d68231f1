package connect

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// benchRefreshConnections is how many connections come due at once.
const benchRefreshConnections = 10_000

// BenchmarkRefreshDue times one run of the refresh job over 10,000
// connections of one provider, all due, against a token endpoint on loopback
// (TLS, rotating refresh tokens). One iteration is one whole run:
//
//	go test ./internal/connect -run XXX -bench RefreshDue -benchtime 1x
func BenchmarkRefreshDue(b *testing.B) {
	dialects := []storetest.Dialect{{Name: store.SQLite, Open: storetest.OpenSQLite}}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		dialects = append(dialects, storetest.Dialect{Name: store.Postgres, Open: storetest.OpenPostgres})
	}
	for _, d := range dialects {
		b.Run(d.Name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				ts := newTokenServer(b)
				rb := setup(b, d, map[string]*tokenServer{"fake": ts})
				rb.dueConnections(b, ts, benchRefreshConnections)
				b.StartTimer()

				start := time.Now()
				run, err := rb.svc.refreshDue(b.Context(), 30*time.Second)
				elapsed := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if run.refreshed != benchRefreshConnections {
					b.Fatalf("run %+v, want %d refreshed", run, benchRefreshConnections)
				}
				b.ReportMetric(float64(benchRefreshConnections)/elapsed.Seconds(), "refreshes/s")
			}
		})
	}
}

// dueConnections stores n active connections due for refresh, in one
// transaction, each with a refresh token the token server accepts.
func (rb *testBundle) dueConnections(b *testing.B, ts *tokenServer, n int) {
	b.Helper()
	ctx := b.Context()
	exp := time.Now().Add(30 * time.Second).UTC().Truncate(time.Microsecond)
	conns := make([]Connection, n)
	for i := range conns {
		rt := fmt.Sprintf("rt_bench_%d", i)
		ts.grant(rt)
		c := Connection{ID: id.New("conn"), TenantID: "acme", EndUserID: fmt.Sprintf("u%d", i), IntegrationID: rb.integrations["fake"],
			Provider: ProviderInfo{ID: "fake"}, Status: StatusActive, Config: map[string]string{}, ExpiresAt: &exp}
		sealed, err := rb.svc.seal(ctx, c.TenantID, c.ID, secrets{AccessToken: "at_first", RefreshToken: rt, TokenType: "Bearer"})
		if err != nil {
			b.Fatal(err)
		}
		c.sealed = sealed
		conns[i] = c
	}
	err := rb.db.WithTx(ctx, func(tx *store.Tx) error {
		for _, c := range conns {
			c.CreatedAt, c.UpdatedAt = tx.Now(), tx.Now()
			if err := connectionInsert(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
