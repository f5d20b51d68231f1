package main

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// complianceEnv is one node set up for the protocol compliance rows: open
// registration, two resources, a public CLI app, an agent app and a service
// trusted with token exchange.
type complianceEnv struct {
	*oauthEnv
	cli, agent, service testApp
}

// deviceCode asks for a device code for the CLI app.
func (c *complianceEnv) deviceCode(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	full := url.Values{"client_id": {c.cli.ClientID}, "scope": {"read:projects"}}
	for k, vs := range form {
		full[k] = vs
	}
	st, _, m := c.tokenCall(t, "/oauth/device_authorization", full, "", "")
	return st, m
}

// pollDevice is one device_code grant request by the CLI app.
func (c *complianceEnv) pollDevice(t *testing.T, deviceCode string) (int, map[string]any) {
	t.Helper()
	st, _, m := c.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"device_code": {deviceCode}, "client_id": {c.cli.ClientID}}, "", "")
	return st, m
}

// exchange is a token exchange request by the trusted service for a fresh
// user token bound to resMCP, with form added (an empty value removes a
// parameter).
func (c *complianceEnv) exchange(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	user := c.tokenWith(t, newBrowser(t), c.agent, c.config(c.agent, "read:projects"), url.Values{"resource": {resMCP}}, url.Values{"resource": {resMCP}})
	full := url.Values{"grant_type": {grantTokenExchange}, "subject_token": {user["access_token"].(string)},
		"subject_token_type": {tokenTypeAccess}, "resource": {resAPI}}
	for k, vs := range form {
		full[k] = vs
		if len(vs) == 1 && vs[0] == "" {
			delete(full, k)
		}
	}
	st, _, m := c.tokenCall(t, "/oauth/token", full, c.service.ClientID, c.service.ClientSecret)
	return st, m
}

// registered registers a public client openly and returns its answer.
func (c *complianceEnv) registered(t *testing.T) map[string]any {
	t.Helper()
	st, _, b := c.registerCall(t, "POST", c.node.URL+"/oauth/register", "application/json",
		`{"client_name":"Agent","redirect_uris":["`+registeredCallback+`"],"token_endpoint_auth_method":"none","logo_uri":"https://agent.example/logo.png"}`, "")
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil || st != 201 {
		t.Fatalf("register: %d %s", st, b)
	}
	return m
}

// wantOAuthError checks an RFC 6749 §5.2-style error answer.
func wantOAuthError(t *testing.T, st int, m map[string]any, status int, code string) {
	t.Helper()
	if st != status || m["error"] != code {
		t.Errorf("answer %d %v, want %d %s", st, m, status, code)
	}
}

