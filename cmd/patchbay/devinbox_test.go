package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestDevInboxReceivesAndVerifies walks the README's quick start: a --dev
// node delivers a message to its own dev inbox, which verifies the signature
// with the endpoint's secret and shows the delivery as JSON and as a page.
// Dev mode runs on SQLite, so this test does too.
func TestDevInboxReceivesAndVerifies(t *testing.T) {
	t.Parallel()
	n := startNode(t, storetest.SQLiteOptions(t), "--dev")
	var key string
	for _, line := range strings.Split(n.Stdout.String(), "\n") {
		if f := strings.TrimSpace(line); strings.HasPrefix(f, "pbk_") {
			key = f
		}
	}
	if key == "" {
		t.Fatalf("--dev printed no key:\n%s", n.Stdout)
	}
	e := &env{node: n, key: key, client: client.New(n.URL, key)}
	ctx := t.Context()

	if _, _, err := e.client.PutTenant(ctx, "acme", client.TenantParams{Name: "Acme Inc."}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateEventType(ctx, client.EventType{Name: "invoice.paid"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateEndpoint(ctx, "acme", client.EndpointParams{URL: client.Ptr(n.URL + "/dev/inbox/demo")}); err != nil {
		t.Fatalf("an endpoint at the node's own dev inbox: %v", err)
	}
	msg, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid",
		Payload: map[string]any{"type": "invoice.paid", "invoice_id": "in_123", "amount": 4200}})
	if err != nil {
		t.Fatal(err)
	}

	type received struct {
		ReceivedAt     time.Time         `json:"received_at"`
		Headers        map[string]string `json:"headers"`
		Body           json.RawMessage   `json:"body"`
		SignatureValid bool              `json:"signature_valid"`
		SignatureError string            `json:"signature_error"`
	}
	var got []received
	waitFor(t, 10*time.Second, "the delivery in the dev inbox", func() bool {
		resp, body := e.do(t, "GET", "/dev/inbox/demo?format=json", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /dev/inbox/demo?format=json: %d %s", resp.StatusCode, body)
		}
		var page struct{ Data []received }
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		got = page.Data
		return len(got) > 0
	})
	if len(got) != 1 {
		t.Fatalf("inbox holds %d requests, want 1", len(got))
	}
	r := got[0]
	if !r.SignatureValid || r.SignatureError != "" {
		t.Errorf("signature not valid: %q", r.SignatureError)
	}
	if r.Headers["Webhook-Id"] != msg.ID {
		t.Errorf("webhook-id %q, want the message ID %q", r.Headers["Webhook-Id"], msg.ID)
	}
	var payload map[string]any
	if err := json.Unmarshal(r.Body, &payload); err != nil || payload["invoice_id"] != "in_123" {
		t.Errorf("body %s, want the published payload", r.Body)
	}

	// The page needs no key: it is what the README sends a browser to.
	resp, err := http.Get(n.URL + "/dev/inbox/demo")
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /dev/inbox/demo: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// It shows what every delivery carried: no other site may frame it.
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("inbox page CSP = %q, want frame-ancestors 'none'", csp)
	}
	for _, want := range []string{msg.ID, "invoice.paid", "valid"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("inbox page lacks %q", want)
		}
	}

	// The delivery log agrees: one successful delivery.
	waitFor(t, 5*time.Second, "the delivery to succeed", func() bool {
		detail, err := e.client.Message(ctx, "acme", msg.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(detail.Deliveries) == 1 && detail.Deliveries[0].Status == "succeeded"
	})
}
