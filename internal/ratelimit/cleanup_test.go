package ratelimit

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestCleanupWorker(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		// One row per bucket: a 1-second window from 2020, one that ended
		// about 30s ago (within the grace minute), and the current hour.
		for bucket, at := range map[string]struct {
			now    time.Time
			window time.Duration
		}{
			"past":    {time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Second},
			"recent":  {time.Now().Add(-30 * time.Second), time.Second},
			"current": {time.Now(), time.Hour},
		} {
			l := NewDatabase(db)
			l.NowFunc = func() time.Time { return at.now }
			if _, err := l.Allow(t.Context(), bucket, Policy{Limit: 10, Window: at.window}); err != nil {
				t.Fatal(err)
			}
		}

		w := &CleanupWorker{DB: db}
		if err := w.Work(t.Context(), &river.Job[CleanupArgs]{}); err != nil {
			t.Fatalf("Work: %v", err)
		}

		rows, err := db.Query(t.Context(), "SELECT bucket FROM rate_limit_windows ORDER BY bucket")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
		if diff := cmp.Diff([]string{"current", "recent"}, got); diff != "" {
			t.Errorf("buckets left (-want +got):\n%s", diff)
		}
	})
}

func TestCleanupArgsKind(t *testing.T) {
	t.Parallel()
	// Queued jobs are matched to workers by this string: it must never change.
	if got := (CleanupArgs{}).Kind(); got != "rate_limit_cleanup" {
		t.Errorf("Kind() = %q, want rate_limit_cleanup", got)
	}
}
