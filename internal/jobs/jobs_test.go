package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/jobs"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

type pingArgs struct {
	Note string `json:"note"`
}

func (pingArgs) Kind() string { return "test_ping" }

// pingWorker reports each job it works on its channel.
type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	worked chan string
}

func (w *pingWorker) Work(ctx context.Context, job *river.Job[pingArgs]) error {
	w.worked <- job.Args.Note
	return nil
}

type testBundle struct {
	db     *store.DB
	worker *pingWorker
	cfg    jobs.Config
}

func setup(t *testing.T, d storetest.Dialect, work bool) (*jobs.Client, *testBundle) {
	t.Helper()
	b := &testBundle{db: d.Open(t), worker: &pingWorker{worked: make(chan string, 10)}}
	workers := river.NewWorkers()
	river.AddWorker(workers, b.worker)
	b.cfg = jobs.Config{Work: work, Workers: workers, RescueAfter: time.Hour, Logger: storetest.DiscardLogger()}
	client, err := jobs.NewClient(b.db, b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client, b
}

// countJobs counts the test's jobs in River's table.
func countJobs(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(t.Context(), "SELECT count(*) FROM river_job WHERE kind = ?", pingArgs{}.Kind()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInsertTxCommitsWithItsTransaction: the client is an Inserter whose
// jobs belong to the store transaction they are inserted in; a rolled back
// transaction leaves no job (the transactional outbox).
func TestInsertTxCommitsWithItsTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		client, b := setup(t, d, false)
		var inserter jobs.Inserter = client
		ctx := t.Context()
		errRollback := errors.New("roll back")
		err := b.db.WithTx(ctx, func(tx *store.Tx) error {
			if _, err := inserter.InsertTx(ctx, tx.Tx, pingArgs{Note: "rolled back"}, nil); err != nil {
				t.Fatal(err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx = %v", err)
		}
		if n := countJobs(t, b.db); n != 0 {
			t.Errorf("%d jobs after a rolled back insert, want 0", n)
		}
		err = b.db.WithTx(ctx, func(tx *store.Tx) error {
			_, err := inserter.InsertTx(ctx, tx.Tx, pingArgs{Note: "committed"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := countJobs(t, b.db); n != 1 {
			t.Errorf("%d jobs after a committed insert, want 1", n)
		}
	})
}

// TestStartWorksOnlyOnWorkerNodes: an insert-only client (the api role)
// needs no start and works nothing; a worker node's client works the job.
func TestStartWorksOnlyOnWorkerNodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		ctx := t.Context()
		insertOnly, _ := setup(t, d, false)
		if err := jobs.Start(ctx, insertOnly, jobs.Config{Work: false}); err != nil {
			t.Fatalf("Start of an insert-only client: %v", err)
		}

		client, b := setup(t, d, true)
		if err := jobs.Start(ctx, client, b.cfg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			client.Stop(stopCtx) //nolint:errcheck // the test is over
		})
		err := b.db.WithTx(ctx, func(tx *store.Tx) error {
			_, err := client.InsertTx(ctx, tx.Tx, pingArgs{Note: "work me"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case note := <-b.worker.worked:
			if note != "work me" {
				t.Errorf("worked %q", note)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the worker node's client did not work the job within 10 s")
		}
	})
}

// TestCollectorCountsByKindAndState reads the counts from River's table, as
// every node reports them.
func TestCollectorCountsByKindAndState(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		client, b := setup(t, d, false)
		ctx := t.Context()
		err := b.db.WithTx(ctx, func(tx *store.Tx) error {
			for _, note := range []string{"a", "b"} {
				if _, err := client.InsertTx(ctx, tx.Tx, pingArgs{Note: note}, nil); err != nil {
					return err
				}
			}
			_, err := client.InsertTx(ctx, tx.Tx, pingArgs{Note: "later"}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(jobs.NewCollector(b.db, storetest.DiscardLogger()))
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				got[f.GetName()+" "+labels["kind"]+" "+labels["state"]] = m.GetGauge().GetValue()
			}
		}
		want := map[string]float64{"patchbay_jobs test_ping available": 2, "patchbay_jobs test_ping scheduled": 1}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
			}
		}
		if len(got) != len(want) {
			t.Errorf("metrics %v, want only %v", got, want)
		}
	})
}
