package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// openNodes opens n stores on one fresh database, as n nodes would, and
// returns a Database limiter on each, sharing clock.
func openNodes(t *testing.T, d storetest.Dialect, n int, clock *storetest.Clock) ([]*Database, []*store.DB) {
	t.Helper()
	opts := d.Options(t)
	var limiters []*Database
	var dbs []*store.DB
	for i := range n {
		db, err := store.Open(t.Context(), opts)
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			if err := db.Migrate(t.Context(), storetest.DiscardLogger()); err != nil {
				t.Fatalf("migrate: %v", err)
			}
		}
		l := NewDatabase(db)
		l.NowFunc = clock.Now
		limiters = append(limiters, l)
		dbs = append(dbs, db)
	}
	return limiters, dbs
}

// windowRows returns the bucket's rows as window end (Unix ms) → used.
func windowRows(t *testing.T, db *store.DB, bucket string) map[int64]int64 {
	t.Helper()
	rows, err := db.Query(t.Context(), "SELECT window_end, used FROM rate_limit_windows WHERE bucket = ?", bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int64]int64{}
	for rows.Next() {
		var end, used int64
		if err := rows.Scan(&end, &used); err != nil {
			t.Fatal(err)
		}
		got[end] = used
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// midWindow is 30 seconds into a minute, so 1-minute windows end 30s later.
var midWindow = time.Date(2030, 1, 2, 3, 4, 30, 0, time.UTC)

func TestDatabase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		t.Run("TwoNodesNeverExceedLimit", func(t *testing.T) {
			t.Parallel()
			nodes, dbs := openNodes(t, d, 2, storetest.NewClock(midWindow))
			p := Policy{Limit: 200, Window: time.Hour}
			const goroutines, attempts = 8, 40 // per node: 640 attempts in all, over 3× the limit
			var admitted atomic.Int64
			var wg sync.WaitGroup
			for _, node := range nodes {
				for range goroutines {
					wg.Go(func() {
						for range attempts {
							dec, err := node.Allow(t.Context(), "key_a", p)
							if err != nil {
								t.Errorf("Allow: %v", err)
							}
							if dec.Allowed {
								admitted.Add(1)
							}
						}
					})
				}
			}
			wg.Wait()
			got := admitted.Load()
			if got > p.Limit || got < p.Limit*9/10 {
				t.Errorf("admitted %d, want between %d and %d", got, p.Limit*9/10, p.Limit)
			}
			for end, used := range windowRows(t, dbs[0], "key_a") {
				if used > p.Limit {
					t.Errorf("row for window ending %d has used %d, over the limit %d", end, used, p.Limit)
				}
			}
			// Leasing in twentieths: about 20 leases, plus a few where a node
			// learns that less than a lease is left. Never one per request.
			leases := nodes[0].leases.Load() + nodes[1].leases.Load()
			t.Logf("admitted %d of %d attempts with %d lease statements", got, 2*goroutines*attempts, leases)
			if leases > 2*leaseParts {
				t.Errorf("%d lease statements for %d admitted requests, want at most %d", leases, got, 2*leaseParts)
			}
		})

		t.Run("RemainingComesFromSharedCount", func(t *testing.T) {
			t.Parallel()
			nodes, _ := openNodes(t, d, 2, storetest.NewClock(midWindow))
			p := Policy{Limit: 100, Window: time.Minute} // leases of 5
			var got []Decision
			for _, node := range []*Database{nodes[0], nodes[0], nodes[1]} {
				dec, err := node.Allow(t.Context(), "key_a", p)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, dec)
			}
			want := []Decision{
				{Allowed: true, Limit: 100, Remaining: 99, Reset: 30 * time.Second},
				{Allowed: true, Limit: 100, Remaining: 98, Reset: 30 * time.Second},
				// The second node sees the first's lease of 5 as used.
				{Allowed: true, Limit: 100, Remaining: 94, Reset: 30 * time.Second},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decisions (-want +got):\n%s", diff)
			}
		})

		t.Run("WindowRollover", func(t *testing.T) {
			t.Parallel()
			clock := storetest.NewClock(midWindow)
			nodes, dbs := openNodes(t, d, 1, clock)
			p := Policy{Limit: 3, Window: time.Minute}
			var got []Decision
			for range 4 {
				dec, err := nodes[0].Allow(t.Context(), "key_a", p)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, dec)
			}
			clock.Advance(30 * time.Second)
			dec, err := nodes[0].Allow(t.Context(), "key_a", p)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, dec)
			want := []Decision{
				{Allowed: true, Limit: 3, Remaining: 2, Reset: 30 * time.Second},
				{Allowed: true, Limit: 3, Remaining: 1, Reset: 30 * time.Second},
				{Allowed: true, Limit: 3, Remaining: 0, Reset: 30 * time.Second},
				{Limit: 3, Reset: 30 * time.Second, RetryAfter: 30 * time.Second},
				{Allowed: true, Limit: 3, Remaining: 2, Reset: time.Minute},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decisions (-want +got):\n%s", diff)
			}
			first := midWindow.Add(30 * time.Second).UnixMilli()
			wantRows := map[int64]int64{first: 3, first + time.Minute.Milliseconds(): 1}
			if diff := cmp.Diff(wantRows, windowRows(t, dbs[0], "key_a")); diff != "" {
				t.Errorf("rows: window end → used (-want +got):\n%s", diff)
			}
		})

		t.Run("PolicyChange", func(t *testing.T) {
			t.Parallel()
			nodes, _ := openNodes(t, d, 1, storetest.NewClock(midWindow))
			allowed := func(p Policy) bool {
				t.Helper()
				dec, err := nodes[0].Allow(t.Context(), "key_a", p)
				if err != nil {
					t.Fatal(err)
				}
				return dec.Allowed
			}
			for range 40 {
				allowed(Policy{Limit: 40, Window: time.Minute})
			}
			if allowed(Policy{Limit: 40, Window: time.Minute}) {
				t.Error("41st request under a limit of 40 allowed")
			}
			if !allowed(Policy{Limit: 100, Window: time.Minute}) {
				t.Error("request after raising the limit to 100 denied")
			}
			if allowed(Policy{Limit: 10, Window: time.Minute}) {
				t.Error("request after lowering the limit to 10, with 40 used, allowed")
			}
		})

		t.Run("FailsOpen", func(t *testing.T) {
			t.Parallel()
			clock := storetest.NewClock(midWindow)
			nodes, dbs := openNodes(t, d, 1, clock)
			dbs[0].Close()
			p := Policy{Limit: 10, Window: time.Minute}
			dec, err := nodes[0].Allow(t.Context(), "key_a", p)
			if err == nil || !dec.Allowed {
				t.Fatalf("Allow on a closed database = %+v, %v; want allowed with an error", dec, err)
			}
			// Within failOpenFor the bucket does not ask again, so an outage
			// is one error per bucket per interval, not one per request.
			dec, err = nodes[0].Allow(t.Context(), "key_a", p)
			if err != nil || !dec.Allowed {
				t.Errorf("Allow soon after = %+v, %v; want allowed without an error", dec, err)
			}
			clock.Advance(failOpenFor)
			if dec, err := nodes[0].Allow(t.Context(), "key_a", p); err == nil || !dec.Allowed {
				t.Errorf("Allow after failOpenFor = %+v, %v; want allowed with an error", dec, err)
			}
		})

		t.Run("CancelledRequestDoesNotFailOpen", func(t *testing.T) {
			t.Parallel()
			nodes, _ := openNodes(t, d, 1, storetest.NewClock(midWindow))
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			p := Policy{Limit: 1, Window: time.Minute}
			if dec, err := nodes[0].Allow(ctx, "key_a", p); err != nil || !dec.Allowed {
				t.Errorf("first Allow with a cancelled context = %+v, %v; want allowed, no error", dec, err)
			}
			if dec, err := nodes[0].Allow(ctx, "key_a", p); err != nil || dec.Allowed {
				t.Errorf("second Allow = %+v, %v; want denied, no error", dec, err)
			}
		})

		t.Run("DeleteBefore", func(t *testing.T) {
			t.Parallel()
			clock := storetest.NewClock(midWindow)
			nodes, dbs := openNodes(t, d, 1, clock)
			p := Policy{Limit: 10, Window: time.Minute}
			for range 3 {
				if _, err := nodes[0].Allow(t.Context(), "key_a", p); err != nil {
					t.Fatal(err)
				}
				clock.Advance(time.Minute)
			}
			// Windows end at midWindow+30s, +90s and +150s.
			n, err := nodes[0].DeleteBefore(t.Context(), midWindow.Add(90*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Errorf("DeleteBefore deleted %d rows, want 2", n)
			}
			want := map[int64]int64{midWindow.Add(150 * time.Second).UnixMilli(): 1}
			if diff := cmp.Diff(want, windowRows(t, dbs[0], "key_a")); diff != "" {
				t.Errorf("rows left (-want +got):\n%s", diff)
			}
		})
	})
}

func BenchmarkDatabaseAllow(b *testing.B) {
	// Local: a limit no lease runs out of, so requests are served from memory.
	// LeaseEvery50: the clock moves one request's share of the window per
	// request, so every request is admitted and one in Limit/leaseParts = 50
	// runs a lease statement.
	for _, bc := range []struct {
		name string
		p    Policy
	}{
		{"Local", Policy{Limit: 1 << 40, Window: time.Hour}},
		{"LeaseEvery50", Policy{Limit: 1000, Window: time.Second}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db, err := store.Open(b.Context(), store.Options{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(b.Context(), storetest.DiscardLogger()); err != nil {
				b.Fatal(err)
			}
			l := NewDatabase(db)
			start, step := midWindow, bc.p.Window/time.Duration(bc.p.Limit)
			var calls atomic.Int64
			l.NowFunc = func() time.Time { return start.Add(time.Duration(calls.Add(1)) * step) }
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := l.Allow(b.Context(), "key_0123456789abcdef", bc.p); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(l.leases.Load())/float64(b.N), "leases/op")
		})
	}
}
