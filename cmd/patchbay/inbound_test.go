package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/webhook"
)

type testSource struct {
	ID        string `json:"id"`
	IngestURL string `json:"ingest_url"`
}

func (e *env) createSource(t *testing.T, body string) testSource {
	t.Helper()
	resp, b := e.do(t, "POST", "/v1/sources", body)
	if resp.StatusCode != 201 {
		t.Fatalf("create source: %d %s", resp.StatusCode, b)
	}
	var src testSource
	if err := json.Unmarshal(b, &src); err != nil {
		t.Fatal(err)
	}
	return src
}

// post sends a provider's request to an ingest URL, without the env's key.
func post(t *testing.T, u string, body []byte, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", u, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestInboundIngest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "0")
		const secret = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"
		src := e.createSource(t, `{"name":"Stripe","verifier":{"scheme":"stripe","secrets":["`+secret+`"]}}`)
		if !strings.HasSuffix(src.IngestURL, "/in/"+src.ID) || !strings.HasPrefix(src.IngestURL, e.node.URL) {
			t.Fatalf("ingest_url %q", src.IngestURL)
		}
		resp, body := e.do(t, "GET", "/v1/sources/"+src.ID, "")
		if resp.StatusCode != 200 || strings.Contains(string(body), secret) || !strings.Contains(string(body), `"secret_count":1`) {
			t.Fatalf("source shows its secret or no count: %s", body)
		}

		event := []byte(`{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{"amount":42}}}`)
		signed := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: time.Now()})
		st, h, got := post(t, src.IngestURL, event, "Stripe-Signature", signed.Header)
		if st != 200 || got != `{"ok":true}` || h.Get("Content-Type") != "application/json" {
			t.Fatalf("valid event: %d %q %q", st, got, h.Get("Content-Type"))
		}
		// The provider retries: acknowledged, recorded, marked duplicate.
		if st, _, _ := post(t, src.IngestURL, event, "Stripe-Signature", signed.Header); st != 200 {
			t.Fatalf("duplicate: %d", st)
		}
		// Tampered, wrongly signed, stale or unsigned: 401 problems that echo nothing.
		tampered := []byte(strings.Replace(string(event), "42", "4200", 1))
		other := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: "whsec_other", Timestamp: time.Now()})
		stale := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: time.Now().Add(-time.Hour)})
		for name, c := range map[string]struct {
			body   []byte
			header string
			reason string
		}{
			"tampered":     {tampered, signed.Header, "bad_signature"},
			"wrong secret": {event, other.Header, "bad_signature"},
			"stale":        {event, stale.Header, "timestamp_expired"},
			"unsigned":     {event, "", "missing_header"},
		} {
			var headers []string
			if c.header != "" {
				headers = []string{"Stripe-Signature", c.header}
			}
			st, h, got := post(t, src.IngestURL, c.body, headers...)
			if st != 401 || h.Get("Content-Type") != "application/problem+json" || !strings.Contains(got, c.reason) ||
				strings.Contains(got, "4200") || strings.Contains(got, "v1=") {
				t.Errorf("%s: %d %s", name, st, got)
			}
		}

		resp, body = e.do(t, "GET", "/v1/sources/"+src.ID+"/events", "")
		var list struct {
			Data []struct {
				ID          string          `json:"id"`
				EventID     string          `json:"event_id"`
				DuplicateOf *string         `json:"duplicate_of"`
				Status      string          `json:"status"`
				Body        json.RawMessage `json:"body"`
				Headers     map[string]string
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 || len(list.Data) != 2 {
			t.Fatalf("events: %d %s", resp.StatusCode, body)
		}
		first, dup := list.Data[0], list.Data[1]
		if first.Status != "received" || first.EventID != "evt_1" || string(first.Body) != string(event) ||
			first.Headers["Stripe-Signature"] == "" || dup.Status != "duplicate" || dup.DuplicateOf == nil || *dup.DuplicateOf != first.ID {
			t.Errorf("events %+v", list.Data)
		}
		resp, body = e.do(t, "GET", "/v1/sources/"+src.ID+"/events?status=duplicate", "")
		if !strings.Contains(string(body), dup.ID) || strings.Contains(string(body), `"id":"`+first.ID+`"`) || resp.StatusCode != 200 {
			t.Errorf("status filter: %s", body)
		}

		// Concurrent copies of one event: exactly one original.
		burst := []byte(`{"id":"evt_burst","object":"event"}`)
		burstSig := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: burst, Secret: secret, Timestamp: time.Now()})
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if st, _, got := post(t, src.IngestURL, burst, "Stripe-Signature", burstSig.Header); st != 200 {
					t.Errorf("burst copy: %d %s", st, got)
				}
			})
		}
		wg.Wait()
		for status, want := range map[string]int{"received": 1, "duplicate": 19} {
			_, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events?event_id=evt_burst&status="+status, "")
			if got := strings.Count(string(body), `"event_id":"evt_burst"`); got != want {
				t.Errorf("%d %s copies of a concurrent burst, want %d", got, status, want)
			}
		}

		resp, body = e.do(t, "GET", "/metrics", "")
		for _, want := range []string{
			`patchbay_inbound_events_total{outcome="new",scheme="stripe"} 2`,
			`patchbay_inbound_events_total{outcome="duplicate",scheme="stripe"} 20`,
			`patchbay_inbound_rejected_total{reason="bad_signature",scheme="stripe"} 2`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func TestInboundSourcesAndSlackChallenge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "0")
		for _, c := range []struct{ body, field string }{
			{`{"name":"x","verifier":{"scheme":"stripe"}}`, "verifier/secrets"},
			{`{"name":"x","verifier":{"scheme":"carrier-pigeon","secrets":["a"]}}`, "verifier/scheme"},
			{`{"name":"x"}`, "verifier"},
			{`{"name":"x","verifier":{"scheme":"none"},"response":{"status":500,"body":"","content_type":"text/plain"}}`, "response/status"},
			{`{"name":"x","verifier":{"scheme":"none"},"dedupe_window_seconds":5}`, "dedupe_window_seconds"},
			{`{"name":"x","verifier":{"scheme":"none"},"tenant_id":"nobody"}`, "tenant_id"},
			{`{"name":"x","verifier":{"scheme":"none","colour":"red"}}`, "verifier/colour"},
			{`{"name":"x","verifier":{"scheme":"none"},"dedupe_window_seconds":"1h"}`, "dedupe_window_seconds"},
			{`{"name":7,"verifier":{"scheme":"none"}}`, "name"},
			{`{"name":"x","verifier":{"scheme":"stripe","secrets":["a",5]}}`, "verifier/secrets/1"},
			{`{"name":"x","verifier":{"scheme":"none"},"route":{"event_type":"a.b","tenant_id":"t","colour":1}}`, "route/colour"},
			{`{"name":"x\u0000","verifier":{"scheme":"none"}}`, "name"},
		} {
			resp, body := e.do(t, "POST", "/v1/sources", c.body)
			problem(t, resp, body)
			if resp.StatusCode != 400 || !strings.Contains(string(body), `"`+c.field+`"`) {
				t.Errorf("%s: %d %s, want 400 naming %s", c.body, resp.StatusCode, body, c.field)
			}
		}

		if resp, body := e.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme"}`); resp.StatusCode != 201 {
			t.Fatalf("tenant: %d %s", resp.StatusCode, body)
		}
		owned := e.createSource(t, `{"name":"Acme's","tenant_id":"acme","verifier":{"scheme":"none"}}`)
		src := e.createSource(t, `{"name":"Slack","verifier":{"scheme":"none"},"response":{"status":202,"body":"thanks","content_type":"text/plain"}}`)
		both := []string{owned.ID, src.ID}
		slices.Sort(both) // made in the same millisecond, their IDs sort either way
		for query, want := range map[string][]string{"": both, "?tenant_id=acme": {owned.ID}, "?tenant_id=nobody": nil} {
			resp, body := e.do(t, "GET", "/v1/sources"+query, "")
			var list struct{ Data []testSource }
			if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
				t.Fatalf("list sources%s: %d %s", query, resp.StatusCode, body)
			}
			var got []string
			for _, s := range list.Data {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("sources%s: %v, want %v", query, got, want)
			}
		}
		if resp, body := e.do(t, "GET", "/v1/sources?tenant_id=bad%20id", ""); resp.StatusCode != 400 || !strings.Contains(string(body), `"tenant_id"`) {
			t.Errorf("sources?tenant_id=bad id: %d %s", resp.StatusCode, body)
		}
		if st, h, got := post(t, src.IngestURL, []byte(`{"type":"event_callback","event_id":"Ev1"}`)); st != 202 || got != "thanks" || h.Get("Content-Type") != "text/plain" {
			t.Errorf("configured response: %d %q %q", st, got, h.Get("Content-Type"))
		}
		// Slack's url_verification is answered with its challenge.
		slack := e.createSource(t, `{"name":"Slack events","verifier":{"scheme":"slack","secrets":["8f742231b10e8888abcd99yyyzzz85a5"]}}`)
		challenge := []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte("8f742231b10e8888abcd99yyyzzz85a5"))
		mac.Write([]byte("v0:" + ts + ":" + string(challenge)))
		st, _, got := post(t, slack.IngestURL, challenge, "X-Slack-Request-Timestamp", ts, "X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		if st != 200 || got != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
			t.Errorf("url_verification: %d %q", st, got)
		}

		// GET handshakes: Meta's subscription check, and refusals.
		meta := e.createSource(t, `{"name":"WhatsApp","verifier":{"scheme":"hmac","header":"X-Hub-Signature-256","prefix":"sha256=",`+
			`"secrets":["app-secret"],"handshake":"meta","verify_token":"tok-4f1c"}}`)
		get := func(u string) (int, http.Header, string) {
			t.Helper()
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, string(b)
		}
		if st, h, got := get(meta.IngestURL + "?hub.mode=subscribe&hub.verify_token=tok-4f1c&hub.challenge=1158201444"); st != 200 ||
			got != "1158201444" || h.Get("Content-Type") != "text/plain; charset=utf-8" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("meta handshake: %d %q %v", st, got, h)
		}
		if st, _, got := get(meta.IngestURL + "?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"); st != 401 || !strings.Contains(got, "bad_handshake") {
			t.Errorf("meta handshake with a wrong token: %d %s", st, got)
		}
		if st, h, got := get(src.IngestURL + "?challenge=x"); st != 405 || h.Get("Allow") != "POST" {
			t.Errorf("GET on a source without a handshake: %d %v %s", st, h, got)
		}
		if _, body := e.do(t, "GET", "/v1/sources/"+meta.ID, ""); strings.Contains(string(body), "tok-4f1c") || !strings.Contains(string(body), `"handshake":"meta"`) {
			t.Errorf("a source shows its verify token, or not its handshake: %s", body)
		}

		// Unknown sources are 404 problems.
		if st, _, _ := post(t, e.node.URL+"/in/src_01JDOESNOTEXIST0000000000", []byte(`{}`)); st != 404 {
			t.Errorf("unknown source: %d", st)
		}
		// A refused change leaves no forwarding endpoint behind.
		resp, body := e.do(t, "PATCH", "/v1/sources/"+src.ID, `{"destination_url":"https://saas.example/hooks","tenant_id":"nobody"}`)
		if problem(t, resp, body); resp.StatusCode != 400 || !strings.Contains(string(body), `"tenant_id"`) {
			t.Errorf("update naming an unknown tenant: %d %s", resp.StatusCode, body)
		}
		var endpoints int
		if err := openRaw(t, e.opts).QueryRow("SELECT count(*) FROM endpoints").Scan(&endpoints); err != nil || endpoints != 0 {
			t.Errorf("%d endpoints after a refused update (%v), want 0", endpoints, err)
		}

		// A changed source takes effect at once on the node that changed it;
		// signed, it is reached by its ID, and its ingest token is gone.
		resp, body = e.do(t, "PATCH", "/v1/sources/"+src.ID, `{"verifier":{"scheme":"api_key","header":"X-Key","secrets":["k1"]}}`)
		if resp.StatusCode != 200 {
			t.Fatalf("update: %d %s", resp.StatusCode, body)
		}
		if st, _, _ := post(t, src.IngestURL, []byte(`{}`), "X-Key", "k1"); st != 404 {
			t.Errorf("the ingest token of a source no longer none: %d", st)
		}
		src.IngestURL = e.node.URL + "/in/" + src.ID
		if !strings.Contains(string(body), `"ingest_url":"`+src.IngestURL+`"`) {
			t.Errorf("update to api_key: %s, want ingest_url %s", body, src.IngestURL)
		}
		if st, _, _ := post(t, src.IngestURL, []byte(`{}`)); st != 401 {
			t.Errorf("after requiring a key, a keyless request: %d", st)
		}
		if st, _, _ := post(t, src.IngestURL, []byte(`{}`), "X-Key", "k1"); st != 202 {
			t.Errorf("with the key: %d", st)
		}
		resp, body = e.do(t, "GET", "/v1/sources/"+src.ID+"/events?status=received", "")
		if strings.Contains(string(body), `"X-Key"`) || resp.StatusCode != 200 {
			t.Errorf("the api_key header was stored: %s", body)
		}
		if resp, _ := e.do(t, "DELETE", "/v1/sources/"+src.ID, ""); resp.StatusCode != 204 {
			t.Errorf("delete: %d", resp.StatusCode)
		}
		if st, _, _ := post(t, src.IngestURL, []byte(`{}`), "X-Key", "k1"); st != 404 {
			t.Errorf("deleted source: %d", st)
		}
	})
}

