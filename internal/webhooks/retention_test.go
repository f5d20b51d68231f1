package webhooks

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/vault"
)

func newTestService(t *testing.T, db *store.DB, cfg Config) *Service {
	t.Helper()
	key, err := vault.ParseKey(vault.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return NewService(db, v, NewEventTypes(db), safehttp.Options{AllowLoopback: true}, nil, cfg)
}

// TestRetention clears payloads and response bodies past the retention
// period and keeps the rows, so the log keeps its counts.
func TestRetention(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		s := newTestService(t, db, Config{Retention: time.Hour})
		if _, _, err := tenants.NewService(db, nil).Put(ctx, tenants.Tenant{ID: "acme"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.eventTypes.Create(ctx, EventType{Name: "invoice.paid"}); err != nil {
			t.Fatal(err)
		}
		ep, err := s.CreateEndpoint(ctx, Endpoint{TenantID: "acme", URL: "https://example.com/hook"}, "")
		if err != nil {
			t.Fatal(err)
		}
		publishAt := func(at time.Time) Message {
			db.NowFunc = func() time.Time { return at }
			msgs, err := s.Publish(ctx, "acme", []MessageIn{{EventType: "invoice.paid", Payload: json.RawMessage(`{"n":1}`)}})
			if err != nil {
				t.Fatal(err)
			}
			var deliveryID string
			if err := db.QueryRow(ctx, "SELECT id FROM deliveries WHERE message_id = ?", msgs[0].ID).Scan(&deliveryID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO attempts (id, delivery_id, endpoint_id, attempted_at, duration_ms, status_code, success, response_body)
				VALUES (?, ?, ?, ?, 5, 200, ?, ?)`, "att_"+msgs[0].ID, deliveryID, ep.ID, at, true, []byte("ok")); err != nil {
				t.Fatal(err)
			}
			return msgs[0]
		}
		old := publishAt(time.Now().Add(-2 * time.Hour))
		fresh := publishAt(time.Now())

		if err := (&RetentionWorker{Service: s}).Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			msg         Message
			wantPayload bool
		}{{old, false}, {fresh, true}} {
			got, err := s.Message(ctx, "acme", tc.msg.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (got.Payload != nil) != tc.wantPayload || len(got.Deliveries) != 1 {
				t.Errorf("message %s: payload %s, %d deliveries; want payload %v and the delivery kept", tc.msg.ID, got.Payload, len(got.Deliveries), tc.wantPayload)
			}
			dl, err := s.Delivery(ctx, "acme", got.Deliveries[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(dl.AttemptLog) != 1 || (dl.AttemptLog[0].ResponseBody != "") == !tc.wantPayload {
				t.Errorf("message %s: attempt log %+v", tc.msg.ID, dl.AttemptLog)
			}
		}
	})
}
