package main

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeAccess    = "urn:ietf:params:oauth:token-type:access_token"
)

// TestOAuthTokenExchange: an MCP server the SaaS trusts exchanges the
// token a client sent it for a token to the SaaS's API (RFC 8693), on the
// same authorization, with itself recorded as the actor.
func TestOAuthTokenExchange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		ctx := t.Context()
		o.createResource(t, resMCP, "Acme MCP server", "read:projects", "write:projects")
		o.createResource(t, resAPI, "Acme API", "read:projects", "write:projects")
		agent := o.createApp(t, `{"team_id":"devteam","name":"Agent","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects","write:projects"]}`)
		mcp := o.createApp(t, `{"team_id":"saas","name":"MCP server","redirect_uris":["https://mcp.acme.test/cb"],"scopes":["read:projects"],"token_exchange":true,
			"exchange_audiences":["`+resAPI+`","`+resMCP+`"]}`)
		untrusted := o.createApp(t, `{"team_id":"devteam","name":"Untrusted","redirect_uris":["https://u.example/cb"],"scopes":["read:projects"]}`)
		b := newBrowser(t)
		user := o.tokenWith(t, b, agent, o.config(agent, "read:projects", "write:projects"),
			url.Values{"resource": {resMCP}}, url.Values{"resource": {resMCP}})
		userToken := user["access_token"].(string)

		exchange := func(app testApp, form url.Values) (int, map[string]any) {
			t.Helper()
			full := url.Values{"grant_type": {grantTokenExchange}, "subject_token": {userToken}, "subject_token_type": {tokenTypeAccess}}
			for k, vs := range form {
				full[k] = vs
			}
			for k, vs := range full {
				if len(vs) == 1 && vs[0] == "" {
					delete(full, k)
				}
			}
			st, h, m := o.tokenCall(t, "/oauth/token", full, app.ClientID, app.ClientSecret)
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("token exchange answer without Cache-Control: no-store: %v", h)
			}
			return st, m
		}

		t.Run("exchanged for the API with the MCP server as actor", func(t *testing.T) {
			st, m := exchange(mcp, url.Values{"resource": {resAPI}, "scope": {"read:projects"}})
			if st != 200 || m["issued_token_type"] != tokenTypeAccess || m["token_type"] != "Bearer" || m["refresh_token"] != nil ||
				m["scope"] != "read:projects" {
				t.Fatalf("exchange: %d %v", st, m)
			}
			if exp := m["expires_in"].(float64); exp <= 0 || exp > time.Hour.Seconds() {
				t.Errorf("expires_in %v", exp)
			}
			token := m["access_token"].(string)
			info := o.introspect(t, token)
			act, _ := json.Marshal(info["act"])
			if info["sub"] != "user_1" || info["team_id"] != "team_1" || info["client_id"] != mcp.ClientID || info["scope"] != "read:projects" ||
				string(act) != `{"sub":"`+mcp.ClientID+`"}` || !slices.Equal(o.audOf(t, token), []string{resAPI}) {
				t.Errorf("introspection %v", info)
			}
			if info["exp"].(float64) > o.introspect(t, userToken)["exp"].(float64) {
				t.Error("the exchanged token outlives the subject token")
			}
			// The API accepts it and sees the actor; it refuses the client's own token.
			api := guardedAPI(t, o, resAPI)
			if st, _, body := api(token); st != 200 || body != "user_1 read:projects "+mcp.ClientID {
				t.Errorf("API with the exchanged token: %d %q", st, body)
			}
			if st, _, _ := api(userToken); st != 401 {
				t.Errorf("API with the MCP server's token: %d", st)
			}

			// Exchanged again, the chain of actors nests (RFC 8693 §4.1).
			second := o.createApp(t, `{"team_id":"saas","name":"Worker","redirect_uris":["https://w.acme.test/cb"],"scopes":["read:projects"],
				"token_exchange":true,"exchange_audiences":["`+resAPI+`"]}`)
			st, _, m2 := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {grantTokenExchange}, "subject_token": {token},
				"subject_token_type": {tokenTypeAccess}}, second.ClientID, second.ClientSecret)
			if st != 200 {
				t.Fatalf("second exchange: %d %v", st, m2)
			}
			info = o.introspect(t, m2["access_token"].(string))
			act, _ = json.Marshal(info["act"])
			var nested struct {
				Sub string `json:"sub"`
				Act struct {
					Sub string `json:"sub"`
				} `json:"act"`
			}
			if json.Unmarshal(act, &nested); nested.Sub != second.ClientID || nested.Act.Sub != mcp.ClientID ||
				!slices.Equal(o.audOf(t, m2["access_token"].(string)), []string{resAPI}) {
				t.Errorf("nested act %s aud %v", act, info["aud"])
			}
		})

		t.Run("the MCP SDK's client", func(t *testing.T) {
			tok, err := oauthex.ExchangeToken(ctx, o.node.URL+"/oauth/token", &oauthex.TokenExchangeRequest{
				RequestedTokenType: tokenTypeAccess, Audience: resAPI, Resource: resAPI, Scope: []string{"read:projects"},
				SubjectToken: userToken, SubjectTokenType: tokenTypeAccess,
			}, &oauthex.ClientCredentials{ClientID: mcp.ClientID, ClientSecretAuth: &oauthex.ClientSecretAuth{ClientSecret: mcp.ClientSecret}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Extra("issued_token_type") != tokenTypeAccess || !slices.Equal(o.audOf(t, tok.AccessToken), []string{resAPI}) {
				t.Errorf("token %+v", tok)
			}
		})

		t.Run("refusals", func(t *testing.T) {
			cc := url.Values{"grant_type": {"client_credentials"}}
			_, _, appToken := o.tokenCall(t, "/oauth/token", cc, agent.ClientID, agent.ClientSecret)
			adminOnly := o.createApp(t, `{"team_id":"saas","name":"Admin tool","redirect_uris":["https://a.acme.test/cb"],"scopes":["admin"],
				"token_exchange":true,"exchange_audiences":["`+resMCP+`"]}`)
			// Enabling the grant opens no audience; the SaaS names each.
			noAudience := o.createApp(t, `{"team_id":"saas","name":"New service","redirect_uris":["https://n.acme.test/cb"],"scopes":["read:projects"],"token_exchange":true}`)
			apiOnly := o.createApp(t, `{"team_id":"saas","name":"API gateway","redirect_uris":["https://g.acme.test/cb"],"scopes":["read:projects"],
				"token_exchange":true,"exchange_audiences":["`+resAPI+`"]}`)
			for name, c := range map[string]struct {
				app  testApp
				form url.Values
				code string
			}{
				"app without the grant":          {untrusted, nil, "unauthorized_client"},
				"the client that got the token":  {agent, nil, "unauthorized_client"},
				"no subject_token":               {mcp, url.Values{"subject_token": {""}}, "invalid_request"},
				"no subject_token_type":          {mcp, url.Values{"subject_token_type": {""}}, "invalid_request"},
				"an ID token type":               {mcp, url.Values{"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"}}, "invalid_request"},
				"unknown subject":                {mcp, url.Values{"subject_token": {"pbat_nope"}}, "invalid_request"},
				"refresh token as subject":       {mcp, url.Values{"subject_token": {user["refresh_token"].(string)}}, "invalid_request"},
				"an app's own token":             {mcp, url.Values{"subject_token": {appToken["access_token"].(string)}}, "invalid_request"},
				"actor token":                    {mcp, url.Values{"actor_token": {userToken}, "actor_token_type": {tokenTypeAccess}}, "invalid_request"},
				"refresh token requested":        {mcp, url.Values{"requested_token_type": {"urn:ietf:params:oauth:token-type:refresh_token"}}, "invalid_request"},
				"unknown resource":               {mcp, url.Values{"resource": {"https://unknown.acme.test"}}, "invalid_target"},
				"unknown audience":               {mcp, url.Values{"audience": {"billing"}}, "invalid_target"},
				"wider scope":                    {mcp, url.Values{"scope": {"read:projects admin"}}, "invalid_scope"},
				"beyond the MCP server's scopes": {mcp, url.Values{"scope": {"write:projects"}}, "invalid_scope"},
				"no scope the service may have":  {adminOnly, nil, "invalid_scope"},
				"no exchange audiences":          {noAudience, url.Values{"resource": {resAPI}}, "invalid_target"},
				"audience not among the app's":   {apiOnly, url.Values{"resource": {resMCP}}, "invalid_target"},
				"audience given as audience":     {apiOnly, url.Values{"audience": {resMCP}}, "invalid_target"},
				"subject's audience not allowed": {apiOnly, nil, "invalid_target"},
			} {
				if st, m := exchange(c.app, c.form); st != 400 || m["error"] != c.code {
					t.Errorf("%s: %d %v, want 400 %s", name, st, m, c.code)
				}
			}
		})

		t.Run("without a target the audience stays; revoking the authorization ends it", func(t *testing.T) {
			// The user granted read and write; the MCP server may ask only for read.
			st, m := exchange(mcp, nil)
			if st != 200 || m["scope"] != "read:projects" {
				t.Fatalf("exchange: %d %v", st, m)
			}
			token := m["access_token"].(string)
			if aud := o.audOf(t, token); !slices.Equal(aud, []string{resMCP}) {
				t.Errorf("aud %v", aud)
			}
			resp, body := o.do(t, "GET", "/v1/oauth/authorizations?user_id=user_1&team_id=team_1", "")
			var auths struct {
				Data []struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			if json.Unmarshal(body, &auths); resp.StatusCode != 200 || len(auths.Data) != 1 {
				t.Fatalf("authorizations: %d %s", resp.StatusCode, body)
			}
			if resp, _ := o.do(t, "DELETE", "/v1/oauth/authorizations/"+auths.Data[0].ID, ""); resp.StatusCode != 204 {
				t.Fatalf("revoke: %d", resp.StatusCode)
			}
			if o.introspect(t, token)["active"] != false {
				t.Error("an exchanged token survived the revocation of the user's authorization")
			}
			if st, m := exchange(mcp, nil); st != 400 || m["error"] != "invalid_request" {
				t.Errorf("exchange after revocation: %d %v", st, m)
			}
		})

		t.Run("the grant is the SaaS's to give", func(t *testing.T) {
			resp, body := o.do(t, "POST", "/v1/oauth/apps", `{"team_id":"t","name":"x","client_type":"public","redirect_uris":["https://x.example/cb"],"token_exchange":true}`)
			if problem(t, resp, body); resp.StatusCode != 400 || !strings.Contains(string(body), `"token_exchange"`) {
				t.Errorf("public app with token exchange: %d %s", resp.StatusCode, body)
			}
			public := o.createApp(t, `{"team_id":"t","name":"CLI","client_type":"public","redirect_uris":["https://x.example/cb"]}`)
			resp, body = o.do(t, "PATCH", "/v1/oauth/apps/"+public.ID, `{"token_exchange":true}`)
			if problem(t, resp, body); resp.StatusCode != 400 || !strings.Contains(string(body), `"token_exchange"`) {
				t.Errorf("enabling token exchange on a public app: %d %s", resp.StatusCode, body)
			}
			resp, body = o.do(t, "PATCH", "/v1/oauth/apps/"+untrusted.ID, `{"token_exchange":true,"exchange_audiences":["`+resAPI+`"]}`)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"token_exchange":true`) ||
				!strings.Contains(string(body), `"exchange_audiences":["`+resAPI+`"]`) {
				t.Errorf("enabling token exchange: %d %s", resp.StatusCode, body)
			}
			for _, bad := range []string{`["api"]`, `["https://api.acme.test#x"]`, `"https://api.acme.test"`} {
				resp, body = o.do(t, "PATCH", "/v1/oauth/apps/"+untrusted.ID, `{"exchange_audiences":`+bad+`}`)
				if problem(t, resp, body); resp.StatusCode != 400 || !strings.Contains(string(body), `exchange_audiences`) {
					t.Errorf("exchange_audiences %s: %d %s", bad, resp.StatusCode, body)
				}
			}
		})
	})
}