// TestInboundRoutesToTenants: a source that routes re-emits each new event
// as an outgoing message to the tenant named in its body, once.
func TestInboundRoutesToTenants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		rc := newReceiver(t, nil)
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL), EventTypes: &[]string{"invoice.paid"}})
		for _, bad := range []string{`{"event_type":"invoice.paid"}`, `{"event_type":"invoice.paid","tenant_id":"a","tenant_pointer":"/t"}`,
			`{"event_type":"invoice.paid","tenant_pointer":"t"}`, `{"tenant_id":"acme"}`} {
			resp, body := e.do(t, "POST", "/v1/sources", `{"name":"x","verifier":{"scheme":"none"},"route":`+bad+`}`)
			if resp.StatusCode != 400 || !strings.Contains(string(body), `"route"`) {
				t.Errorf("route %s: %d %s", bad, resp.StatusCode, body)
			}
		}
		src := e.createSource(t, `{"name":"Billing","verifier":{"scheme":"none","event_id_pointer":"/id"},
			"route":{"event_type":"invoice.paid","tenant_pointer":"/data/object/tenant"}}`)
		event := []byte(`{"id":"evt_r1","data":{"object":{"tenant":"acme","amount":42}}}`)
		for range 2 { // the second is a duplicate and is not routed again
			if st, _, got := post(t, src.IngestURL, event); st != 200 {
				t.Fatalf("ingest: %d %s", st, got)
			}
		}
		waitFor(t, 10*time.Second, "the routed message", func() bool { return len(rc.requests()) > 0 })
		time.Sleep(300 * time.Millisecond) // room for a wrong second delivery to show
		got := rc.requests()
		if len(got) != 1 || string(got[0].Body) != string(event) {
			t.Fatalf("receiver got %d requests, first %q; want the event once", len(got), got[0].Body)
		}
	})
}

