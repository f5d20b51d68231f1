package webhooks

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/tenants"
)

// TestPublishManyRows publishes one batch whose deliveries span several
// multi-row INSERTs, with event IDs (one repeated) among them, and checks that
// every endpoint gets exactly its messages in publish order.
func TestPublishManyRows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		s := newTestService(t, db, Config{})
		if _, _, err := tenants.NewService(db, nil).Put(ctx, tenants.Tenant{ID: "acme"}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"invoice.paid", "invoice.voided"} {
			if _, err := s.eventTypes.Create(ctx, EventType{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		var all []string
		for range 3 {
			ep, err := s.CreateEndpoint(ctx, Endpoint{TenantID: "acme", URL: "https://example.com/hook"}, "")
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ep.ID)
		}
		paidOnly, err := s.CreateEndpoint(ctx, Endpoint{TenantID: "acme", URL: "https://example.com/paid", EventTypes: []string{"invoice.paid"}}, "")
		if err != nil {
			t.Fatal(err)
		}

		// 300 messages to 3 endpoints, and the paid ones to a fourth: more than
		// maxInsertRows deliveries.
		var in []MessageIn
		for i := range 300 {
			m := MessageIn{EventType: "invoice.paid", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
			if i%3 == 0 {
				m.EventType = "invoice.voided"
			}
			switch i {
			case 100, 250:
				m.EventID = fmt.Sprintf("evt_%d", i)
			case 251:
				m.EventID = "evt_250" // a duplicate within the batch: answered with message 250
			}
			in = append(in, m)
		}
		out, err := s.Publish(ctx, "acme", in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) || out[251].ID != out[250].ID {
			t.Fatalf("got %d messages, 251st %s, want %d and the 251st to be the 250th (%s)", len(out), out[251].ID, len(in), out[250].ID)
		}
		var want, wantPaid []string
		for i, m := range out {
			if i == 251 {
				continue
			}
			want = append(want, m.ID)
			if in[i].EventType == "invoice.paid" {
				wantPaid = append(wantPaid, m.ID)
			}
		}
		for _, ep := range append(all, paidOnly.ID) {
			got := messagesInSeqOrder(t, db, ep)
			w := want
			if ep == paidOnly.ID {
				w = wantPaid
			}
			if !slices.Equal(got, w) {
				t.Errorf("endpoint %s: %d deliveries in seq order, want %d in publish order", ep, len(got), len(w))
			}
		}
		var payload string
		if err := db.QueryRow(ctx, "SELECT payload FROM messages WHERE id = ?", out[299].ID).Scan(&payload); err != nil || payload != `{"n":299}` {
			t.Errorf("payload of the last message = %q, %v", payload, err)
		}
	})
}

func messagesInSeqOrder(t *testing.T, db *store.DB, endpointID string) []string {
	t.Helper()
	rows, err := db.Query(t.Context(), "SELECT message_id FROM deliveries WHERE endpoint_id = ? AND status = ? ORDER BY seq", endpointID, StatusPending)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestPublishGroupOfTenants commits one group of publish requests for several
// tenants, as concurrent calls make: one tenant with endpoints (twice), one
// without any, and one that does not exist. Each request gets its own outcome.
func TestPublishGroupOfTenants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		s := newTestService(t, db, Config{})
		for _, id := range []string{"acme", "quiet"} {
			if _, _, err := tenants.NewService(db, nil).Put(ctx, tenants.Tenant{ID: id}); err != nil {
				t.Fatal(err)
			}
		}
		ep, err := s.CreateEndpoint(ctx, Endpoint{TenantID: "acme", URL: "https://example.com/hook"}, "")
		if err != nil {
			t.Fatal(err)
		}
		msg := func(n int) []MessageIn {
			return []MessageIn{{EventType: "invoice.paid", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}}
		}
		group := []*publishReq{
			{tenantID: "acme", in: msg(1)},
			{tenantID: "ghost", in: msg(2)},
			{tenantID: "quiet", in: msg(3)},
			{tenantID: "acme", in: msg(4)},
		}
		if err := s.commitPublish(ctx, group); err != nil {
			t.Fatal(err)
		}
		for i, r := range group {
			switch {
			case r.tenantID == "ghost":
				if apperr.CodeOf(r.err) != apperr.NotFound || len(r.out) != 0 {
					t.Errorf("request %d for a missing tenant: err %v, %d messages; want NotFound and none", i, r.err, len(r.out))
				}
			case r.err != nil || len(r.out) != 1:
				t.Errorf("request %d for %s: err %v, %d messages; want one message", i, r.tenantID, r.err, len(r.out))
			case r.tenantID == "acme" && !slices.Equal(r.endpoints, []string{ep.ID}):
				t.Errorf("request %d for acme reached endpoints %v, want [%s]", i, r.endpoints, ep.ID)
			case r.tenantID == "quiet" && len(r.endpoints) != 0:
				t.Errorf("request %d for a tenant without endpoints reached %v", i, r.endpoints)
			}
		}
		if got, want := messagesInSeqOrder(t, db, ep.ID), []string{group[0].out[0].ID, group[3].out[0].ID}; !slices.Equal(got, want) {
			t.Errorf("acme's endpoint has deliveries of %v, want %v", got, want)
		}
		var stored int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM messages").Scan(&stored); err != nil || stored != 3 {
			t.Errorf("%d messages stored (%v), want 3: none for the missing tenant", stored, err)
		}
	})
}
