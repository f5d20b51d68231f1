package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/webhook"
)

// webhookArgs let a test node deliver to loopback receivers over http, with
// a short retry schedule.
var webhookArgs = []string{"--outbound-allow", "127.0.0.0/8", "--webhook-allow-http", "--webhook-retry-schedule", "100ms,200ms,300ms",
	"--webhook-429-floor", "1s", "--rate-limit", "0"}

func setupWebhooks(t *testing.T, d storetest.Dialect, extra ...string) *env {
	t.Helper()
	e := setup(t, d, append(append([]string{}, webhookArgs...), extra...)...)
	if _, _, err := e.client.PutTenant(t.Context(), "acme", client.TenantParams{Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"invoice.paid", "user.created"} {
		if _, err := e.client.CreateEventType(t.Context(), client.EventType{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// TestWebhookBadInputGetsProblems: bad input to the webhook API is a 400
// problem naming the field by the path the client wrote, on both stores.
func TestWebhookBadInputGetsProblems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(newReceiver(t, nil).URL)})
		endpoint := "/v1/tenants/acme/endpoints/" + ep.ID
		for _, tc := range []struct {
			name, method, path, body string
			field, detail            string
		}{
			// PostgreSQL stores only UTF-8 text, without NUL: these were 500s there.
			{"body not UTF-8", "POST", "/v1/tenants/acme/messages", "{\"event_type\":\"invoice.paid\",\"payload\":{\"a\":\"\xff\xfe\"}}", "", "not valid UTF-8"},
			{"NUL in an event ID", "POST", "/v1/tenants/acme/messages", `{"event_type":"invoice.paid","payload":{},"event_id":"e\u0000"}`, "event_id", "NUL"},
			{"NUL in a description", "PATCH", endpoint, `{"description":"a\u0000b"}`, "description", "NUL"},
			{"wrong type in a batch", "POST", "/v1/tenants/acme/messages/batch", `{"messages":[{"event_type":"invoice.paid","payload":{}},{"event_type":5,"payload":{}}]}`, "messages/1/event_type", "must be a string"},
			{"wrong type in a map", "PATCH", endpoint, `{"headers":{"X-A":"1","X-B":2}}`, "headers/X-B", "must be a string"},
			{"wrong type in an endpoint", "PATCH", endpoint, `{"retry_schedule":"5s"}`, "retry_schedule", "must be an array"},
			{"too many channels", "PATCH", endpoint, `{"channels":["a","b","c","d","e","f","g","h","i","j","k"]}`, "channels", "at most 10"},
			{"recover since not a time", "POST", endpoint + "/recover", `{"since":"nope"}`, "since", "RFC 3339"},
			{"unknown field in a batch", "POST", "/v1/tenants/acme/messages/batch", `{"messages":[{"event_type":"invoice.paid","payload":{},"colour":1}]}`, "messages/0/colour", "unknown field"},
		} {
			resp, body := e.do(t, tc.method, tc.path, tc.body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400; body %s", tc.name, resp.StatusCode, body)
				continue
			}
			p := problem(t, resp, body)
			switch {
			case tc.field == "": // the body as a whole
				if len(p.Errors) != 0 || !strings.Contains(p.Detail, tc.detail) {
					t.Errorf("%s: problem %q names %+v, want …%s… and no field", tc.name, p.Detail, p.Errors, tc.detail)
				}
			case len(p.Errors) != 1 || p.Errors[0].Field != tc.field || !strings.Contains(p.Errors[0].Detail, tc.detail):
				t.Errorf("%s: problem names %+v, want %s: …%s…", tc.name, p.Errors, tc.field, tc.detail)
			}
		}
		if strings.Contains(e.node.Logs.String(), `"level":"ERROR"`) {
			t.Errorf("bad input caused error logs:\n%s", e.node.Logs)
		}
	})
}

