package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/bearer"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestOAuthResourceDiscovery: a client that knows only a protected
// resource's URL finds Patchbay from its first refused call (RFC 9728 §5)
// and gets a token bound to the resource, with the official MCP Go SDK's
// discovery functions doing the client's part. The document is served by
// Patchbay and, through the bearer package, by the resource's own host.
func TestOAuthResourceDiscovery(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		ctx := t.Context()
		mux := http.NewServeMux()
		rs := httptest.NewServer(mux)
		t.Cleanup(rs.Close)
		resource := rs.URL + "/mcp"
		o.createResource(t, resource, "Test MCP server", "read:projects")
		app := o.createApp(t, `{"team_id":"devteam","name":"Agent","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects","write:projects"]}`)

		// Patchbay serves the document at its well-known prefix followed by
		// the resource's host and path.
		hostPath := strings.TrimPrefix(resource, "http://")
		patchbayDoc := o.node.URL + "/.well-known/oauth-protected-resource/" + hostPath
		guard, err := bearer.New(bearer.Config{IntrospectionURL: o.node.URL + "/oauth/introspect", APIKey: o.key, CacheTTL: -1,
			Audience: resource, ResourceMetadataURL: patchbayDoc})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/mcp", guard.Require("read:projects")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, _ := bearer.TokenFrom(r.Context())
			w.Write([]byte("hello " + tok.Subject))
		})))
		mux.Handle("GET "+bearer.MetadataPath(resource), bearer.ResourceMetadata{Resource: resource, AuthorizationServers: []string{o.node.URL},
			ScopesSupported: []string{"read:projects"}, ResourceName: "Test MCP server"}.Handler())
		call := func(token string) *http.Response {
			req, _ := http.NewRequestWithContext(ctx, "POST", resource, strings.NewReader(`{}`))
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}

		// The first call is refused with a pointer to the metadata.
		resp := call("")
		if resp.StatusCode != 401 {
			t.Fatalf("unauthenticated call: %d", resp.StatusCode)
		}
		challenges, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate"))
		if err != nil || len(challenges) != 1 || challenges[0].Scheme != "bearer" {
			t.Fatalf("challenges %+v %v from %q", challenges, err, resp.Header.Values("WWW-Authenticate"))
		}
		mdURL := challenges[0].Params["resource_metadata"]
		if mdURL != patchbayDoc {
			t.Fatalf("resource_metadata %q, want %q", mdURL, patchbayDoc)
		}
		prm, err := oauthex.GetProtectedResourceMetadata(ctx, mdURL, resource, http.DefaultClient)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(prm.AuthorizationServers, []string{o.node.URL}) || !slices.Equal(prm.ScopesSupported, []string{"read:projects"}) ||
			prm.ResourceName != "Test MCP server" || !slices.Equal(prm.BearerMethodsSupported, []string{"header"}) {
			t.Errorf("protected resource metadata %+v", prm)
		}
		asm, err := oauthex.GetAuthServerMeta(ctx, prm.AuthorizationServers[0]+"/.well-known/oauth-authorization-server", prm.AuthorizationServers[0], http.DefaultClient)
		if err != nil || asm == nil {
			t.Fatalf("authorization server metadata: %+v %v", asm, err)
		}

		// The flow the metadata describes, with the resource named.
		conf := &oauth2.Config{ClientID: app.ClientID, ClientSecret: app.ClientSecret, RedirectURL: callbackURI, Scopes: prm.ScopesSupported,
			Endpoint: oauth2.Endpoint{AuthURL: asm.AuthorizationEndpoint, TokenURL: asm.TokenEndpoint, AuthStyle: oauth2.AuthStyleInHeader}}
		m := o.tokenWith(t, newBrowser(t), app, conf, url.Values{"resource": {prm.Resource}}, url.Values{"resource": {prm.Resource}})
		if resp := call(m["access_token"].(string)); resp.StatusCode != 200 {
			t.Errorf("call with the token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		// A token bound to nothing is refused, and the refusal points to the metadata again.
		cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"read:projects"}}
		if st, _, m := o.tokenCall(t, "/oauth/token", cc, app.ClientID, app.ClientSecret); st != 200 {
			t.Fatalf("client_credentials: %d %v", st, m)
		} else if resp := call(m["access_token"].(string)); resp.StatusCode != 401 ||
			!strings.Contains(resp.Header.Get("WWW-Authenticate"), `resource_metadata="`+patchbayDoc+`"`) {
			t.Errorf("token without audience: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}

		// The copy on the resource's own host passes the same checks.
		own, err := oauthex.GetProtectedResourceMetadata(ctx, bearer.MetadataURL(resource), resource, http.DefaultClient)
		if err != nil || !slices.Equal(own.AuthorizationServers, []string{o.node.URL}) {
			t.Errorf("own-host metadata %+v %v", own, err)
		}

		// Documents by path: a trailing slash does not matter, an unknown
		// resource is a 404 problem, and a root resource has the bare host.
		o.createResource(t, "https://api.acme.test", "Acme API", "read:projects", "write:projects")
		o.createResource(t, "https://api.acme.test/v1%2Fbeta", "Acme API beta", "read:projects")
		for path, want := range map[string]string{
			"/.well-known/oauth-protected-resource/api.acme.test/v1%2Fbeta": "https://api.acme.test/v1%2Fbeta",
			"/.well-known/oauth-protected-resource/" + hostPath + "/":       resource,
			"/.well-known/oauth-protected-resource/api.acme.test":           "https://api.acme.test",
			"/.well-known/oauth-protected-resource/api.acme.test/":          "https://api.acme.test",
		} {
			resp, body := o.do(t, "GET", path, "")
			var doc struct {
				Resource string `json:"resource"`
			}
			// RFC 9728 §3.2: 200 and application/json.
			if json.Unmarshal(body, &doc); resp.StatusCode != 200 || doc.Resource != want || resp.Header.Get("Cache-Control") == "" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
			}
		}
		for _, path := range []string{"/.well-known/oauth-protected-resource/unknown.acme.test", "/.well-known/oauth-protected-resource/api.acme.test/x"} {
			resp, body := o.do(t, "GET", path, "")
			if problem(t, resp, body); resp.StatusCode != 404 {
				t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
			}
		}
		if resp, body := o.do(t, "GET", "/.well-known/oauth-protected-resource/", ""); resp.StatusCode != 400 && resp.StatusCode != 404 {
			t.Errorf("GET the bare prefix: %d %s", resp.StatusCode, body)
		}
	})
}

