package inbound

import (
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestRetention: events past the retention period lose their bodies and
// headers, and stay listed; newer events keep theirs.
func TestRetention(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Microsecond)
		if _, err := db.Exec(ctx, `INSERT INTO sources (id, name, scheme, verifier, dedupe_window_seconds, response_status, response_body,
			response_content_type, created_at, updated_at) VALUES ('src_1', 'S', 'none', ?, 60, 200, '', 'text/plain', ?, ?)`, []byte("sealed"), now, now); err != nil {
			t.Fatal(err)
		}
		for id, at := range map[string]time.Time{"evt_old": now.Add(-2 * time.Hour), "evt_new": now} {
			if _, err := db.Exec(ctx, `INSERT INTO inbound_events (id, source_id, method, headers, body, received_at, status)
				VALUES (?, 'src_1', 'POST', '{"X-Thing":"1"}', ?, ?, 'received')`, id, []byte(`{"card":"4242"}`), at); err != nil {
				t.Fatal(err)
			}
		}
		if err := (&RetentionWorker{DB: db, Retention: time.Hour}).Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
		s := &Service{db: db}
		old, err := s.Event(ctx, "src_1", "evt_old")
		if err != nil {
			t.Fatal(err)
		}
		if !old.BodyRemoved || string(old.Body) != "null" || len(old.Headers) != 0 {
			t.Errorf("old event: body %s (removed %v), headers %v", old.Body, old.BodyRemoved, old.Headers)
		}
		fresh, err := s.Event(ctx, "src_1", "evt_new")
		if err != nil {
			t.Fatal(err)
		}
		if fresh.BodyRemoved || string(fresh.Body) != `{"card":"4242"}` || len(fresh.Headers) != 1 {
			t.Errorf("new event: body %s (removed %v), headers %v", fresh.Body, fresh.BodyRemoved, fresh.Headers)
		}
	})
}
