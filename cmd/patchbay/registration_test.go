package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// registration is a client information response (RFC 7591 §3.2.1).
type registration struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at"`
	RegistrationAccessToken string   `json:"registration_access_token"`
	RegistrationClientURI   string   `json:"registration_client_uri"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	PolicyURI               string   `json:"policy_uri"`
	TOSURI                  string   `json:"tos_uri"`
	Scope                   string   `json:"scope"`
}

// registerCall sends a request to a registration endpoint with an optional
// bearer token and returns the status, headers and body.
func (o *oauthEnv) registerCall(t *testing.T, method, u, contentType, body, token string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// register registers a client and decodes the answer, failing unless 201.
func (o *oauthEnv) register(t *testing.T, body, token string) registration {
	t.Helper()
	st, h, b := o.registerCall(t, "POST", o.node.URL+"/oauth/register", "application/json", body, token)
	if st != 201 || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("register: %d (Cache-Control %q) %s", st, h.Get("Cache-Control"), b)
	}
	var reg registration
	if err := json.Unmarshal(b, &reg); err != nil {
		t.Fatal(err)
	}
	return reg
}

func oauthErrorCode(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("not an OAuth error: %s", b)
	}
	return e.Error
}

func TestOAuthDynamicRegistration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--oauth-registration", "open", "--oauth-registration-scopes", "read:projects,write:projects",
			"--oauth-registrations-per-address", "3")
		ctx := t.Context()
		_, body := o.do(t, "GET", "/.well-known/oauth-authorization-server", "")
		var md struct {
			RegistrationEndpoint string `json:"registration_endpoint"`
		}
		if json.Unmarshal(body, &md); md.RegistrationEndpoint != o.node.URL+"/oauth/register" {
			t.Errorf("metadata registration_endpoint %q", md.RegistrationEndpoint)
		}

		// An MCP client registers itself as a public client and goes through
		// the ordinary flow.
		agent := o.register(t, `{"client_name":"Agent","redirect_uris":["`+registeredCallback+`"],"token_endpoint_auth_method":"none",
			"grant_types":["authorization_code","refresh_token"],"scope":"read:projects","software_id":"ignored","contacts":["a@b.example"],
			"policy_uri":"https://agent.example/privacy","tos_uri":"https://agent.example/terms"}`, "")
		if !strings.HasPrefix(agent.ClientID, "pbc_") || agent.ClientSecret != "" || agent.ClientSecretExpiresAt != nil ||
			!strings.HasPrefix(agent.RegistrationAccessToken, "pbrat_") || agent.RegistrationClientURI != o.node.URL+"/oauth/register/"+agent.ClientID ||
			agent.ClientIDIssuedAt == 0 || agent.ClientName != "Agent" || agent.Scope != "read:projects" || agent.TokenEndpointAuthMethod != "none" ||
			len(agent.RedirectURIs) != 1 || agent.RedirectURIs[0] != registeredCallback || len(agent.ResponseTypes) != 1 ||
			agent.PolicyURI != "https://agent.example/privacy" || agent.TOSURI != "https://agent.example/terms" {
			t.Fatalf("registration %+v", agent)
		}
		conf := o.config(testApp{ClientID: agent.ClientID}, "read:projects")
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		b := newBrowser(t)
		verifier := oauth2.GenerateVerifier()
		s := b.visit(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		if s.Status != 200 || !strings.Contains(s.Page, "Not reviewed") || !strings.Contains(s.Page, "<strong>127.0.0.1</strong>") ||
			!strings.Contains(s.Page, "This app registered itself") ||
			!strings.Contains(s.Page, `<a href="https://agent.example/privacy" rel="noopener noreferrer">Privacy policy</a>`) ||
			!strings.Contains(s.Page, `<a href="https://agent.example/terms" rel="noopener noreferrer">Terms of service</a>`) {
			t.Fatalf("consent screen for a self-registered client: %d\n%s", s.Status, s.Page)
		}
		f := consentForm(t, s.Page)
		f.Set("decision", "approve")
		s = b.post(o.node.URL+"/oauth/consent", f)
		if s.Callback == nil {
			t.Fatalf("no callback: %d %s", s.Status, s.Page)
		}
		tok, err := conf.Exchange(ctx, s.Callback.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if info := o.introspect(t, tok.AccessToken); info["client_id"] != agent.ClientID || info["scope"] != "read:projects" {
			t.Errorf("introspection %v", info)
		}
		// The app list and the user's authorized apps mark it as dynamic.
		_, body = o.do(t, "GET", "/v1/oauth/apps", "")
		var apps struct {
			Data []struct {
				ClientID     string `json:"client_id"`
				Registration string `json:"registration"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &apps); err != nil || len(apps.Data) != 1 || apps.Data[0].Registration != "dynamic" {
			t.Errorf("app list: %s", body)
		}
		_, body = o.do(t, "GET", "/v1/oauth/authorizations?user_id=user_1&team_id=team_1", "")
		var auths struct {
			Data []struct {
				ID  string `json:"id"`
				App struct {
					Registration string `json:"registration"`
					Host         string `json:"host"`
				} `json:"app"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &auths); err != nil || len(auths.Data) != 1 || auths.Data[0].App.Registration != "dynamic" || auths.Data[0].App.Host != "127.0.0.1" {
			t.Errorf("authorizations: %s", body)
		}
		// Revoking works as for any app.
		if resp, body := o.do(t, "DELETE", "/v1/oauth/authorizations/"+auths.Data[0].ID, ""); resp.StatusCode != 204 {
			t.Fatalf("revoke: %d %s", resp.StatusCode, body)
		}
		if o.introspect(t, tok.AccessToken)["active"] != false {
			t.Error("a revoked self-registered client's token is still active")
		}

		// A confidential registration gets a secret that never expires, and
		// may not act without a user.
		server := o.register(t, `{"client_name":"Automation","redirect_uris":["https://automation.example/cb"]}`, "")
		if !strings.HasPrefix(server.ClientSecret, "pbo_") || server.ClientSecretExpiresAt == nil || *server.ClientSecretExpiresAt != 0 ||
			server.TokenEndpointAuthMethod != "client_secret_basic" || server.Scope != "read:projects write:projects" {
			t.Fatalf("confidential registration %+v", server)
		}
		if st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}}, server.ClientID, server.ClientSecret); st != 400 || m["error"] != "unauthorized_client" {
			t.Errorf("client_credentials for a self-registered client: %d %v", st, m)
		}

		// RFC 7592: read, update and delete with the registration access token.
		// Every answer carries a new token (RFC 7592 §3 requires one, and
		// only its hash is kept), which replaces the one the request used.
		regURI := agent.RegistrationClientURI
		st, h, body := o.registerCall(t, "GET", regURI, "", "", agent.RegistrationAccessToken)
		var read registration
		if json.Unmarshal(body, &read); st != 200 || h.Get("Cache-Control") != "no-store" || read.ClientID != agent.ClientID || read.ClientName != "Agent" || read.PolicyURI != "https://agent.example/privacy" ||
			!strings.HasPrefix(read.RegistrationAccessToken, "pbrat_") || read.RegistrationAccessToken == agent.RegistrationAccessToken {
			t.Errorf("read: %d %s", st, body)
		}
		token := read.RegistrationAccessToken
		for name, c := range map[string]struct{ uri, token string }{
			"no token":                    {regURI, ""},
			"wrong token":                 {regURI, "pbrat_wrong"},
			"another client's token":      {regURI, server.RegistrationAccessToken},
			"the token it replaced":       {regURI, agent.RegistrationAccessToken},
			"an admin app's client_id":    {o.node.URL + "/oauth/register/pbc_nobody", token},
			"the admin API key as bearer": {regURI, o.key},
		} {
			st, h, body := o.registerCall(t, "GET", c.uri, "", "", c.token)
			if st != 401 || oauthErrorCode(t, body) != "invalid_token" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("read with %s: %d %q %s", name, st, h.Get("WWW-Authenticate"), body)
			}
		}
		update := `{"client_id":"` + agent.ClientID + `","client_name":"Agent 2","redirect_uris":["` + registeredCallback + `"],"token_endpoint_auth_method":"none"}`
		st, _, body = o.registerCall(t, "PUT", regURI, "application/json", update, token)
		if json.Unmarshal(body, &read); st != 200 || read.ClientName != "Agent 2" || read.Scope != "read:projects write:projects" ||
			!strings.HasPrefix(read.RegistrationAccessToken, "pbrat_") || read.RegistrationAccessToken == token {
			t.Errorf("update: %d %s", st, body)
		}
		token = read.RegistrationAccessToken
		for name, body := range map[string]string{
			"no client_id":            `{"client_name":"X","redirect_uris":["` + registeredCallback + `"],"token_endpoint_auth_method":"none"}`,
			"another client_id":       `{"client_id":"` + server.ClientID + `","redirect_uris":["` + registeredCallback + `"],"token_endpoint_auth_method":"none"}`,
			"a secret where none":     `{"client_id":"` + agent.ClientID + `","redirect_uris":["` + registeredCallback + `"]}`,
			"registration_client_uri": `{"client_id":"` + agent.ClientID + `","redirect_uris":["` + registeredCallback + `"],"token_endpoint_auth_method":"none","registration_client_uri":"x"}`,
		} {
			if st, _, b := o.registerCall(t, "PUT", regURI, "application/json", body, token); st != 400 || oauthErrorCode(t, b) != "invalid_client_metadata" {
				t.Errorf("update with %s: %d %s", name, st, b)
			}
		}
		if st, _, b := o.registerCall(t, "PUT", server.RegistrationClientURI, "application/json",
			`{"client_id":"`+server.ClientID+`","client_secret":"pbo_wrong","redirect_uris":["https://automation.example/cb"]}`, server.RegistrationAccessToken); st != 400 || oauthErrorCode(t, b) != "invalid_client_metadata" {
			t.Errorf("update with a wrong client_secret: %d %s", st, b)
		}
		if st, _, b := o.registerCall(t, "DELETE", regURI, "", "", token); st != 204 {
			t.Errorf("delete: %d %s", st, b)
		}
		if st, _, _ := o.registerCall(t, "GET", regURI, "", "", token); st != 401 {
			t.Errorf("read after delete: %d", st)
		}
		if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); !isOAuthError(err, "invalid_client") {
			t.Errorf("refresh after delete: %v, want invalid_client", err)
		}

		// Metadata that breaks the policy or the RFC is refused with its error.
		for name, c := range map[string]struct {
			contentType, body, code string
		}{
			"a scope not allowed":          {"application/json", `{"redirect_uris":["https://a.example/cb"],"scope":"admin"}`, "invalid_client_metadata"},
			"an unknown scope":             {"application/json", `{"redirect_uris":["https://a.example/cb"],"scope":"nope"}`, "invalid_client_metadata"},
			"http redirect":                {"application/json", `{"redirect_uris":["http://a.example/cb"]}`, "invalid_redirect_uri"},
			"redirect with a fragment":     {"application/json", `{"redirect_uris":["https://a.example/cb#x"]}`, "invalid_redirect_uri"},
			"no redirect for code":         {"application/json", `{"client_name":"X"}`, "invalid_redirect_uri"},
			"client_credentials":           {"application/json", `{"redirect_uris":["https://a.example/cb"],"grant_types":["client_credentials"]}`, "invalid_client_metadata"},
			"the device grant":             {"application/json", `{"redirect_uris":["https://a.example/cb"],"grant_types":["urn:ietf:params:oauth:grant-type:device_code"]}`, "invalid_client_metadata"},
			"implicit":                     {"application/json", `{"redirect_uris":["https://a.example/cb"],"response_types":["token"]}`, "invalid_client_metadata"},
			"private_key_jwt":              {"application/json", `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, "invalid_client_metadata"},
			"http logo":                    {"application/json", `{"redirect_uris":["https://a.example/cb"],"logo_uri":"http://a.example/l.png"}`, "invalid_client_metadata"},
			"a name too long":              {"application/json", `{"redirect_uris":["https://a.example/cb"],"client_name":"` + strings.Repeat("n", 101) + `"}`, "invalid_client_metadata"},
			"wrong type":                   {"application/json", `{"redirect_uris":"https://a.example/cb"}`, "invalid_client_metadata"},
			"not an object":                {"application/json", `[1]`, "invalid_client_metadata"},
			"a form":                       {"application/x-www-form-urlencoded", `redirect_uris=https://a.example/cb`, "invalid_client_metadata"},
			"a body over the limit (96KB)": {"application/json", `{"client_name":"` + strings.Repeat("n", 96<<10) + `"}`, "invalid_client_metadata"},
		} {
			st, h, b := o.registerCall(t, "POST", o.node.URL+"/oauth/register", c.contentType, c.body, "")
			if st != 400 || oauthErrorCode(t, b) != c.code || h.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: %d %s, want 400 %s", name, st, b, c.code)
			}
		}

		// URIs a page would link must be https: refused, naming the member,
		// as a metadata document with them is (RFC 7591 §2).
		for field, uri := range map[string]string{"policy_uri": "javascript:alert(1)", "tos_uri": "ftp://x", "client_uri": "javascript:alert(1)",
			"logo_uri": "data:image/png;base64,AAAA"} {
			body := `{"redirect_uris":["https://a.example/cb"],"` + field + `":"` + uri + `"}`
			st, _, b := o.registerCall(t, "POST", o.node.URL+"/oauth/register", "application/json", body, "")
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if json.Unmarshal(b, &e); st != 400 || e.Error != "invalid_client_metadata" || !strings.HasPrefix(e.Description, field+" must be an https URL") {
				t.Errorf("%s %q: %d %s, want 400 invalid_client_metadata naming it", field, uri, st, b)
			}
		}

		// At most 3 live registrations from one address: the confidential
		// one and two more (the deleted one no longer counts).
		for i := range 2 {
			o.register(t, `{"redirect_uris":["https://a.example/cb`+string(rune('0'+i))+`"]}`, "")
		}
		if st, _, b := o.registerCall(t, "POST", o.node.URL+"/oauth/register", "application/json", `{"redirect_uris":["https://a.example/cb"]}`, ""); st != 429 || oauthErrorCode(t, b) != "temporarily_unavailable" {
			t.Errorf("registration over the per-address cap: %d %s", st, b)
		}

		secrets := []string{server.ClientSecret, server.RegistrationAccessToken, agent.RegistrationAccessToken}
		if rows := scanForPlaintext(t, o.opts, secrets); rows["oauth_apps"] < 3 {
			t.Errorf("rows scanned: %v", rows)
		}
	})
}