// TestInboundForwarding: each new event goes to the source's destination,
// signed by Patchbay, with its original headers under a prefix; while the
// destination is down events wait and are retried, and from the
// destination's view every event arrives once per webhook-id. Events whose
// forward failed are replayed, one or all.
func TestInboundForwarding(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		// The destination is down for its first two requests (fewer than open
		// the circuit breaker, which would hold forwards for 30 s), and again
		// whenever down is set.
		var down atomic.Bool
		dest := newReceiver(t, func(n int, _ *http.Request) (int, http.Header) {
			if n < 2 || down.Load() {
				return http.StatusServiceUnavailable, nil
			}
			return http.StatusOK, nil
		})
		src := e.createSource(t, `{"name":"Acme","verifier":{"scheme":"api_key","header":"X-Key","secrets":["k"],"event_id_header":"X-Event-Id"},
			"destination_url":"`+dest.URL+`/hooks","forward_header_prefix":"X-Original-"}`)
		resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/secret", "")
		var secret struct{ Secret string }
		if err := json.Unmarshal(body, &secret); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(secret.Secret, "whsec_") {
			t.Fatalf("secret: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do(t, "GET", "/v1/tenants", ""); strings.Contains(string(body), "!inbound") || resp.StatusCode != 200 {
			t.Errorf("the forwarding tenant shows in the tenant list: %s", body)
		}

		// Five events, each sent twice.
		sent := map[string]bool{}
		for i := range 5 {
			ev := []byte(`{"n":` + strconv.Itoa(i) + `}`)
			sent[string(ev)] = true
			for range 2 {
				if st, _, got := post(t, src.IngestURL, ev, "X-Key", "k", "X-Event-Id", "e"+strconv.Itoa(i)); st != 200 {
					t.Fatalf("ingest: %d %s", st, got)
				}
			}
		}
		waitFor(t, 20*time.Second, "every event forwarded", func() bool {
			_, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events?status=forwarded", "")
			return strings.Count(string(body), `"status":"forwarded"`) == 5
		})
		byID := map[string]received{}
		for _, r := range dest.requests() {
			byID[r.Header.Get("Webhook-Id")] = r
		}
		if len(byID) != 5 {
			t.Fatalf("the destination saw %d distinct webhook-ids, want 5", len(byID))
		}
		for _, r := range byID {
			if !sent[string(r.Body)] {
				t.Errorf("forwarded body %s was not sent", r.Body)
			}
			if err := webhook.Verify(secret.Secret, r.Header, r.Body); err != nil {
				t.Errorf("forward signature: %v", err)
			}
			if r.Header.Get("X-Original-X-Event-Id") == "" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Key") != "" ||
				r.Header.Get("X-Original-X-Key") != "" {
				t.Errorf("forward headers %v", r.Header)
			}
		}
		if _, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events?status=duplicate", ""); strings.Count(string(body), `"status":"duplicate"`) != 5 {
			t.Errorf("duplicates: %s", body)
		}

		// A forward that exhausts its retries fails, and replays bring it back.
		down.Store(true)
		if st, _, _ := post(t, src.IngestURL, []byte(`{"n":"late"}`), "X-Key", "k", "X-Event-Id", "late"); st != 200 {
			t.Fatal(st)
		}
		var failedID string
		waitFor(t, 20*time.Second, "the forward to fail", func() bool {
			_, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events?status=failed", "")
			var list struct{ Data []struct{ ID string } }
			json.Unmarshal(body, &list) //nolint:errcheck // polled until it parses with one event
			if len(list.Data) == 1 {
				failedID = list.Data[0].ID
			}
			return failedID != ""
		})
		resp, body = e.do(t, "GET", "/v1/sources/"+src.ID+"/events/"+failedID, "")
		if resp.StatusCode != 200 || strings.Count(string(body), `"status_code":503`) < 4 {
			t.Errorf("a failed event's detail lacks its attempts: %s", body)
		}
		down.Store(false)
		resp, body = e.do(t, "POST", "/v1/sources/"+src.ID+"/replay", `{"since":"2000-01-01T00:00:00Z"}`)
		var rec struct{ ID string }
		if err := json.Unmarshal(body, &rec); err != nil || resp.StatusCode != 202 {
			t.Fatalf("replay failed: %d %s", resp.StatusCode, body)
		}
		waitFor(t, 20*time.Second, "the replay to forward it", func() bool {
			_, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events/"+failedID, "")
			return strings.Contains(string(body), `"status":"forwarded"`)
		})
		if resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/replays/"+rec.ID, ""); resp.StatusCode != 200 || !strings.Contains(string(body), `"resent":1`) {
			t.Errorf("replay progress: %d %s", resp.StatusCode, body)
		}
		// Replaying one event sends it again with the same webhook-id.
		before := len(dest.requests())
		if resp, body := e.do(t, "POST", "/v1/sources/"+src.ID+"/events/"+failedID+"/replay", ""); resp.StatusCode != 202 {
			t.Fatalf("replay one: %d %s", resp.StatusCode, body)
		}
		waitFor(t, 10*time.Second, "the replayed forward", func() bool { return len(dest.requests()) > before })
		last := dest.requests()[len(dest.requests())-1]
		if string(last.Body) != `{"n":"late"}` {
			t.Errorf("replayed body %s", last.Body)
		}
	})
}

