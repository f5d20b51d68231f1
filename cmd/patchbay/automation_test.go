package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// hookReceiver is a platform's webhook URL: it records each delivery and
// answers status.
type hookReceiver struct {
	srv       *httptest.Server
	status    atomic.Int32
	delivered chan delivery
}

type delivery struct {
	id   string
	body string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{delivered: make(chan delivery, 100)}
	h.status.Store(200)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case h.delivered <- delivery{id: r.Header.Get("webhook-id"), body: string(body)}:
		default:
		}
		w.WriteHeader(int(h.status.Load()))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-h.delivered:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10s")
		return delivery{}
	}
}

func (h *hookReceiver) none(t *testing.T, wait time.Duration) {
	t.Helper()
	select {
	case d := <-h.delivered:
		t.Fatalf("unexpected delivery %+v", d)
	case <-time.After(wait):
	}
}

// platformCall calls a /v1/hooks route with an OAuth access token.
func (o *oauthEnv) platformCall(t *testing.T, token, method, path, body string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, o.node.URL+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// automationSetup is an OAuth env with an event type exposed as a trigger
// that filters on status, and a platform app's user token for user_1 in
// team_1.
func automationSetup(t *testing.T, d storetest.Dialect, extra ...string) (*oauthEnv, testApp, string) {
	t.Helper()
	o := setupOAuth(t, d, append(append([]string{}, webhookArgs...), extra...)...)
	if resp, body := o.do(t, "POST", "/v1/event-types", `{"name":"project.created","description":"A project was created.",
		"schema":{"type":"object","properties":{"id":{"type":"string"},"status":{"type":"string","enum":["active","archived"]}}},
		"example":{"id":"prj_1","status":"active"}}`); resp.StatusCode != 201 {
		t.Fatalf("event type: %d %s", resp.StatusCode, body)
	}
	if resp, body := o.do(t, "PATCH", "/v1/automation/triggers/project.created", `{"display_name":"New Project","filter_fields":["/status"]}`); resp.StatusCode != 200 {
		t.Fatalf("trigger: %d %s", resp.StatusCode, body)
	}
	app := o.createApp(t, `{"team_id":"zapier","name":"Zapier","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects","write:projects"]}`)
	tok := o.tokenWith(t, newBrowser(t), app, o.config(app, "read:projects"), nil, nil)
	return o, app, tok["access_token"].(string)
}

func (o *oauthEnv) publish(t *testing.T, tenant, eventType, payload string) string {
	t.Helper()
	resp, body := o.do(t, "POST", "/v1/tenants/"+tenant+"/messages", `{"event_type":"`+eventType+`","payload":`+payload+`}`)
	if resp.StatusCode != 202 && resp.StatusCode != 201 && resp.StatusCode != 200 {
		t.Fatalf("publish: %d %s", resp.StatusCode, body)
	}
	var m struct {
		ID string `json:"id"`
	}
	json.Unmarshal(body, &m) //nolint:errcheck // checked below
	if m.ID == "" {
		t.Fatalf("publish answered %s", body)
	}
	return m.ID
}

type hookOut struct {
	ID        string         `json:"id"`
	Trigger   string         `json:"trigger"`
	TargetURL string         `json:"target_url"`
	Filter    map[string]any `json:"filter"`
}

func (o *oauthEnv) adminHooks(t *testing.T) []hookOut {
	t.Helper()
	resp, body := o.do(t, "GET", "/v1/automation/hooks", "")
	if resp.StatusCode != 200 {
		t.Fatalf("list hooks: %d %s", resp.StatusCode, body)
	}
	var l struct {
		Data []hookOut `json:"data"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	return l.Data
}

// TestAutomationHooks drives REST hooks as a platform does, with a user's
// access token obtained through the OAuth flow: the connection test,
// subscribe (20 at once make one hook), filtered delivery by the webhook
// engine, polling, unsubscribe, 410 Gone, revocation, and the tenant switch.
func TestAutomationHooks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o, _, token := automationSetup(t, d)
		recv := newHookReceiver(t)

		if st, body := o.platformCall(t, "", "GET", "/v1/hooks/me", ""); st != 401 {
			t.Fatalf("me without a token: %d %s", st, body)
		}
		if st, body := o.platformCall(t, "pbat_nope", "GET", "/v1/hooks/me", ""); st != 401 {
			t.Fatalf("me with a bad token: %d %s", st, body)
		}
		st, body := o.platformCall(t, token, "GET", "/v1/hooks/me", "")
		var me map[string]any
		json.Unmarshal(body, &me) //nolint:errcheck // checked next
		if st != 200 || me["user_id"] != "user_1" || me["team_id"] != "team_1" || me["tenant_id"] != "team_1" {
			t.Fatalf("me: %d %s", st, body)
		}

		sub := fmt.Sprintf(`{"target_url":%q,"trigger":"project.created","filter":{"status":"active"}}`, recv.srv.URL+"/zap")
		var wg sync.WaitGroup
		statuses, ids := make([]int, 20), make([]string, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, body := o.platformCall(t, token, "POST", "/v1/hooks", sub)
				var h hookOut
				json.Unmarshal(body, &h) //nolint:errcheck // checked below
				statuses[i], ids[i] = st, h.ID
			}()
		}
		wg.Wait()
		created := 0
		for i := range 20 {
			if statuses[i] == 201 {
				created++
			} else if statuses[i] != 200 {
				t.Fatalf("subscribe %d: %d", i, statuses[i])
			}
			if ids[i] != ids[0] || !strings.HasPrefix(ids[0], "hook_") {
				t.Fatalf("subscribe answered different hooks: %v", ids)
			}
		}
		if created != 1 {
			t.Fatalf("%d subscribes answered 201, want 1", created)
		}
		if hooks := o.adminHooks(t); len(hooks) != 1 || hooks[0].ID != ids[0] || hooks[0].Filter["status"] != "active" {
			t.Fatalf("admin hooks after 20 subscribes: %+v", hooks)
		}
		hookID := ids[0]

		// Refused subscriptions name the field.
		for field, bad := range map[string]string{
			"target_url":    `{"target_url":"http://169.254.169.254/x","trigger":"project.created"}`,
			"trigger":       fmt.Sprintf(`{"target_url":%q,"trigger":"nope.never"}`, recv.srv.URL),
			"filter.id":     fmt.Sprintf(`{"target_url":%q,"trigger":"project.created","filter":{"id":"x"}}`, recv.srv.URL),
			"filter.status": fmt.Sprintf(`{"target_url":%q,"trigger":"project.created","filter":{"status":"deleted"}}`, recv.srv.URL),
		} {
			if st, body := o.platformCall(t, token, "POST", "/v1/hooks", bad); st != 400 || !strings.Contains(string(body), `"field":"`+field+`"`) {
				t.Errorf("subscribe %s: %d %s, want 400 naming %s", bad, st, body, field)
			}
		}

		// Delivered by the webhook engine, filtered on status.
		first := o.publish(t, "team_1", "project.created", `{"id":"prj_1","status":"active"}`)
		got := recv.next(t)
		if got.id != first || got.body != `{"id":"prj_1","status":"active"}` {
			t.Fatalf("delivery %+v, want message %s", got, first)
		}
		o.publish(t, "team_1", "project.created", `{"id":"prj_2","status":"archived"}`)
		third := o.publish(t, "team_1", "project.created", `{"id":"prj_3","status":"active"}`)
		if got := recv.next(t); got.id != third {
			t.Fatalf("the filter let through %+v; want %s", got, third)
		}

		// Polling: newest first, stable ids, paged.
		st, body = o.platformCall(t, token, "GET", "/v1/hooks/poll/project.created?limit=2", "")
		var page struct {
			Data []struct {
				ID   string          `json:"id"`
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			} `json:"data"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); st != 200 || err != nil || len(page.Data) != 2 || page.Data[0].ID != third ||
			string(page.Data[1].Data) != `{"id":"prj_2","status":"archived"}` || page.NextCursor == "" {
			t.Fatalf("poll: %d %s", st, body)
		}
		st, body = o.platformCall(t, token, "GET", "/v1/hooks/poll/project.created?limit=2&cursor="+url.QueryEscape(page.NextCursor), "")
		page.Data, page.NextCursor = nil, ""
		if err := json.Unmarshal(body, &page); st != 200 || err != nil || len(page.Data) != 1 || page.Data[0].ID != first || page.NextCursor != "" {
			t.Fatalf("poll page 2: %d %s", st, body)
		}
		if st, _ := o.platformCall(t, token, "GET", "/v1/hooks/poll/nope.never", ""); st != 404 {
			t.Errorf("poll of an unknown trigger: %d", st)
		}

		// Unsubscribe; the next event goes nowhere.
		if st, body := o.platformCall(t, token, "DELETE", "/v1/hooks/"+hookID, ""); st != 204 {
			t.Fatalf("unsubscribe: %d %s", st, body)
		}
		if st, _ := o.platformCall(t, token, "DELETE", "/v1/hooks/"+hookID, ""); st != 404 {
			t.Errorf("second unsubscribe: %d", st)
		}
		o.publish(t, "team_1", "project.created", `{"id":"prj_4","status":"active"}`)
		recv.none(t, 500*time.Millisecond)

		// A 410 Gone unsubscribes.
		recv.status.Store(410)
		if st, body := o.platformCall(t, token, "POST", "/v1/hooks", sub); st != 201 {
			t.Fatalf("subscribe again: %d %s", st, body)
		}
		o.publish(t, "team_1", "project.created", `{"id":"prj_5","status":"active"}`)
		recv.next(t)
		deadline := time.Now().Add(10 * time.Second)
		for len(o.adminHooks(t)) != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("the hook outlived a 410: %+v", o.adminHooks(t))
			}
			time.Sleep(50 * time.Millisecond)
		}
		recv.status.Store(200)

		// Revoking the authorization removes the app's hooks.
		if st, body := o.platformCall(t, token, "POST", "/v1/hooks", sub); st != 201 {
			t.Fatalf("subscribe after 410: %d %s", st, body)
		}
		resp, body := o.do(t, "GET", "/v1/oauth/authorizations?user_id=user_1&team_id=team_1", "")
		var auths struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &auths); resp.StatusCode != 200 || err != nil || len(auths.Data) != 1 {
			t.Fatalf("authorizations: %d %s", resp.StatusCode, body)
		}
		if resp, body := o.do(t, "DELETE", "/v1/oauth/authorizations/"+auths.Data[0].ID, ""); resp.StatusCode != 204 {
			t.Fatalf("revoke: %d %s", resp.StatusCode, body)
		}
		if hooks := o.adminHooks(t); len(hooks) != 0 {
			t.Fatalf("hooks after revocation: %+v", hooks)
		}
		if st, _ := o.platformCall(t, token, "GET", "/v1/hooks/me", ""); st != 401 {
			t.Errorf("me with a revoked token: %d", st)
		}
		o.publish(t, "team_1", "project.created", `{"id":"prj_6","status":"active"}`)
		recv.none(t, 500*time.Millisecond)
	})
}

