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

// TestOAuthDeviceResourceAndSaaSConsent: a device names the resource its
// tokens are for at the device authorization endpoint (RFC 8707 with RFC
// 8628) and gets tokens bound to it; the SaaS's own consent page learns from
// the consent API that a device is asking, and from where.
func TestOAuthDeviceResourceAndSaaSConsent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		consentPage := saasPage(t)
		o := setupOAuth(t, d, "--oauth-device-poll-interval", "1s", "--oauth-consent-url", consentPage.URL+"/consent")
		ctx := t.Context()
		o.createResource(t, resAPI, "Acme API", "read:projects")
		o.createResource(t, resMCP, "Acme MCP", "read:projects", "write:projects")
		cli := o.createApp(t, `{"team_id":"devteam","name":"Acme CLI","client_type":"public","redirect_uris":["`+registeredCallback+`"],
			"scopes":["read:projects","write:projects"]}`)
		conf := o.deviceConfig(cli, "read:projects")

		// Resources are checked as at /oauth/authorize.
		for _, c := range []struct {
			name, resource, scope, code string
		}{
			{"unknown resource", "https://nowhere.acme.test", "read:projects", "invalid_target"},
			{"not a URI", "acme api", "read:projects", "invalid_target"},
			{"with a fragment", resAPI + "#x", "read:projects", "invalid_target"},
			{"scope the resource does not accept", resAPI, "write:projects", "invalid_scope"},
		} {
			st, _, m := o.tokenCall(t, "/oauth/device_authorization", url.Values{"client_id": {cli.ClientID}, "scope": {c.scope},
				"resource": {c.resource}}, "", "")
			if st != 400 || m["error"] != c.code {
				t.Errorf("%s: %d %v, want 400 %s", c.name, st, m, c.code)
			}
		}

		da, err := conf.DeviceAuth(ctx, oauth2.SetAuthURLParam("resource", resAPI))
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t)
		s := b.post(o.node.URL+"/oauth/device", url.Values{"user_code": {da.UserCode}})
		challenge := s.URL.Query().Get("consent_challenge")
		if s.Status != 299 || challenge == "" {
			t.Fatalf("expected the SaaS's consent page; got %d %v", s.Status, s.URL)
		}
		var consent struct {
			Device             bool `json:"device"`
			DeviceVerification *struct {
				RequestedAt   time.Time `json:"requested_at"`
				ExpiresAt     time.Time `json:"expires_at"`
				DeviceAddress string    `json:"device_address"`
				SameNetwork   bool      `json:"same_network"`
			} `json:"device_verification"`
			Resources []struct {
				Resource string `json:"resource"`
				Name     string `json:"name"`
			} `json:"resources"`
		}
		resp, body := o.do(t, "GET", "/v1/oauth/consent-requests/"+url.PathEscape(challenge), "")
		if err := json.Unmarshal(body, &consent); err != nil || resp.StatusCode != 200 {
			t.Fatalf("consent request: %d %s", resp.StatusCode, body)
		}
		v := consent.DeviceVerification
		if !consent.Device || v == nil || v.DeviceAddress != "127.0.0.1" || !v.SameNetwork ||
			time.Since(v.RequestedAt) > time.Minute || v.ExpiresAt.Sub(v.RequestedAt) != 15*time.Minute {
			t.Errorf("consent request of a device: %s", body)
		}
		if len(consent.Resources) != 1 || consent.Resources[0].Resource != resAPI || consent.Resources[0].Name != "Acme API" {
			t.Errorf("consent request resources: %s", body)
		}

		resp, body = o.do(t, "POST", "/v1/oauth/consent-requests/"+url.PathEscape(challenge)+"/accept", `{}`)
		var to struct {
			RedirectTo string `json:"redirect_to"`
		}
		if err := json.Unmarshal(body, &to); err != nil || resp.StatusCode != 200 {
			t.Fatalf("accept consent: %d %s", resp.StatusCode, body)
		}
		if s := b.visit(to.RedirectTo); s.Status != 200 || !strings.Contains(s.Page, "Return to your device") {
			t.Fatalf("after approval: %d\n%s", s.Status, s.Page)
		}
		tok, err := conf.DeviceAccessToken(ctx, da)
		if err != nil {
			t.Fatal(err)
		}
		if aud := o.audOf(t, tok.AccessToken); !slices.Equal(aud, []string{resAPI}) {
			t.Errorf("device token aud %v, want [%s]", aud, resAPI)
		}
		api, mcp := guardedAPI(t, o, resAPI), guardedAPI(t, o, resMCP)
		if st, _, _ := api(tok.AccessToken); st != 200 {
			t.Errorf("the resource the device asked for refused its token: %d", st)
		}
		if st, _, _ := mcp(tok.AccessToken); st != 401 {
			t.Errorf("another resource accepted the device's token: %d", st)
		}
		// Refreshed, the token keeps its audience.
		st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
			"client_id": {cli.ClientID}}, "", "")
		if st != 200 {
			t.Fatalf("refresh: %d %v", st, m)
		}
		if aud := o.audOf(t, m["access_token"].(string)); !slices.Equal(aud, []string{resAPI}) {
			t.Errorf("refreshed device token aud %v", aud)
		}
		// A refresh may not reach a resource the device did not ask for.
		st, _, m = o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)},
			"client_id": {cli.ClientID}, "resource": {resMCP}}, "", "")
		if st != 400 || m["error"] != "invalid_target" {
			t.Errorf("refresh for another resource: %d %v", st, m)
		}

		// A browser's request is not a device's.
		u, _ := authURLWith(o.config(cli, "write:projects"), "s", nil)
		s = newBrowser(t).visit(u)
		resp, body = o.do(t, "GET", "/v1/oauth/consent-requests/"+url.PathEscape(s.URL.Query().Get("consent_challenge")), "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"device":false`) || strings.Contains(string(body), "device_verification") {
			t.Errorf("consent request of a browser: %d %s", resp.StatusCode, body)
		}
	})
}