func TestWebhookFanOutAndSignatures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ctx := t.Context()
		all, invoices, eu, off := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
		epAll, err := e.client.CreateEndpoint(ctx, "acme", client.EndpointParams{URL: client.Ptr(all.URL),
			Headers: &map[string]string{"X-Customer": "acme"}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(epAll.Secret, "whsec_") {
			t.Errorf("new endpoint secret %q lacks whsec_", epAll.Secret)
		}
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(invoices.URL), EventTypes: &[]string{"invoice.paid"}})
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(eu.URL), Channels: &[]string{"eu"}})
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(off.URL), Disabled: client.Ptr(true)})

		paid, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]any{"amount": 42}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "user.created", Payload: map[string]any{"id": "u1"}, Channels: []string{"eu"}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "fan-out", func() bool {
			return len(all.requests()) == 2 && len(invoices.requests()) == 1 && len(eu.requests()) == 1
		})
		time.Sleep(300 * time.Millisecond)
		if n := len(off.requests()); n != 0 {
			t.Errorf("disabled endpoint got %d requests", n)
		}
		if n := len(invoices.requests()); n != 1 {
			t.Errorf("invoice.paid-only endpoint got %d requests, want 1", n)
		}
		if got := invoices.requests()[0].Header.Get("webhook-id"); got != paid.ID {
			t.Errorf("webhook-id = %q, want the message ID %q", got, paid.ID)
		}

		// The official Standard Webhooks library verifies what we send, and
		// so does our receiver package.
		official, err := standardwebhooks.NewWebhook(epAll.Secret)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all.requests() {
			if err := official.Verify(r.Body, r.Header); err != nil {
				t.Errorf("official library rejects our signature: %v", err)
			}
			if err := webhook.Verify(epAll.Secret, r.Header, r.Body); err != nil {
				t.Errorf("webhook.Verify rejects our signature: %v", err)
			}
			if r.Header.Get("X-Customer") != "acme" || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("headers: %v", r.Header)
			}
		}
		var body map[string]any
		if err := json.Unmarshal(invoices.requests()[0].Body, &body); err != nil || body["amount"] != float64(42) {
			t.Errorf("body %s, want the payload", invoices.requests()[0].Body)
		}

		// The log shows the message with its deliveries and attempts.
		msg, err := e.client.Message(ctx, "acme", paid.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(msg.Deliveries) != 2 {
			t.Fatalf("message has %d deliveries, want 2 (all and invoices)", len(msg.Deliveries))
		}
		dl, err := e.client.Delivery(ctx, "acme", msg.Deliveries[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if dl.Status != "succeeded" || len(dl.AttemptLog) != 1 || *dl.AttemptLog[0].StatusCode != 200 || dl.AttemptLog[0].ResponseBody != "receiver says OK" {
			t.Errorf("delivery log %+v", dl)
		}
	})
}

