package audit

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

func newTestLog(t *testing.T, d storetest.Dialect) *Log {
	return NewLog(d.Open(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func testEvent(at time.Time, objectID string) Event {
	return Event{ID: id.New("aud"), OccurredAt: at.UTC().Truncate(time.Microsecond), APIKeyID: id.New("key"), Method: "DELETE",
		Route: "/v1/tenants/{tenant_id}", ObjectID: objectID, PathIDs: map[string]string{"tenant_id": objectID}, Status: 204,
		RequestID: id.New("req"), ClientIP: "192.0.2.1"}
}

func listAll(t *testing.T, l *Log) []Event {
	t.Helper()
	list, err := l.List(t.Context(), Filter{}, httpapi.Page{Limit: httpapi.PageLimitMax})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestRetention: the retention job deletes events older than the retention
// period and keeps the rest.
func TestRetention(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		l := newTestLog(t, d)
		now := time.Now()
		for _, e := range []Event{testEvent(now.Add(-3*time.Hour), "old"), testEvent(now.Add(-59*time.Minute), "recent"), testEvent(now, "new")} {
			l.Add(e)
		}
		if err := l.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := (&RetentionWorker{DB: l.db, Retention: time.Hour}).Work(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, e := range listAll(t, l) {
			kept = append(kept, e.ObjectID)
		}
		slices.Sort(kept) // IDs made in one millisecond list in either order
		if fmt.Sprint(kept) != "[new recent]" {
			t.Errorf("kept %v, want [new recent]", kept)
		}
		// The default keeps 90 days.
		if err := (&RetentionWorker{DB: l.db}).Work(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		if n := len(listAll(t, l)); n != 2 {
			t.Errorf("the default retention left %d events, want 2", n)
		}
	})
}

// TestAppendOnly: the table refuses to change a recorded event, whoever
// asks.
func TestAppendOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		l := newTestLog(t, d)
		e := testEvent(time.Now(), "acme")
		l.Add(e)
		if err := l.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := l.db.Exec(t.Context(), "UPDATE audit_events SET status = 200, api_key_id = 'key_forged' WHERE id = ?", e.ID); err == nil {
			t.Error("UPDATE of an audit event succeeded")
		}
		got := listAll(t, l)
		if len(got) != 1 || got[0].Status != 204 || got[0].APIKeyID != e.APIKeyID {
			t.Errorf("after the refused UPDATE: %+v", got)
		}
	})
}

// TestRecordConcurrent: events recorded at once share transactions and every
// one of them is kept, with its fields.
func TestRecordConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		l := newTestLog(t, d)
		const n = 80
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { l.Add(testEvent(time.Now(), "t"+strconv.Itoa(i))) })
		}
		wg.Wait()
		if err := l.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for cursor := ""; ; {
			page := httpapi.Page{Limit: 30, After: cursor}
			list, err := l.List(t.Context(), Filter{}, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range httpapi.NewList(page, list, func(e Event) string { return e.ID }).Data {
				if seen[e.ObjectID] || e.PathIDs["tenant_id"] != e.ObjectID || e.ClientIP != "192.0.2.1" || e.Outcome != OutcomeSuccess {
					t.Errorf("event %+v (seen before: %v)", e, seen[e.ObjectID])
				}
				seen[e.ObjectID] = true
			}
			if len(list) <= page.Limit {
				break
			}
			cursor = list[page.Limit-1].ID
		}
		if len(seen) != n {
			t.Errorf("%d events listed, want %d", len(seen), n)
		}
	})
}

// FuzzParseFilter: any query string gets a filter or problems, never a
// panic, and a filter without problems holds only values the list accepts.
func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{"", "key_id=key_01JD5X9Y7Z0000000000000000&outcome=success", "outcome=404&method=DELETE",
		"route=/v1/tenants/{tenant_id}&since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z", "outcome=+40", "object_id=%00", "x=1"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r, err := http.NewRequest("GET", "http://patchbay.test/v1/audit-events", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.URL.RawQuery = query
		got, problems := parseFilter(r)
		if len(problems) > 0 {
			return
		}
		if got.APIKeyID != "" && !id.Valid("key", got.APIKeyID) ||
			got.Method != "" && !changes(got.Method) ||
			got.Status != 0 && (got.Status < 100 || got.Status > 599) ||
			got.Outcome != "" && got.Outcome != OutcomeSuccess && got.Outcome != OutcomeFailure ||
			len(got.ObjectID) > maxIDLen ||
			!got.Since.IsZero() && !got.Until.IsZero() && !got.Until.After(got.Since) {
			t.Errorf("query %q gave filter %+v without problems", query, got)
		}
	})
}