// TestOAuthProtocolCompliance has one row per requirement (MUST, or a
// REQUIRED member) of RFC 7591, 7592, 8628, 8693, 8707 and 9728 that falls on
// an authorization server or on a protected resource metadata server, named
// with its section. Requirements on clients, and those these rows leave out,
// are listed in docs/oauth.md ("Standards and compliance").
func TestOAuthProtocolCompliance(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--oauth-registration", "open", "--oauth-registration-scopes", "read:projects",
			"--oauth-device-poll-interval", "1s", "--oauth-registrations-per-address", "1000")
		o.createResource(t, resAPI, "Acme API", "read:projects", "write:projects")
		o.createResource(t, resMCP, "Acme MCP", "read:projects")
		c := &complianceEnv{oauthEnv: o,
			cli:   o.createApp(t, `{"team_id":"devteam","name":"CLI","client_type":"public","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`),
			agent: o.createApp(t, `{"team_id":"devteam","name":"Agent","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects","write:projects"]}`),
			service: o.createApp(t, `{"team_id":"saas","name":"MCP server","redirect_uris":["https://mcp.acme.test/cb"],"scopes":["read:projects"],
				"token_exchange":true,"exchange_audiences":["`+resAPI+`"]}`),
		}

		for _, row := range []struct {
			name  string
			check func(t *testing.T)
		}{
			// RFC 7591: dynamic client registration.
			{"RFC7591 2 metadata the server does not understand is ignored", func(t *testing.T) {
				st, _, b := c.registerCall(t, "POST", c.node.URL+"/oauth/register", "application/json",
					`{"redirect_uris":["`+registeredCallback+`"],"token_endpoint_auth_method":"none","x_unknown":{"a":1},"software_statement_x":"z"}`, "")
				if st != 201 || strings.Contains(string(b), "x_unknown") {
					t.Errorf("register with unknown metadata: %d %s", st, b)
				}
			}},
			{"RFC7591 3.2.1 success is 201 with client_id and the registered metadata", func(t *testing.T) {
				m := c.registered(t)
				if id, _ := m["client_id"].(string); id == "" || m["client_name"] != "Agent" || m["logo_uri"] != "https://agent.example/logo.png" ||
					m["token_endpoint_auth_method"] != "none" || m["redirect_uris"] == nil || m["grant_types"] == nil {
					t.Errorf("client information response %v", m)
				}
			}},
			{"RFC7591 3.2.1 client_secret_expires_at is present with a client_secret", func(t *testing.T) {
				st, _, b := c.registerCall(t, "POST", c.node.URL+"/oauth/register", "application/json",
					`{"redirect_uris":["https://partner.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`, "")
				var m map[string]any
				if json.Unmarshal(b, &m); st != 201 || m["client_secret"] == nil || m["client_secret_expires_at"] == nil {
					t.Errorf("confidential registration: %d %s", st, b)
				}
			}},
			{"RFC7591 3.2.2 an invalid redirect URI is 400 invalid_redirect_uri", func(t *testing.T) {
				st, h, b := c.registerCall(t, "POST", c.node.URL+"/oauth/register", "application/json", `{"redirect_uris":["http://evil.example/cb"]}`, "")
				if st != 400 || oauthErrorCode(t, b) != "invalid_redirect_uri" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
					t.Errorf("%d %s", st, b)
				}
			}},
			{"RFC7591 3.2.2 invalid metadata is 400 invalid_client_metadata", func(t *testing.T) {
				for _, body := range []string{
					`{"redirect_uris":["` + registeredCallback + `"],"grant_types":["client_credentials"]}`,
					`{"redirect_uris":["` + registeredCallback + `"],"response_types":["token"]}`,
					`{"redirect_uris":["` + registeredCallback + `"],"client_name":7}`,
				} {
					if st, _, b := c.registerCall(t, "POST", c.node.URL+"/oauth/register", "application/json", body, ""); st != 400 ||
						oauthErrorCode(t, b) != "invalid_client_metadata" {
						t.Errorf("%s: %d %s", body, st, b)
					}
				}
			}},
			{"RFC7591 3 a registration request is a JSON document (application/json)", func(t *testing.T) {
				st, _, b := c.registerCall(t, "POST", c.node.URL+"/oauth/register", "application/x-www-form-urlencoded", "redirect_uris="+url.QueryEscape(registeredCallback), "")
				if st != 400 || oauthErrorCode(t, b) != "invalid_client_metadata" {
					t.Errorf("%d %s", st, b)
				}
			}},
			// RFC 7592: client registration management.
			{"RFC7592 3 the registration answer carries registration_access_token and registration_client_uri", func(t *testing.T) {
				m := c.registered(t)
				if tok, _ := m["registration_access_token"].(string); tok == "" || m["registration_client_uri"] != c.node.URL+"/oauth/register/"+m["client_id"].(string) {
					t.Errorf("registration answer %v", m)
				}
			}},
			{"RFC7592 2.2 an update whose client_secret does not match is refused", func(t *testing.T) {
				st, _, b := c.registerCall(t, "POST", c.node.URL+"/oauth/register", "application/json",
					`{"redirect_uris":["https://partner.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`, "")
				var m map[string]any
				if json.Unmarshal(b, &m); st != 201 {
					t.Fatalf("register: %d %s", st, b)
				}
				st, _, b = c.registerCall(t, "PUT", m["registration_client_uri"].(string), "application/json",
					`{"client_id":"`+m["client_id"].(string)+`","client_secret":"pbo_wrong","redirect_uris":["https://partner.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`,
					m["registration_access_token"].(string))
				if st != 400 || oauthErrorCode(t, b) != "invalid_client_metadata" {
					t.Errorf("%d %s", st, b)
				}
			}},
			{"RFC7592 2.1 a read answers the client information with registration_access_token and registration_client_uri", func(t *testing.T) {
				m := c.registered(t)
				st, _, b := c.registerCall(t, "GET", m["registration_client_uri"].(string), "", "", m["registration_access_token"].(string))
				var read map[string]any
				if json.Unmarshal(b, &read); st != 200 || read["client_id"] != m["client_id"] || read["registration_access_token"] == nil ||
					read["registration_client_uri"] != m["registration_client_uri"] {
					t.Errorf("read: %d %s", st, b)
				}
			}},
			{"RFC7592 2.1 an invalid registration access token is 401 invalid_token (RFC 6750)", func(t *testing.T) {
				m := c.registered(t)
				st, h, b := c.registerCall(t, "GET", m["registration_client_uri"].(string), "", "", "pbrat_wrong")
				if st != 401 || oauthErrorCode(t, b) != "invalid_token" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%d %q %s", st, h.Get("WWW-Authenticate"), b)
				}
			}},
			{"RFC7592 2.1 an unknown client is 401, not 404", func(t *testing.T) {
				m := c.registered(t)
				st, _, _ := c.registerCall(t, "GET", c.node.URL+"/oauth/register/pbc_nobody", "", "", m["registration_access_token"].(string))
				if st != 401 {
					t.Errorf("unknown client: %d", st)
				}
			}},
			{"RFC7592 2.2 an update replaces every metadata value", func(t *testing.T) {
				m := c.registered(t)
				st, _, b := c.registerCall(t, "PUT", m["registration_client_uri"].(string), "application/json",
					`{"client_id":"`+m["client_id"].(string)+`","redirect_uris":["`+registeredCallback+`"],"token_endpoint_auth_method":"none","client_name":"Renamed"}`,
					m["registration_access_token"].(string))
				var upd map[string]any
				if json.Unmarshal(b, &upd); st != 200 || upd["client_name"] != "Renamed" || upd["logo_uri"] != nil {
					t.Errorf("update (logo_uri omitted, so removed): %d %s", st, b)
				}
			}},
			{"RFC7592 2.2 an update naming another client_id is refused", func(t *testing.T) {
				m := c.registered(t)
				st, _, b := c.registerCall(t, "PUT", m["registration_client_uri"].(string), "application/json",
					`{"client_id":"pbc_other","redirect_uris":["`+registeredCallback+`"],"token_endpoint_auth_method":"none"}`, m["registration_access_token"].(string))
				if st != 400 || oauthErrorCode(t, b) != "invalid_client_metadata" {
					t.Errorf("%d %s", st, b)
				}
			}},
			{"RFC7592 2.2 an update carrying registration_access_token is refused", func(t *testing.T) {
				m := c.registered(t)
				tok := m["registration_access_token"].(string)
				st, _, b := c.registerCall(t, "PUT", m["registration_client_uri"].(string), "application/json",
					`{"client_id":"`+m["client_id"].(string)+`","redirect_uris":["`+registeredCallback+`"],"token_endpoint_auth_method":"none","registration_access_token":"`+tok+`"}`, tok)
				if st != 400 || oauthErrorCode(t, b) != "invalid_client_metadata" {
					t.Errorf("%d %s", st, b)
				}
			}},
			{"RFC7592 2.3 a delete is 204 and the client_id and token stop working", func(t *testing.T) {
				m := c.registered(t)
				uri, tok := m["registration_client_uri"].(string), m["registration_access_token"].(string)
				if st, _, b := c.registerCall(t, "DELETE", uri, "", "", tok); st != 204 {
					t.Fatalf("delete: %d %s", st, b)
				}
				if st, _, _ := c.registerCall(t, "GET", uri, "", "", tok); st != 401 {
					t.Errorf("read after delete: %d", st)
				}
				st, _, tm := c.tokenCall(t, "/oauth/device_authorization", url.Values{"client_id": {m["client_id"].(string)}, "scope": {"read:projects"}}, "", "")
				wantOAuthError(t, st, tm, 401, "invalid_client")
			}},

			// RFC 8628: device authorization grant.
			{"RFC8628 3.1 the client authenticates as at the token endpoint", func(t *testing.T) {
				st, _, m := c.tokenCall(t, "/oauth/device_authorization", url.Values{"client_id": {c.agent.ClientID}, "scope": {"read:projects"}}, "", "")
				wantOAuthError(t, st, m, 401, "invalid_client")
			}},
			{"RFC8628 3.2 the answer has device_code, user_code, verification_uri and expires_in", func(t *testing.T) {
				st, m := c.deviceCode(t, nil)
				for _, k := range []string{"device_code", "user_code", "verification_uri", "expires_in"} {
					if st != 200 || m[k] == nil {
						t.Errorf("%d %v lacks %s", st, m, k)
					}
				}
			}},
			{"RFC8628 3.4 a device_code grant without device_code is invalid_request", func(t *testing.T) {
				st, _, m := c.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {c.cli.ClientID}}, "", "")
				wantOAuthError(t, st, m, 400, "invalid_request")
			}},
			{"RFC8628 3.5 authorization_pending while the user has not answered", func(t *testing.T) {
				_, m := c.deviceCode(t, nil)
				st, p := c.pollDevice(t, m["device_code"].(string))
				wantOAuthError(t, st, p, 400, "authorization_pending")
			}},
			{"RFC8628 3.5 slow_down increases interval by 5s", func(t *testing.T) {
				_, m := c.deviceCode(t, nil)
				c.pollDevice(t, m["device_code"].(string))
				st, p := c.pollDevice(t, m["device_code"].(string))
				wantOAuthError(t, st, p, 400, "slow_down")
				if desc, _ := p["error_description"].(string); !strings.Contains(desc, "6 seconds") {
					t.Errorf("slow_down with an interval of 1s: %q, want 6 seconds", desc)
				}
			}},
			{"RFC8628 3.5 access_denied once the user denied", func(t *testing.T) {
				_, m := c.deviceCode(t, nil)
				da := &oauth2.DeviceAuthResponse{DeviceCode: m["device_code"].(string), UserCode: m["user_code"].(string),
					VerificationURIComplete: m["verification_uri_complete"].(string)}
				c.verifyDevice(t, newBrowser(t), da, false)
				st, p := c.pollDevice(t, da.DeviceCode)
				wantOAuthError(t, st, p, 400, "access_denied")
			}},
			{"RFC8628 3.5 expired_token once the device code expired", func(t *testing.T) {
				short := setupOAuth(t, d, "--oauth-device-code-ttl", "1s")
				cli := short.createApp(t, `{"team_id":"devteam","name":"CLI","client_type":"public","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
				_, _, m := short.tokenCall(t, "/oauth/device_authorization", url.Values{"client_id": {cli.ClientID}, "scope": {"read:projects"}}, "", "")
				time.Sleep(1100 * time.Millisecond)
				st, _, p := short.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
					"device_code": {m["device_code"].(string)}, "client_id": {cli.ClientID}}, "", "")
				wantOAuthError(t, st, p, 400, "expired_token")
			}},
			{"RFC8628 3.5 a device code of another client is invalid_grant", func(t *testing.T) {
				other := c.createApp(t, `{"team_id":"devteam","name":"Other CLI","client_type":"public","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
				_, m := c.deviceCode(t, nil)
				st, _, p := c.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
					"device_code": {m["device_code"].(string)}, "client_id": {other.ClientID}}, "", "")
				wantOAuthError(t, st, p, 400, "invalid_grant")
			}},

			// RFC 8693: token exchange.
			{"RFC8693 2.1 subject_token is required", func(t *testing.T) {
				st, m := c.exchange(t, url.Values{"subject_token": {""}})
				wantOAuthError(t, st, m, 400, "invalid_request")
			}},
			{"RFC8693 2.1 subject_token_type is required", func(t *testing.T) {
				st, m := c.exchange(t, url.Values{"subject_token_type": {""}})
				wantOAuthError(t, st, m, 400, "invalid_request")
			}},
			{"RFC8693 2.1 actor_token_type is required with actor_token", func(t *testing.T) {
				st, m := c.exchange(t, url.Values{"actor_token": {"pbat_x"}})
				wantOAuthError(t, st, m, 400, "invalid_request")
			}},
			{"RFC8693 2.2.1 the answer has access_token, issued_token_type and token_type", func(t *testing.T) {
				st, m := c.exchange(t, nil)
				if st != 200 || m["access_token"] == nil || m["issued_token_type"] != tokenTypeAccess || m["token_type"] != "Bearer" {
					t.Errorf("%d %v", st, m)
				}
			}},
			{"RFC8693 2.2.2 an invalid subject_token is invalid_request", func(t *testing.T) {
				st, m := c.exchange(t, url.Values{"subject_token": {"pbat_forged"}})
				wantOAuthError(t, st, m, 400, "invalid_request")
			}},
			{"RFC8693 2.2.2 a target the server will not issue for is invalid_target", func(t *testing.T) {
				st, m := c.exchange(t, url.Values{"resource": {resMCP}})
				wantOAuthError(t, st, m, 400, "invalid_target")
			}},
			{"RFC8693 4.1 act names the actor", func(t *testing.T) {
				_, m := c.exchange(t, nil)
				act, _ := c.introspect(t, m["access_token"].(string))["act"].(map[string]any)
				if act["sub"] != c.service.ClientID {
					t.Errorf("act %v", act)
				}
			}},

			// RFC 8707: resource indicators.
			{"RFC8707 2 a resource that is not an absolute URI is invalid_target", func(t *testing.T) {
				st, _, m := c.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"api.acme.test"}}, c.agent.ClientID, c.agent.ClientSecret)
				wantOAuthError(t, st, m, 400, "invalid_target")
			}},
			{"RFC8707 2 a resource with a fragment is invalid_target", func(t *testing.T) {
				st, _, m := c.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "resource": {resAPI + "#x"}}, c.agent.ClientID, c.agent.ClientSecret)
				wantOAuthError(t, st, m, 400, "invalid_target")
			}},
			{"RFC8707 2 an unknown resource at the authorization endpoint is invalid_target", func(t *testing.T) {
				u, _ := authURLWith(c.config(c.agent, "read:projects"), "s", url.Values{"resource": {"https://unknown.acme.test"}})
				if cb := newBrowser(t).visit(u).Callback; cb == nil || cb.Query().Get("error") != "invalid_target" {
					t.Errorf("callback %v", cb)
				}
			}},
			{"RFC8707 2.2 a resource the grant does not cover is invalid_target", func(t *testing.T) {
				u, verifier := authURLWith(c.config(c.agent, "read:projects"), "s", url.Values{"resource": {resMCP}})
				b := newBrowser(t)
				s := b.visit(u)
				if s.Callback == nil {
					f := consentForm(t, s.Page)
					f.Set("decision", "approve")
					s = b.post(c.node.URL+"/oauth/consent", f)
				}
				st, _, m := c.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {s.Callback.Query().Get("code")},
					"redirect_uri": {callbackURI}, "code_verifier": {verifier}, "resource": {resAPI}}, c.agent.ClientID, c.agent.ClientSecret)
				wantOAuthError(t, st, m, 400, "invalid_target")
			}},
			{"RFC8707 2.2 the token's audience is the requested resources", func(t *testing.T) {
				m := c.tokenWith(t, newBrowser(t), c.agent, c.config(c.agent, "read:projects"), url.Values{"resource": {resAPI, resMCP}}, nil)
				if aud := c.audOf(t, m["access_token"].(string)); !slices.Equal(aud, []string{resAPI, resMCP}) {
					t.Errorf("aud %v", aud)
				}
			}},
			{"RFC8707 2 the device authorization endpoint takes resource too", func(t *testing.T) {
				st, m := c.deviceCode(t, url.Values{"resource": {"https://unknown.acme.test"}})
				wantOAuthError(t, st, m, 400, "invalid_target")
			}},

			// RFC 9728: protected resource metadata.
			{"RFC9728 3.1 the document is at the well-known URI inserted between host and path", func(t *testing.T) {
				resp, body := c.do(t, "GET", "/.well-known/oauth-protected-resource/mcp.acme.test/mcp", "")
				if resp.StatusCode != 200 || !strings.Contains(string(body), `"resource":"`+resMCP+`"`) {
					t.Errorf("%d %s", resp.StatusCode, body)
				}
			}},
			{"RFC9728 3.2 a successful answer is 200 application/json", func(t *testing.T) {
				resp, body := c.do(t, "GET", "/.well-known/oauth-protected-resource/api.acme.test", "")
				if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !json.Valid(body) {
					t.Errorf("%d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
				}
			}},
			{"RFC9728 3.3 resource is identical to the identifier the URI was formed from", func(t *testing.T) {
				for path, want := range map[string]string{"api.acme.test": resAPI, "mcp.acme.test/mcp": resMCP} {
					resp, body := c.do(t, "GET", "/.well-known/oauth-protected-resource/"+path, "")
					var doc struct {
						Resource             string   `json:"resource"`
						AuthorizationServers []string `json:"authorization_servers"`
					}
					if json.Unmarshal(body, &doc); resp.StatusCode != 200 || doc.Resource != want || !slices.Equal(doc.AuthorizationServers, []string{c.node.URL}) {
						t.Errorf("%s: %d %s", path, resp.StatusCode, body)
					}
				}
			}},
		} {
			t.Run(row.name, row.check)
		}
		// Every answer of the token and device endpoints above forbids caching
		// (RFC 6749 §5.1, which RFC 8628 §3.2 and RFC 8693 §2.2 inherit).
		st, h, _ := c.tokenCall(t, "/oauth/device_authorization", url.Values{"client_id": {c.cli.ClientID}, "scope": {"read:projects"}}, "", "")
		if st != 200 || h.Get("Cache-Control") != "no-store" {
			t.Errorf("device authorization answer %d with Cache-Control %q", st, h.Get("Cache-Control"))
		}
	})
}
