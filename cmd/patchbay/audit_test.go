package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// auditEvent is an audit event as GET /v1/audit-events lists it.
type auditEvent struct {
	ID          string            `json:"id"`
	OccurredAt  time.Time         `json:"occurred_at"`
	APIKeyID    string            `json:"api_key_id"`
	Method      string            `json:"method"`
	Route       string            `json:"route"`
	ObjectID    string            `json:"object_id"`
	PathIDs     map[string]string `json:"path_ids"`
	Status      int               `json:"status"`
	Outcome     string            `json:"outcome"`
	ProblemType string            `json:"problem_type"`
	Replayed    bool              `json:"replayed"`
	RequestID   string            `json:"request_id"`
	ClientIP    string            `json:"client_ip"`
}

// auditPage is one page of GET /v1/audit-events with the query given.
func auditPage(t *testing.T, e *env, query string) ([]auditEvent, string) {
	t.Helper()
	resp, body := e.do(t, "GET", "/v1/audit-events?"+query, "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /v1/audit-events?%s: %d %s", query, resp.StatusCode, body)
	}
	var page struct {
		Data       []auditEvent `json:"data"`
		NextCursor string       `json:"next_cursor"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page.Data, page.NextCursor
}

// TestAuditLog: changes made through the admin API, the connections proxy
// included, are listed in the audit log with who made them, what, where
// from and how it ended; reads, requests without a valid key and the
// bodies and secrets of requests and responses are not in it; the filters
// and pagination work, and bad filters are named.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupProxy(t, d) // records PUT /v1/tenants/acme
		start := time.Now().UTC()
		var keys struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if _, body := e.do(t, "GET", "/v1/api-keys", ""); json.Unmarshal(body, &keys) != nil || len(keys.Data) != 1 {
			t.Fatalf("api keys: %s", body)
		}
		ownKey := keys.Data[0].ID

		want := map[string]auditEvent{} // by request ID
		// change makes a request and notes the event it should leave.
		change := func(method, path, body string, status int, ev auditEvent, headers ...string) (map[string]any, string) {
			t.Helper()
			resp, b := e.do(t, method, path, body, headers...)
			if resp.StatusCode != status {
				t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, status)
			}
			ev.RequestID = resp.Header.Get("X-Request-Id")
			ev.Method, ev.Status, ev.APIKeyID, ev.ClientIP = method, status, ownKey, "127.0.0.1"
			ev.Outcome = "success"
			if status >= 400 {
				ev.Outcome = "failure"
			}
			if ev.PathIDs == nil {
				ev.PathIDs = map[string]string{}
			}
			want[ev.RequestID] = ev
			var out map[string]any
			json.Unmarshal(b, &out)
			return out, ev.RequestID
		}
		// createdIs notes the object a create made, read from its response.
		createdIs := func(requestID, objectID string) {
			ev := want[requestID]
			ev.ObjectID = objectID
			want[requestID] = ev
		}

		chosenSecret := testSecret("chosen")
		ep, rid := change("POST", "/v1/tenants/acme/endpoints", `{"url":"https://hooks.example/audit-url","secret":"`+chosenSecret+`"}`, 201,
			auditEvent{Route: "/v1/tenants/{tenant_id}/endpoints", PathIDs: map[string]string{"tenant_id": "acme"}})
		epID := ep["id"].(string)
		createdIs(rid, epID)
		rotatedSecret := testSecret("rotated")
		change("POST", "/v1/tenants/acme/endpoints/"+epID+"/secret/rotate", `{"secret":"`+rotatedSecret+`"}`, 200,
			auditEvent{Route: "/v1/tenants/{tenant_id}/endpoints/{endpoint_id}/secret/rotate", ObjectID: epID,
				PathIDs: map[string]string{"tenant_id": "acme", "endpoint_id": epID}})
		created, rid := change("POST", "/v1/api-keys", `{"name":"audit-body-marker"}`, 201, auditEvent{Route: "/v1/api-keys"})
		newKeyID, newKey := created["id"].(string), created["key"].(string)
		createdIs(rid, newKeyID)
		change("DELETE", "/v1/api-keys/"+newKeyID, "", 200,
			auditEvent{Route: "/v1/api-keys/{key_id}", ObjectID: newKeyID, PathIDs: map[string]string{"key_id": newKeyID}})
		failedSecret := testSecret("failed")
		change("POST", "/v1/tenants/acme/endpoints", `{"url":"not a url","secret":"`+failedSecret+`"}`, 400,
			auditEvent{Route: "/v1/tenants/{tenant_id}/endpoints", ObjectID: "acme", PathIDs: map[string]string{"tenant_id": "acme"},
				ProblemType: "https://patchbay.dev/problems/invalid-request"})
		app, rid := change("POST", "/v1/oauth/apps", `{"team_id":"devteam","name":"Audited","redirect_uris":["https://app.example/cb"]}`, 201,
			auditEvent{Route: "/v1/oauth/apps"})
		if secret, _ := app["client_secret"].(string); !strings.HasPrefix(secret, "pbo_") {
			t.Fatalf("app: %v", app)
		}
		createdIs(rid, app["id"].(string))
		beta := auditEvent{Route: "/v1/tenants/{tenant_id}", ObjectID: "beta", PathIDs: map[string]string{"tenant_id": "beta"}}
		change("PUT", "/v1/tenants/beta", `{"name":"Beta"}`, 201, beta, "Idempotency-Key", "put-beta")
		beta.Replayed = true
		change("PUT", "/v1/tenants/beta", `{"name":"Beta"}`, 201, beta, "Idempotency-Key", "put-beta")

		// Connecting records creating an integration and a connect session
		// (whose pbcs_ token is in its response); the proxy records the
		// connection, never the forwarded path, query or body.
		connID := connectKey(t, e.env, "proxykey")
		change("POST", "/v1/connections/"+connID+"/proxy/echo?token=query-marker", `{"payload":"proxy-body-marker"}`, 200,
			auditEvent{Route: "/v1/connections/{connection_id}/proxy/{path...}", ObjectID: connID,
				PathIDs: map[string]string{"connection_id": connID}})

		// Not recorded: reads, and requests without a valid key.
		e.do(t, "GET", "/v1/connections/"+connID+"/proxy/echo", "")
		e.do(t, "GET", "/v1/tenants/acme/endpoints/"+epID, "")
		for _, token := range []string{"", newKey, "pbk_" + strings.Repeat("x", 43)} {
			req, _ := http.NewRequest("POST", e.node.URL+"/v1/api-keys", strings.NewReader(`{"name":"intruder"}`))
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("POST /v1/api-keys with %q: %d, want 401", token, resp.StatusCode)
			}
		}

		// Besides the changes above: the tenant acme (setupProxy), and the
		// integration and connect session (connectKey). A change is recorded
		// just after its answer, so the last ones may take a moment.
		var all []auditEvent
		var next string
		waitFor(t, 5*time.Second, "every change in the audit log", func() bool {
			all, next = auditPage(t, e.env, "limit=100")
			return len(all) >= len(want)+3
		})
		if next != "" {
			t.Errorf("all events fit one page, yet next_cursor = %q", next)
		}
		if len(all) != len(want)+3 {
			t.Errorf("%d events, want %d", len(all), len(want)+3)
		}
		if !slices.IsSortedFunc(all, func(a, b auditEvent) int { return strings.Compare(b.ID, a.ID) }) {
			t.Error("events are not newest first (by ID)")
		}
		routes := map[string]int{}
		for _, got := range all {
			routes[got.Method+" "+got.Route]++
			if !id.Valid("aud", got.ID) || got.OccurredAt.Before(start.Add(-time.Minute)) || got.OccurredAt.After(time.Now().Add(time.Minute)) {
				t.Errorf("event %s at %s", got.ID, got.OccurredAt)
			}
			if got.APIKeyID != ownKey || got.ClientIP != "127.0.0.1" || got.Method == "GET" {
				t.Errorf("event %+v: want key %s, client 127.0.0.1, and no reads", got, ownKey)
			}
			w, ok := want[got.RequestID]
			if !ok {
				continue
			}
			w.ID, w.OccurredAt = got.ID, got.OccurredAt
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("event of %s %s (-want +got):\n%s", w.Method, w.Route, diff)
			}
			delete(want, got.RequestID)
		}
		for _, w := range want {
			t.Errorf("no event for %s %s (request %s)", w.Method, w.Route, w.RequestID)
		}
		for _, r := range []string{"PUT /v1/tenants/{tenant_id}", "POST /v1/integrations", "POST /v1/connect/sessions"} {
			if routes[r] == 0 {
				t.Errorf("no event for %s; events by route: %v", r, routes)
			}
		}

		// Nothing secret, and no body, query or forwarded path, anywhere in
		// the table.
		n := eachValue(t, openRaw(t, e.opts), "audit_events", func(column, text string) {
			for _, leak := range []string{"pbk_", "whsec_", "pbo_", "pbcs_", newKey, chosenSecret, rotatedSecret, failedSecret,
				"audit-body-marker", "audit-url", "query-marker", "proxy-body-marker", "echo", "Audited", "intruder"} {
				if strings.Contains(text, leak) {
					t.Errorf("audit_events.%s holds %q: %s", column, leak, text)
				}
			}
		})
		if n != len(all) {
			t.Errorf("the table has %d rows, the list %d", n, len(all))
		}

		// Filters.
		count := func(query string) int {
			t.Helper()
			events, _ := auditPage(t, e.env, query+"&limit=100")
			return len(events)
		}
		q := url.QueryEscape
		for query, wantN := range map[string]int{
			"key_id=" + ownKey:    len(all),
			"key_id=" + newKeyID:  0,
			"object_id=" + epID:   2, // created, rotated
			"object_id=" + connID: 1,
			"route=" + q("/v1/tenants/{tenant_id}/endpoints"): 2, // created, failed
			"method=DELETE":              1,
			"outcome=failure":            1,
			"outcome=400":                1,
			"outcome=201":                countFunc(all, func(ev auditEvent) bool { return ev.Status == 201 }),
			"outcome=success":            len(all) - 1,
			"method=PUT&outcome=success": 3,
			"since=" + q(start.Add(-time.Minute).Format(time.RFC3339Nano)): len(all),
			"since=" + q(time.Now().Add(time.Minute).Format(time.RFC3339)): 0,
			"until=" + q(start.Add(-time.Hour).Format(time.RFC3339)):       0,
		} {
			if got := count(query); got != wantN {
				t.Errorf("%s: %d events, want %d", query, got, wantN)
			}
		}
		resp, body := e.do(t, "GET", "/v1/audit-events?key_id=nope&method=GET&outcome=maybe&since=yesterday&route=tenants&object_id="+
			strings.Repeat("x", 256)+"&kind=x", "")
		p := problem(t, resp, body)
		var fields []string
		for _, f := range p.Errors {
			fields = append(fields, f.Field)
		}
		if wantFields := []string{"key_id", "kind", "method", "object_id", "outcome", "route", "since"}; resp.StatusCode != 400 ||
			!slices.Equal(fields, wantFields) {
			t.Errorf("bad filters: %d, fields %v, want %v", resp.StatusCode, fields, wantFields)
		}
		if resp, body := e.do(t, "GET", "/v1/audit-events?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", ""); resp.StatusCode != 400 ||
			!strings.Contains(string(body), `"until"`) {
			t.Errorf("until before since: %d %s", resp.StatusCode, body)
		}

		// Pagination walks the same list.
		var walked []auditEvent
		for cursor, pages := "", 0; ; pages++ {
			page, next := auditPage(t, e.env, "limit=3&cursor="+cursor)
			walked = append(walked, page...)
			if next == "" || pages > len(all) {
				break
			}
			cursor = next
		}
		if diff := cmp.Diff(all, walked); diff != "" {
			t.Errorf("pages of 3 differ from one page (-one +pages):\n%s", diff)
		}
	})
}

func countFunc[T any](list []T, f func(T) bool) int {
	n := 0
	for _, v := range list {
		if f(v) {
			n++
		}
	}
	return n
}

// testSecret is a whsec_ signing secret made from seed.
func testSecret(seed string) string {
	b := []byte(strings.Repeat(seed, 32)[:32])
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// TestAuditWriteFailureKeepsResponse: when the audit log cannot be written,
// the change still gets its own answer, and the failure is logged.
func TestAuditWriteFailureKeepsResponse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		if _, err := openRaw(t, e.opts).ExecContext(t.Context(), "DROP TABLE audit_events"); err != nil {
			t.Fatal(err)
		}
		resp, body := e.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme"}`)
		if resp.StatusCode != 201 {
			t.Errorf("PUT /v1/tenants/acme without an audit table: %d %s", resp.StatusCode, body)
		}
		// The record is written, and its failure logged, just after the answer.
		waitFor(t, 5*time.Second, "a log line for the lost audit event", func() bool {
			for line := range strings.Lines(e.node.Logs.String()) {
				if strings.Contains(line, `"msg":"audit event not recorded"`) &&
					strings.Contains(line, `"request_id":"`+resp.Header.Get("X-Request-Id")+`"`) {
					return true
				}
			}
			return false
		})
	})
}