// TestAutomationTenantSwitch: a tenant that disallows automation platforms
// refuses their subscriptions and polls and loses their hooks.
func TestAutomationTenantSwitch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o, _, token := automationSetup(t, d)
		recv := newHookReceiver(t)
		sub := fmt.Sprintf(`{"target_url":%q,"trigger":"project.created"}`, recv.srv.URL)
		if st, body := o.platformCall(t, token, "POST", "/v1/hooks", sub); st != 201 {
			t.Fatalf("subscribe: %d %s", st, body)
		}
		resp, body := o.do(t, "PATCH", "/v1/tenants/team_1/automation", `{"platforms_allowed":false}`)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"platforms_allowed":false`) || !strings.Contains(string(body), `"agents_allowed":true`) {
			t.Fatalf("switch: %d %s", resp.StatusCode, body)
		}
		if hooks := o.adminHooks(t); len(hooks) != 0 {
			t.Fatalf("hooks after the switch: %+v", hooks)
		}
		for _, c := range []struct{ method, path, body string }{{"POST", "/v1/hooks", sub}, {"GET", "/v1/hooks/poll/project.created", ""}} {
			if st, body := o.platformCall(t, token, c.method, c.path, c.body); st != 403 {
				t.Errorf("%s %s with platforms off: %d %s", c.method, c.path, st, body)
			}
		}
	})
}
