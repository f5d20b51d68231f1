package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/patchbay/patchbay/bearer"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// apiCall is what the test API saw of one call.
type apiCall struct {
	Method, Path, Body, Subject, Actor string
	Audience                           []string
	Token                              string
}

// bearerHeader adds a fixed access token to a client's requests.
type bearerHeader struct {
	token string
	base  http.RoundTripper
}

func (b bearerHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func toolNames(t *testing.T, s *mcp.ClientSession) []string {
	t.Helper()
	res, err := s.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatalf("list tools: %v", err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

// TestAutomationMCP drives Patchbay's MCP server with the official Go SDK's
// client: from the first 401 it discovers the resource metadata and
// Patchbay, registers dynamically, goes through sign-in and consent, lists
// the tools its scopes allow and calls an action, which reaches a loopback
// API with a token exchanged for the API's audience (not the client's own).
// A client whose token lacks write:projects does not see the create tool.
func TestAutomationMCP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		var (
			mu    sync.Mutex
			calls []apiCall
			guard *bearer.Guard
		)
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			guard.Require()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tok, _ := bearer.TokenFrom(r.Context())
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				calls = append(calls, apiCall{Method: r.Method, Path: r.URL.RequestURI(), Body: string(body), Subject: tok.Subject, Actor: tok.Actor,
					Token: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")})
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"id":"prj_9","name":"Launch"}`)
			})).ServeHTTP(w, r)
		}))
		t.Cleanup(api.Close)
		args := append(append([]string{}, webhookArgs...), "--automation-api-url", api.URL, "--oauth-registration", "open",
			"--oauth-registration-scopes", "read:projects,write:projects")
		o := setupOAuth(t, d, args...)
		var err error
		if guard, err = bearer.New(bearer.Config{IntrospectionURL: o.node.URL + "/oauth/introspect", APIKey: o.key, CacheTTL: -1, Audience: api.URL}); err != nil {
			t.Fatal(err)
		}
		o.createResource(t, api.URL, "Acme API", "read:projects", "write:projects")
		mcpApp := o.createApp(t, `{"team_id":"saas","name":"Patchbay MCP","redirect_uris":["https://mcp.acme.test/cb"],"scopes":["read:projects","write:projects"],
			"token_exchange":true,"exchange_audiences":["`+api.URL+`"]}`)
		// The node learns which app its MCP server exchanges tokens as.
		o.node.Stop(t)
		o.node = startNode(t, o.opts, append(append([]string{"--oauth-login-url", o.loginOrigin + "/login", "--rate-limit", "0"}, args...),
			"--automation-mcp-app", mcpApp.ID)...)
		guard, _ = bearer.New(bearer.Config{IntrospectionURL: o.node.URL + "/oauth/introspect", APIKey: o.key, CacheTTL: -1, Audience: api.URL})
		endpoint := o.node.URL + "/mcp"
		o.createResource(t, endpoint, "Acme MCP", "read:projects", "write:projects")

		if resp, body := o.do(t, "POST", "/v1/event-types", `{"name":"project.created","description":"A project was created.",
			"schema":{"type":"object","properties":{"id":{"type":"string"}}},"example":{"id":"prj_1"}}`); resp.StatusCode != 201 {
			t.Fatalf("event type: %d %s", resp.StatusCode, body)
		}
		for _, a := range []string{
			`{"key":"list_projects","display_name":"Find Projects","description":"Lists projects.","search":true,"method":"GET",
			  "url_template":"` + api.URL + `/v1/projects","input_schema":{"type":"object","properties":{"q":{"type":"string"}}},"scopes":["read:projects"]}`,
			`{"key":"create_project","display_name":"Create Project","description":"Creates a project.","method":"POST",
			  "url_template":"` + api.URL + `/v1/teams/{team_id}/projects","input_schema":{"type":"object","required":["team_id","name"],
			  "properties":{"team_id":{"type":"string"},"name":{"type":"string","title":"Name"}}},"scopes":["write:projects"],"idempotency":"key"}`,
		} {
			if resp, body := o.do(t, "POST", "/v1/automation/actions", a); resp.StatusCode != 201 {
				t.Fatalf("action: %d %s", resp.StatusCode, body)
			}
		}
		if resp, body := o.do(t, "PUT", "/v1/tenants/team_1", `{"name":"Team One"}`); resp.StatusCode >= 300 {
			t.Fatalf("tenant: %d %s", resp.StatusCode, body)
		}
		msgID := o.publish(t, "team_1", "project.created", `{"id":"prj_1"}`)

		// Without a token: 401 naming the resource metadata.
		resp, err := http.Post(endpoint, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `resource_metadata="`+o.node.URL+`/.well-known/oauth-protected-resource/`+strings.TrimPrefix(endpoint, "http://")+`"`) {
			t.Fatalf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}

		var screens []string
		handler, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
				RedirectURIs: []string{callbackURI}, ClientName: "SDK agent", TokenEndpointAuthMethod: "none",
				GrantTypes: []string{"authorization_code", "refresh_token"}}},
			RedirectURL: callbackURI, AuthorizationCodeFetcher: func(ctx context.Context, a *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
				return o.mcpBrowser(t, &screens)(ctx, a)
			}})
		if err != nil {
			t.Fatal(err)
		}
		client := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil)
		session, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: endpoint, OAuthHandler: handler}, nil)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer session.Close()
		if got := toolNames(t, session); !slices.Equal(got, []string{"create_project", "events.project.created", "list_projects"}) {
			t.Fatalf("tools: %v", got)
		}
		res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "create_project", Arguments: map[string]any{"team_id": "team_1", "name": "Launch"}})
		if err != nil || res.IsError {
			t.Fatalf("call create_project: %v %+v", err, res)
		}
		if text := res.Content[0].(*mcp.TextContent).Text; text != `{"id":"prj_9","name":"Launch"}` {
			t.Errorf("create_project answered %q", text)
		}
		mu.Lock()
		got := slices.Clone(calls)
		mu.Unlock()
		if len(got) != 1 || got[0].Method != "POST" || got[0].Path != "/v1/teams/team_1/projects" || got[0].Body != `{"name":"Launch"}` ||
			got[0].Subject != "user_1" || got[0].Actor != mcpApp.ClientID {
			t.Fatalf("the API saw %+v", got)
		}
		if aud := o.audOf(t, got[0].Token); !slices.Equal(aud, []string{api.URL}) {
			t.Errorf("the API's token has audience %v, want only the API", aud)
		}
		// The tool checks input against the action's schema.
		if res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "create_project", Arguments: map[string]any{"team_id": "team_1"}}); err == nil && !res.IsError {
			t.Errorf("create_project without name: %+v", res)
		}
		res, err = session.CallTool(t.Context(), &mcp.CallToolParams{Name: "events.project.created", Arguments: map[string]any{"limit": 5}})
		if err != nil || res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, `"id":"`+msgID+`"`) {
			t.Fatalf("recent events: %v %+v", err, res)
		}
		rr, err := session.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "patchbay://catalog/events"})
		if err != nil || len(rr.Contents) != 1 || !strings.Contains(rr.Contents[0].Text, `"key": "project.created"`) {
			t.Fatalf("events resource: %v %+v", err, rr)
		}

		// Every tool call is in the audit log (written within moments).
		want := []string{"create_project failure", "create_project success", "events.project.created success"}
		var toolCalls []string
		for range 100 {
			resp, body := o.do(t, "GET", "/v1/audit-events?limit=100", "")
			var events struct {
				Data []struct {
					Route    string `json:"route"`
					ObjectID string `json:"object_id"`
					UserID   string `json:"user_id"`
					Outcome  string `json:"outcome"`
					APIKeyID string `json:"api_key_id"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &events); resp.StatusCode != 200 || err != nil {
				t.Fatalf("audit events: %d %s", resp.StatusCode, body)
			}
			toolCalls = nil
			for _, e := range events.Data {
				if e.Route == "/mcp" && e.UserID == "user_1" && e.APIKeyID != "" {
					toolCalls = append(toolCalls, e.ObjectID+" "+e.Outcome)
				}
			}
			slices.Sort(toolCalls)
			if slices.Equal(toolCalls, want) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !slices.Equal(toolCalls, want) {
			t.Errorf("audited tool calls: %v, want %v", toolCalls, want)
		}

		// A client whose token has only read:projects sees no create tool.
		reader := o.createApp(t, `{"team_id":"devteam","name":"Reader","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		tok := o.tokenWith(t, newBrowser(t), reader, o.config(reader, "read:projects"), map[string][]string{"resource": {endpoint}}, map[string][]string{"resource": {endpoint}})
		readOnly, err := mcp.NewClient(&mcp.Implementation{Name: "reader", Version: "1"}, nil).Connect(t.Context(), &mcp.StreamableClientTransport{
			Endpoint: endpoint, HTTPClient: &http.Client{Transport: bearerHeader{token: tok["access_token"].(string), base: http.DefaultTransport}}}, nil)
		if err != nil {
			t.Fatalf("connect with a read token: %v", err)
		}
		defer readOnly.Close()
		if got := toolNames(t, readOnly); !slices.Equal(got, []string{"events.project.created", "list_projects"}) {
			t.Errorf("tools of a read-only client: %v", got)
		}
		if res, err := readOnly.CallTool(t.Context(), &mcp.CallToolParams{Name: "create_project", Arguments: map[string]any{"team_id": "team_1", "name": "x"}}); err == nil && !res.IsError {
			t.Errorf("a read-only client called create_project: %+v", res)
		}

		// A token for another audience is refused.
		plain := o.tokenWith(t, newBrowser(t), reader, o.config(reader, "read:projects"), map[string][]string{"resource": {api.URL}}, map[string][]string{"resource": {api.URL}})
		req, _ := http.NewRequestWithContext(t.Context(), "POST", endpoint, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Authorization", "Bearer "+plain["access_token"].(string))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
			t.Errorf("a token for the API at the MCP server: %v %v", err, resp.StatusCode)
		} else {
			resp.Body.Close()
		}

		// A tenant that disallows agents refuses their tool calls.
		if resp, body := o.do(t, "PATCH", "/v1/tenants/team_1/automation", `{"agents_allowed":false}`); resp.StatusCode != 200 {
			t.Fatalf("switch: %d %s", resp.StatusCode, body)
		}
		if res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "list_projects"}); err != nil || !res.IsError {
			t.Errorf("list_projects with agents off: %v %+v", err, res)
		}
	})
}
