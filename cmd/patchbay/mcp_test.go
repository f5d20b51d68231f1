package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// mcpResource is an MCP server protected by Patchbay, as a SaaS would run
// it: it checks tokens by introspection, refuses calls without one with a
// 401 naming its protected resource metadata (RFC 9728), which names
// Patchbay as the authorization server.
func (o *oauthEnv) mcpResource(t *testing.T) string {
	t.Helper()
	server := mcp.NewServer(&mcp.Implementation{Name: "acme", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami", Description: "who the token is for"},
		func(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: req.Extra.TokenInfo.UserID}}}, nil, nil
		})
	verify := func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", o.node.URL+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+o.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var info struct {
			Active bool   `json:"active"`
			Sub    string `json:"sub"`
			Scope  string `json:"scope"`
			Exp    int64  `json:"exp"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || resp.StatusCode != 200 {
			return nil, fmt.Errorf("introspection: %d %v", resp.StatusCode, err)
		}
		if !info.Active {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: info.Sub, Scopes: strings.Fields(info.Scope), Expiration: time.Unix(info.Exp, 0)}, nil
	}
	mux := http.NewServeMux()
	rs := httptest.NewServer(mux)
	t.Cleanup(rs.Close)
	metadataURL := rs.URL + "/.well-known/oauth-protected-resource/mcp"
	mux.Handle("/mcp", auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{ResourceMetadataURL: metadataURL, Scopes: []string{"read:projects"}})(
		mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)))
	mux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource: rs.URL + "/mcp", AuthorizationServers: []string{o.node.URL}, ScopesSupported: []string{"read:projects"}}))
	// The SDK's client names the server as its resource (RFC 8707), which
	// Patchbay accepts only once the SaaS has registered it.
	o.createResource(t, rs.URL+"/mcp", "Acme MCP", "read:projects")
	return rs.URL + "/mcp"
}

// mcpBrowser is the SDK's AuthorizationCodeFetcher played by the test's
// browser: sign in (the env's login page does), approve on Patchbay's
// consent screen, and hand the callback's code back. It records each
// consent screen it saw.
func (o *oauthEnv) mcpBrowser(t *testing.T, screens *[]string) auth.AuthorizationCodeFetcher {
	b := newBrowser(t)
	return func(_ context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		s := b.visit(args.URL)
		if s.Callback == nil {
			*screens = append(*screens, s.Page)
			if s.Status != 200 || !strings.Contains(s.Page, "consent_challenge") {
				return nil, fmt.Errorf("expected the consent screen, got %d: %s", s.Status, s.Page)
			}
			f := consentForm(t, s.Page)
			f.Set("decision", "approve")
			s = b.post(o.node.URL+"/oauth/consent", f)
		}
		if s.Callback == nil {
			return nil, errors.New("consent did not return to the client")
		}
		q := s.Callback.Query()
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
}

// TestMCPClientAgainstPatchbay runs the official MCP Go SDK's client against
// an MCP server behind Patchbay: from its first 401 it discovers the
// resource's metadata and Patchbay's, registers (by client ID metadata
// document, or dynamically), goes through sign-in and consent, and calls a
// tool with the token it got.
func TestMCPClientAgainstPatchbay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		h := newMetadataHost(t)
		o := setupOAuth(t, d, "--oauth-client-metadata-outbound-allow", "127.0.0.0/8", "--oauth-client-metadata-ca-file", h.caFile,
			"--oauth-registration", "open", "--oauth-registration-scopes", "read:projects")
		endpoint := o.mcpResource(t)
		for name, cfg := range map[string]*auth.AuthorizationCodeHandlerConfig{
			"metadata document": {ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: h.srv.URL + "/agent.json"}},
			"dynamic registration": {DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
				RedirectURIs: []string{callbackURI}, ClientName: "SDK agent", TokenEndpointAuthMethod: "none",
				GrantTypes: []string{"authorization_code", "refresh_token"}}}},
		} {
			t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
				var screens []string
				fetchedBefore := h.hits["/agent.json"].Load()
				cfg.RedirectURL = callbackURI
				cfg.AuthorizationCodeFetcher = o.mcpBrowser(t, &screens)
				handler, err := auth.NewAuthorizationCodeHandler(cfg)
				if err != nil {
					t.Fatal(err)
				}
				client := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil)
				session, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: endpoint, OAuthHandler: handler}, nil)
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				defer session.Close()
				res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "whoami"})
				if err != nil {
					t.Fatalf("call: %v", err)
				}
				if len(res.Content) != 1 || res.Content[0].(*mcp.TextContent).Text != "user_1" {
					t.Errorf("whoami: %+v", res.Content)
				}
				if len(screens) != 1 || !strings.Contains(screens[0], "Not reviewed") || !strings.Contains(screens[0], "<strong>127.0.0.1</strong>") {
					t.Errorf("consent screens seen: %q", screens)
				}
				if fetched := h.hits["/agent.json"].Load() - fetchedBefore; (fetched == 1) != (cfg.ClientIDMetadataDocumentConfig != nil) {
					t.Errorf("the metadata document was fetched %d times", fetched)
				}
			})
		}
	})
}
