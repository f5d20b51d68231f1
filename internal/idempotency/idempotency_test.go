package idempotency

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		t.Run("ExactlyOneOwner", func(t *testing.T) {
			t.Parallel()
			k := NewKeys(d.Open(t), storetest.DiscardLogger(), time.Hour)
			var owners, busy atomic.Int64
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					prior, err := k.begin(t.Context(), "key_a", "k", "fp")
					switch {
					case err == nil && prior == nil:
						owners.Add(1)
					case apperr.CodeOf(err) == apperr.Conflict:
						busy.Add(1)
					default:
						t.Errorf("begin: %v, %v", prior, err)
					}
				})
			}
			wg.Wait()
			if owners.Load() != 1 || busy.Load() != 15 {
				t.Errorf("owners %d, busy %d; want 1 and 15", owners.Load(), busy.Load())
			}
		})

		t.Run("DeadOwnerIsTakenOver", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			k := NewKeys(db, storetest.DiscardLogger(), time.Hour)
			k.LockTimeout = time.Minute
			now := time.Now()
			db.NowFunc = func() time.Time { return now }
			if _, err := k.begin(t.Context(), "key_a", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			if _, err := k.begin(t.Context(), "key_a", "k", "fp"); apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("retry while running: %v, want Conflict", err)
			}
			now = now.Add(2 * time.Minute) // the first owner's node died
			if prior, err := k.begin(t.Context(), "key_a", "k", "fp"); err != nil || prior != nil {
				t.Fatalf("retry after the lock timeout: %v, %v; want to own the key", prior, err)
			}
			if err := k.finish(t.Context(), "key_a", "k", stored{status: 201, headers: map[string]string{"Content-Type": "application/json"}, body: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			prior, err := k.begin(t.Context(), "key_a", "k", "fp")
			if err != nil || prior == nil || prior.status != 201 || string(prior.body) != "{}" || prior.headers["Content-Type"] != "application/json" {
				t.Fatalf("after finish: %+v, %v", prior, err)
			}
			now = now.Add(2 * time.Hour) // expired: free for any request
			if prior, err := k.begin(t.Context(), "key_a", "k", "other"); err != nil || prior != nil {
				t.Fatalf("expired key: %v, %v; want to own it", prior, err)
			}
		})

		t.Run("Cleanup", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			k := NewKeys(db, storetest.DiscardLogger(), time.Hour)
			base := time.Now()
			db.NowFunc = func() time.Time { return base }
			for _, key := range []string{"a", "b", "c"} {
				if _, err := k.begin(t.Context(), "key_a", key, "fp"); err != nil {
					t.Fatal(err)
				}
			}
			db.NowFunc = func() time.Time { return base.Add(30 * time.Minute) }
			if _, err := k.begin(t.Context(), "key_a", "fresh", "fp"); err != nil {
				t.Fatal(err)
			}
			db.NowFunc = func() time.Time { return base.Add(61 * time.Minute) }
			w := &CleanupWorker{DB: db}
			if err := w.Work(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
			var left int
			if err := db.QueryRow(t.Context(), "SELECT count(*) FROM idempotency_keys").Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left != 1 {
				t.Errorf("%d keys left after cleanup, want the 1 unexpired", left)
			}
		})
	})
}
