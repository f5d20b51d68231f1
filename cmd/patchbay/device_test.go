package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// deviceConfig is a CLI's x/oauth2 configuration for a public app.
func (o *oauthEnv) deviceConfig(a testApp, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: a.ClientID, ClientSecret: a.ClientSecret, Scopes: scopes,
		Endpoint: oauth2.Endpoint{DeviceAuthURL: o.node.URL + "/oauth/device_authorization", TokenURL: o.node.URL + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams},
	}
}

var userCodeInputRE = regexp.MustCompile(`name="user_code"[^>]*value="([^"]*)"`)

// verifyDevice plays the user at the verification page: open the complete
// URI, check the code is filled in, submit it, sign in (the env's login page
// does), and answer the consent screen. It returns the page it ends on.
func (o *oauthEnv) verifyDevice(t *testing.T, b *browser, da *oauth2.DeviceAuthResponse, approve bool) stop {
	t.Helper()
	s := b.visit(da.VerificationURIComplete)
	m := userCodeInputRE.FindStringSubmatch(s.Page)
	if s.Status != 200 || m == nil || m[1] != da.UserCode {
		t.Fatalf("verification page %d does not show the user code %s filled in:\n%s", s.Status, da.UserCode, s.Page)
	}
	s = b.post(o.node.URL+"/oauth/device", url.Values{"user_code": {strings.ToLower(m[1])}})
	if s.Status != 200 || !strings.Contains(s.Page, "You entered a code from a device") {
		t.Fatalf("expected the consent screen with the device notice; got %d:\n%s", s.Status, s.Page)
	}
	if strings.Contains(s.Page, "Not reviewed") {
		t.Errorf("the consent screen calls an app the SaaS registered not reviewed")
	}
	f := consentForm(t, s.Page)
	f.Set("decision", map[bool]string{true: "approve", false: "deny"}[approve])
	return b.post(o.node.URL+"/oauth/consent", f)
}

func TestOAuthDeviceFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--oauth-device-poll-interval", "1s")
		ctx := t.Context()
		cli := o.createApp(t, `{"team_id":"devteam","name":"Acme CLI","client_type":"public","redirect_uris":["`+registeredCallback+`"],
			"scopes":["read:projects","write:projects"]}`)

		// The verification page's form leads on to the SaaS's login page:
		// its CSP must allow that origin, or browsers stop at the redirect.
		page, err := http.Get(o.node.URL + "/oauth/device")
		if err != nil {
			t.Fatal(err)
		}
		page.Body.Close()
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+o.loginOrigin) {
			t.Errorf("the verification page's CSP does not let its form lead to the login page %s: %q", o.loginOrigin, csp)
		}

		resp, body := o.do(t, "GET", "/.well-known/oauth-authorization-server", "")
		var md struct {
			DeviceEndpoint string   `json:"device_authorization_endpoint"`
			GrantTypes     []string `json:"grant_types_supported"`
		}
		if err := json.Unmarshal(body, &md); err != nil || resp.StatusCode != 200 {
			t.Fatalf("metadata: %d %s", resp.StatusCode, body)
		}
		if md.DeviceEndpoint != o.node.URL+"/oauth/device_authorization" || !slices.Contains(md.GrantTypes, "urn:ietf:params:oauth:grant-type:device_code") {
			t.Errorf("metadata does not advertise the device grant: %s", body)
		}

		conf := o.deviceConfig(cli, "read:projects")
		da, err := conf.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`).MatchString(da.UserCode) ||
			!strings.HasPrefix(da.DeviceCode, "pbdc_") || da.VerificationURI != o.node.URL+"/oauth/device" ||
			da.VerificationURIComplete != da.VerificationURI+"?user_code="+da.UserCode || da.Interval != 1 ||
			time.Until(da.Expiry) < 14*time.Minute || time.Until(da.Expiry) > 15*time.Minute {
			t.Fatalf("device authorization %+v", da)
		}

		// The CLI polls while the user approves in a browser.
		type result struct {
			tok *oauth2.Token
			err error
		}
		polled := make(chan result, 1)
		go func() {
			tok, err := conf.DeviceAccessToken(ctx, da)
			polled <- result{tok, err}
		}()
		time.Sleep(1500 * time.Millisecond) // at least one authorization_pending
		done := o.verifyDevice(t, newBrowser(t), da, true)
		if done.Status != 200 || done.URL.Path != "/oauth/device" || !strings.Contains(done.Page, "Return to your device") {
			t.Fatalf("after approval: %d %v\n%s", done.Status, done.URL, done.Page)
		}
		res := <-polled
		if res.err != nil {
			t.Fatalf("DeviceAccessToken: %v", res.err)
		}
		if res.tok.RefreshToken == "" || res.tok.Extra("scope") != "read:projects" {
			t.Fatalf("token %+v scope %v", res.tok, res.tok.Extra("scope"))
		}
		info := o.introspect(t, res.tok.AccessToken)
		if info["sub"] != "user_1" || info["team_id"] != "team_1" || info["scope"] != "read:projects" || info["client_id"] != cli.ClientID {
			t.Errorf("introspection %v", info)
		}
		// The tokens refresh like any others.
		if fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: res.tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err != nil || fresh.AccessToken == res.tok.AccessToken {
			t.Errorf("refresh: %v", err)
		}
		// A device code yields tokens once.
		time.Sleep(1100 * time.Millisecond)
		if st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
			"device_code": {da.DeviceCode}, "client_id": {cli.ClientID}}, "", ""); st != 400 || m["error"] != "invalid_grant" {
			t.Errorf("second exchange: %d %v", st, m)
		}
		// The user code is spent too.
		if s := newBrowser(t).post(o.node.URL+"/oauth/device", url.Values{"user_code": {da.UserCode}}); s.Status != 400 || !strings.Contains(s.Page, "not valid or has expired") {
			t.Errorf("spent user code: %d\n%s", s.Status, s.Page)
		}

		// Even when the user already granted these scopes, a device request
		// asks again, and a denial reaches the device as access_denied.
		da2, err := conf.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			tok, err := conf.DeviceAccessToken(ctx, da2)
			polled <- result{tok, err}
		}()
		if done := o.verifyDevice(t, newBrowser(t), da2, false); done.Status != 200 || !strings.Contains(done.Page, "denied") {
			t.Fatalf("after denial: %d\n%s", done.Status, done.Page)
		}
		if res := <-polled; !isOAuthError(res.err, "access_denied") {
			t.Errorf("denied device: %v, want access_denied", res.err)
		}

		o.mu.Lock()
		secrets := append([]string{da.DeviceCode, da2.DeviceCode, res.tok.AccessToken, res.tok.RefreshToken,
			strings.ReplaceAll(da.UserCode, "-", ""), strings.ReplaceAll(da2.UserCode, "-", "")}, o.challenges...)
		o.mu.Unlock()
		if rows := scanForPlaintext(t, o.opts, secrets); rows["oauth_device_codes"] != 2 {
			t.Errorf("rows scanned: %v, want the 2 device codes", rows)
		}
	})
}

func TestOAuthDeviceRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--oauth-device-poll-interval", "2s", "--oauth-device-code-ttl", "3s")
		ctx := t.Context()
		cli := o.createApp(t, `{"team_id":"devteam","name":"Acme CLI","client_type":"public","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		other := o.createApp(t, `{"team_id":"devteam","name":"Other","client_type":"public","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		server := o.createApp(t, `{"team_id":"devteam","name":"Server","redirect_uris":["`+registeredCallback+`"],"scopes":["read:projects"]}`)
		device := func(form url.Values, id, secret string) (int, map[string]any) {
			t.Helper()
			st, h, m := o.tokenCall(t, "/oauth/device_authorization", form, id, secret)
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("device authorization answer %d without Cache-Control: no-store", st)
			}
			return st, m
		}
		poll := func(deviceCode, clientID string) (int, map[string]any) {
			t.Helper()
			st, h, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
				"device_code": {deviceCode}, "client_id": {clientID}}, "", "")
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("token answer %d without Cache-Control: no-store", st)
			}
			return st, m
		}

		for _, c := range []struct {
			name       string
			form       url.Values
			id, secret string
			status     int
			code       string
		}{
			{"unknown client", url.Values{"client_id": {"pbc_nobody"}, "scope": {"read:projects"}}, "", "", 401, "invalid_client"},
			{"scope not the app's", url.Values{"client_id": {cli.ClientID}, "scope": {"write:projects"}}, "", "", 400, "invalid_scope"},
			{"no scope", url.Values{"client_id": {cli.ClientID}}, "", "", 400, "invalid_scope"},
			{"confidential without its secret", url.Values{"client_id": {server.ClientID}, "scope": {"read:projects"}}, "", "", 401, "invalid_client"},
			{"repeated parameter", url.Values{"client_id": {cli.ClientID}, "scope": {"read:projects", "read:projects"}}, "", "", 400, "invalid_request"},
		} {
			if st, m := device(c.form, c.id, c.secret); st != c.status || m["error"] != c.code {
				t.Errorf("%s: %d %v, want %d %s", c.name, st, m, c.status, c.code)
			}
		}
		// A confidential client authenticates as at the token endpoint.
		if st, m := device(url.Values{"scope": {"read:projects"}}, server.ClientID, server.ClientSecret); st != 200 || m["device_code"] == nil {
			t.Errorf("confidential client: %d %v", st, m)
		}

		st, m := device(url.Values{"client_id": {cli.ClientID}, "scope": {"read:projects"}}, "", "")
		if st != 200 {
			t.Fatalf("device authorization: %d %v", st, m)
		}
		dc, uc := m["device_code"].(string), m["user_code"].(string)
		if st, m := poll(dc, cli.ClientID); st != 400 || m["error"] != "authorization_pending" {
			t.Errorf("first poll: %d %v", st, m)
		}
		// Polling again at once is too fast, and the interval grows by 5s.
		if st, m := poll(dc, cli.ClientID); st != 400 || m["error"] != "slow_down" || !strings.Contains(m["error_description"].(string), "7 seconds") {
			t.Errorf("fast poll: %d %v, want slow_down to 7 seconds", st, m)
		}
		if st, m := poll(dc, cli.ClientID); st != 400 || m["error"] != "slow_down" || !strings.Contains(m["error_description"].(string), "12 seconds") {
			t.Errorf("second fast poll: %d %v, want slow_down to 12 seconds", st, m)
		}
		if st, m := poll(dc, other.ClientID); st != 400 || m["error"] != "invalid_grant" {
			t.Errorf("another client's device code: %d %v", st, m)
		}
		if st, m := poll("pbdc_unknown", cli.ClientID); st != 400 || m["error"] != "invalid_grant" {
			t.Errorf("unknown device code: %d %v", st, m)
		}
		if st, _, m := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
			"client_id": {cli.ClientID}}, "", ""); st != 400 || m["error"] != "invalid_request" {
			t.Errorf("no device_code: %d %v", st, m)
		}

		// The verification page refuses codes that are malformed or unknown.
		b := newBrowser(t)
		for _, typed := range []string{"", "AEIO-UAEI", "BCDF-GHJ", "BCDF-GHJK", strings.Repeat("B", 100)} {
			if s := b.post(o.node.URL+"/oauth/device", url.Values{"user_code": {typed}}); s.Status != 400 || !strings.Contains(s.Page, "not valid or has expired") {
				t.Errorf("user code %q: %d\n%s", typed, s.Status, s.Page)
			}
		}

		// Once expired, polling says so and the user code is refused.
		time.Sleep(3100 * time.Millisecond)
		if st, m := poll(dc, cli.ClientID); st != 400 || m["error"] != "expired_token" {
			t.Errorf("expired device code: %d %v", st, m)
		}
		if s := b.post(o.node.URL+"/oauth/device", url.Values{"user_code": {uc}}); s.Status != 400 || !strings.Contains(s.Page, "not valid or has expired") {
			t.Errorf("expired user code: %d\n%s", s.Status, s.Page)
		}

		// Anyone may ask for device codes with a public client_id, so the
		// pending ones are bounded: 50 per app from one address.
		for i := range 50 {
			if st, m := device(url.Values{"client_id": {other.ClientID}, "scope": {"read:projects"}}, "", ""); st != 200 {
				t.Fatalf("device authorization %d: %d %v", i, st, m)
			}
		}
		if st, m := device(url.Values{"client_id": {other.ClientID}, "scope": {"read:projects"}}, "", ""); st != 429 || m["error"] != "temporarily_unavailable" {
			t.Errorf("51st pending device authorization: %d %v", st, m)
		}
		if _, err := o.deviceConfig(cli, "read:projects").DeviceAuth(ctx); err != nil {
			t.Errorf("another app is not affected: %v", err)
		}
	})
}
