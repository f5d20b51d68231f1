package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"image/color"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// embedOrigin is the SaaS's page that embeds the components in these tests.
const embedOrigin = "https://app.acme.test"

// mintEmbed mints an embed token with the env's API key and returns the
// token and its ID.
func mintEmbed(t *testing.T, e *env, body string) (token, id string) {
	t.Helper()
	resp, b := e.do(t, "POST", "/v1/embed/tokens", body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("mint embed token: %d %s", resp.StatusCode, b)
	}
	var out struct{ ID, Token string }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.Token, "pbe_") || !strings.HasPrefix(out.ID, "emb_") {
		t.Fatalf("minted %q (%q), want a pbe_ token with an emb_ ID", out.Token, out.ID)
	}
	return out.Token, out.ID
}

// embedDo calls the embed API as the components do: the token as bearer, the
// embedding page's Origin (none when origin is empty).
func embedDo(t *testing.T, e *env, token, origin, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	headers := []string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}
	if origin != "" {
		headers = append(headers, "Origin", origin)
	}
	return e.do(t, method, path, body, headers...)
}

// wantEmbedProblem checks a refusal's status and that its problem type ends
// with reason, as the components read it.
func wantEmbedProblem(t *testing.T, what string, resp *http.Response, body []byte, status int, reason string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d; body %s", what, resp.StatusCode, status, body)
		return
	}
	p := problem(t, resp, body)
	if !strings.HasSuffix(p.Type, "/"+reason) {
		t.Errorf("%s: problem type %q, want one ending in /%s", what, p.Type, reason)
	}
}

