package main

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestKeyScopes checks scoped keys end to end: a key made with the CLI holds
// what --scope gave it and no more, the API shows scopes, refuses unknown ones
// by index, and a key cannot mint a key with more than it holds.
func TestKeyScopes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		readerKey := createKey(t, e.opts, "--scope", "tenants:read,webhooks:read")
		reader := client.New(e.node.URL, readerKey)
		keyAdmin := client.New(e.node.URL, createKey(t, e.opts, "--scope", "keys:admin", "--scope", "tenants:write"))

		if _, _, err := e.client.PutTenant(t.Context(), "acme", client.TenantParams{Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		if _, err := reader.ListTenants(t.Context(), client.ListParams{}); err != nil {
			t.Errorf("tenants:read key listing tenants: %v", err)
		}
		_, _, err := reader.PutTenant(t.Context(), "acme", client.TenantParams{Name: "Renamed"})
		if p := apiError(t, err); p.Status != http.StatusForbidden || !strings.Contains(p.Detail, "tenants:write") {
			t.Errorf("tenants:read key writing a tenant: %v, want 403 naming tenants:write", err)
		}
		// tenants:write includes tenants:read.
		if _, err := keyAdmin.Tenant(t.Context(), "acme"); err != nil {
			t.Errorf("tenants:write key reading a tenant: %v", err)
		}
		if _, err := keyAdmin.ListAPIKeys(t.Context(), client.ListParams{}); err != nil {
			t.Errorf("keys:admin key listing keys: %v", err)
		}
		if _, err := reader.ListAPIKeys(t.Context(), client.ListParams{}); apiError(t, err).Status != http.StatusForbidden {
			t.Errorf("key without keys:admin listing keys: %v, want 403", err)
		}

		// A key cannot grant what it does not hold; "*" included.
		for _, scopes := range [][]string{{"*"}, {"tenants:read", "webhooks:read"}, {"keys:admin", "oauth:admin"}} {
			_, err := keyAdmin.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "more", Scopes: scopes})
			if p := apiError(t, err); p.Status != http.StatusForbidden {
				t.Errorf("keys:admin tenants:write key minting %v: %v, want 403", scopes, err)
			}
		}
		minted, err := keyAdmin.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "less", Scopes: []string{"tenants:read"}})
		if err != nil {
			t.Fatalf("minting a key with a scope the caller's tenants:write includes: %v", err)
		}
		if !slices.Equal(minted.Scopes, []string{"tenants:read"}) || minted.TenantID != nil {
			t.Errorf("minted key scopes %v tenant %v", minted.Scopes, minted.TenantID)
		}
		// Without scopes, a new key gets the caller's own.
		same, err := keyAdmin.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "same"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(same.Scopes, []string{"keys:admin", "tenants:write"}) {
			t.Errorf("key minted without scopes has %v, want the caller's keys:admin tenants:write", same.Scopes)
		}
		got, err := e.client.APIKey(t.Context(), minted.ID)
		if err != nil || !slices.Equal(got.Scopes, []string{"tenants:read"}) {
			t.Errorf("GET minted key: %+v, %v", got, err)
		}
		keys, err := e.client.ListAPIKeys(t.Context(), client.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if first := keys.Data[0]; !slices.Equal(first.Scopes, []string{"*"}) {
			t.Errorf("the first key (made without --scope) has %v, want *", first.Scopes)
		}

		// Nor change or revoke a key that holds more than it.
		if _, err := keyAdmin.RevokeAPIKey(t.Context(), keys.Data[0].ID); apiError(t, err).Status != http.StatusForbidden {
			t.Errorf("keys:admin tenants:write key revoking the * key: %v, want 403", err)
		}
		if _, err := keyAdmin.UpdateAPIKey(t.Context(), keys.Data[0].ID, client.UpdateAPIKeyParams{RateLimit: client.Ptr(int64(1))}); apiError(t, err).Status != http.StatusForbidden {
			t.Errorf("keys:admin tenants:write key changing the * key: %v, want 403", err)
		}
		if _, err := keyAdmin.RevokeAPIKey(t.Context(), minted.ID); err != nil {
			t.Errorf("keys:admin tenants:write key revoking the tenants:read key it made: %v", err)
		}

		// Introspecting OAuth tokens needs oauth:read and no tenant
		// restriction: tokens are the installation's.
		oauthReader := createKey(t, e.opts, "--scope", "oauth:read")
		oauthTenant := createKey(t, e.opts, "--scope", "oauth:read", "--tenant", "acme")
		for key, want := range map[string]int{e.key: http.StatusOK, oauthReader: http.StatusOK, readerKey: http.StatusForbidden, oauthTenant: http.StatusForbidden} {
			resp, body := (&env{node: e.node, key: key}).do(t, http.MethodPost, "/oauth/introspect", "token=pbo_unknown",
				"Content-Type", "application/x-www-form-urlencoded")
			if resp.StatusCode != want || want == http.StatusForbidden && !strings.Contains(string(body), "insufficient_scope") {
				t.Errorf("introspection with key %.10s…: %d %s, want %d", key, resp.StatusCode, body, want)
			}
		}

		// Bad scopes are named by index; an empty list is refused.
		for body, field := range map[string]string{
			`{"name":"x","scopes":["tenants:read","tenants:delete"]}`: "scopes/1",
			`{"name":"x","scopes":[]}`:                                "scopes",
			`{"name":"x","scopes":["webhooks:read "]}`:                "scopes/0",
			`{"name":"x","tenant_id":"no spaces"}`:                    "tenant_id",
		} {
			resp, b := e.do(t, http.MethodPost, "/v1/api-keys", body, "Content-Type", "application/json")
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("POST %s: %d, want 400", body, resp.StatusCode)
				continue
			}
			if p := problem(t, resp, b); !slices.ContainsFunc(p.Errors, func(fe client.FieldError) bool { return fe.Field == field }) {
				t.Errorf("POST %s: problem %s does not name %s", body, b, field)
			}
		}
	})
}

