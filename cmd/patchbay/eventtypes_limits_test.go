package main

import (
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestEventTypeSchemaLimits: a schema nested far deeper than real ones is
// refused with 422 naming schema before it is compiled (the audit's, 4,990
// levels, took ten minutes and 1 GB); one stored before the limits makes
// publishing fail at once, naming the event type, instead of holding up
// the node's first publish while it compiles.
func TestEventTypeSchemaLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "0")
		deep := strings.Repeat(`{"properties":{"a":`, 600) + "{}" + strings.Repeat("}}", 600)
		resp, body := e.do(t, "POST", "/v1/event-types", `{"name":"deep.schema","schema":`+deep+`}`)
		if p := problem(t, resp, body); resp.StatusCode != 422 || !hasField(p.Errors, "schema") || !strings.Contains(string(body), "64 levels") {
			t.Errorf("a schema 600 levels deep: %d %.300s, want 422 naming schema and the limit", resp.StatusCode, body)
		}

		if resp, body := e.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme"}`); resp.StatusCode != 201 {
			t.Fatalf("tenant: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do(t, "POST", "/v1/event-types", `{"name":"legacy.deep"}`); resp.StatusCode != 201 {
			t.Fatalf("event type: %d %s", resp.StatusCode, body)
		}
		e.node.Stop(t) // a fresh node after: nothing cached
		db, err := store.Open(t.Context(), e.opts)
		if err != nil {
			t.Fatal(err)
		}
		// As an earlier version stored it.
		_, err = db.Exec(t.Context(), "UPDATE event_types SET schema = ? WHERE name = 'legacy.deep'", deep)
		if db.Close(); err != nil {
			t.Fatal(err)
		}
		e.node = startNode(t, e.opts, "--rate-limit", "0")
		resp, body = e.do(t, "POST", "/v1/tenants/acme/messages", `{"event_type":"legacy.deep","payload":{"a":1}}`)
		if p := problem(t, resp, body); resp.StatusCode != 422 || !hasField(p.Errors, "event_type") || !strings.Contains(string(body), "64 levels") {
			t.Errorf("publishing a type whose stored schema is over the limits: %d %.300s, want 422 naming event_type", resp.StatusCode, body)
		}
	})
}