func decodeJSON[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// setupEmbed is a webhooks node with tenants acme and beta and an event type
// with an example payload.
func setupEmbed(t *testing.T, d storetest.Dialect, extra ...string) *env {
	t.Helper()
	e := setupWebhooks(t, d, extra...)
	if _, _, err := e.client.PutTenant(t.Context(), "beta", client.TenantParams{Name: "Beta"}); err != nil {
		t.Fatal(err)
	}
	resp, b := e.do(t, "POST", "/v1/event-types", `{"name":"order.shipped","description":"An order left the warehouse",
		"schema":{"type":"object","required":["order"]},"example":{"order":"o_example"}}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create event type: %d %s", resp.StatusCode, b)
	}
	return e
}

// TestEmbedWebhookPortalFlow goes through the webhook portal's flows as the
// component does, on both stores: create an endpoint, send a test event that
// a loopback receiver gets, list its deliveries, open the attempt, resend,
// recover; and each change is in the audit log under the token and its user.
func TestEmbedWebhookPortalFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupEmbed(t, d)
		token, tokenID := mintEmbed(t, e, `{"tenant_id":"acme","user_id":"user_1","user_name":"Ada Lovelace",
			"capabilities":["webhooks"],"allowed_origins":["`+embedOrigin+`"],"locale":"de"}`)

		// The session shows the tenant's effective branding: its override
		// over the installation's.
		if resp, b := e.do(t, "PUT", "/v1/branding", `{"product_name":"Acme Cloud","support_url":"https://help.acme.test"}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("installation branding: %d %s", resp.StatusCode, b)
		}
		if resp, b := e.do(t, "PUT", "/v1/tenants/acme/branding", `{"product_name":"Acme Portal","accent_color":"#0f766e","theme":"dark"}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("tenant branding: %d %s", resp.StatusCode, b)
		}
		logo := callBranding(t, e, "PUT", "/v1/tenants/acme/branding/logo", string(testPNG(t, color.RGBA{G: 0x76, B: 0x6e, A: 0xff})),
			"Content-Type", "image/png").LogoURL
		resp, b := embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/session", "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != embedOrigin {
			t.Fatalf("session: %d, ACAO %q; %s", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), b)
		}
		sess := decodeJSON[struct {
			TenantID     string    `json:"tenant_id"`
			UserID       string    `json:"user_id"`
			UserName     string    `json:"user_name"`
			Locale       string    `json:"locale"`
			Capabilities []string  `json:"capabilities"`
			ExpiresAt    time.Time `json:"expires_at"`
			Branding     struct {
				ProductName string `json:"product_name"`
				AccentColor string `json:"accent_color"`
				Theme       string `json:"theme"`
				SupportURL  string `json:"support_url"`
				LogoURL     string `json:"logo_url"`
			}
		}](t, b)
		if sess.TenantID != "acme" || sess.UserID != "user_1" || sess.UserName != "Ada Lovelace" || sess.Locale != "de" ||
			len(sess.Capabilities) != 1 || sess.Capabilities[0] != "webhooks" {
			t.Errorf("session = %+v", sess)
		}
		if br := sess.Branding; br.ProductName != "Acme Portal" || br.AccentColor != "#0f766e" || br.Theme != "dark" || br.SupportURL != "https://help.acme.test" {
			t.Errorf("session branding = %+v, want acme's override over the installation's", br)
		}
		// The components run on the SaaS's origin: the logo is named by Patchbay's URL.
		if sess.Branding.LogoURL != e.node.URL+logo || !strings.HasPrefix(logo, "/assets/") {
			t.Errorf("session logo %q, want %s%s", sess.Branding.LogoURL, e.node.URL, logo)
		}
		betaToken, _ := mintEmbed(t, e, `{"tenant_id":"beta","user_id":"user_2","capabilities":["webhooks:read"],"allowed_origins":["`+embedOrigin+`"]}`)
		if _, b := embedDo(t, e, betaToken, embedOrigin, "GET", "/embed/v1/session", ""); !strings.Contains(string(b), `"product_name":"Acme Cloud"`) ||
			!strings.Contains(string(b), `"accent_color":"#1d4ed8"`) {
			t.Errorf("beta, without an override, has the installation's branding: %s", b)
		}
		if left := time.Until(sess.ExpiresAt); left < 14*time.Minute || left > 15*time.Minute {
			t.Errorf("token expires in %s, want the default 15 minutes", left)
		}

		resp, b = embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/event-types", "")
		types := decodeJSON[struct {
			Data []struct {
				Name       string
				Example    json.RawMessage
				Schema     json.RawMessage
				Deprecated *bool
			}
		}](t, b)
		if resp.StatusCode != http.StatusOK || len(types.Data) != 3 {
			t.Fatalf("event types: %d %s, want the 3 types", resp.StatusCode, b)
		}
		for _, et := range types.Data {
			wantExample := map[string]string{"order.shipped": `{"order":"o_example"}`}[et.Name]
			if wantExample == "" {
				wantExample = "null"
			}
			if string(et.Example) != wantExample || et.Deprecated == nil || *et.Deprecated || len(et.Schema) == 0 {
				t.Errorf("event type %s: example %s, schema %s, deprecated %v; want example %s", et.Name, et.Example, et.Schema, et.Deprecated, wantExample)
			}
		}

		rc := newReceiver(t, nil)
		resp, b = embedDo(t, e, token, embedOrigin, "POST", "/embed/v1/endpoints", `{"url":"`+rc.URL+`","description":"ops"}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create endpoint: %d %s", resp.StatusCode, b)
		}
		ep := decodeJSON[struct{ ID, Secret, TenantID string }](t, b)
		if !strings.HasPrefix(ep.Secret, "whsec_") {
			t.Errorf("created endpoint shows secret %q, want whsec_…", ep.Secret)
		}
		// Idempotency-Key: a retried create answers the first response.
		var first string
		for i := range 2 {
			resp, b := e.do(t, "POST", "/embed/v1/endpoints", `{"url":"`+rc.URL+`","description":"retried"}`,
				"Authorization", "Bearer "+token, "Origin", embedOrigin, "Idempotency-Key", "create-retried")
			got := decodeJSON[struct{ ID string }](t, b).ID
			if i == 0 {
				first = got
			} else if resp.StatusCode != http.StatusCreated || got != first || resp.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("retried create: %d %s, replayed %q; want the first answer (%s) again", resp.StatusCode, b, resp.Header.Get("Idempotent-Replayed"), first)
			}
		}
		if resp, b := embedDo(t, e, token, embedOrigin, "DELETE", "/embed/v1/endpoints/"+first, ""); resp.StatusCode != http.StatusNoContent {
			t.Errorf("delete the retried endpoint: %d %s", resp.StatusCode, b)
		}
		if _, err := e.client.Endpoint(t.Context(), "acme", ep.ID); err != nil {
			t.Errorf("the endpoint is not acme's through the admin API: %v", err)
		}

		resp, b = embedDo(t, e, token, embedOrigin, "POST", "/embed/v1/endpoints/"+ep.ID+"/test", `{"event_type":"order.shipped"}`)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("test event: %d %s", resp.StatusCode, b)
		}
		sent := decodeJSON[struct {
			MessageID  string `json:"message_id"`
			DeliveryID string `json:"delivery_id"`
		}](t, b)
		waitFor(t, 10*time.Second, "the test event", func() bool { return len(rc.requests()) == 1 })
		got := rc.requests()[0]
		if got.Header.Get("webhook-id") != sent.MessageID || !strings.Contains(string(got.Body), `"o_example"`) {
			t.Errorf("receiver got webhook-id %q body %s, want %s with the example payload", got.Header.Get("webhook-id"), got.Body, sent.MessageID)
		}
		resp, b = embedDo(t, e, token, embedOrigin, "POST", "/embed/v1/endpoints/"+ep.ID+"/test", `{"event_type":"order.shipped","payload":{"nope":1}}`)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"payload`) {
			t.Errorf("test event against the schema: %d %s, want 422 naming the payload", resp.StatusCode, b)
		}

		type delivery struct {
			ID, Status string
			EventType  string `json:"event_type"`
			Attempts   int
		}
		type deliveryDetail struct {
			ID       string
			Attempts []struct {
				StatusCode int `json:"status_code"`
				Request    struct {
					URL     string
					Headers map[string]string
					Body    json.RawMessage
				}
				Response struct{ Body string }
			}
		}
		waitFor(t, 10*time.Second, "the delivery to succeed", func() bool {
			_, b := embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/endpoints/"+ep.ID+"/deliveries?status=succeeded&event_type=order.shipped", "")
			list := decodeJSON[struct{ Data []delivery }](t, b)
			return len(list.Data) == 1 && list.Data[0].ID == sent.DeliveryID && list.Data[0].EventType == "order.shipped" && list.Data[0].Attempts == 1
		})
		_, b = embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/endpoints/"+ep.ID+"/deliveries?event_type=invoice.paid", "")
		if list := decodeJSON[struct{ Data []delivery }](t, b); len(list.Data) != 0 {
			t.Errorf("filtering by another event type listed %+v", list.Data)
		}
		resp, b = embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/endpoints/"+ep.ID+"/deliveries?since=yesterday", "")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"since"`) {
			t.Errorf("bad since: %d %s, want 400 naming since", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/deliveries/"+sent.DeliveryID, "")
		if dl := decodeJSON[deliveryDetail](t, b); resp.StatusCode != http.StatusOK || len(dl.Attempts) != 1 || dl.Attempts[0].StatusCode != 200 ||
			dl.Attempts[0].Request.URL != rc.URL || dl.Attempts[0].Request.Headers["webhook-id"] != sent.MessageID ||
			string(dl.Attempts[0].Request.Body) != `{"order":"o_example"}` || dl.Attempts[0].Response.Body != "receiver says OK" {
			t.Errorf("delivery detail: %d %s, want one attempt answered 200 with its request and response", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, token, embedOrigin, "POST", "/embed/v1/deliveries/"+sent.DeliveryID+"/resend", "")
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("resend: %d %s", resp.StatusCode, b)
		}
		waitFor(t, 10*time.Second, "the resent delivery", func() bool { return len(rc.requests()) == 2 })

		resp, b = embedDo(t, e, token, embedOrigin, "POST", "/embed/v1/endpoints/"+ep.ID+"/recover",
			`{"since":"`+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)+`"}`)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("recover: %d %s", resp.StatusCode, b)
		}
		rec := decodeJSON[struct{ ID string }](t, b)
		waitFor(t, 10*time.Second, "the recovery to finish", func() bool {
			resp, b := embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/endpoints/"+ep.ID+"/recoveries/"+rec.ID, "")
			return resp.StatusCode == http.StatusOK && strings.Contains(string(b), `"completed"`)
		})
		resp, b = embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/endpoints/"+ep.ID+"/stats?window=1h", "")
		stats := decodeJSON[struct {
			SuccessRate float64 `json:"success_rate"`
			Buckets     []struct{ Succeeded, Failed int }
		}](t, b)
		succeeded := 0
		for _, bk := range stats.Buckets {
			succeeded += bk.Succeeded
		}
		if resp.StatusCode != http.StatusOK || stats.SuccessRate != 1 || len(stats.Buckets) != 24 || succeeded != 2 {
			t.Errorf("stats: %d %s, want all 2 attempts succeeded, in 24 buckets", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, token, embedOrigin, "GET", "/embed/v1/endpoints/"+ep.ID+"/secret", "")
		if s := decodeJSON[struct{ Secret string }](t, b); resp.StatusCode != http.StatusOK || s.Secret != ep.Secret {
			t.Errorf("secret: %d %s, want the one shown at creation", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, token, embedOrigin, "PATCH", "/embed/v1/endpoints/"+ep.ID, `{"disabled":true}`)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"disabled":true`) {
			t.Errorf("disable: %d %s", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, token, embedOrigin, "PATCH", "/embed/v1/endpoints/"+ep.ID, `{"url":"ftp://x"}`)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"url"`) {
			t.Errorf("bad url: %d %s, want 400 naming url", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, token, embedOrigin, "DELETE", "/embed/v1/endpoints/"+ep.ID, "")
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("delete: %d %s", resp.StatusCode, b)
		}

		// Every change is audited under the token, with its user.
		var events []struct {
			Method, Route string
			UserID        string `json:"user_id"`
			ObjectID      string `json:"object_id"`
		}
		waitFor(t, 5*time.Second, "the audit events", func() bool {
			_, b := e.do(t, "GET", "/v1/audit-events?key_id="+tokenID+"&limit=100", "")
			events = decodeJSON[struct {
				Data []struct {
					Method, Route string
					UserID        string `json:"user_id"`
					ObjectID      string `json:"object_id"`
				}
			}](t, b).Data
			return len(events) >= 8
		})
		seen := map[string]bool{}
		for _, ev := range events {
			if ev.UserID != "user_1" {
				t.Errorf("audit event %s %s names user %q, want user_1", ev.Method, ev.Route, ev.UserID)
			}
			seen[ev.Method+" "+ev.Route] = true
		}
		for _, want := range []string{"POST /embed/v1/endpoints", "POST /embed/v1/endpoints/{endpoint_id}/test",
			"POST /embed/v1/deliveries/{delivery_id}/resend", "DELETE /embed/v1/endpoints/{endpoint_id}"} {
			if !seen[want] {
				t.Errorf("no audit event for %s among %v", want, seen)
			}
		}
		// Neither the token nor any secret it showed is logged or stored.
		checkLogsHoldNo(t, e.node, []string{token, betaToken, ep.Secret}, "pbe_")
		if rows := scanForPlaintext(t, e.opts, []string{token, betaToken}); rows["embed_tokens"] != 2 {
			t.Errorf("scanned %d embed token rows, want 2 (acme's and beta's)", rows["embed_tokens"])
		}
	})
}

