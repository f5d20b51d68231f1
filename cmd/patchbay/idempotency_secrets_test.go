package main

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// issuedSecret finds the secrets Patchbay issues in a response body.
var issuedSecret = regexp.MustCompile(`(pbk|pbo|whsec|pbcs)_[A-Za-z0-9_\-+/=]{16,}`)

// TestIdempotentResponsesHoldNoSecrets (issue 12): responses that show a
// secret once (a new API key, an endpoint's signing secret and its rotation,
// an OAuth client secret, a connect session's token) are kept for replay
// when sent with an Idempotency-Key. The replay is byte for byte the
// original, yet no table holds the secret in plaintext, on both stores.
func TestIdempotentResponsesHoldNoSecrets(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d, "--webhook-allow-http")
		rc := newReceiver(t, nil)
		var secrets []string
		n := 0
		create := func(path, body string, want int) []byte {
			t.Helper()
			n++
			key := fmt.Sprintf("secret-%d", n)
			resp, first := e.do(t, "POST", path, body, "Idempotency-Key", key)
			if resp.StatusCode != want {
				t.Fatalf("POST %s: %d %s", path, resp.StatusCode, first)
			}
			found := issuedSecret.FindAllString(string(first), -1)
			if len(found) == 0 {
				t.Fatalf("POST %s shows no secret: %s", path, first)
			}
			secrets = append(secrets, found...)
			resp, again := e.do(t, "POST", path, body, "Idempotency-Key", key)
			if resp.StatusCode != want || resp.Header.Get("Idempotent-Replayed") != "true" || string(again) != string(first) {
				t.Errorf("replay of POST %s: %d %q\n%s\nwant the first answer byte for byte:\n%s", path, resp.StatusCode,
					resp.Header.Get("Idempotent-Replayed"), again, first)
			}
			return first
		}
		create("/v1/api-keys", `{"name":"second"}`, http.StatusCreated)
		ep := create("/v1/tenants/acme/endpoints", `{"url":"`+rc.URL+`"}`, http.StatusCreated)
		epID := regexp.MustCompile(`"id":"(ep_[^"]+)"`).FindStringSubmatch(string(ep))
		if epID == nil {
			t.Fatalf("endpoint without an id: %s", ep)
		}
		create("/v1/tenants/acme/endpoints/"+epID[1]+"/secret/rotate", "", http.StatusOK)
		create("/v1/oauth/apps", `{"team_id":"devteam","name":"Timely","redirect_uris":["https://timely.example/cb"]}`, http.StatusCreated)
		in := e.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)
		create("/v1/connect/sessions", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+in["id"].(string)+
			`","return_url":"https://saas.example/done"}`, http.StatusCreated)

		rows := scanForPlaintext(t, e.opts, secrets)
		if rows["idempotency_keys"] < n {
			t.Errorf("idempotency_keys has %d rows, want the %d responses kept", rows["idempotency_keys"], n)
		}
	})
}