func mustEndpoint(t *testing.T, e *env, p client.EndpointParams) *client.Endpoint {
	t.Helper()
	ep, err := e.client.CreateEndpoint(t.Context(), "acme", p)
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func TestWebhookRetriesAndRetryAfter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ctx := t.Context()
		flaky := newReceiver(t, func(n int, r *http.Request) (int, http.Header) {
			if n < 2 {
				return http.StatusInternalServerError, nil
			}
			return http.StatusOK, nil
		})
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(flaky.URL)})
		msg, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]any{"n": 1}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "three attempts", func() bool { return len(flaky.requests()) == 3 })
		reqs := flaky.requests()
		for _, r := range reqs {
			if r.Header.Get("webhook-id") != msg.ID {
				t.Errorf("retry carries webhook-id %q, want %q", r.Header.Get("webhook-id"), msg.ID)
			}
		}
		if gap := reqs[1].At.Sub(reqs[0].At); gap < 70*time.Millisecond {
			t.Errorf("first retry after %s, want about 100ms", gap)
		}
		list, err := e.client.EndpointDeliveries(ctx, "acme", ep.ID, "", client.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "succeeded status", func() bool {
			dl, err := e.client.Delivery(ctx, "acme", list.Data[0].ID)
			return err == nil && dl.Status == "succeeded" && dl.Attempts == 3 && len(dl.AttemptLog) == 3
		})

		// 429 with Retry-After: the next attempt waits at least that long (and
		// the configured floor of 1s).
		limited := newReceiver(t, func(n int, r *http.Request) (int, http.Header) {
			if n == 0 {
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}
			}
			return http.StatusOK, nil
		})
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(limited.URL), EventTypes: &[]string{"user.created"}})
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "user.created", Payload: map[string]any{"n": 2}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "retry after 429", func() bool { return len(limited.requests()) == 2 })
		if gap := limited.requests()[1].At.Sub(limited.requests()[0].At); gap < 900*time.Millisecond {
			t.Errorf("retry after 429 with Retry-After: 1 came after %s, want ≥ 1s", gap)
		}

		// A schedule that runs out leaves the delivery failed, and resend
		// brings it back.
		dead := newReceiver(t, func(int, *http.Request) (int, http.Header) { return http.StatusBadGateway, nil })
		deadEP := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(dead.URL), EventTypes: &[]string{"user.created"},
			RetrySchedule: &[]int{1}})
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "user.created", Payload: map[string]any{"n": 3}}); err != nil {
			t.Fatal(err)
		}
		var failed client.Delivery
		waitFor(t, 10*time.Second, "failed delivery", func() bool {
			l, err := e.client.EndpointDeliveries(ctx, "acme", deadEP.ID, "failed", client.ListParams{})
			if err == nil && len(l.Data) == 1 {
				failed = l.Data[0]
				return true
			}
			return false
		})
		if failed.Attempts != 2 || len(dead.requests()) != 2 {
			t.Errorf("failed after %d attempts (%d requests), want 2", failed.Attempts, len(dead.requests()))
		}
		dead.respond = nil
		if _, err := e.client.ResendDelivery(ctx, "acme", failed.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "resent delivery", func() bool {
			dl, err := e.client.Delivery(ctx, "acme", failed.ID)
			return err == nil && dl.Status == "succeeded"
		})
	})
}

func TestWebhookGoneDisablesAndReenableResumes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		ops := newReceiver(t, nil)
		e := setupWebhooks(t, d, "--operational-webhook-url", ops.URL)
		ctx := t.Context()
		gone := true
		rc := newReceiver(t, func(int, *http.Request) (int, http.Header) {
			if gone {
				return http.StatusGone, nil
			}
			return http.StatusOK, nil
		})
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL)})
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: 1}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "endpoint disabled", func() bool {
			got, err := e.client.Endpoint(ctx, "acme", ep.ID)
			return err == nil && got.Disabled && strings.Contains(got.DisabledReason, "410")
		})
		waitFor(t, 15*time.Second, "endpoint.disabled operational event", func() bool { return len(ops.requests()) == 1 })
		var event struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(ops.requests()[0].Body, &event); err != nil || event.Type != "endpoint.disabled" || event.Data["endpoint_id"] != ep.ID {
			t.Errorf("operational event %s", ops.requests()[0].Body)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(rc.requests()); n != 1 {
			t.Errorf("disabled endpoint got %d requests, want just the 410", n)
		}

		gone = false
		if _, err := e.client.UpdateEndpoint(ctx, "acme", ep.ID, client.EndpointParams{Disabled: client.Ptr(false)}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "delivery after re-enabling", func() bool { return len(rc.requests()) == 2 })
	})
}