// TestEmbedTokenRules checks who may use which token for what, on both
// stores: minting's validation, origins and preflight, the capability each
// route needs, tenant isolation for every object route, revocation and
// expiry, and that tokens and API keys each stay on their own routes.
func TestEmbedTokenRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupEmbed(t, d)
		mint := func(tenant, caps string) string {
			token, _ := mintEmbed(t, e, `{"tenant_id":"`+tenant+`","user_id":"u1","capabilities":[`+caps+`],"allowed_origins":["`+embedOrigin+`","http://localhost:3000"]}`)
			return token
		}

		// Minting checks every field.
		for _, tc := range []struct{ body, field string }{
			{`{"tenant_id":"acme","user_id":"u1","capabilities":["webhooks"],"allowed_origins":["http://app.acme.test"]}`, "allowed_origins/0"},
			{`{"tenant_id":"acme","user_id":"u1","capabilities":["webhooks"],"allowed_origins":["https://app.acme.test/portal"]}`, "allowed_origins/0"},
			{`{"tenant_id":"acme","user_id":"u1","capabilities":["webhooks"],"allowed_origins":["https://App.acme.test"]}`, "allowed_origins/0"},
			{`{"tenant_id":"acme","user_id":"u1","capabilities":["webhooks"],"allowed_origins":[]}`, "allowed_origins"},
			{`{"tenant_id":"acme","user_id":"u1","capabilities":["admin"],"allowed_origins":["https://a.test"]}`, "capabilities/0"},
			{`{"tenant_id":"acme","user_id":"u1","capabilities":[],"allowed_origins":["https://a.test"]}`, "capabilities"},
			{`{"tenant_id":"acme","user_id":"u 1","capabilities":["webhooks"],"allowed_origins":["https://a.test"]}`, "user_id"},
			{`{"tenant_id":"acme","user_id":"u1","capabilities":["webhooks"],"allowed_origins":["https://a.test"],"ttl_seconds":3601}`, "ttl_seconds"},
			{`{"tenant_id":"nobody","user_id":"u1","capabilities":["webhooks"],"allowed_origins":["https://a.test"]}`, "tenant_id"},
		} {
			resp, b := e.do(t, "POST", "/v1/embed/tokens", tc.body)
			p := problem(t, resp, b)
			if resp.StatusCode != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Errorf("mint %s: %d %+v, want 400 naming %s", tc.body, resp.StatusCode, p.Errors, tc.field)
			}
		}
		// Keys: only with the embed scope, and only for their own tenant.
		betaKey := createKey(t, e.opts, "--tenant", "beta", "--scope", "embed")
		noScope := createKey(t, e.opts, "--scope", "webhooks:admin")
		for _, tc := range []struct {
			key    string
			status int
		}{{betaKey, http.StatusNotFound}, {noScope, http.StatusForbidden}} {
			resp, b := e.do(t, "POST", "/v1/embed/tokens", `{"tenant_id":"acme","user_id":"u1","capabilities":["webhooks"],"allowed_origins":["https://a.test"]}`,
				"Authorization", "Bearer "+tc.key)
			if resp.StatusCode != tc.status {
				t.Errorf("mint for acme with another key: %d %s, want %d", resp.StatusCode, b, tc.status)
			}
		}

		// Objects of tenant acme, and a webhooks token for each tenant.
		acme, beta := mint("acme", `"webhooks"`), mint("beta", `"webhooks"`)
		resp, b := embedDo(t, e, acme, "", "POST", "/embed/v1/endpoints", `{"url":"`+newReceiver(t, nil).URL+`"}`)
		ep := decodeJSON[struct{ ID string }](t, b)
		resp, b = embedDo(t, e, acme, "", "POST", "/embed/v1/endpoints/"+ep.ID+"/test", `{"event_type":"order.shipped"}`)
		sent := decodeJSON[struct {
			DeliveryID string `json:"delivery_id"`
		}](t, b)
		resp, b = embedDo(t, e, acme, "", "POST", "/embed/v1/endpoints/"+ep.ID+"/recover", `{"since":"2020-01-01T00:00:00Z"}`)
		rec := decodeJSON[struct{ ID string }](t, b)
		if ep.ID == "" || sent.DeliveryID == "" || rec.ID == "" {
			t.Fatalf("fixtures: endpoint %q delivery %q recovery %q; last %d %s", ep.ID, sent.DeliveryID, rec.ID, resp.StatusCode, b)
		}

		// Every object route: tenant B's token finds none of A's objects.
		routes := []struct{ method, path, body string }{
			{"GET", "/embed/v1/endpoints/" + ep.ID, ""},
			{"PATCH", "/embed/v1/endpoints/" + ep.ID, `{"description":"x"}`},
			{"GET", "/embed/v1/endpoints/" + ep.ID + "/secret", ""},
			{"POST", "/embed/v1/endpoints/" + ep.ID + "/secret/rotate", ""},
			{"POST", "/embed/v1/endpoints/" + ep.ID + "/test", `{"event_type":"order.shipped"}`},
			{"GET", "/embed/v1/endpoints/" + ep.ID + "/deliveries", ""},
			{"GET", "/embed/v1/endpoints/" + ep.ID + "/stats", ""},
			{"POST", "/embed/v1/endpoints/" + ep.ID + "/recover", `{"since":"2020-01-01T00:00:00Z"}`},
			{"GET", "/embed/v1/endpoints/" + ep.ID + "/recoveries/" + rec.ID, ""},
			{"GET", "/embed/v1/deliveries/" + sent.DeliveryID, ""},
			{"POST", "/embed/v1/deliveries/" + sent.DeliveryID + "/resend", ""},
			{"DELETE", "/embed/v1/endpoints/" + ep.ID, ""},
		}
		for _, r := range routes {
			resp, b := embedDo(t, e, beta, embedOrigin, r.method, r.path, r.body)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("tenant beta's token: %s %s = %d %s, want 404", r.method, r.path, resp.StatusCode, b)
			}
		}
		_, b = embedDo(t, e, beta, embedOrigin, "GET", "/embed/v1/endpoints", "")
		if strings.Contains(string(b), ep.ID) {
			t.Errorf("tenant beta's endpoint list shows acme's endpoint: %s", b)
		}

		// Capabilities: each route needs its own.
		readOnly, connsOnly := mint("acme", `"webhooks:read"`), mint("acme", `"connections","authorized_apps"`)
		webhookReads := []struct{ method, path string }{
			{"GET", "/embed/v1/event-types"}, {"GET", "/embed/v1/endpoints"}, {"GET", "/embed/v1/endpoints/" + ep.ID},
			{"GET", "/embed/v1/endpoints/" + ep.ID + "/deliveries"}, {"GET", "/embed/v1/endpoints/" + ep.ID + "/stats"},
			{"GET", "/embed/v1/endpoints/" + ep.ID + "/recoveries/" + rec.ID}, {"GET", "/embed/v1/deliveries/" + sent.DeliveryID},
		}
		webhookWrites := []struct{ method, path string }{
			{"POST", "/embed/v1/endpoints"}, {"PATCH", "/embed/v1/endpoints/" + ep.ID}, {"DELETE", "/embed/v1/endpoints/" + ep.ID},
			{"GET", "/embed/v1/endpoints/" + ep.ID + "/secret"}, {"POST", "/embed/v1/endpoints/" + ep.ID + "/secret/rotate"},
			{"POST", "/embed/v1/endpoints/" + ep.ID + "/test"}, {"POST", "/embed/v1/endpoints/" + ep.ID + "/recover"},
			{"POST", "/embed/v1/deliveries/" + sent.DeliveryID + "/resend"},
		}
		others := []struct{ method, path string }{
			{"GET", "/embed/v1/integrations"}, {"POST", "/embed/v1/integrations/int_01jd0000000000000000000000/connect"},
			{"DELETE", "/embed/v1/connections/conn_01jd0000000000000000000000"},
			{"GET", "/embed/v1/authorized-apps"}, {"DELETE", "/embed/v1/authorized-apps/app_01jd0000000000000000000000"},
		}
		for _, r := range webhookReads {
			resp, b := embedDo(t, e, readOnly, embedOrigin, r.method, r.path, "")
			if resp.StatusCode != http.StatusOK {
				t.Errorf("webhooks:read token: %s %s = %d %s, want 200", r.method, r.path, resp.StatusCode, b)
			}
			resp, b = embedDo(t, e, connsOnly, embedOrigin, r.method, r.path, "")
			wantEmbedProblem(t, "connections token: "+r.method+" "+r.path, resp, b, http.StatusForbidden, "capability_missing")
		}
		for _, r := range webhookWrites {
			resp, b := embedDo(t, e, readOnly, embedOrigin, r.method, r.path, "{}")
			wantEmbedProblem(t, "webhooks:read token: "+r.method+" "+r.path, resp, b, http.StatusForbidden, "capability_missing")
		}
		for _, r := range others {
			resp, b := embedDo(t, e, acme, embedOrigin, r.method, r.path, "")
			wantEmbedProblem(t, "webhooks token: "+r.method+" "+r.path, resp, b, http.StatusForbidden, "capability_missing")
		}
		resp, b = embedDo(t, e, connsOnly, embedOrigin, "GET", "/embed/v1/session", "")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("session with any capability: %d %s", resp.StatusCode, b)
		}

		// Origins: the token's, and Patchbay's own (its hosted pages send it
		// on changes); none (curl, same-origin GETs) passes.
		for origin, want := range map[string]int{embedOrigin: 200, "http://localhost:3000": 200, "": 200, e.node.URL: 200,
			"https://evil.test": 403, "https://app.acme.test:8443": 403, "http://app.acme.test": 403} {
			resp, b := embedDo(t, e, acme, origin, "GET", "/embed/v1/endpoints", "")
			if resp.StatusCode != want {
				t.Errorf("Origin %q: %d %s, want %d", origin, resp.StatusCode, b, want)
			}
			if want == 403 {
				wantEmbedProblem(t, "Origin "+origin, resp, b, http.StatusForbidden, "origin_not_allowed")
			}
		}
		if resp, b := embedDo(t, e, acme, e.node.URL, "PATCH", "/embed/v1/endpoints/"+ep.ID, `{"description":"from the hosted page"}`); resp.StatusCode != http.StatusOK ||
			!strings.Contains(string(b), "from the hosted page") {
			t.Errorf("a change from Patchbay's own origin (a hosted page): %d %s", resp.StatusCode, b)
		}
		pre, err := http.NewRequestWithContext(t.Context(), "OPTIONS", e.node.URL+"/embed/v1/endpoints/"+ep.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		pre.Header.Set("Origin", embedOrigin)
		pre.Header.Set("Access-Control-Request-Method", "PATCH")
		pre.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		presp, err := http.DefaultClient.Do(pre)
		if err != nil {
			t.Fatal(err)
		}
		presp.Body.Close()
		h := presp.Header
		if presp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != embedOrigin ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PATCH") || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
			h.Get("Access-Control-Max-Age") != "600" {
			t.Errorf("preflight: %d %v", presp.StatusCode, h)
		}

		// Tokens stay on the embed routes, API keys off them.
		resp, b = embedDo(t, e, acme, "", "GET", "/v1/tenants/acme/endpoints", "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("embed token on an admin route: %d %s, want 401", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, acme, "", "POST", "/v1/embed/tokens", `{"tenant_id":"acme","user_id":"u1","capabilities":["webhooks"],"allowed_origins":["https://a.test"]}`)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("embed token minting tokens: %d %s, want 401", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, e.key, "", "GET", "/embed/v1/endpoints", "")
		wantEmbedProblem(t, "API key on an embed route", resp, b, http.StatusUnauthorized, "token_invalid")
		resp, b = embedDo(t, e, "pbe_forged", "", "GET", "/embed/v1/session", "")
		wantEmbedProblem(t, "unknown token", resp, b, http.StatusUnauthorized, "token_invalid")

		// Revocation holds at once; listing shows it without the token. (Through
		// the Go SDK, as a SaaS backend would.)
		minted, err := e.client.MintEmbedToken(t.Context(), client.EmbedTokenParams{TenantID: "acme", UserID: "u2",
			Capabilities: []string{"webhooks"}, AllowedOrigins: []string{embedOrigin}, TTLSeconds: 60})
		if err != nil || !strings.HasPrefix(minted.Token, "pbe_") || time.Until(minted.ExpiresAt) > time.Minute {
			t.Fatalf("MintEmbedToken = %+v, %v", minted, err)
		}
		revoked, revokedID := minted.Token, minted.ID
		if tok, err := e.client.RevokeEmbedToken(t.Context(), revokedID); err != nil || tok.RevokedAt == nil {
			t.Fatalf("revoke: %+v, %v", tok, err)
		}
		resp, b = embedDo(t, e, revoked, embedOrigin, "GET", "/embed/v1/session", "")
		wantEmbedProblem(t, "revoked token", resp, b, http.StatusUnauthorized, "token_revoked")
		if resp.Header.Get("Access-Control-Allow-Origin") != embedOrigin {
			t.Errorf("the refusal is unreadable by the page: ACAO %q", resp.Header.Get("Access-Control-Allow-Origin"))
		}
		_, b = e.do(t, "GET", "/v1/embed/tokens?tenant_id=acme&limit=100", "")
		if strings.Contains(string(b), "pbe_") || !strings.Contains(string(b), revokedID) || !strings.Contains(string(b), `"revoked_at":"`) {
			t.Errorf("token list: %s, want the revoked token listed as such and no token values", b)
		}
		if page, err := e.client.ListEmbedTokens(t.Context(), "acme", client.ListParams{Limit: 2}); err != nil || len(page.Data) != 2 ||
			page.Data[0].ID != revokedID || page.NextCursor == "" {
			t.Errorf("ListEmbedTokens = %+v, %v; want the newest (revoked) first and a next page", page, err)
		}
		if resp, b := e.do(t, "DELETE", "/v1/embed/tokens/"+revokedID, "", "Authorization", "Bearer "+betaKey); resp.StatusCode != http.StatusNotFound {
			t.Errorf("beta's key revoking acme's token: %d %s, want 404", resp.StatusCode, b)
		}

		// Expiry: a token of one second dies after it.
		short, _ := mintEmbed(t, e, `{"tenant_id":"acme","user_id":"u3","capabilities":["webhooks"],"allowed_origins":["`+embedOrigin+`"],"ttl_seconds":1}`)
		time.Sleep(1100 * time.Millisecond)
		resp, b = embedDo(t, e, short, embedOrigin, "GET", "/embed/v1/session", "")
		wantEmbedProblem(t, "expired token", resp, b, http.StatusUnauthorized, "token_expired")
	})
}