// TestEveryOperationRefusesOutsideItsKey walks every operation in
// /openapi.json twice: with a key holding every scope except those that
// grant the operation's (403 expected), and with a key of all scopes
// restricted to another tenant, against real objects of tenant acme (403 or
// 404 expected). Neither may get data or a 5xx.
func TestEveryOperationRefusesOutsideItsKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		ctx := t.Context()

		// Tenant acme's objects, made with the installation key.
		if _, _, err := e.client.PutTenant(ctx, "beta", client.TenantParams{Name: "Beta"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.CreateEventType(ctx, client.EventType{Name: "invoice.paid"}); err != nil {
			t.Fatal(err)
		}
		ep, err := e.client.CreateEndpoint(ctx, "acme", client.EndpointParams{URL: client.Ptr("https://hooks.example/acme")})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]any{"n": 1}})
		if err != nil {
			t.Fatal(err)
		}
		src := e.createJSON(t, "/v1/sources", `{"name":"acme's","tenant_id":"acme","verifier":{"scheme":"none"}}`)
		in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)
		conn := e.createJSON(t, "/v1/connections", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+in["id"].(string)+
			`","values":{"api_key":"`+fakeAPIKey+`"}}`)
		sy := e.createJSON(t, "/v1/syncs", `{"connection_id":"`+conn["id"].(string)+`","paused":true,"request":{"path":"/items"},"record_id":"id"}`)
		keys, err := e.client.ListAPIKeys(ctx, client.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		params := map[string]string{
			"tenant_id": "acme", "endpoint_id": ep.ID, "message_id": msg.ID, "source_id": src["id"].(string),
			"integration_id": in["id"].(string), "connection_id": conn["id"].(string), "sync_id": sy["id"].(string),
			"key_id": keys.Data[0].ID, "event_type": "invoice.paid", "provider_id": "fakekey", "path": "items",
			// IDs of nothing, well formed so that the check comes first
			"event_id": id.New("ievt"), "replay_id": id.New("rcv"), "recovery_id": id.New("rcv"), "delivery_id": id.New("dlv"),
			"app_id": id.New("app"), "authorization_id": id.New("oauthz"), "scope": "profile", "challenge_token": "c", "resource_id": id.New("res"), "token_id": id.New("oiat"),
			"transformation_id": id.New("tf"), "version": "1", "target_id": ep.ID,
			// the marketplace's: installation-wide routes, refused before any lookup
			"listing_id": id.New("lst"), "review_id": id.New("rvw"), "installation_id": id.New("ins"), "slug": "crm",
			"hook_id": id.New("hook"), "key": "no_such_action",
		}
		embedToken, err := e.client.MintEmbedToken(ctx, client.EmbedTokenParams{TenantID: "acme", UserID: "u", Capabilities: []string{"webhooks"},
			AllowedOrigins: []string{"https://app.acme.test"}})
		if err != nil {
			t.Fatal(err)
		}
		params["embed_token_id"] = embedToken.ID
		// acme's identifiers, none of which an answer may contain.
		secrets := []string{ep.ID, msg.ID, src["id"].(string), conn["id"].(string), sy["id"].(string), `"acme"`, embedToken.ID}
		// Create calls whose body must pass validation to reach the tenant
		// check, naming acme's objects.
		bodies := map[string]string{
			"POST /v1/sources":                    `{"name":"mine","tenant_id":"acme","verifier":{"scheme":"none"}}`,
			"POST /v1/connections":                `{"tenant_id":"acme","end_user_id":"u","integration_id":"` + in["id"].(string) + `","values":{"api_key":"` + fakeAPIKey + `"}}`,
			"POST /v1/connect/sessions":           `{"tenant_id":"acme","end_user_id":"u","integration_id":"` + in["id"].(string) + `","return_url":"https://saas.example/done"}`,
			"POST /v1/sources/{source_id}/replay": `{"since":"2020-01-01T00:00:00Z"}`,
			"POST /v1/syncs":                      `{"connection_id":"` + conn["id"].(string) + `","paused":true,"request":{"path":"/items"},"record_id":"id"}`,
			"POST /v1/embed/tokens":               `{"tenant_id":"acme","user_id":"u","capabilities":["webhooks"],"allowed_origins":["https://app.acme.test"]}`,
		}

		resp, body := e.do(t, http.MethodGet, "/openapi.json", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("openapi.json: %d", resp.StatusCode)
		}
		var doc struct {
			Paths map[string]map[string]struct {
				Scope      string   `json:"x-patchbay-scope"`
				TenantKeys bool     `json:"x-patchbay-tenant-keys"`
				Tags       []string `json:"tags"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}

		betaKey, err := e.client.CreateAPIKey(ctx, client.CreateAPIKeyParams{Name: "beta", Scopes: []string{"*"}, TenantID: client.Ptr("beta")})
		if err != nil {
			t.Fatal(err)
		}
		underScoped := map[string]string{} // by the scope withheld
		keyWithout := func(need string) string {
			if k, ok := underScoped[need]; ok {
				return k
			}
			var scopes []string
			for _, s := range auth.Scopes {
				if !(auth.Key{Scopes: []string{s.Name}}).Allows(need) {
					scopes = append(scopes, s.Name)
				}
			}
			k, err := e.client.CreateAPIKey(ctx, client.CreateAPIKeyParams{Name: "without " + need, Scopes: scopes})
			if err != nil {
				t.Fatalf("key without %s: %v", need, err)
			}
			underScoped[need] = k.Key
			return k.Key
		}

		send := func(key, method, path, body string) (int, string) {
			req, err := http.NewRequestWithContext(ctx, method, e.node.URL+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}

		operations := 0
		for tmpl, ops := range doc.Paths {
			for method, op := range ops {
				if op.Scope == "" || slices.Contains(op.Tags, "Review console") {
					continue // a public route, or the review console's, which takes its session cookie, never a key (internal/console tests it)
				}
				path := regexp.MustCompile(`\{(\w+)\}`).ReplaceAllStringFunc(tmpl, func(m string) string {
					v, ok := params[strings.Trim(m, "{}")]
					if !ok {
						t.Fatalf("no value for the path parameter %s", m)
					}
					return v
				})
				operations++
				method = strings.ToUpper(method)
				name := method + " " + tmpl
				body := cmp.Or(bodies[name], "{}")
				if method == http.MethodGet || method == http.MethodHead || method == http.MethodDelete {
					body = ""
				}
				// Lists filtered to acme: restricted keys must not see it.
				query := "?tenant_id=acme"

				status, got := send(keyWithout(op.Scope), method, path+query, body)
				if status != http.StatusForbidden || method != http.MethodHead && !strings.Contains(got, op.Scope) {
					t.Errorf("%s without %s: %d %s, want 403 naming the scope", name, op.Scope, status, got)
				}

				status, got = send(betaKey.Key, method, path+query, body)
				switch {
				case !op.TenantKeys && status != http.StatusForbidden:
					t.Errorf("%s (installation only) with tenant beta's key: %d %s, want 403", name, status, got)
				case name == "GET /v1/tenants" && status == http.StatusOK:
					// A restricted key lists its own tenant only.
					if !strings.Contains(got, `"beta"`) {
						t.Errorf("%s with tenant beta's key: %s, want beta alone", name, got)
					}
				case status != http.StatusForbidden && status != http.StatusNotFound:
					t.Errorf("%s with tenant beta's key: %d %s, want 403 or 404", name, status, got)
				}
				for _, s := range secrets {
					if status < 400 && strings.Contains(got, s) {
						t.Errorf("%s with tenant beta's key: answer %s holds acme's %s", name, got, s)
					}
				}
			}
		}
		t.Logf("walked %d operations with %d under-scoped keys and a key of another tenant", operations, len(underScoped))
		if operations < 90 {
			t.Errorf("walked only %d operations", operations)
		}
	})
}

// TestTenantKeys checks what a key restricted to a tenant can do: work with
// its tenant's objects (new ones default to it), and see nothing of another
// tenant's, in lists included.
func TestTenantKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		ctx := t.Context()
		in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)
		acmeSrc := e.createJSON(t, "/v1/sources", `{"name":"acme's","tenant_id":"acme","verifier":{"scheme":"none"}}`)
		e.createJSON(t, "/v1/sources", `{"name":"nobody's","verifier":{"scheme":"none"}}`)
		acmeConn := e.createJSON(t, "/v1/connections", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+in["id"].(string)+
			`","values":{"api_key":"`+fakeAPIKey+`"}}`)
		beta := &env{opts: e.opts, node: e.node, key: createKey(t, e.opts, "--scope", "tenants:write inbound:admin connections:credentials connections:write", "--tenant", "beta")}

		if resp, body := beta.do(t, http.MethodPut, "/v1/tenants/beta", `{"name":"Beta"}`); resp.StatusCode != http.StatusCreated {
			t.Fatalf("beta's key creating its tenant: %d %s", resp.StatusCode, body)
		}
		resp, body := beta.do(t, http.MethodGet, "/v1/tenants", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"id":"beta"`) || strings.Contains(string(body), "acme") {
			t.Errorf("beta's key listing tenants: %d %s, want beta alone", resp.StatusCode, body)
		}
		// A new source defaults to the key's tenant; lists show only its own.
		resp, body = beta.do(t, http.MethodPost, "/v1/sources", `{"name":"beta's","verifier":{"scheme":"none"}}`)
		if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"tenant_id":"beta"`) {
			t.Fatalf("beta's key creating a source: %d %s", resp.StatusCode, body)
		}
		resp, body = beta.do(t, http.MethodGet, "/v1/sources", "")
		if resp.StatusCode != http.StatusOK || strings.Count(string(body), `"id":"src_`) != 1 || !strings.Contains(string(body), "beta's") {
			t.Errorf("beta's key listing sources: %d %s, want its one", resp.StatusCode, body)
		}
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/v1/sources/" + acmeSrc["id"].(string), ""},
			{"GET", "/v1/sources/" + acmeSrc["id"].(string) + "/secret", ""},
			{"PATCH", "/v1/sources/" + acmeSrc["id"].(string), `{"name":"mine now"}`},
			{"GET", "/v1/connections/" + acmeConn["id"].(string), ""},
			{"GET", "/v1/connections/" + acmeConn["id"].(string) + "/credentials", ""},
			{"GET", "/v1/connections/" + acmeConn["id"].(string) + "/proxy/items", ""},
			{"GET", "/v1/connections?tenant_id=acme", ""},
			{"POST", "/v1/sources", `{"name":"x","tenant_id":"acme","verifier":{"scheme":"none"}}`},
			{"POST", "/v1/sources", `{"name":"x","verifier":{"scheme":"none"},"route":{"event_type":"invoice.paid","tenant_id":"acme"}}`},
		} {
			if resp, body := beta.do(t, c.method, c.path, c.body); resp.StatusCode != http.StatusNotFound {
				t.Errorf("beta's key: %s %s: %d %s, want 404", c.method, c.path, resp.StatusCode, body)
			}
		}
		// Routing by a pointer into the body would let a sender pick the tenant.
		resp, body = beta.do(t, http.MethodPost, "/v1/sources", `{"name":"x","verifier":{"scheme":"none"},"route":{"event_type":"invoice.paid","tenant_pointer":"/tenant"}}`)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("beta's key routing by pointer: %d %s, want 403", resp.StatusCode, body)
		}
		// Its own connections work, credentials included; lists hold only them.
		resp, body = beta.do(t, http.MethodPost, "/v1/connections", `{"end_user_id":"u","integration_id":"`+in["id"].(string)+
			`","values":{"api_key":"`+fakeAPIKey+`"}}`)
		if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"tenant_id":"beta"`) {
			t.Fatalf("beta's key creating a connection: %d %s", resp.StatusCode, body)
		}
		var own struct{ ID string }
		json.Unmarshal(body, &own) //nolint:errcheck // checked by the next call
		if resp, body := beta.do(t, http.MethodGet, "/v1/connections/"+own.ID+"/credentials", ""); resp.StatusCode != http.StatusOK {
			t.Errorf("beta's key reading its connection's credentials: %d %s", resp.StatusCode, body)
		}
		resp, body = beta.do(t, http.MethodGet, "/v1/connections", "")
		if resp.StatusCode != http.StatusOK || strings.Count(string(body), `"id":"conn_`) != 1 || !strings.Contains(string(body), own.ID) {
			t.Errorf("beta's key listing connections: %d %s, want its one", resp.StatusCode, body)
		}
		// Key management is the installation's.
		if _, err := client.New(e.node.URL, beta.key).ListAPIKeys(ctx, client.ListParams{}); apiError(t, err).Status != http.StatusForbidden {
			t.Errorf("beta's key listing API keys: %v, want 403", err)
		}
		// An installation key cannot be made from a tenant key's scopes, and
		// the installation key can make tenant keys for any tenant.
		if _, err := e.client.CreateAPIKey(ctx, client.CreateAPIKeyParams{Name: "acme", Scopes: []string{"webhooks:read"}, TenantID: client.Ptr("acme")}); err != nil {
			t.Errorf("installation key making a tenant key: %v", err)
		}
	})
}
