package idempotency

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/vault"
)

func newKeys(t *testing.T, db *store.DB) *Keys {
	t.Helper()
	v, err := vault.New(make([]byte, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return NewKeys(db, v, storetest.DiscardLogger(), time.Hour)
}

func TestKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		t.Run("ExactlyOneOwner", func(t *testing.T) {
			t.Parallel()
			k := newKeys(t, d.Open(t))
			var owners, busy atomic.Int64
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					prior, _, err := k.begin(t.Context(), "key_a", "k", "fp")
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

		t.Run("LeaseRunsOutUnlessRenewed", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			k := newKeys(t, db)
			now := time.Now()
			db.NowFunc = func() time.Time { return now }
			_, claimed, err := k.begin(t.Context(), "key_a", "k", "fp")
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(k.Lease - time.Second)
			if _, _, err := k.begin(t.Context(), "key_a", "k", "fp"); apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("retry while running: %v, want Conflict", err)
			}
			// The running request renews its lease, so a retry still waits.
			if claimed, err = k.renew(t.Context(), "key_a", "k", claimed); err != nil {
				t.Fatal(err)
			}
			now = now.Add(k.Lease - time.Second)
			if _, _, err := k.begin(t.Context(), "key_a", "k", "fp"); apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("retry after a renewal: %v, want Conflict", err)
			}
			now = now.Add(2 * time.Second) // no renewal: the first owner died, or could not release
			prior, retryClaim, err := k.begin(t.Context(), "key_a", "k", "fp")
			if err != nil || prior != nil {
				t.Fatalf("retry after the lease ran out: %v, %v; want to own the key", prior, err)
			}
			// The first owner lost its claim: it can neither renew nor record.
			if _, err := k.renew(t.Context(), "key_a", "k", claimed); !errors.Is(err, errLeaseLost) {
				t.Errorf("renew of a lost claim: %v, want errLeaseLost", err)
			}
			if err := k.finish(t.Context(), "key_a", "k", claimed, stored{status: 500, body: []byte("stale")}); err != nil {
				t.Fatal(err)
			}
			if err := k.finish(t.Context(), "key_a", "k", retryClaim, stored{status: 201, headers: map[string]string{"Content-Type": "application/json"}, body: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			prior, _, err = k.begin(t.Context(), "key_a", "k", "fp")
			if err != nil || prior == nil || prior.status != 201 || string(prior.body) != "{}" || prior.headers["Content-Type"] != "application/json" {
				t.Fatalf("after finish: %+v, %v", prior, err)
			}
			now = now.Add(2 * time.Hour) // expired: free for any request
			if prior, _, err := k.begin(t.Context(), "key_a", "k", "other"); err != nil || prior != nil {
				t.Fatalf("expired key: %v, %v; want to own it", prior, err)
			}
		})

		t.Run("BodySealedAndResealed", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			oldKey, newKey := bytes.Repeat([]byte{1}, vault.KeySize), bytes.Repeat([]byte{2}, vault.KeySize)
			oldVault, _ := vault.New(oldKey)
			k := NewKeys(db, oldVault, storetest.DiscardLogger(), time.Hour)
			body := []byte(`{"secret":"whsec_c2VjcmV0LXNob3duLW9uY2U="}` + "\n")
			_, claimed, err := k.begin(t.Context(), "key_a", "k", "fp")
			if err != nil {
				t.Fatal(err)
			}
			if err := k.finish(t.Context(), "key_a", "k", claimed, stored{status: 201, headers: map[string]string{}, body: body}); err != nil {
				t.Fatal(err)
			}
			var raw []byte
			if err := db.QueryRow(t.Context(), "SELECT response_body FROM idempotency_keys").Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte("whsec_")) {
				t.Fatalf("stored body holds the plaintext: %q", raw)
			}

			// rotate-kek: with the new key current and the old one previous,
			// the body is resealed and then opens under the new key alone.
			rotating, _ := vault.New(newKey, oldKey)
			if n, err := Reseal(t.Context(), db, rotating); err != nil || n != 1 {
				t.Fatalf("Reseal = %d, %v; want 1 resealed", n, err)
			}
			if n, err := Reseal(t.Context(), db, rotating); err != nil || n != 0 {
				t.Fatalf("second Reseal = %d, %v; want nothing left", n, err)
			}
			newOnly, _ := vault.New(newKey)
			k = NewKeys(db, newOnly, storetest.DiscardLogger(), time.Hour)
			prior, _, err := k.begin(t.Context(), "key_a", "k", "fp")
			if err != nil || prior == nil || !bytes.Equal(prior.body, body) {
				t.Fatalf("replay after rotation: %+v, %v; want the body byte for byte", prior, err)
			}
		})

		t.Run("Cleanup", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			k := newKeys(t, db)
			base := time.Now()
			db.NowFunc = func() time.Time { return base }
			for _, key := range []string{"a", "b", "c"} {
				if _, _, err := k.begin(t.Context(), "key_a", key, "fp"); err != nil {
					t.Fatal(err)
				}
			}
			db.NowFunc = func() time.Time { return base.Add(30 * time.Minute) }
			if _, _, err := k.begin(t.Context(), "key_a", "fresh", "fp"); err != nil {
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

// TestFailuresNotRecorded checks that a response saying "try again" (an
// outage's 503, a bug's 500, a 429) frees the key for the retry, which then
// runs, and that a deterministic answer is what later retries replay.
func TestFailuresNotRecorded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		k := newKeys(t, d.Open(t))
		answers := []int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTooManyRequests, http.StatusCreated, http.StatusTeapot}
		var runs atomic.Int64
		h := Middleware(k)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			status := answers[runs.Add(1)-1]
			w.WriteHeader(status)
			fmt.Fprintf(w, "run %d", runs.Load())
		}))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(auth.WithKey(r.Context(), auth.Key{ID: "key_a"})))
		}))
		t.Cleanup(srv.Close)
		post := func() (int, string) {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/things", strings.NewReader(`{}`))
			req.Header.Set(Header, "retry-me")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		for i, want := range []int{503, 500, 429, 201, 201, 201} {
			if got, body := post(); got != want {
				t.Errorf("attempt %d: %d %s, want %d", i+1, got, body, want)
			}
		}
		if runs.Load() != 4 {
			t.Errorf("handler ran %d times, want 4 (three failures, then once; then replays)", runs.Load())
		}
	})
}