func TestOAuthRegistrationPolicy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		// The default: registration needs an initial access token; its
		// holder is not held to the per-address cap, only to the total.
		o := setupOAuth(t, d, "--oauth-registration-scopes", "read:projects", "--oauth-registrations-per-address", "1", "--oauth-registrations", "2")
		const body = `{"redirect_uris":["https://partner.example/cb"],"client_name":"Partner"}`
		for name, token := range map[string]string{"no token": "", "an unknown token": "pbiat_nope", "the admin API key": o.key} {
			st, h, b := o.registerCall(t, "POST", o.node.URL+"/oauth/register", "application/json", body, token)
			if st != 401 || oauthErrorCode(t, b) != "invalid_token" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("registration with %s: %d %q %s", name, st, h.Get("WWW-Authenticate"), b)
			}
		}
		resp, b := o.do(t, "POST", "/v1/oauth/initial-access-tokens", `{"description":"Zapier"}`)
		var iat struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		if json.Unmarshal(b, &iat); resp.StatusCode != 201 || !strings.HasPrefix(iat.Token, "pbiat_") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create initial access token: %d %s", resp.StatusCode, b)
		}
		if resp, b := o.do(t, "POST", "/v1/oauth/initial-access-tokens", `{"expires_in":-1}`); resp.StatusCode != 400 || !strings.Contains(string(b), `"field":"expires_in"`) {
			t.Errorf("negative expires_in: %d %s", resp.StatusCode, b)
		}
		o.register(t, body, iat.Token)
		o.register(t, body, iat.Token)
		if st, _, b := o.registerCall(t, "POST", o.node.URL+"/oauth/register", "application/json", body, iat.Token); st != 429 || oauthErrorCode(t, b) != "temporarily_unavailable" {
			t.Errorf("registration over the total cap: %d %s", st, b)
		}
		resp, b = o.do(t, "GET", "/v1/oauth/initial-access-tokens", "")
		if resp.StatusCode != 200 || strings.Contains(string(b), iat.Token) || !strings.Contains(string(b), `"description":"Zapier"`) {
			t.Errorf("list initial access tokens: %d %s", resp.StatusCode, b)
		}
		if resp, b := o.do(t, "DELETE", "/v1/oauth/initial-access-tokens/"+iat.ID, ""); resp.StatusCode != 204 {
			t.Fatalf("delete initial access token: %d %s", resp.StatusCode, b)
		}
		if st, _, _ := o.registerCall(t, "POST", o.node.URL+"/oauth/register", "application/json", body, iat.Token); st != 401 {
			t.Errorf("registration with a withdrawn token: %d", st)
		}
		// An expired initial access token is refused.
		resp, b = o.do(t, "POST", "/v1/oauth/initial-access-tokens", `{"expires_in":1}`)
		json.Unmarshal(b, &iat)
		waitFor(t, 3*time.Second, "the initial access token to expire", func() bool {
			st, _, _ := o.registerCall(t, "POST", o.node.URL+"/oauth/register", "application/json", body, iat.Token)
			return st == 401
		})
		if rows := scanForPlaintext(t, o.opts, []string{iat.Token}); rows["oauth_initial_access_tokens"] != 1 {
			t.Errorf("rows scanned: %v", rows)
		}

		// Turned off: refused, and not advertised.
		off := setupOAuth(t, d, "--oauth-registration", "off")
		if st, _, b := off.registerCall(t, "POST", off.node.URL+"/oauth/register", "application/json", body, ""); st != 403 || oauthErrorCode(t, b) != "access_denied" {
			t.Errorf("registration turned off: %d %s", st, b)
		}
		if _, b := off.do(t, "GET", "/.well-known/oauth-authorization-server", ""); strings.Contains(string(b), "registration_endpoint") {
			t.Errorf("metadata advertises registration while it is off: %s", b)
		}
	})
}