// TestEmbedRateLimits: a token beyond its limit, and an address beyond its
// own, get 429 with Retry-After.
func TestEmbedRateLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--embed-rate-limit", "3/1m", "--public-rate-limit-embed", "5/1m")
		if _, _, err := e.client.PutTenant(t.Context(), "acme", client.TenantParams{Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		body := `{"tenant_id":"acme","user_id":"u1","capabilities":["webhooks"],"allowed_origins":["` + embedOrigin + `"]}`
		first, _ := mintEmbed(t, e, body)
		for i := range 3 {
			if resp, b := embedDo(t, e, first, embedOrigin, "GET", "/embed/v1/session", ""); resp.StatusCode != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, b)
			}
		}
		resp, b := embedDo(t, e, first, embedOrigin, "GET", "/embed/v1/session", "")
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "embed token") {
			t.Errorf("4th request of the token: %d Retry-After %q %s, want 429 for the token", resp.StatusCode, resp.Header.Get("Retry-After"), b)
		}
		second, _ := mintEmbed(t, e, body)
		if resp, b := embedDo(t, e, second, embedOrigin, "GET", "/embed/v1/session", ""); resp.StatusCode != http.StatusOK {
			t.Errorf("another token: %d %s, want its own quota", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e, second, embedOrigin, "GET", "/embed/v1/session", "")
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "address") {
			t.Errorf("6th request from the address: %d %s, want 429 for the address", resp.StatusCode, b)
		}
		// The page can read the refusal and when to retry.
		if resp.Header.Get("Access-Control-Allow-Origin") != embedOrigin || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Retry-After") {
			t.Errorf("429 CORS headers: ACAO %q, expose %q", resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Expose-Headers"))
		}
	})
}