func TestWebhookFIFO(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ctx := t.Context()
		// The first message fails twice; the others must wait behind it.
		rc := newReceiver(t, func(n int, r *http.Request) (int, http.Header) {
			if n < 2 {
				return http.StatusServiceUnavailable, nil
			}
			return http.StatusOK, nil
		})
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL), DeliveryOrder: client.Ptr("fifo")})
		other := newReceiver(t, nil)
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(other.URL)})
		var want []string
		for i := range 10 {
			m, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"seq": i}})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, m.ID)
		}
		waitFor(t, 3*time.Second, "the unordered endpoint", func() bool { return len(other.requests()) == 10 })
		waitFor(t, 15*time.Second, "all FIFO deliveries", func() bool { return len(rc.requests()) == 12 })
		var got []string
		for _, r := range rc.requests() {
			got = append(got, r.Header.Get("webhook-id"))
		}
		if want := append([]string{want[0], want[0]}, want...); !slices.Equal(got, want) {
			t.Errorf("FIFO order:\n got %v\nwant %v", got, want)
		}
	})
}

func TestWebhookIsolation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d, "--webhook-timeout", "2s")
		ctx := t.Context()
		release := make(chan struct{})
		hang := newReceiver(t, func(int, *http.Request) (int, http.Header) {
			<-release
			return http.StatusOK, nil
		})
		t.Cleanup(func() { close(release) }) // before the receiver closes: cleanups run last-first
		fast := newReceiver(t, nil)
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(hang.URL)})
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(fast.URL)})
		start := time.Now()
		for i := 0; i < 1000; i += 100 {
			batch := make([]client.MessageParams, 100)
			for j := range batch {
				batch[j] = client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"n": i + j}}
			}
			if _, err := e.client.PublishBatch(ctx, "acme", batch); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, 20*time.Second, "1,000 deliveries to the healthy endpoint", func() bool { return len(fast.requests()) == 1000 })
		t.Logf("1,000 messages delivered to the healthy endpoint in %s while the other hung", time.Since(start))
		seen := map[string]bool{}
		for _, r := range fast.requests() {
			seen[r.Header.Get("webhook-id")] = true
		}
		if len(seen) != 1000 {
			t.Errorf("%d distinct webhook-ids, want 1000", len(seen))
		}
	})
}

func TestWebhookSecretRotation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d, "--secret-rotation-overlap", "1s")
		ctx := t.Context()
		rc := newReceiver(t, nil)
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL)})
		old, err := e.client.EndpointSecret(ctx, "acme", ep.ID)
		if err != nil || old != ep.Secret {
			t.Fatalf("secret %q, %v; want the one from create", old, err)
		}
		fresh, err := e.client.RotateEndpointSecret(ctx, "acme", ep.ID, "")
		if err != nil || fresh == old {
			t.Fatalf("rotate: %q, %v", fresh, err)
		}
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: 1}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "delivery", func() bool { return len(rc.requests()) == 1 })
		r := rc.requests()[0]
		if n := len(strings.Fields(r.Header.Get("webhook-signature"))); n != 2 {
			t.Errorf("%d signatures during rotation, want 2", n)
		}
		for _, secret := range []string{old, fresh} {
			if err := webhook.Verify(secret, r.Header, r.Body); err != nil {
				t.Errorf("verify with one of the two secrets: %v", err)
			}
		}

		// After the overlap only the new secret signs.
		time.Sleep(1100 * time.Millisecond)
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: 2}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "delivery after the overlap", func() bool { return len(rc.requests()) == 2 })
		r = rc.requests()[1]
		if n := len(strings.Fields(r.Header.Get("webhook-signature"))); n != 1 {
			t.Errorf("%d signatures after the overlap, want 1", n)
		}
		if err := webhook.Verify(fresh, r.Header, r.Body); err != nil {
			t.Errorf("verify with the new secret: %v", err)
		}
		if err := webhook.Verify(old, r.Header, r.Body); err == nil {
			t.Error("the old secret still verifies after the overlap")
		}
	})
}

