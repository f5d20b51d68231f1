package syncs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestSyncClaim: of many nodes claiming a due sync at once, exactly one
// gets it; the lease fences out a node whose lease passed to another; an
// expired lease can be claimed again, and the new claim fails the run the
// dead node left running; paused syncs run only when asked; old runs go.
func TestSyncClaim(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		s := &Service{db: db, cfg: Config{}.withDefaults()}
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			for _, q := range []string{
				"INSERT INTO tenants (id, created_at, updated_at) VALUES ('acme', ?, ?)",
				"INSERT INTO integrations (id, provider_id, name, client_id, client_secret, scopes, created_at, updated_at) VALUES ('int_1', 'p', 'n', '', '', '[]', ?, ?)",
				`INSERT INTO connections (id, tenant_id, end_user_id, integration_id, provider_id, status, scopes, config, credentials, created_at, updated_at)
					VALUES ('conn_1', 'acme', 'u', 'int_1', 'p', 'active', '[]', '{}', '', ?, ?)`,
				`INSERT INTO syncs (id, tenant_id, connection_id, mode, config, interval_seconds, paused, failures, next_run_at, created_at, updated_at)
					VALUES ('sync_1', 'acme', 'conn_1', 'full', '{}', 60, false, 0, ?, ?, ?)`,
			} {
				args := []any{tx.Now(), tx.Now(), tx.Now()}[:strings.Count(q, "?")]
				if _, err := tx.Exec(ctx, q, args...); err != nil {
					return fmt.Errorf("%s: %w", q, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string // owners
		for i := range 8 {
			wg.Go(func() {
				owner := fmt.Sprintf("node-%d", i)
				_, _, ok, err := s.claim(ctx, "sync_1", owner, reasonSchedule)
				if err != nil {
					t.Errorf("claim: %v", err)
				}
				if ok {
					mu.Lock()
					winners = append(winners, owner)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("claims won: %v, want exactly one", winners)
		}

		// The lease runs out (its node died); another node claims it.
		if _, err := db.Exec(ctx, "UPDATE syncs SET lease_until = ?", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		_, run, ok, err := s.claim(ctx, "sync_1", "node-new", reasonSchedule)
		if err != nil || !ok {
			t.Fatalf("claim after the lease expired: %v, %v", ok, err)
		}
		var abandoned string
		if err := db.QueryRow(ctx, "SELECT status FROM sync_runs WHERE id <> ?", run.ID).Scan(&abandoned); err != nil || abandoned != runFailed {
			t.Errorf("the dead node's run is %q (%v), want failed", abandoned, err)
		}
		// The old node wakes up: its next commit is refused.
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			return s.fence(ctx, tx, &runState{sy: Sync{ID: "sync_1"}, owner: winners[0]})
		})
		if !errors.Is(err, errLeaseLost) {
			t.Errorf("fence for a lost lease: %v, want errLeaseLost", err)
		}
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			return s.fence(ctx, tx, &runState{sy: Sync{ID: "sync_1"}, owner: "node-new"})
		})
		if err != nil {
			t.Errorf("fence for the live lease: %v", err)
		}
		// A paused sync is not claimed by the schedule, but is by the run call.
		if _, err := db.Exec(ctx, "UPDATE syncs SET paused = ?, lease_owner = NULL, lease_until = NULL", true); err != nil {
			t.Fatal(err)
		}
		if _, _, ok, _ := s.claim(ctx, "sync_1", "node-x", reasonSchedule); ok {
			t.Error("the schedule claimed a paused sync")
		}
		if _, _, ok, _ := s.claim(ctx, "sync_1", "node-y", reasonManual); !ok {
			t.Error("the run call could not claim a paused sync")
		}

		// Only the newest runs are kept.
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			for i := range syncRunsKept + 5 {
				if _, err := tx.Exec(ctx, `INSERT INTO sync_runs (id, sync_id, status, reason, pages, created, updated, deleted, unchanged, started_at)
					VALUES (?, 'sync_1', 'succeeded', 'schedule', 0, 0, 0, 0, 0, ?)`, fmt.Sprintf("run_z%04d", i), tx.Now()); err != nil {
					return err
				}
			}
			return syncRunsPrune(ctx, tx, "sync_1", syncRunsKept)
		})
		if err != nil {
			t.Fatal(err)
		}
		var kept int
		var oldest string
		if err := db.QueryRow(ctx, "SELECT count(*), min(id) FROM sync_runs").Scan(&kept, &oldest); err != nil || kept != syncRunsKept || oldest != "run_z0005" {
			t.Errorf("after pruning: %d runs from %s (%v), want %d from run_z0005", kept, oldest, err, syncRunsKept)
		}
	})
}