// TestInboundEventIDsOfAnyBytes: an event identity PostgreSQL cannot store as
// text (a NUL, bytes that are not UTF-8) is stored as its hash, so the event
// is kept and two such identities stay apart; the event list stays UTF-8.
func TestInboundEventIDsOfAnyBytes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "0")
		src := e.createSource(t, `{"name":"Odd","verifier":{"scheme":"none","event_id_pointer":"/id"}}`)
		for _, body := range []string{`{"id":"evt_\u0000x"}`, "{\"id\":\"evt_\xffx\"}", "{\"id\":\"evt_\xfex\"}", "{\"id\":\"evt_\xfex\"}"} {
			if st, _, got := post(t, src.IngestURL, []byte(body)); st != 200 {
				t.Fatalf("ingest %q: %d %s", body, st, got)
			}
		}
		resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events", "")
		if !utf8.Valid(body) {
			t.Fatalf("the event list is not UTF-8: %q", body)
		}
		var list struct {
			Data []struct {
				EventID *string `json:"event_id"`
				Status  string
			}
		}
		if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
			t.Fatalf("events: %d %s", resp.StatusCode, body)
		}
		var statuses []string
		ids := map[string]bool{}
		for _, ev := range list.Data {
			statuses = append(statuses, ev.Status)
			if ev.EventID == nil || !strings.HasPrefix(*ev.EventID, "sha256:") {
				t.Errorf("event_id %v, want the identity's sha256", ev.EventID)
				continue
			}
			ids[*ev.EventID] = true
		}
		slices.Sort(statuses) // events received in the same millisecond list in any order
		if want := []string{"duplicate", "received", "received", "received"}; !slices.Equal(statuses, want) || len(ids) != 3 {
			t.Errorf("statuses %v with %d identities, want %v with 3", statuses, len(ids), want)
		}
	})
}