func TestWebhookSSRFGuard(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		// No --outbound-allow: loopback is refused.
		e := setup(t, d, "--webhook-allow-http", "--webhook-retry-schedule", "100ms")
		ctx := t.Context()
		if _, _, err := e.client.PutTenant(ctx, "acme", client.TenantParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.CreateEventType(ctx, client.EventType{Name: "invoice.paid"}); err != nil {
			t.Fatal(err)
		}
		rc := newReceiver(t, nil)
		for _, bad := range []string{"http://127.0.0.1:9/", "http://[::1]/", "http://169.254.169.254/latest", "http://10.0.0.1/", "ftp://example.com/"} {
			_, err := e.client.CreateEndpoint(ctx, "acme", client.EndpointParams{URL: client.Ptr(bad)})
			if ae := apiError(t, err); ae.Status != 400 || len(ae.Errors) != 1 || ae.Errors[0].Field != "url" {
				t.Errorf("endpoint %s: %v, want 400 naming url", bad, err)
			}
		}
		// A hostname that resolves to 127.0.0.1 passes creation (names are
		// not resolved then) but is refused when the connection is made.
		host := loopbackHostname(t)
		port := rc.URL[strings.LastIndex(rc.URL, ":")+1:]
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr("http://" + host + ":" + port + "/hook")})
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: 1}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "refused attempts", func() bool {
			l, err := e.client.EndpointDeliveries(ctx, "acme", ep.ID, "failed", client.ListParams{})
			if err != nil || len(l.Data) != 1 {
				return false
			}
			dl, err := e.client.Delivery(ctx, "acme", l.Data[0].ID)
			return err == nil && len(dl.AttemptLog) == 2 && strings.Contains(dl.AttemptLog[0].Error, "SSRF") && dl.AttemptLog[0].StatusCode == nil
		})
		if n := len(rc.requests()); n != 0 {
			t.Errorf("the receiver on loopback got %d requests", n)
		}
	})
}

// loopbackHostname is a name other than "localhost" (which endpoint
// validation refuses outright) that resolves to loopback: this machine's own
// host name, as /etc/hosts maps it.
func loopbackHostname(t *testing.T) string {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 || !net.ParseIP(addrs[0]).IsLoopback() {
		t.Fatalf("host name %q resolves to %v (%v), not loopback; the SSRF test needs a name that does", host, addrs, err)
	}
	return host
}

func TestWebhookPublishValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ctx := t.Context()
		rc := newReceiver(t, nil)
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL)})

		first, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: 1, EventID: "evt-1"})
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: 2, EventID: "evt-1"})
		if err != nil || again.ID != first.ID {
			t.Errorf("same event_id: %v, %v; want the original %s", again.ID, err, first.ID)
		}
		for _, tc := range []struct {
			tenant string
			p      client.MessageParams
			status int
			field  string
		}{
			{"acme", client.MessageParams{EventType: "nope.never", Payload: 1}, 422, "event_type"},
			{"acme", client.MessageParams{EventType: "invoice.paid"}, 400, "payload"},
			{"ghost", client.MessageParams{EventType: "invoice.paid", Payload: 1}, 404, ""},
		} {
			_, err := e.client.Publish(ctx, tc.tenant, tc.p)
			ae := apiError(t, err)
			if ae.Status != tc.status || (tc.field != "" && (len(ae.Errors) == 0 || ae.Errors[0].Field != tc.field)) {
				t.Errorf("publish %+v to %s: %v, want %d naming %q", tc.p, tc.tenant, err, tc.status, tc.field)
			}
		}
		waitFor(t, 10*time.Second, "one delivery", func() bool { return len(rc.requests()) == 1 })
		time.Sleep(200 * time.Millisecond)
		if n := len(rc.requests()); n != 1 {
			t.Errorf("deduplicated event delivered %d times", n)
		}
		list, err := e.client.ListMessages(ctx, "acme", client.MessageListParams{EventType: "invoice.paid"})
		if err != nil || len(list.Data) != 1 {
			t.Errorf("list messages: %d, %v", len(list.Data), err)
		}
	})
}

