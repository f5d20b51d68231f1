package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

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
			if json.Unmarshal(body, &doc); resp.StatusCode != 200 || doc.Resource != want || resp.Header.Get("Cache-Control") == "" {
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
