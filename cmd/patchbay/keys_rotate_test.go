package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/vault"
	"github.com/patchbay/patchbay/webhook"
)

// TestRotateKEK: nodes move to a new encryption key with the old one as
// previous, `keys rotate-kek` reseals everything while a node serves, and
// then the new key alone opens every secret (connect's data keys, endpoint
// signing secrets, source verifiers, responses kept for idempotent replay)
// while the old key alone opens none.
// On SQLite the old key is the key file's, as when an installation moves
// from the key file to a configured key.
func TestRotateKEK(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupConnect(t, d, "--webhook-allow-http")
		flags := []string{"--rate-limit", "0", "--providers-dir", e.fake.providersDir(t), "--connect-ca-file", e.fake.caFile,
			"--outbound-allow", "127.0.0.0/8", "--webhook-allow-http"}
		ctx := t.Context()
		if _, err := e.client.CreateEventType(ctx, client.EventType{Name: "invoice.paid"}); err != nil {
			t.Fatal(err)
		}
		rc := newReceiver(t, nil)
		ep := mustEndpoint(t, e.env, client.EndpointParams{URL: client.Ptr(rc.URL)})
		const stripeSecret = "whsec_rotate_9Xk2LmQ7pR4sT1vW"
		src := e.createSource(t, `{"name":"Stripe","verifier":{"scheme":"stripe","secrets":["`+stripeSecret+`"]}}`)
		connID := e.connectOAuth(t, e.oauthIntegration(t), "user-1")

		oldKey := testEncryptionKey
		if e.opts.DatabaseURL == "" {
			b, err := os.ReadFile(filepath.Join(e.opts.DataDir, "encryption.key"))
			if err != nil {
				t.Fatal(err)
			}
			oldKey = strings.TrimSpace(string(b))
		}
		newKey := vault.NewKey()
		restart := func(keyFlags ...string) {
			t.Helper()
			e.node.Stop(t)
			e.node = startNode(t, e.opts, append(flags, keyFlags...)...)
			e.client = client.New(e.node.URL, e.key)
		}
		// works checks every kind of sealed secret through the running node.
		works := func(stage string) {
			t.Helper()
			if secret, err := e.client.EndpointSecret(ctx, "acme", ep.ID); err != nil || secret != ep.Secret {
				t.Errorf("%s: endpoint secret %q, %v", stage, secret, err)
			}
			before := len(rc.requests())
			if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: stage}); err != nil {
				t.Fatalf("%s: publish: %v", stage, err)
			}
			waitFor(t, 15*time.Second, stage+": delivery", func() bool { return len(rc.requests()) > before })
			if r := rc.requests()[before]; webhook.Verify(ep.Secret, r.Header, r.Body) != nil {
				t.Errorf("%s: the delivery's signature does not verify with the endpoint's secret", stage)
			}
			event := []byte(`{"id":"evt_` + strings.ReplaceAll(stage, " ", "_") + `","object":"event","type":"invoice.paid"}`)
			signed := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: stripeSecret, Timestamp: time.Now()})
			if st, _, body := post(t, e.node.URL+"/in/"+src.ID, event, "Stripe-Signature", signed.Header); st != 200 {
				t.Errorf("%s: signed inbound event: %d %s", stage, st, body)
			}
			if status, creds := e.credentials(t, connID); status != 200 || creds["access_token"] == nil {
				t.Errorf("%s: credentials: %d %v", stage, status, creds)
			}
		}
		rotate := func() string {
			t.Helper()
			var out, errOut bytes.Buffer
			args := append([]string{"patchbay", "keys", "rotate-kek", "--encryption-key", newKey, "--encryption-key-previous", oldKey}, storeArgs(e.opts)...)
			if err := run(ctx, args, noEnv, strings.NewReader(""), &out, &errOut); err != nil {
				t.Fatalf("keys rotate-kek: %v\n%s", err, errOut.String())
			}
			return out.String()
		}

		// A response kept for replay, sealed under the old key.
		newAPIKey := func() (int, string, string) {
			t.Helper()
			resp, body := e.do(t, "POST", "/v1/api-keys", `{"name":"rotated"}`, "Idempotency-Key", "rotate-kek-1")
			return resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), string(body)
		}
		status, _, created := newAPIKey()
		if status != 201 {
			t.Fatalf("create API key: %d %s", status, created)
		}

		// Without the new key, there is nothing to rotate to.
		var errOut bytes.Buffer
		err := run(ctx, append([]string{"patchbay", "keys", "rotate-kek"}, storeArgs(e.opts)...), noEnv, strings.NewReader(""), &errOut, &errOut)
		if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "--encryption-key") {
			t.Errorf("rotate-kek without keys: %v, want a usage error naming --encryption-key", err)
		}

		// Every node moves to the new key, keeping the old one as previous.
		restart("--encryption-key", newKey, "--encryption-key-previous", oldKey)
		works("new key with the old as previous")
		out := rotate()
		for _, want := range []string{"data_keys.wrapped_key: 2 resealed", "endpoints.secret: 1 resealed",
			"endpoints.previous_secret: 0 resealed", "sources.verifier: 1 resealed", "idempotency_keys.response_body: 1 resealed", "Resealed 5 values"} {
			if !strings.Contains(out, want) {
				t.Errorf("rotate-kek output lacks %q:\n%s", want, out)
			}
		}
		works("the running node after rotate-kek")
		if out := rotate(); !strings.Contains(out, "Resealed 0 values") {
			t.Errorf("second rotate-kek resealed again:\n%s", out)
		}

		restart("--encryption-key", newKey)
		works("the new key alone")
		if status, replayed, body := newAPIKey(); status != 201 || replayed != "true" || body != created {
			t.Errorf("replay under the new key alone: %d %q %s, want the first answer byte for byte", status, replayed, body)
		}

		// The old key alone (on SQLite: the key file) opens nothing now.
		if e.opts.DatabaseURL == "" {
			restart()
		} else {
			restart("--encryption-key", oldKey)
		}
		if _, err := e.client.EndpointSecret(ctx, "acme", ep.ID); err == nil {
			t.Error("the old key still opens the endpoint secret")
		}
		if status, creds := e.credentials(t, connID); status == 200 {
			t.Errorf("the old key still opens the connection's credentials: %v", creds)
		}
		event := []byte(`{"id":"evt_old_key","object":"event","type":"invoice.paid"}`)
		signed := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: stripeSecret, Timestamp: time.Now()})
		if st, _, _ := post(t, e.node.URL+"/in/"+src.ID, event, "Stripe-Signature", signed.Header); st == 200 {
			t.Error("the old key still opens the source's verifier")
		}
		for _, secret := range []string{stripeSecret, ep.Secret, fakeClientSecret} {
			if strings.Contains(e.node.Logs.String(), secret) {
				t.Error("a secret appears in the logs")
			}
		}
	})
}