// recordedJobs is a jobs.Inserter that keeps the sync IDs of the run jobs
// inserted.
type recordedJobs struct {
	mu    sync.Mutex
	syncs []string
}

func (j *recordedJobs) InsertTx(_ context.Context, _ *sql.Tx, args river.JobArgs, _ *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.syncs = append(j.syncs, args.(RunArgs).SyncID)
	return &rivertype.JobInsertResult{}, nil
}

// TestScheduleDue: the tick queues a run of each due sync of a live tenant,
// at most syncTickBatch, oldest due first; a deleted tenant's due syncs,
// even a batch's worth of them due earlier, crowd out none of the others;
// paused, leased and not yet due syncs wait.
func TestScheduleDue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		jobs := &recordedJobs{}
		s := &Service{db: db, jobs: jobs, cfg: Config{}.withDefaults()}
		now := db.Now()
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			exec := func(q string, args ...any) error {
				_, err := tx.Exec(ctx, q, args...)
				return err
			}
			if err := errors.Join(
				exec("INSERT INTO tenants (id, created_at, updated_at) VALUES ('acme', ?, ?)", now, now),
				exec("INSERT INTO tenants (id, created_at, updated_at, deleted_at) VALUES ('gone', ?, ?, ?)", now, now, now),
				exec("INSERT INTO integrations (id, provider_id, name, client_id, client_secret, scopes, created_at, updated_at) VALUES ('int_1', 'p', 'n', '', '', '[]', ?, ?)", now, now),
			); err != nil {
				return err
			}
			addSync := func(id, tenant string, due time.Time, paused bool, leaseUntil *time.Time) error {
				var leaseOwner *string
				if leaseUntil != nil {
					leaseOwner = new("node")
				}
				if err := exec(`INSERT INTO connections (id, tenant_id, end_user_id, integration_id, provider_id, status, scopes, config, credentials, created_at, updated_at)
					VALUES (?, ?, 'u', 'int_1', 'p', 'active', '[]', '{}', '', ?, ?)`, "conn_"+id, tenant, now, now); err != nil {
					return err
				}
				return exec(`INSERT INTO syncs (id, tenant_id, connection_id, mode, config, interval_seconds, paused, failures, next_run_at,
					lease_owner, lease_until, created_at, updated_at) VALUES (?, ?, ?, 'full', '{}', 60, ?, 0, ?, ?, ?, ?, ?)`,
					id, tenant, "conn_"+id, paused, due, leaseOwner, leaseUntil, now, now)
			}
			for i := range syncTickBatch + 5 {
				if err := addSync(fmt.Sprintf("sync_gone%04d", i), "gone", now.Add(-time.Hour), false, nil); err != nil {
					return err
				}
			}
			for i := range syncTickBatch + 1 {
				if err := addSync(fmt.Sprintf("sync_live%04d", i), "acme", now.Add(-time.Minute+time.Duration(i)*time.Millisecond), false, nil); err != nil {
					return err
				}
			}
			leased := now.Add(time.Minute)
			return errors.Join(
				addSync("sync_paused", "acme", now.Add(-time.Hour), true, nil),
				addSync("sync_leased", "acme", now.Add(-time.Hour), false, &leased),
				addSync("sync_later", "acme", now.Add(time.Hour), false, nil),
			)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.scheduleDue(ctx); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range syncTickBatch {
			want = append(want, fmt.Sprintf("sync_live%04d", i))
		}
		if diff := cmp.Diff(want, jobs.syncs); diff != "" {
			t.Errorf("runs queued (-want +got):\n%s", diff)
		}
	})
}
