package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/tenants"
)

type dispatcherBundle struct {
	db *store.DB
	s  *Service
	d  *Dispatcher
}

func setupDispatcher(t *testing.T, d storetest.Dialect) *dispatcherBundle {
	t.Helper()
	db := d.Open(t)
	s := newTestService(t, db, Config{Node: "node-a"})
	if _, _, err := tenants.NewService(db, nil).Put(t.Context(), tenants.Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.eventTypes.Create(t.Context(), EventType{Name: "invoice.paid"}); err != nil {
		t.Fatal(err)
	}
	return &dispatcherBundle{db: db, s: s, d: s.NewDispatcher(slog.New(slog.NewTextHandler(io.Discard, nil)))}
}

// pending publishes n messages to a new endpoint and claims its deliveries.
func (b *dispatcherBundle) pending(t *testing.T, n int, schedule []int) (target, []due) {
	t.Helper()
	ctx := t.Context()
	ep, err := b.s.CreateEndpoint(ctx, Endpoint{TenantID: "acme", URL: "https://example.com/hook", RetrySchedule: schedule}, "")
	if err != nil {
		t.Fatal(err)
	}
	var in []MessageIn
	for i := range n {
		in = append(in, MessageIn{EventType: "invoice.paid", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
	}
	if _, err := b.s.Publish(ctx, "acme", in); err != nil {
		t.Fatal(err)
	}
	tg, err := b.d.loadTarget(ctx, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	batch, _, err := b.d.claim(ctx, &tg, batchSize)
	if err != nil || len(batch) != n {
		t.Fatalf("claimed %d deliveries, %v; want %d", len(batch), err, n)
	}
	return tg, batch
}

type deliveryRow struct {
	status       string
	attempts     int
	hasNext      bool
	lastAttempt  time.Time
	lastCode     sql.NullInt64
	attemptRows  int
	attemptCode  sql.NullInt64
	attemptOK    int // 1 for a success
	attemptError sql.NullString
}

func (b *dispatcherBundle) delivery(t *testing.T, id string) deliveryRow {
	t.Helper()
	var r deliveryRow
	var next *time.Time
	if err := b.db.QueryRow(t.Context(), "SELECT status, attempts, next_attempt_at, last_attempt_at, last_status_code FROM deliveries WHERE id = ?", id).
		Scan(&r.status, &r.attempts, &next, &r.lastAttempt, &r.lastCode); err != nil {
		t.Fatal(err)
	}
	r.hasNext = next != nil
	if err := b.db.QueryRow(t.Context(), "SELECT COUNT(*), MIN(status_code), MIN(CASE WHEN success THEN 1 ELSE 0 END), MIN(error) FROM attempts WHERE delivery_id = ? AND node = ?", id, "node-a").
		Scan(&r.attemptRows, &r.attemptCode, &r.attemptOK, &r.attemptError); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRecordMixedStatuses records one batch with successes of two status
// codes, failures that retry, one whose schedule is exhausted, and one without
// a response, and checks each delivery's row and its one attempt row.
func TestRecordMixedStatuses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setupDispatcher(t, d)
		tg, batch := b.pending(t, 7, []int{60})
		batch[5].attempts = 1 // its one retry is spent: this attempt is the last
		base := time.Now().UTC().Truncate(time.Microsecond)
		statuses := []int{200, 204, 200, 500, 0, 503, 200}
		var results []result
		for i, x := range batch {
			r := result{due: x, at: base.Add(time.Duration(i) * time.Millisecond), duration: time.Millisecond, status: statuses[i]}
			if r.status == 0 {
				r.errText = "connection refused"
			}
			results = append(results, r)
		}
		stop, err := b.d.record(t.Context(), &tg, results)
		if err != nil || stop {
			t.Fatalf("record = %v, %v; want no stop and no error", stop, err)
		}
		for i, r := range results {
			got := b.delivery(t, r.id)
			want := deliveryRow{status: StatusPending, attempts: 1, hasNext: true, lastAttempt: r.at, attemptRows: 1}
			if r.ok() {
				want.attemptOK = 1
			}
			switch {
			case r.ok():
				want.status, want.hasNext = StatusSucceeded, false
			case i == 5:
				want.status, want.attempts, want.hasNext = StatusFailed, 2, false
			}
			if r.status != 0 {
				want.lastCode = sql.NullInt64{Int64: int64(r.status), Valid: true}
				want.attemptCode = want.lastCode
			} else {
				want.attemptError = sql.NullString{String: r.errText, Valid: true}
			}
			if !got.lastAttempt.Equal(want.lastAttempt) {
				t.Errorf("delivery %d: last attempt at %v, want %v", i, got.lastAttempt, want.lastAttempt)
			}
			got.lastAttempt = want.lastAttempt
			if got != want {
				t.Errorf("delivery %d (status %d):\n got %+v\nwant %+v", i, r.status, got, want)
			}
		}
		var failures int
		if err := b.db.QueryRow(t.Context(), "SELECT consecutive_failures FROM endpoints WHERE id = ?", tg.ID).Scan(&failures); err != nil || failures != 0 {
			t.Errorf("consecutive failures %d, %v; want 0 after the last success", failures, err)
		}
	})
}

// TestRecordGroupCommitFailure commits two endpoints' batches in the same
// transaction as a third batch that fails: the two still commit, each attempt
// recorded once, and the failure reaches only its own worker.
func TestRecordGroupCommitFailure(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setupDispatcher(t, d)
		ctx := t.Context()
		tgA, batchA := b.pending(t, 3, nil)
		tgB, batchB := b.pending(t, 2, nil)
		ok := func(batch []due) []result {
			var rs []result
			for _, x := range batch {
				rs = append(rs, result{due: x, at: time.Now(), status: 200})
			}
			return rs
		}

		// Hold the committer with a first batch, so the others queue into one group.
		release := make(chan struct{})
		held := make(chan error, 1)
		go func() {
			held <- b.d.records.Submit(ctx, func(context.Context, *store.Tx) error { <-release; return nil })
		}()
		waitFor(t, func() bool { committing, _ := b.d.records.Pending(); return committing })
		errBad := errors.New("bad batch")
		errs := make(chan error, 3)
		queued := func(n int) func() bool {
			return func() bool { _, queued := b.d.records.Pending(); return queued == n }
		}
		go func() { _, err := b.d.record(ctx, &tgA, ok(batchA)); errs <- err }()
		waitFor(t, queued(1))
		go func() { errs <- b.d.records.Submit(ctx, func(context.Context, *store.Tx) error { return errBad }) }()
		waitFor(t, queued(2))
		go func() { _, err := b.d.record(ctx, &tgB, ok(batchB)); errs <- err }()
		waitFor(t, queued(3))
		close(release)
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		var failed int
		for range 3 {
			if err := <-errs; errors.Is(err, errBad) {
				failed++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if failed != 1 {
			t.Errorf("%d submissions failed, want only the bad one", failed)
		}
		for _, x := range append(batchA, batchB...) {
			if got := b.delivery(t, x.id); got.status != StatusSucceeded || got.attempts != 1 || got.attemptRows != 1 {
				t.Errorf("delivery %s: status %s, attempts %d, %d attempt rows; want succeeded, 1, 1", x.id, got.status, got.attempts, got.attemptRows)
			}
		}
	})
}

// TestWorkerLingers checks, on SQLite, that a worker keeps its endpoint's
// lease while messages keep coming, sends to the endpoint's new URL once it
// is changed, and lets the lease go once nothing has come for the linger.
func TestWorkerLingers(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	s := newTestService(t, db, Config{Node: "node-a", AllowHTTP: true})
	if _, _, err := tenants.NewService(db, nil).Put(ctx, tenants.Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.eventTypes.Create(ctx, EventType{Name: "invoice.paid"}); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + string(body)
	}))
	t.Cleanup(srv.Close)
	ep, err := s.CreateEndpoint(ctx, Endpoint{TenantID: "acme", URL: srv.URL + "/old"}, "")
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); s.NewDispatcher(slog.New(slog.NewTextHandler(io.Discard, nil))).Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })

	leaseUntil := func() *time.Time {
		t.Helper()
		var until *time.Time
		if err := db.QueryRow(ctx, "SELECT lease_until FROM endpoints WHERE id = ?", ep.ID).Scan(&until); err != nil {
			t.Fatal(err)
		}
		return until
	}
	publishAndReceive := func(n int, want string) {
		t.Helper()
		if _, err := s.Publish(ctx, "acme", []MessageIn{{EventType: "invoice.paid", Payload: json.RawMessage(fmt.Sprint(n))}}); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-got:
			if r != want {
				t.Fatalf("received %q, want %q", r, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("message %d not received", n)
		}
	}
	publishAndReceive(1, "/old 1")
	first := leaseUntil()
	if first == nil {
		t.Fatal("endpoint not leased after a delivery")
	}
	publishAndReceive(2, "/old 2")
	if again := leaseUntil(); again == nil || !again.Equal(*first) {
		t.Errorf("lease until %v after the second message, want the first lease (%v) kept", again, first)
	}
	if _, err := s.UpdateEndpoint(ctx, "acme", ep.ID, func(e *Endpoint) { e.URL = srv.URL + "/new" }); err != nil {
		t.Fatal(err)
	}
	publishAndReceive(3, "/new 3")
	waitFor(t, func() bool { return leaseUntil() == nil })
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