func TestWebhookRecoverAndStats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ctx := t.Context()
		down := true
		rc := newReceiver(t, func(int, *http.Request) (int, http.Header) {
			if down {
				return http.StatusInternalServerError, nil
			}
			return http.StatusOK, nil
		})
		// No retries, and fewer messages than the circuit breaker's threshold
		// (5 failures in a row), so that every one fails at its first attempt
		// however the dispatcher batches them, and none waits out a cooldown.
		const n = 4
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL), RetrySchedule: &[]int{}, MaxConcurrency: client.Ptr(64)})
		since := time.Now().Add(-time.Minute)
		batch := make([]client.MessageParams, n)
		for i := range batch {
			batch[i] = client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"n": i}}
		}
		if _, err := e.client.PublishBatch(ctx, "acme", batch); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, "the failed deliveries", func() bool {
			l, err := e.client.EndpointDeliveries(ctx, "acme", ep.ID, "failed", client.ListParams{Limit: 100})
			return err == nil && len(l.Data) == n
		})
		st, err := e.client.EndpointStats(ctx, "acme", ep.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if st.Attempts < n || st.Successes != 0 || st.SuccessRate != 0 || st.Deliveries["failed"] != n {
			t.Errorf("stats while down: %+v", st)
		}

		down = false
		rec, err := e.client.RecoverEndpoint(ctx, "acme", ep.ID, since)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 20*time.Second, "recovery to finish and deliver", func() bool {
			r, err := e.client.Recovery(ctx, "acme", ep.ID, rec.ID)
			if err != nil || r.Status != "completed" || r.Resent != n {
				return false
			}
			l, err := e.client.EndpointDeliveries(ctx, "acme", ep.ID, "succeeded", client.ListParams{Limit: 100})
			return err == nil && len(l.Data) == n
		})
		st, err = e.client.EndpointStats(ctx, "acme", ep.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if st.Successes != n || st.Deliveries["succeeded"] != n || st.Deliveries["failed"] != 0 {
			t.Errorf("stats after recovery: %+v", st)
		}
	})
}

func TestWebhookAutoDisable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d, "--endpoint-disable-after", "1s")
		ctx := t.Context()
		rc := newReceiver(t, func(int, *http.Request) (int, http.Header) { return http.StatusInternalServerError, nil })
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL), RetrySchedule: &[]int{1, 1, 1, 1}})
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: 1}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, "auto-disable", func() bool {
			got, err := e.client.Endpoint(ctx, "acme", ep.ID)
			return err == nil && got.Disabled && strings.Contains(got.DisabledReason, "no successful delivery since")
		})
	})
}