// doneScriptRe finds the inline script of the connect done page.
var doneScriptRe = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// TestEmbedConnections goes through the connections component's flows on
// both stores: the integrations with the user's status, connecting through
// the connect flow to the done page that tells the opener (and only its
// origin) and returns to return_to, isolation from other tenants and users,
// and disconnecting.
func TestEmbedConnections(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		if resp, b := e.do(t, "PUT", "/v1/tenants/beta", `{"name":"Beta"}`); resp.StatusCode != http.StatusCreated {
			t.Fatalf("tenant: %d %s", resp.StatusCode, b)
		}
		inID := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)["id"].(string)
		mint := func(tenant, user string) string {
			token, _ := mintEmbed(t, e.env, `{"tenant_id":"`+tenant+`","user_id":"`+user+`","capabilities":["connections"],"allowed_origins":["`+embedOrigin+`"]}`)
			return token
		}
		token := mint("acme", "u1")
		type integration struct {
			ID       string
			Provider struct{ ID, Name string }
			Conn     *struct{ ID, Status string } `json:"connection"`
		}
		list := func(token string) []integration {
			resp, b := embedDo(t, e.env, token, embedOrigin, "GET", "/embed/v1/integrations", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("integrations: %d %s", resp.StatusCode, b)
			}
			return decodeJSON[struct{ Data []integration }](t, b).Data
		}
		if got := list(token); len(got) != 1 || got[0].ID != inID || got[0].Provider.Name != "Fake Key" || got[0].Conn != nil {
			t.Fatalf("integrations before connecting: %+v", got)
		}

		resp, b := embedDo(t, e.env, token, embedOrigin, "POST", "/embed/v1/integrations/"+inID+"/connect", `{"return_to":"https://evil.test/x"}`)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"return_to"`) {
			t.Errorf("return_to on another origin: %d %s, want 400 naming return_to", resp.StatusCode, b)
		}
		resp, b = embedDo(t, e.env, token, embedOrigin, "POST", "/embed/v1/integrations/"+inID+"/connect", `{"return_to":"`+embedOrigin+`/settings?tab=apps"}`)
		start := decodeJSON[struct {
			ConnectURL string `json:"connect_url"`
		}](t, b)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(start.ConnectURL, e.node.URL+"/connect/pbcs_") {
			t.Fatalf("connect: %d %s", resp.StatusCode, b)
		}

		// The user's browser: the connect page, its form, then the done page.
		browser := e.fake.browser(t)
		pageResp, err := browser.Get(start.ConnectURL)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(pageResp.Body)
		pageResp.Body.Close()
		a, c := formAction.FindStringSubmatch(string(page)), formCSRF.FindStringSubmatch(string(page))
		if a == nil || c == nil {
			t.Fatalf("connect page has no form:\n%s", page)
		}
		done, body := submit(t, browser, e.node.URL, html.UnescapeString(a[1]), url.Values{"csrf_token": {html.UnescapeString(c[1])}, "api_key": {fakeAPIKey}})
		if done.StatusCode != http.StatusOK || done.Request.URL.Path != "/connect/done" {
			t.Fatalf("end of the flow: %d at %s\n%s", done.StatusCode, done.Request.URL, body)
		}
		conns := list(token)
		if len(conns) != 1 || conns[0].Conn == nil || conns[0].Conn.Status != "connected" || !strings.HasPrefix(conns[0].Conn.ID, "conn_") {
			t.Fatalf("integrations after connecting: %+v", conns)
		}
		connID := conns[0].Conn.ID
		for _, want := range []string{`data-type="patchbay:connected"`, `data-integration="` + inID + `"`, `data-connection="` + connID + `"`,
			`data-origin="` + embedOrigin + `"`, `data-return-to="` + embedOrigin + `/settings?`, "status=connected", "tab=apps"} {
			if !strings.Contains(body, want) {
				t.Errorf("done page lacks %s:\n%s", want, body)
			}
		}
		script := doneScriptRe.FindStringSubmatch(body)
		if script == nil {
			t.Fatalf("done page has no script:\n%s", body)
		}
		sum := sha256.Sum256([]byte(script[1]))
		csp := done.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(script[1], "postMessage(m, d.origin)") {
			t.Errorf("done page CSP %q does not allow exactly its script, or the script does not post to the origin:\n%s", csp, script[1])
		}
		// A crafted link to the done page announces nothing.
		if resp, err := http.Get(e.node.URL + "/connect/done?session_id=cs_01jd0000000000000000000000&status=connected"); err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("done page for an unknown session: %v %v, want 400", resp.StatusCode, err)
		}

		// Other tenants' and other users' tokens reach neither the
		// connection nor its status.
		for _, other := range []string{mint("beta", "u1"), mint("acme", "u2")} {
			if got := list(other); len(got) != 1 || got[0].Conn != nil {
				t.Errorf("another user's integrations show the connection: %+v", got)
			}
			resp, b := embedDo(t, e.env, other, embedOrigin, "DELETE", "/embed/v1/connections/"+connID, "")
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("another user's disconnect: %d %s, want 404", resp.StatusCode, b)
			}
		}
		// A flow the user cancels tells the opener it failed, and why.
		resp, b = embedDo(t, e.env, mint("beta", "u1"), embedOrigin, "POST", "/embed/v1/integrations/"+inID+"/connect", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("connect without a body: %d %s", resp.StatusCode, b)
		}
		cancelURL := decodeJSON[struct {
			ConnectURL string `json:"connect_url"`
		}](t, b).ConnectURL
		browser = e.fake.browser(t)
		pageResp, err = browser.Get(cancelURL)
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(pageResp.Body)
		pageResp.Body.Close()
		a, c = formAction.FindStringSubmatch(string(page)), formCSRF.FindStringSubmatch(string(page))
		if a == nil || c == nil {
			t.Fatalf("connect page has no form:\n%s", page)
		}
		failed, body := submit(t, browser, e.node.URL, html.UnescapeString(a[1]), url.Values{"csrf_token": {html.UnescapeString(c[1])}, "decision": {"cancel"}})
		if failed.StatusCode != http.StatusOK || failed.Request.URL.Path != "/connect/done" || !strings.Contains(body, `data-type="patchbay:connect-failed"`) ||
			!strings.Contains(body, `data-connection=""`) || strings.Contains(body, `data-error=""`) || !strings.Contains(body, `data-return-to=""`) {
			t.Errorf("cancelled flow: %d at %s\n%s", failed.StatusCode, failed.Request.URL, body)
		}

		resp, b = embedDo(t, e.env, token, embedOrigin, "DELETE", "/embed/v1/connections/"+connID, "")
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("disconnect: %d %s", resp.StatusCode, b)
		}
		if got := list(token); len(got) != 1 || got[0].Conn != nil {
			t.Errorf("integrations after disconnecting: %+v", got)
		}
		if resp, _ := e.do(t, "GET", "/v1/connections/"+connID, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the connection is still there: %d", resp.StatusCode)
		}
	})
}