// TestOAuthClientEndpointsLimitedPerAddress: the new endpoints that anyone
// may call without a secret (device authorization for a public client, open
// registration, registration management with a wrong token, the device
// verification page) are limited per client address, and one address's
// excess leaves others alone.
func TestOAuthClientEndpointsLimitedPerAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--rate-limit", "1000", "--public-rate-limit-oauth", "3/1m", "--public-rate-limit-pages", "3/1m",
			"--oauth-registration", "open", "--oauth-registration-scopes", "read:projects", "--trusted-proxies", "127.0.0.1/32")
		cli := o.createApp(t, `{"team_id":"devteam","name":"CLI","client_type":"public","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		jsonCall := func(method, u, addr, body, token string) (int, http.Header, string) {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), method, u, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", addr)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, string(b)
		}
		limitedFourth := func(what string, call func(addr string) (int, http.Header, string), addr, other string) {
			t.Helper()
			for i := range 4 {
				st, h, body := call(addr)
				if limited := st == http.StatusTooManyRequests; limited != (i == 3) {
					t.Errorf("%s, request %d from one address: %d %s", what, i+1, st, body)
				} else if limited && h.Get("Retry-After") == "" {
					t.Errorf("%s: 429 without Retry-After", what)
				}
			}
			if st, _, body := call(other); st == http.StatusTooManyRequests {
				t.Errorf("%s from another address was limited too: %s", what, body)
			}
		}
		limitedFourth("device authorization", func(addr string) (int, http.Header, string) {
			resp, body := plainCall(t, "POST", o.node.URL+"/oauth/device_authorization", addr, url.Values{"client_id": {cli.ClientID}, "scope": {"read:projects"}})
			return resp.StatusCode, resp.Header, body
		}, "203.0.113.1", "203.0.113.2")
		limitedFourth("open registration", func(addr string) (int, http.Header, string) {
			return jsonCall("POST", o.node.URL+"/oauth/register", addr, `{"redirect_uris":["https://a.example/cb"]}`, "")
		}, "203.0.113.3", "203.0.113.4")
		reg := o.register(t, `{"redirect_uris":["https://a.example/cb"]}`, "")
		limitedFourth("registration read with a wrong token", func(addr string) (int, http.Header, string) {
			return jsonCall("GET", reg.RegistrationClientURI, addr, "", "pbrat_wrong")
		}, "203.0.113.5", "203.0.113.6")
		limitedFourth("device verification page", func(addr string) (int, http.Header, string) {
			resp, body := plainCall(t, "POST", o.node.URL+"/oauth/device", addr, url.Values{"user_code": {"BCDF-GHJK"}})
			return resp.StatusCode, resp.Header, body
		}, "203.0.113.7", "203.0.113.8")
	})
}

// TestSelfRegisteredClientsNamedByTheirCodesHost: the consent screen vouches
// for a self-registered client by the host its code goes to. So the host
// shown is that of the redirect URI the request uses (a client registering
// a well-known host first and its own second was shown as the well-known
// one while the code went to its own), and such a client may not use the
// device flow, whose tokens go to whoever polls.
func TestSelfRegisteredClientsNamedByTheirCodesHost(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--oauth-registration", "open", "--oauth-registration-scopes", "read:projects")
		spoof := o.register(t, `{"client_name":"Claude","redirect_uris":["`+registeredCallback+`","https://evil.example/cb"],
			"token_endpoint_auth_method":"none","scope":"read:projects"}`, "")
		conf := o.config(testApp{ClientID: spoof.ClientID}, "read:projects")
		conf.RedirectURL = "https://evil.example/cb"
		s := newBrowser(t).visit(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if s.Status != 200 || !strings.Contains(s.Page, "<strong>evil.example</strong>") || strings.Contains(s.Page, "<strong>127.0.0.1</strong>") {
			t.Errorf("consent screen for a code going to evil.example: %d\n%s", s.Status, s.Page)
		}

		_, err := o.deviceConfig(testApp{ClientID: spoof.ClientID}, "read:projects").DeviceAuth(t.Context())
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "unauthorized_client" {
			t.Errorf("device authorization for a self-registered client: %v, want unauthorized_client", err)
		}
	})
}
