package main

import (
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestConnectDirect: connections created through the API without a
// browser: a client-credentials provider's token, got and renewed by
// Patchbay, and an API key the SaaS already holds, checked by the provider.
func TestConnectDirect(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		cc := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakecc","name":"Ours","client_id":"`+fakeClientID+
			`","client_secret":"`+fakeClientSecret+`"}`)
		conn := e.createJSON(t, "/v1/connections", `{"tenant_id":"acme","end_user_id":"acme","integration_id":"`+cc["id"].(string)+`"}`)
		if conn["status"] != "active" || strings.Join(anyStrings(conn["scopes"]), " ") != "read write" {
			t.Errorf("client-credentials connection: %v", conn)
		}
		// Its token expires within the margin, so the credentials call asks
		// for a new one with the client credentials again.
		status, creds := e.credentials(t, conn["id"].(string))
		token, _ := creds["access_token"].(string)
		e.fake.mu.Lock()
		grants, live := e.fake.clientGrants, e.fake.access[token]
		e.fake.mu.Unlock()
		if status != 200 || !strings.HasPrefix(token, "cc_") || !live || grants != 2 || creds["secrets"] != nil {
			t.Errorf("credentials: %d %v; %d grants, want 2 and a live cc_ token, and no secrets besides", status, creds, grants)
		}

		// An OAuth provider's users must authorize in their browser.
		oauthIn := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakeoauth","name":"O","client_id":"`+fakeClientID+
			`","client_secret":"`+fakeClientSecret+`"}`)
		resp, body := e.do(t, "POST", "/v1/connections", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+oauthIn["id"].(string)+`"}`)
		if p := problem(t, resp, body); resp.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "integration_id" {
			t.Errorf("direct connection to an OAuth provider: %d %s", resp.StatusCode, body)
		}

		keys := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)
		direct := func(values string) (int, []byte) {
			resp, body := e.do(t, "POST", "/v1/connections", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+keys["id"].(string)+
				`","values":`+values+`}`)
			if resp.StatusCode != 201 {
				problem(t, resp, body)
			}
			return resp.StatusCode, body
		}
		if status, body := direct(`{}`); status != 400 || !strings.Contains(string(body), `"values/api_key"`) {
			t.Errorf("without the key: %d %s", status, body)
		}
		if status, body := direct(`{"api_key":"key_wrong","color":"red"}`); status != 400 || !strings.Contains(string(body), `"values/color"`) {
			t.Errorf("with an unknown field: %d %s", status, body)
		}
		if status, body := direct(`{"api_key":"key_wrong"}`); status != 422 || strings.Contains(string(body), "key_wrong") {
			t.Errorf("with a key the provider refuses: %d %s", status, body)
		}
		status, body = direct(`{"api_key":"` + fakeAPIKey + `"}`)
		if status != 201 {
			t.Fatalf("with the right key: %d %s", status, body)
		}
		id := strings.Split(strings.Split(string(body), `"id":"`)[1], `"`)[0]
		if status, creds := e.credentials(t, id); status != 200 || creds["secrets"].(map[string]any)["api_key"] != fakeAPIKey {
			t.Errorf("credentials of the direct API-key connection: %d %v", status, creds)
		}
		if resp, body := e.do(t, "POST", "/v1/connections", `{"tenant_id":"nobody","end_user_id":"u","integration_id":"`+keys["id"].(string)+
			`","values":{"api_key":"`+fakeAPIKey+`"}}`); resp.StatusCode != 400 || !strings.Contains(string(body), `"tenant_id"`) {
			t.Errorf("unknown tenant: %d %s", resp.StatusCode, body)
		}
		waitFor(t, 15*time.Second, "operational events", func() bool {
			return strings.Count(strings.Join(e.opEventTypes(), ","), "connection.created") == 2
		})
	})
}

func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, s := range list {
		out = append(out, s.(string))
	}
	return out
}