// TestEmbedAuthorizedApps: the user's authorized apps in the token's tenant,
// and revoking one kills its tokens (introspection says inactive), on both
// stores; other tenants and users see none of it.
func TestEmbedAuthorizedApps(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		for _, team := range []string{"team_1", "team_2"} {
			if resp, b := o.do(t, "PUT", "/v1/tenants/"+team, `{"name":"Team"}`); resp.StatusCode != http.StatusCreated {
				t.Fatalf("tenant: %d %s", resp.StatusCode, b)
			}
		}
		app := o.createApp(t, `{"team_id":"devteam","name":"Timely","redirect_uris":["`+registeredCallback+`"],
			"scopes":["read:projects","write:projects"],"logo_url":"https://timely.example/logo.png","developer_name":"Timely Labs"}`)
		conf := o.config(app, "read:projects")
		verifier := oauth2.GenerateVerifier()
		cb := o.authorize(t, newBrowser(t), conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), client.Ptr(true))
		tok, err := conf.Exchange(t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		mint := func(tenant, user string) string {
			token, _ := mintEmbed(t, o.env, `{"tenant_id":"`+tenant+`","user_id":"`+user+`","capabilities":["authorized_apps"],"allowed_origins":["`+embedOrigin+`"]}`)
			return token
		}
		type authorizedApp struct {
			AppID          string `json:"app_id"`
			Name           string
			LogoURL        string `json:"logo_url"`
			Developer      string
			SelfRegistered bool `json:"self_registered"`
			Scopes         []struct{ Name, Description string }
			GrantedAt      time.Time `json:"granted_at"`
		}
		apps := func(token string) []authorizedApp {
			resp, b := embedDo(t, o.env, token, embedOrigin, "GET", "/embed/v1/authorized-apps", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("authorized apps: %d %s", resp.StatusCode, b)
			}
			return decodeJSON[struct{ Data []authorizedApp }](t, b).Data
		}
		token := mint("team_1", "user_1")
		got := apps(token)
		// The logo is never hot-linked: timely.example cannot be fetched, so
		// there is none (the component shows a monogram).
		if len(got) != 1 || got[0].AppID != app.ID || got[0].Name != "Timely" || got[0].Developer != "Timely Labs" || got[0].SelfRegistered ||
			got[0].LogoURL != "" || len(got[0].Scopes) != 1 || got[0].Scopes[0].Name != "read:projects" ||
			got[0].Scopes[0].Description != "Do read:projects things" || time.Since(got[0].GrantedAt) > time.Minute {
			t.Fatalf("authorized apps: %+v", got)
		}
		// An uploaded logo is Patchbay's, named by its URL: the component
		// runs on the SaaS's origin.
		resp, b := o.do(t, "PUT", "/v1/oauth/apps/"+app.ID+"/logo", string(testPNG(t, color.RGBA{B: 0xff, A: 0xff})), "Content-Type", "image/png")
		uploaded := decodeJSON[struct {
			LogoUploadURL string `json:"logo_upload_url"`
		}](t, b).LogoUploadURL
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(uploaded, "/assets/") {
			t.Fatalf("upload logo: %d %s", resp.StatusCode, b)
		}
		if got := apps(token); len(got) != 1 || got[0].LogoURL != o.node.URL+uploaded {
			t.Errorf("authorized app's logo %+v, want %s", got, o.node.URL+uploaded)
		}
		for _, other := range []string{mint("team_2", "user_1"), mint("team_1", "user_2")} {
			if got := apps(other); len(got) != 0 {
				t.Errorf("another tenant's or user's list shows %+v", got)
			}
			resp, b := embedDo(t, o.env, other, embedOrigin, "DELETE", "/embed/v1/authorized-apps/"+app.ID, "")
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("another tenant's or user's revoke: %d %s, want 404", resp.StatusCode, b)
			}
		}
		if o.introspect(t, tok.AccessToken)["active"] != true {
			t.Fatal("the app's token died before the user revoked it")
		}
		resp, b = embedDo(t, o.env, token, embedOrigin, "DELETE", "/embed/v1/authorized-apps/"+app.ID, "")
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", resp.StatusCode, b)
		}
		for _, tk := range []string{tok.AccessToken, tok.RefreshToken} {
			if o.introspect(t, tk)["active"] != false {
				t.Error("a token survived the user's revocation of its app")
			}
		}
		if got := apps(token); len(got) != 0 {
			t.Errorf("after revoking: %+v", got)
		}
	})
}