// TestWebhookMultiNode runs two nodes on one PostgreSQL: they share the
// endpoints, and every attempt is made by exactly one of them.
func TestWebhookMultiNode(t *testing.T) {
	t.Parallel()
	opts := storetest.PostgresOptions(t)
	key := createKey(t, opts)
	args := append([]string{"--rate-limit-store", "memory"}, webhookArgs...)
	a, b := startNode(t, opts, args...), startNode(t, opts, args...)
	ca, cb := client.New(a.URL, key), client.New(b.URL, key)
	ctx := t.Context()
	if _, _, err := ca.PutTenant(ctx, "acme", client.TenantParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.CreateEventType(ctx, client.EventType{Name: "invoice.paid"}); err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, nil)
	const endpoints, messages = 8, 200
	for i := range endpoints {
		if _, err := ca.CreateEndpoint(ctx, "acme", client.EndpointParams{URL: client.Ptr(rc.URL + "/" + strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range messages {
		c := ca
		if i%2 == 1 {
			c = cb
		}
		if _, err := c.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: i}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "all deliveries", func() bool { return len(rc.requests()) >= endpoints*messages })
	time.Sleep(500 * time.Millisecond)
	if got := len(rc.requests()); got != endpoints*messages {
		t.Errorf("receiver got %d requests, want exactly %d (one per delivery)", got, endpoints*messages)
	}
	db := openRaw(t, opts)
	var attempts, nodes int
	if err := db.QueryRow("SELECT count(*), count(DISTINCT node) FROM attempts").Scan(&attempts, &nodes); err != nil {
		t.Fatal(err)
	}
	if attempts != endpoints*messages {
		t.Errorf("%d attempts recorded, want %d", attempts, endpoints*messages)
	}
	if nodes != 2 {
		t.Errorf("attempts were made by %d nodes, want both", nodes)
	}
}

func TestWebhookCircuitBreaker(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ctx := t.Context()
		rc := newReceiver(t, func(int, *http.Request) (int, http.Header) { return http.StatusInternalServerError, nil })
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL), MaxConcurrency: client.Ptr(1), RetrySchedule: &[]int{3600}})
		batch := make([]client.MessageParams, 50)
		for i := range batch {
			batch[i] = client.MessageParams{EventType: "invoice.paid", Payload: i}
		}
		if _, err := e.client.PublishBatch(ctx, "acme", batch); err != nil {
			t.Fatal(err)
		}
		// Five failures in a row open the circuit: the other 45 deliveries
		// are postponed with no attempt spent.
		var untouched int
		waitFor(t, 10*time.Second, "the circuit to open", func() bool {
			l, err := e.client.EndpointDeliveries(ctx, "acme", ep.ID, "pending", client.ListParams{Limit: 100})
			if err != nil {
				return false
			}
			untouched = 0
			for _, dl := range l.Data {
				if dl.Attempts == 0 && dl.NextAttemptAt != nil && time.Until(*dl.NextAttemptAt) > 20*time.Second {
					untouched++
				}
			}
			return untouched == 45
		})
		time.Sleep(300 * time.Millisecond)
		if n := len(rc.requests()); n != 5 {
			t.Errorf("the failing endpoint got %d requests, want 5 before the circuit opened", n)
		}

		// While the circuit is open, a new message waits with the rest rather
		// than going out as a probe (which would fail and reopen it for longer).
		late, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: "late"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the new delivery to be held", func() bool {
			l, err := e.client.EndpointDeliveries(ctx, "acme", ep.ID, "pending", client.ListParams{Limit: 100})
			if err != nil {
				return false
			}
			for _, dl := range l.Data {
				if dl.MessageID == late.ID {
					return dl.Attempts == 0 && dl.NextAttemptAt != nil && time.Until(*dl.NextAttemptAt) > 20*time.Second
				}
			}
			return false
		})
		if n := len(rc.requests()); n != 5 {
			t.Errorf("the open circuit let %d requests through, want none", n-5)
		}
	})
}

func TestWebhookEndpointRateLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ctx := t.Context()
		limited, free := newReceiver(t, nil), newReceiver(t, nil)
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(limited.URL), RateLimit: client.Ptr(20)})
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(free.URL)})
		batch := make([]client.MessageParams, 60)
		for i := range batch {
			batch[i] = client.MessageParams{EventType: "invoice.paid", Payload: i}
		}
		if _, err := e.client.PublishBatch(ctx, "acme", batch); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the unlimited endpoint", func() bool { return len(free.requests()) == 60 })
		waitFor(t, 15*time.Second, "the limited endpoint", func() bool { return len(limited.requests()) == 60 })
		reqs := limited.requests()
		// A burst of 20, then 20 a second: the last 40 take about 2 s.
		if span := reqs[59].At.Sub(reqs[0].At); span < 1800*time.Millisecond {
			t.Errorf("60 deliveries at 20/s took %s, want about 2s", span)
		}
		if span := free.requests()[59].At.Sub(free.requests()[0].At); span > time.Second {
			t.Errorf("the unlimited endpoint took %s for 60 deliveries", span)
		}
	})
}
