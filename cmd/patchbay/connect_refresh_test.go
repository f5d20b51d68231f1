package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

func (e *connectEnv) oauthIntegration(t *testing.T) string {
	t.Helper()
	in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakeoauth","name":"Prod","client_id":"`+fakeClientID+
		`","client_secret":"`+fakeClientSecret+`","scopes":["read","write"]}`)
	return in["id"].(string)
}

// refreshCounts returns the refreshes the fake made and the refresh
// requests it got (a refused one among them).
func (f *fakeProvider) refreshCounts() (refreshes, attempts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes, f.attempts
}

// lastAccessToken is the access token the fake issued last.
func (f *fakeProvider) lastAccessToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.issued) - 1; i >= 0; i-- {
		if strings.HasPrefix(f.issued[i], "at_") {
			return f.issued[i]
		}
	}
	return ""
}

// TestConnectRefreshTwoNodes: two nodes on one database, credential calls
// racing on both for a connection due for refresh. The fake rotates refresh
// tokens and refuses a used one, so a second refresh would break the
// connection: exactly one refresh must reach it.
func TestConnectRefreshTwoNodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		second := startNode(t, e.opts, "--rate-limit", "0", "--providers-dir", e.fake.providersDir(t), "--connect-ca-file", e.fake.caFile,
			"--outbound-allow", "127.0.0.0/8")
		e2 := &connectEnv{env: &env{opts: e.opts, node: second, key: e.key}, fake: e.fake}
		connID := e.connectOAuth(t, e.oauthIntegration(t), "user-1")

		var wg sync.WaitGroup
		tokens := make([]string, 16)
		for i := range tokens {
			node := e
			if i%2 == 1 {
				node = e2
			}
			wg.Go(func() {
				status, creds := node.credentials(t, connID)
				if status != 200 {
					t.Errorf("credentials on node %d: %d %v", i%2+1, status, creds)
					return
				}
				tokens[i], _ = creds["access_token"].(string)
			})
		}
		wg.Wait()
		if refreshes, attempts := e.fake.refreshCounts(); refreshes != 1 || attempts != 1 {
			t.Errorf("%d refreshes (%d requests) at the provider for concurrent calls on two nodes, want 1", refreshes, attempts)
		}
		for _, tok := range tokens {
			if tok != e.fake.lastAccessToken() {
				t.Fatalf("credential calls returned %v, want all %s", tokens, e.fake.lastAccessToken())
			}
		}
		for _, n := range []*connectEnv{e, e2} {
			if _, body := n.do(t, "GET", "/v1/connections/"+connID, ""); !strings.Contains(string(body), `"status":"active"`) {
				t.Errorf("connection after the race: %s", body)
			}
		}
	})
}

// TestConnectRefreshJob: the periodic job refreshes a token before it
// expires, with no credentials call asking for it.
func TestConnectRefreshJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d, "--connect-refresh-interval", "1s")
		connID := e.connectOAuth(t, e.oauthIntegration(t), "user-1")
		first := e.fake.lastAccessToken()

		// The fake's first token expires in 30 s, within the one-minute margin.
		var conn struct {
			Status      string     `json:"status"`
			ExpiresAt   time.Time  `json:"expires_at"`
			RefreshedAt *time.Time `json:"refreshed_at"`
		}
		var body []byte
		waitFor(t, 30*time.Second, "the refresh job to refresh", func() bool {
			_, body = e.do(t, "GET", "/v1/connections/"+connID, "")
			conn.RefreshedAt = nil
			return json.Unmarshal(body, &conn) == nil && conn.RefreshedAt != nil
		})
		if conn.Status != "active" || time.Until(conn.ExpiresAt) < 50*time.Minute {
			t.Errorf("connection after the job ran: %s", body)
		}
		status, creds := e.credentials(t, connID)
		if status != 200 || creds["access_token"] == first || creds["access_token"] != e.fake.lastAccessToken() {
			t.Errorf("credentials after the job ran: %d %v, want the refreshed token %s", status, creds, e.fake.lastAccessToken())
		}
		if refreshes, attempts := e.fake.refreshCounts(); refreshes != 1 || attempts != 1 {
			t.Errorf("%d refreshes (%d requests), want 1: a fresh token was refreshed again", refreshes, attempts)
		}
	})
}

// TestConnectRepair: a connection the provider stopped accepting is repaired
// by a connect session naming it: same ID, new tokens, active again, and an
// operational event. A session may only name a connection of its own tenant,
// end user and integration.
func TestConnectRepair(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d)
		integrationID := e.oauthIntegration(t)
		connID := e.connectOAuth(t, integrationID, "user-1")
		e.fake.mu.Lock()
		e.fake.failRefresh = true
		e.fake.mu.Unlock()
		if status, out := e.credentials(t, connID); status != 409 {
			t.Fatalf("credentials after invalid_grant: %d %v, want 409", status, out)
		}

		session := func(user, connectionID string) string {
			return `{"tenant_id":"acme","end_user_id":"` + user + `","integration_id":"` + integrationID +
				`","return_url":"https://saas.example/done","connection_id":"` + connectionID + `"}`
		}
		for _, bad := range []string{session("user-2", connID), session("user-1", "conn_nope")} {
			resp, body := e.do(t, "POST", "/v1/connect/sessions", bad)
			if p := problem(t, resp, body); resp.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "connection_id" {
				t.Errorf("session %s: %d %s, want 400 naming connection_id", bad, resp.StatusCode, body)
			}
		}

		e.fake.mu.Lock()
		e.fake.failRefresh = false
		e.fake.mu.Unlock()
		sess := e.createJSON(t, "/v1/connect/sessions", session("user-1", connID))
		if sess["connection_id"] != connID {
			t.Errorf("session: %v, want connection_id %s", sess, connID)
		}
		browser := e.fake.browser(t)
		action, csrf, _ := openPage(t, browser, sess["url"].(string))
		resp, body := submit(t, browser, e.node.URL, action, url.Values{"csrf_token": {csrf}, "decision": {"connect"}})
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || loc == nil || loc.Query().Get("status") != "connected" || loc.Query().Get("connection_id") != connID {
			t.Fatalf("end of the repair flow: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if _, body := e.do(t, "GET", "/v1/connections/"+connID, ""); !strings.Contains(string(body), `"status":"active"`) {
			t.Errorf("repaired connection: %s", body)
		}
		// The new grant refreshes (its first token is due at once) and works.
		if status, creds := e.credentials(t, connID); status != 200 || creds["access_token"] != e.fake.lastAccessToken() {
			t.Errorf("credentials after the repair: %d %v", status, creds)
		}
		if _, list := e.do(t, "GET", "/v1/connections?tenant_id=acme&end_user_id=user-1", ""); strings.Count(string(list), `"id":"conn_`) != 1 {
			t.Errorf("the repair made another connection: %s", list)
		}
		waitFor(t, 15*time.Second, "operational events", func() bool {
			got := strings.Join(e.opEventTypes(), ",")
			return strings.Count(got, "connection.created") == 1 && strings.Contains(got, "connection.needs_reauth") &&
				strings.Contains(got, "connection.repaired")
		})
	})
}