// TestCommitInDoubtHoldsKey: a 503 for a commit whose outcome is unknown
// (the connection was lost during COMMIT, and the database did not come back
// in time to say) does not free the key, since the work may have been done:
// a retry gets 409 rather than running it again, until the claim's lease
// runs out.
func TestCommitInDoubtHoldsKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		k := newKeys(t, db)
		now := time.Now()
		var mu sync.Mutex
		db.NowFunc = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		var runs atomic.Int64
		h := Middleware(k)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if runs.Add(1) == 1 {
				httpapi.Error(w, r, fmt.Errorf("publish: %w", fmt.Errorf("%w: %w", store.ErrCommitInDoubt, io.ErrUnexpectedEOF)))
				return
			}
			w.WriteHeader(http.StatusCreated)
		}))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := httpapi.WithInfo(r.Context(), &httpapi.Info{})
			h.ServeHTTP(w, r.WithContext(auth.WithKey(ctx, auth.Key{ID: "key_a"})))
		}))
		t.Cleanup(srv.Close)
		post := func() int {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/things", strings.NewReader(`{}`))
			req.Header.Set(Header, "in-doubt")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := post(); got != http.StatusServiceUnavailable {
			t.Fatalf("first answer %d, want 503", got)
		}
		time.Sleep(300 * time.Millisecond) // what a freed key's release would take
		if got := post(); got != http.StatusConflict || runs.Load() != 1 {
			t.Errorf("a retry while the outcome is unknown: %d after %d runs, want 409 and the request not run again", got, runs.Load())
		}
		mu.Lock()
		now = now.Add(k.Lease + time.Second)
		mu.Unlock()
		if got := post(); got != http.StatusCreated || runs.Load() != 2 {
			t.Errorf("a retry after the lease: %d after %d runs, want 201 on a second run", got, runs.Load())
		}
	})
}
