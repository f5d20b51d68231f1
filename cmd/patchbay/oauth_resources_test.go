package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/bearer"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// Resource identifiers the tests register (RFC 8707).
const (
	resAPI     = "https://api.acme.test"
	resMCP     = "https://mcp.acme.test/mcp"
	resDefault = "https://default.acme.test"
)

// createResource registers a protected resource and returns its ID.
func (o *oauthEnv) createResource(t *testing.T, identifier, name string, scopes ...string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"resource": identifier, "name": name, "scopes": scopes})
	resp, body := o.do(t, "POST", "/v1/oauth/resources", string(b))
	if resp.StatusCode != 201 {
		t.Fatalf("create resource %s: %d %s", identifier, resp.StatusCode, body)
	}
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &r); err != nil || !strings.HasPrefix(r.ID, "res_") {
		t.Fatalf("create resource: %s", body)
	}
	return r.ID
}

// authURLWith is conf's authorization URL for a fresh verifier, with extra
// parameters (resource may repeat).
func authURLWith(conf *oauth2.Config, state string, extra url.Values) (string, string) {
	verifier := oauth2.GenerateVerifier()
	u := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
	if len(extra) > 0 {
		u += "&" + extra.Encode()
	}
	return u, verifier
}

// tokenWith runs a flow through consent (approving if asked) and exchanges
// the code with the extra token parameters, returning the token response.
func (o *oauthEnv) tokenWith(t *testing.T, b *browser, app testApp, conf *oauth2.Config, authExtra, tokenExtra url.Values) map[string]any {
	t.Helper()
	u, verifier := authURLWith(conf, "s", authExtra)
	s := b.visit(u)
	if s.Callback == nil {
		f := consentForm(t, s.Page)
		f.Set("decision", "approve")
		s = b.post(o.node.URL+"/oauth/consent", f)
	}
	if s.Callback == nil || s.Callback.Query().Get("code") == "" {
		t.Fatalf("no code: %+v", s)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {s.Callback.Query().Get("code")},
		"redirect_uri": {callbackURI}, "code_verifier": {verifier}}
	for k, vs := range tokenExtra {
		form[k] = vs
	}
	st, _, m := o.tokenCall(t, "/oauth/token", form, app.ClientID, app.ClientSecret)
	if st != 200 {
		t.Fatalf("token: %d %v", st, m)
	}
	return m
}

// audOf is the aud of a token as introspection tells it.
func (o *oauthEnv) audOf(t *testing.T, token string) []string {
	t.Helper()
	info := o.introspect(t, token)
	var aud []string
	if list, ok := info["aud"].([]any); ok {
		for _, a := range list {
			aud = append(aud, a.(string))
		}
	}
	return aud
}

// guardedAPI is a resource server protected by the bearer package with an
// audience, answering "user scopes actor" to tokens it accepts.
func guardedAPI(t *testing.T, o *oauthEnv, audience string) func(token string) (int, string, string) {
	t.Helper()
	guard, err := bearer.New(bearer.Config{IntrospectionURL: o.node.URL + "/oauth/introspect", APIKey: o.key, CacheTTL: -1, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(guard.Require()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.TokenFrom(r.Context())
		io.WriteString(w, tok.Subject+" "+strings.Join(tok.Scopes, ",")+" "+tok.Actor)
	})))
	t.Cleanup(srv.Close)
	return func(token string) (int, string, string) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/projects", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(body)
	}
}