// TestResourceMetadataRateLimitPerAddress: anyone may ask for resource
// metadata documents, so they are limited per client address, with a
// problem and Retry-After, apart from the browser pages.
func TestResourceMetadataRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--public-rate-limit-pages", "3/1m", "--trusted-proxies", "127.0.0.1/32")
		u := e.node.URL + "/.well-known/oauth-protected-resource/api.acme.test"
		for i := range 4 {
			resp, body := plainCall(t, "GET", u, "203.0.113.7", nil)
			want := http.StatusNotFound
			if i == 3 {
				want = http.StatusTooManyRequests
			}
			if resp.StatusCode != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") ||
				!strings.Contains(resp.Header.Get("RateLimit-Policy"), `"discovery";q=3;w=60`) {
				t.Fatalf("request %d: %d %v %s, want %d", i, resp.StatusCode, resp.Header, body, want)
			}
			if want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
		// Counted apart from the pages, and per address.
		if resp, body := plainCall(t, "GET", e.node.URL+"/oauth/authorize", "203.0.113.7", nil); resp.StatusCode == http.StatusTooManyRequests {
			t.Errorf("the pages were limited by the documents' count: %s", body)
		}
		if resp, body := plainCall(t, "GET", u, "203.0.113.8", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another address: %d %s, want 404", resp.StatusCode, body)
		}
	})
}

// TestMCPClientDiscoversPatchbay: the official MCP Go SDK's client connects
// to an MCP server behind the bearer package, is refused, discovers Patchbay
// from the refusal, signs the user in through the SaaS's login and
// Patchbay's consent with a registered app, and connects with a token bound
// to the server.
func TestMCPClientDiscoversPatchbay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		ctx := t.Context()
		mux := http.NewServeMux()
		rs := httptest.NewServer(mux)
		t.Cleanup(rs.Close)
		resource := rs.URL + "/mcp"
		o.createResource(t, resource, "Test MCP server", "read:projects")
		app := o.createApp(t, `{"team_id":"devteam","name":"Agent","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)

		guard, err := bearer.New(bearer.Config{IntrospectionURL: o.node.URL + "/oauth/introspect", APIKey: o.key, CacheTTL: -1,
			Audience: resource, ResourceMetadataURL: o.node.URL + "/.well-known/oauth-protected-resource/" + strings.TrimPrefix(resource, "http://")})
		if err != nil {
			t.Fatal(err)
		}
		server := mcp.NewServer(&mcp.Implementation{Name: "projects", Version: "1.0.0"}, nil)
		mcp.AddTool(server, &mcp.Tool{Name: "whoami", Description: "who the token is for"},
			func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil, nil
			})
		var subjects sync.Map // every subject the guard let through
		mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
		mux.Handle("/mcp", guard.Require("read:projects")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, _ := bearer.TokenFrom(r.Context())
			subjects.Store(tok.Subject+" "+strings.Join(tok.Audiences, ","), true)
			mcpHandler.ServeHTTP(w, r)
		})))

		b := newBrowser(t)
		var consented atomic.Bool
		handler, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			PreregisteredClient: &oauthex.ClientCredentials{ClientID: app.ClientID,
				ClientSecretAuth: &oauthex.ClientSecretAuth{ClientSecret: app.ClientSecret}, Issuer: o.node.URL},
			RedirectURL: callbackURI,
			AuthorizationCodeFetcher: func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
				u, err := url.Parse(args.URL)
				if err != nil || u.Query().Get("resource") != resource {
					return nil, fmt.Errorf("authorization URL %s does not name the resource", args.URL)
				}
				s := b.visit(args.URL)
				if s.Callback == nil {
					if !strings.Contains(s.Page, "Test MCP server") {
						return nil, fmt.Errorf("the consent screen does not name the resource:\n%s", s.Page)
					}
					consented.Store(true)
					f := consentForm(t, s.Page)
					f.Set("decision", "approve")
					s = b.post(o.node.URL+"/oauth/consent", f)
				}
				if s.Callback == nil {
					return nil, fmt.Errorf("no callback: %d %s", s.Status, s.Page)
				}
				q := s.Callback.Query()
				return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		client := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1.0.0"}, nil)
		session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: resource, OAuthHandler: handler}, nil)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer session.Close()
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "whoami"})
		if err != nil || res.IsError || len(res.Content) != 1 {
			t.Fatalf("call: %+v %v", res, err)
		}
		if !consented.Load() {
			t.Error("the flow did not go through Patchbay's consent screen")
		}
		if _, ok := subjects.Load("user_1 " + resource); !ok {
			var seen []string
			subjects.Range(func(k, _ any) bool { seen = append(seen, k.(string)); return true })
			t.Errorf("the MCP server saw %v, want user_1 with a token bound to %s", seen, resource)
		}
	})
}
