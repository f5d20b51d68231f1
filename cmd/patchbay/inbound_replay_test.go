package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/webhook"
)

// TestInboundReplayAnything: an event's body is kept and forwarded byte for
// byte, whatever it is, and any stored event can be replayed to the current
// destination: one received before the destination was set, a duplicate, and
// one whose destination was removed and set again.
func TestInboundReplayAnything(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		dest := newReceiver(t, nil)
		src := e.createSource(t, `{"name":"Acme","verifier":{"scheme":"api_key","header":"X-Key","secrets":["k"],"event_id_header":"X-Event-Id"}}`)
		send := func(body []byte, contentType, eventID string) {
			t.Helper()
			if st, _, got := post(t, src.IngestURL, body, "X-Key", "k", "X-Event-Id", eventID, "Content-Type", contentType); st != 200 {
				t.Fatalf("ingest %s: %d %s", eventID, st, got)
			}
		}
		type event struct {
			ID, Status  string
			DuplicateOf *string `json:"duplicate_of"`
			DeliveryID  *string `json:"delivery_id"`
		}
		events := func(eventID string) []event {
			t.Helper()
			resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events?event_id="+eventID, "")
			var list struct{ Data []event }
			if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
				t.Fatalf("events %s: %d %s", eventID, resp.StatusCode, body)
			}
			return list.Data
		}
		setDestination := func(url string) {
			t.Helper()
			if resp, body := e.do(t, "PATCH", "/v1/sources/"+src.ID, `{"destination_url":"`+url+`"}`); resp.StatusCode != 200 {
				t.Fatalf("set destination %q: %d %s", url, resp.StatusCode, body)
			}
		}
		replay := func(evt event) {
			t.Helper()
			if resp, body := e.do(t, "POST", "/v1/sources/"+src.ID+"/events/"+evt.ID+"/replay", ""); resp.StatusCode != 202 {
				t.Fatalf("replay %s: %d %s", evt.ID, resp.StatusCode, body)
			}
		}
		signingSecret := func() string {
			t.Helper()
			resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/secret", "")
			var secret struct{ Secret string }
			if err := json.Unmarshal(body, &secret); err != nil || resp.StatusCode != 200 {
				t.Fatalf("secret: %d %s", resp.StatusCode, body)
			}
			return secret.Secret
		}
		// receivedBody waits for the nth forward and checks it is body, byte
		// for byte, signed with secret.
		receivedBody := func(n int, body []byte, contentType, secret string) {
			t.Helper()
			waitFor(t, 10*time.Second, "forward "+strconv.Itoa(n), func() bool { return len(dest.requests()) >= n })
			got := dest.requests()[n-1]
			if !bytes.Equal(got.Body, body) || got.Header.Get("Content-Type") != contentType {
				t.Errorf("forward %d: %q (%s), want %q (%s)", n, got.Body, got.Header.Get("Content-Type"), body, contentType)
			}
			if err := webhook.Verify(secret, got.Header, got.Body); err != nil {
				t.Errorf("forward %d signature: %v", n, err)
			}
		}

		spaced := []byte(`{ "a" :  1 }`)
		binary := []byte("\xff\x00\xfe binary \x80")
		send(spaced, "application/json", "e1")
		send(binary, "application/octet-stream", "e2")
		send(spaced, "application/json", "e1") // a duplicate
		first := events("e1")
		if len(first) == 2 && first[0].Status == "duplicate" {
			first[0], first[1] = first[1], first[0] // received in the same millisecond: IDs in any order
		}
		if len(first) != 2 || first[0].DeliveryID != nil || first[1].Status != "duplicate" {
			t.Fatalf("events e1 before a destination: %+v", first)
		}

		// The body comes back byte for byte, with its content type, and not as
		// a page a browser would render.
		stored := events("e2")[0]
		resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events/"+stored.ID+"/body", "")
		if resp.StatusCode != 200 || !bytes.Equal(body, binary) || resp.Header.Get("Content-Type") != "application/octet-stream" ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("event body: %d %q %v", resp.StatusCode, body, resp.Header)
		}

		send(nil, "application/json", "e4") // empty, which SQLite reads back like a removed one
		empty := events("e4")[0]
		if resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events/"+empty.ID+"/body", ""); resp.StatusCode != 200 || len(body) != 0 {
			t.Errorf("empty event body: %d %q", resp.StatusCode, body)
		}
		if _, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events/"+empty.ID, ""); bytes.Contains(body, []byte("body_removed")) {
			t.Errorf("an empty body shows as removed: %s", body)
		}

		setDestination(dest.URL)
		secret := signingSecret()
		send([]byte("\xfe\xfd more"), "application/octet-stream", "e3") // forwarded at once, though not UTF-8
		receivedBody(1, []byte("\xfe\xfd more"), "application/octet-stream", secret)
		replay(first[0]) // received before there was a destination
		receivedBody(2, spaced, "application/json", secret)
		replay(first[1]) // a duplicate
		receivedBody(3, spaced, "application/json", secret)
		replay(stored)
		receivedBody(4, binary, "application/octet-stream", secret)
		send([]byte("a=1\x00b"), "application/x-www-form-urlencoded", "e5") // UTF-8, but PostgreSQL text holds no NUL
		receivedBody(5, []byte("a=1\x00b"), "application/x-www-form-urlencoded", secret)

		// The destination removed and set again: the old forwards are gone with
		// the old endpoint, and a replay makes a new one.
		setDestination("")
		third := events("e3")[0]
		if third.DeliveryID != nil || third.Status != "received" {
			t.Errorf("event e3 after its destination was removed: %+v", third)
		}
		if resp, body := e.do(t, "POST", "/v1/sources/"+src.ID+"/events/"+third.ID+"/replay", ""); resp.StatusCode != 409 {
			t.Errorf("replay without a destination: %d %s, want 409", resp.StatusCode, body)
		}
		setDestination(dest.URL)
		replay(third)
		receivedBody(6, []byte("\xfe\xfd more"), "application/octet-stream", signingSecret())
		waitFor(t, 10*time.Second, "e3 forwarded", func() bool { return events("e3")[0].Status == "forwarded" })
		ids := map[string]bool{}
		for _, r := range dest.requests() {
			ids[r.Header.Get("Webhook-Id")] = true
		}
		if len(ids) != 6 {
			t.Errorf("%d distinct webhook-ids in 6 forwards, want 6", len(ids))
		}

		// Replays at once of an event without a forward make one forward, sent
		// as often as asked but always with the same webhook-id.
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if resp, body := e.do(t, "POST", "/v1/sources/"+src.ID+"/events/"+empty.ID+"/replay", ""); resp.StatusCode != 202 {
					t.Errorf("concurrent replay: %d %s", resp.StatusCode, body)
				}
			})
		}
		wg.Wait()
		waitFor(t, 10*time.Second, "the concurrent replays", func() bool { return len(dest.requests()) >= 7 })
		time.Sleep(500 * time.Millisecond)
		replayed := map[string]bool{}
		for _, r := range dest.requests()[6:] {
			replayed[r.Header.Get("Webhook-Id")] = true
		}
		if len(replayed) != 1 {
			t.Errorf("4 replays at once made %d forwards (webhook-ids %v), want 1", len(replayed), replayed)
		}
	})
}