// TestOAuthResourceIndicators: registered resources, resource at authorize
// and token (RFC 8707), audience-bound tokens checked by the bearer package,
// invalid_target, and the default audience.
func TestOAuthResourceIndicators(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--oauth-default-audience", resDefault)
		ctx := t.Context()
		apiID := o.createResource(t, resAPI, "Acme API", "read:projects", "write:projects")
		o.createResource(t, resMCP, "Acme MCP server", "read:projects")
		app := o.createApp(t, `{"team_id":"devteam","name":"Agent","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects","write:projects"]}`)
		conf := o.config(app, "read:projects")
		b := newBrowser(t)

		t.Run("admin API", func(t *testing.T) {
			for _, c := range []struct{ body, field string }{
				{`{"resource":"http://api.acme.test","name":"x","scopes":["read:projects"]}`, "resource"},
				{`{"resource":"https://api.acme.test/#f","name":"x","scopes":["read:projects"]}`, "resource"},
				{`{"resource":"https://api.acme.test/?a=b","name":"x","scopes":["read:projects"]}`, "resource"},
				{`{"resource":"HTTPS://api.acme.test/x","name":"x","scopes":["read:projects"]}`, "resource"},
				{`{"name":"x","scopes":["read:projects"]}`, "resource"},
				{`{"resource":"https://x.acme.test","scopes":["read:projects"]}`, "name"},
				{`{"resource":"https://x.acme.test","name":"x","scopes":[]}`, "scopes"},
				{`{"resource":"https://x.acme.test","name":"x","scopes":["unknown"]}`, "scopes"},
			} {
				resp, body := o.do(t, "POST", "/v1/oauth/resources", c.body)
				p := problem(t, resp, body)
				if resp.StatusCode != 400 || !strings.Contains(string(body), `"`+c.field+`"`) {
					t.Errorf("%s: %d %+v, want 400 naming %s", c.body, resp.StatusCode, p, c.field)
				}
			}
			resp, body := o.do(t, "POST", "/v1/oauth/resources", `{"resource":"`+resAPI+`","name":"Again","scopes":["read:projects"]}`)
			if problem(t, resp, body); resp.StatusCode != 409 {
				t.Errorf("duplicate identifier: %d %s", resp.StatusCode, body)
			}
			resp, body = o.do(t, "GET", "/v1/oauth/resources/"+apiID, "")
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"resource":"`+resAPI+`"`) || !strings.Contains(string(body), `"name":"Acme API"`) {
				t.Errorf("get: %d %s", resp.StatusCode, body)
			}
			resp, body = o.do(t, "GET", "/v1/oauth/resources?limit=1", "")
			var list struct {
				Data       []map[string]any `json:"data"`
				NextCursor string           `json:"next_cursor"`
			}
			if json.Unmarshal(body, &list); resp.StatusCode != 200 || len(list.Data) != 1 || list.NextCursor == "" {
				t.Errorf("list: %d %s", resp.StatusCode, body)
			}
			tmp := o.createResource(t, "https://tmp.acme.test", "Temporary", "read:projects")
			if resp, body := o.do(t, "PATCH", "/v1/oauth/resources/"+tmp, `{"name":"Renamed","scopes":["admin"]}`); resp.StatusCode != 200 ||
				!strings.Contains(string(body), `"name":"Renamed"`) || !strings.Contains(string(body), `"scopes":["admin"]`) {
				t.Errorf("patch: %d %s", resp.StatusCode, body)
			}
			if resp, body := o.do(t, "PATCH", "/v1/oauth/resources/"+tmp, `{"resource":"`+resAPI+`"}`); resp.StatusCode != 409 {
				t.Errorf("patch to a taken identifier: %d %s", resp.StatusCode, body)
			}
			if resp, _ := o.do(t, "DELETE", "/v1/oauth/resources/"+tmp, ""); resp.StatusCode != 204 {
				t.Errorf("delete: %d", resp.StatusCode)
			}
			if resp, _ := o.do(t, "GET", "/v1/oauth/resources/"+tmp, ""); resp.StatusCode != 404 {
				t.Errorf("get after delete: %d", resp.StatusCode)
			}
			if resp, body := o.do(t, "GET", "/v1/oauth/resources/nope", ""); resp.StatusCode != 400 || problem(t, resp, body).Status != 400 {
				t.Errorf("malformed ID: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("a token for one resource is refused by another", func(t *testing.T) {
			m := o.tokenWith(t, b, app, conf, url.Values{"resource": {resAPI}}, url.Values{"resource": {resAPI}})
			tok := m["access_token"].(string)
			if aud := o.audOf(t, tok); !slices.Equal(aud, []string{resAPI}) {
				t.Errorf("aud %v, want [%s]", aud, resAPI)
			}
			if st, _, body := guardedAPI(t, o, resAPI)(tok); st != 200 || body != "user_1 read:projects " {
				t.Errorf("at its own resource: %d %q", st, body)
			}
			st, challenge, _ := guardedAPI(t, o, resMCP)(tok)
			if st != 401 || !strings.Contains(challenge, `error="invalid_token"`) || !strings.Contains(challenge, "another resource") {
				t.Errorf("at another resource: %d %q", st, challenge)
			}
			// Neither is a token with the default audience accepted by either.
			m = o.tokenWith(t, b, app, conf, nil, nil)
			if aud := o.audOf(t, m["access_token"].(string)); !slices.Equal(aud, []string{resDefault}) {
				t.Errorf("without resource: aud %v, want the default audience", aud)
			}
			if st, _, _ := guardedAPI(t, o, resAPI)(m["access_token"].(string)); st != 401 {
				t.Errorf("a default-audience token at the API: %d", st)
			}
		})

		t.Run("the library's own resource option", func(t *testing.T) {
			verifier := oauth2.GenerateVerifier()
			s := b.visit(conf.AuthCodeURL("lib", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", resMCP)))
			if s.Callback == nil {
				f := consentForm(t, s.Page)
				f.Set("decision", "approve")
				s = b.post(o.node.URL+"/oauth/consent", f)
			}
			tok, err := conf.Exchange(ctx, s.Callback.Query().Get("code"), oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", resMCP))
			if err != nil {
				t.Fatal(err)
			}
			if aud := o.audOf(t, tok.AccessToken); !slices.Equal(aud, []string{resMCP}) {
				t.Errorf("aud %v", aud)
			}
		})

		t.Run("invalid_target", func(t *testing.T) {
			for _, res := range []string{"https://unknown.acme.test", "https://api.acme.test/#frag", "not a url"} {
				u, _ := authURLWith(conf, "st-x", url.Values{"resource": {res}})
				s := b.visit(u)
				if s.Callback == nil || s.Callback.Query().Get("error") != "invalid_target" || s.Callback.Query().Get("state") != "st-x" ||
					s.Callback.Query().Get("iss") != o.node.URL {
					t.Errorf("authorize with resource %q: %+v", res, s)
				}
			}
			// A scope none of the named resources accepts.
			wide := o.config(app, "write:projects")
			u, _ := authURLWith(wide, "st-y", url.Values{"resource": {resMCP}})
			if s := b.visit(u); s.Callback == nil || s.Callback.Query().Get("error") != "invalid_scope" {
				t.Errorf("scope the resource does not accept: %+v", s)
			}
			// At the token endpoint: not part of the authorization, or unknown.
			u, verifier := authURLWith(conf, "st-z", url.Values{"resource": {resAPI}})
			s := b.visit(u)
			if s.Callback == nil {
				f := consentForm(t, s.Page)
				f.Set("decision", "approve")
				s = b.post(o.node.URL+"/oauth/consent", f)
			}
			form := url.Values{"grant_type": {"authorization_code"}, "code": {s.Callback.Query().Get("code")}, "redirect_uri": {callbackURI},
				"code_verifier": {verifier}, "resource": {resMCP}}
			if st, h, m := o.tokenCall(t, "/oauth/token", form, app.ClientID, app.ClientSecret); st != 400 || m["error"] != "invalid_target" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("token with a resource the authorization lacks: %d %v", st, m)
			}
			for _, res := range []string{"https://unknown.acme.test", "https://api.acme.test/#x"} {
				cc := url.Values{"grant_type": {"client_credentials"}, "resource": {res}}
				if st, _, m := o.tokenCall(t, "/oauth/token", cc, app.ClientID, app.ClientSecret); st != 400 || m["error"] != "invalid_target" {
					t.Errorf("client_credentials for %q: %d %v", res, st, m)
				}
			}
			// client_credentials may name any registered resource, and gets
			// only the scopes it accepts.
			cc := url.Values{"grant_type": {"client_credentials"}, "resource": {resMCP}}
			st, _, m := o.tokenCall(t, "/oauth/token", cc, app.ClientID, app.ClientSecret)
			if st != 200 || m["scope"] != "read:projects" {
				t.Fatalf("client_credentials for the MCP server: %d %v", st, m)
			}
			if aud := o.audOf(t, m["access_token"].(string)); !slices.Equal(aud, []string{resMCP}) {
				t.Errorf("client_credentials aud %v", aud)
			}
			cc.Set("scope", "write:projects")
			if st, _, m := o.tokenCall(t, "/oauth/token", cc, app.ClientID, app.ClientSecret); st != 400 || m["error"] != "invalid_scope" {
				t.Errorf("client_credentials asking a scope the resource does not accept: %d %v", st, m)
			}
		})

		t.Run("several resources, narrowed at refresh", func(t *testing.T) {
			both := o.config(app, "read:projects", "write:projects")
			m := o.tokenWith(t, b, app, both, url.Values{"resource": {resAPI, resMCP}}, nil)
			if aud := o.audOf(t, m["access_token"].(string)); !slices.Equal(aud, []string{resAPI, resMCP}) {
				t.Errorf("aud %v, want both", aud)
			}
			refresh := func(rt string, resource ...string) map[string]any {
				t.Helper()
				st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "resource": resource},
					app.ClientID, app.ClientSecret)
				if st != 200 {
					t.Fatalf("refresh for %v: %d %v", resource, st, m)
				}
				return m
			}
			toMCP := refresh(m["refresh_token"].(string), resMCP)
			if aud := o.audOf(t, toMCP["access_token"].(string)); !slices.Equal(aud, []string{resMCP}) || toMCP["scope"] != "read:projects" {
				t.Errorf("refresh for the MCP server: aud %v scope %v", aud, toMCP["scope"])
			}
			// The refresh token still covers both resources.
			toAPI := refresh(toMCP["refresh_token"].(string), resAPI)
			if aud := o.audOf(t, toAPI["access_token"].(string)); !slices.Equal(aud, []string{resAPI}) || toAPI["scope"] != "read:projects write:projects" {
				t.Errorf("refresh for the API: aud %v scope %v", aud, toAPI["scope"])
			}
			st, _, e := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {toAPI["refresh_token"].(string)},
				"resource": {"https://other.acme.test"}}, app.ClientID, app.ClientSecret)
			if st != 400 || e["error"] != "invalid_target" {
				t.Errorf("refresh for a resource never granted: %d %v", st, e)
			}
		})

		t.Run("consent names the resource, and a new one asks again", func(t *testing.T) {
			other := o.createApp(t, `{"team_id":"devteam","name":"Fresh","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
			oc := o.config(other, "read:projects")
			u, _ := authURLWith(oc, "c1", url.Values{"resource": {resAPI}})
			s := b.visit(u)
			if s.Callback != nil || !strings.Contains(s.Page, "Acme API") || !strings.Contains(s.Page, resAPI) {
				t.Fatalf("consent screen does not name the resource:\n%s", s.Page)
			}
			f := consentForm(t, s.Page)
			f.Set("decision", "approve")
			if s = b.post(o.node.URL+"/oauth/consent", f); s.Callback == nil {
				t.Fatal("no callback")
			}
			u, _ = authURLWith(oc, "c2", url.Values{"resource": {resAPI}})
			if s := b.visit(u); s.Callback == nil {
				t.Errorf("the same resource asked for consent again:\n%s", s.Page)
			}
			u, _ = authURLWith(oc, "c3", url.Values{"resource": {resMCP}})
			s = b.visit(u)
			if s.Callback != nil || !strings.Contains(s.Page, "Acme MCP server") {
				t.Fatalf("a new resource did not ask for consent: %+v", s)
			}
			// The authorized-apps list says what the app may reach.
			resp, body := o.do(t, "GET", "/v1/oauth/authorizations?user_id=user_1&team_id=team_1", "")
			type authorization struct {
				Resources []string `json:"resources"`
				App       struct {
					Name string `json:"name"`
				} `json:"app"`
			}
			var auths struct {
				Data []authorization `json:"data"`
			}
			if err := json.Unmarshal(body, &auths); err != nil || resp.StatusCode != 200 {
				t.Fatalf("authorizations: %d %s", resp.StatusCode, body)
			}
			i := slices.IndexFunc(auths.Data, func(a authorization) bool { return a.App.Name == "Fresh" })
			if i < 0 || !slices.Equal(auths.Data[i].Resources, []string{resAPI}) {
				t.Errorf("authorizations %s: want Fresh with [%s]", body, resAPI)
			}
			// A SaaS's own consent page learns the resources too.
			challenge := consentForm(t, s.Page).Get("consent_challenge")
			resp, body = o.do(t, "GET", "/v1/oauth/consent-requests/"+url.PathEscape(challenge), "")
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"resources":[{"resource":"`+resMCP+`","name":"Acme MCP server"}]`) {
				t.Errorf("consent request: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("metadata lists the resources", func(t *testing.T) {
			resp, body := o.do(t, "GET", "/.well-known/oauth-authorization-server", "")
			var md struct {
				ProtectedResources []string `json:"protected_resources"`
				GrantTypes         []string `json:"grant_types_supported"`
			}
			if err := json.Unmarshal(body, &md); err != nil || resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if !slices.Contains(md.ProtectedResources, resAPI) || !slices.Contains(md.ProtectedResources, resMCP) {
				t.Errorf("protected_resources %v", md.ProtectedResources)
			}
			if !slices.Contains(md.GrantTypes, "urn:ietf:params:oauth:grant-type:token-exchange") {
				t.Errorf("grant_types_supported %v", md.GrantTypes)
			}
		})
	})
}
