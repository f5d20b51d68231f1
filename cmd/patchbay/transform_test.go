package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/transform/transformtest"
	"github.com/patchbay/patchbay/webhook"
)

// callJSON sends a JSON request and decodes the answer into out (when not
// nil), failing unless the status is want.
func (e *env) callJSON(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	var s string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		s = string(b)
	}
	resp, b := e.do(t, method, path, s, "Content-Type", "application/json")
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %.500s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %.300s", method, path, err, b)
		}
	}
}

type tfCreated struct {
	ID            string `json:"id"`
	LatestVersion int    `json:"latest_version"`
	Version       struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	} `json:"version"`
}

type tfVersion struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Code    string `json:"code"`
}

type attemptLog struct {
	Status     string `json:"status"`
	AttemptLog []struct {
		Success               bool   `json:"success"`
		StatusCode            *int   `json:"status_code"`
		Error                 string `json:"error"`
		TransformationVersion string `json:"transformation_version"`
	} `json:"attempt_log"`
}

// deliveryOf returns the log of the one delivery of message msgID, once it
// has an attempt.
func (e *env) deliveryOf(t *testing.T, msgID string) attemptLog {
	t.Helper()
	msg, err := e.client.Message(t.Context(), "acme", msgID)
	if err != nil || len(msg.Deliveries) != 1 {
		t.Fatalf("message %s: %v, %d deliveries", msgID, err, len(msg.Deliveries))
	}
	var d attemptLog
	// The receiver may see a request before its attempt is committed.
	waitFor(t, 10*time.Second, "the attempt of "+msgID+" recorded", func() bool {
		e.callJSON(t, "GET", "/v1/tenants/acme/deliveries/"+msg.Deliveries[0].ID, nil, 200, &d)
		return len(d.AttemptLog) > 0 && d.Status != "pending" // the two are read apart
	})
	return d
}

const jsV1 = `function handler(webhook) {
	if (webhook.payload.skip) { webhook.cancel = true; return webhook; }
	webhook.payload = { wrapped: webhook.payload, type: webhook.eventType, v: 1 };
	webhook.headers["X-Transformed"] = "v1";
	return webhook;
}`

const jsV2 = `function handler(webhook) {
	webhook.payload.v = 2;
	webhook.headers["X-Transformed"] = "v2";
	return webhook;
}`

// TestTransformations: a JavaScript transformation attached to an endpoint
// changes what is sent (and signed), each attempt records the version that
// ran, new versions reach "latest" attachments and not pinned ones, cancel
// drops a delivery, and the test operation runs on each kind of sample.
func TestTransformations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		ctx := t.Context()

		// Bad input names the field.
		resp, body := e.do(t, "POST", "/v1/transformations", `{"name":"x","language":"javascript","code":"function handler(w) { return w; "}`)
		if p := problem(t, resp, body); resp.StatusCode != 400 || !hasField(p.Errors, "code") {
			t.Errorf("syntax error: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do(t, "POST", "/v1/transformations", `{"name":"x","language":"lua","code":"x"}`)
		if p := problem(t, resp, body); resp.StatusCode != 400 || !hasField(p.Errors, "language") {
			t.Errorf("unknown language: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do(t, "POST", "/v1/transformations", `{"name":"x","language":"wasm","module_base64":"bm90IHdhc20="}`)
		if p := problem(t, resp, body); resp.StatusCode != 400 || !hasField(p.Errors, "module_base64") {
			t.Errorf("not a module: %d %s", resp.StatusCode, body)
		}

		var tf tfCreated
		e.callJSON(t, "POST", "/v1/transformations", map[string]string{"name": "wrap", "language": "javascript", "code": jsV1}, 201, &tf)
		if tf.LatestVersion != 1 || tf.Version.Version != 1 || !strings.HasPrefix(tf.Version.ID, "tfv_") {
			t.Fatalf("created %+v", tf)
		}
		rc := newReceiver(t, nil)
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL), Headers: &map[string]string{"X-Static": "yes"}})
		e.callJSON(t, "PUT", "/v1/transformations/"+tf.ID+"/attachments/"+ep.ID, nil, 200, nil)
		resp, _ = e.do(t, "PUT", "/v1/transformations/"+tf.ID+"/attachments/ep_01JD5X9Y7Z0000000000000000", "")
		if resp.StatusCode != 404 {
			t.Errorf("attach to a missing endpoint: %d, want 404", resp.StatusCode)
		}

		publish := func(payload any) string {
			t.Helper()
			m, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: payload})
			if err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		m1 := publish(map[string]int{"amount": 42})
		waitFor(t, 10*time.Second, "the transformed delivery", func() bool { return len(rc.requests()) == 1 })
		got := rc.requests()[0]
		if string(got.Body) != `{"wrapped":{"amount":42},"type":"invoice.paid","v":1}` {
			t.Errorf("body %s", got.Body)
		}
		if got.Header.Get("X-Transformed") != "v1" || got.Header.Get("X-Static") != "yes" {
			t.Errorf("headers %v", got.Header)
		}
		if err := webhook.Verify(ep.Secret, got.Header, got.Body); err != nil {
			t.Errorf("the signature does not cover the transformed body: %v", err)
		}
		if dl := e.deliveryOf(t, m1); dl.Status != "succeeded" || dl.AttemptLog[0].TransformationVersion != tf.Version.ID {
			t.Errorf("delivery %+v, want the attempt to record %s", dl, tf.Version.ID)
		}

		// Cancel: nothing is sent, the delivery is done.
		m2 := publish(map[string]bool{"skip": true})
		if dl := e.deliveryOf(t, m2); dl.Status != "succeeded" || len(dl.AttemptLog) != 1 || dl.AttemptLog[0].StatusCode != nil || !strings.Contains(dl.AttemptLog[0].Error, "cancelled") {
			t.Errorf("cancelled delivery %+v", dl)
		}

		// A new version runs for "latest"; pinning version 1 brings it back.
		var v2 tfVersion
		e.callJSON(t, "POST", "/v1/transformations/"+tf.ID+"/versions", map[string]string{"code": jsV2}, 201, &v2)
		if v2.Version != 2 || v2.Code != jsV2 {
			t.Fatalf("version 2: %+v", v2)
		}
		m3 := publish(map[string]int{"amount": 1})
		waitFor(t, 10*time.Second, "the v2 delivery", func() bool { return len(rc.requests()) == 2 })
		if b := string(rc.requests()[1].Body); b != `{"amount":1,"v":2}` {
			t.Errorf("v2 body %s", b)
		}
		if dl := e.deliveryOf(t, m3); dl.AttemptLog[0].TransformationVersion != v2.ID {
			t.Errorf("v2 attempt %+v", dl)
		}
		e.callJSON(t, "PUT", "/v1/transformations/"+tf.ID+"/attachments/"+ep.ID, map[string]int{"version": 1}, 200, nil)
		publish(map[string]int{"amount": 3})
		waitFor(t, 10*time.Second, "the pinned delivery", func() bool { return len(rc.requests()) == 3 })
		if h := rc.requests()[2].Header.Get("X-Transformed"); h != "v1" {
			t.Errorf("pinned to version 1, ran %q", h)
		}
		resp, body = e.do(t, "PUT", "/v1/transformations/"+tf.ID+"/attachments/"+ep.ID, `{"version":9}`)
		if p := problem(t, resp, body); resp.StatusCode != 400 || !hasField(p.Errors, "version") {
			t.Errorf("pin a missing version: %d %s", resp.StatusCode, body)
		}
		var versions struct {
			Data []tfVersion `json:"data"`
		}
		e.callJSON(t, "GET", "/v1/transformations/"+tf.ID+"/versions", nil, 200, &versions)
		if len(versions.Data) != 2 || versions.Data[0].Version != 2 || versions.Data[0].Code != "" {
			t.Errorf("versions %+v", versions)
		}

		// The test operation, on a payload, a real message and an example.
		var res struct {
			OK      bool `json:"ok"`
			Webhook struct {
				Payload json.RawMessage   `json:"payload"`
				Headers map[string]string `json:"headers"`
			} `json:"webhook"`
			Error *struct {
				Kind    string `json:"kind"`
				Message string `json:"message"`
			} `json:"error"`
			Logs       []string `json:"logs"`
			DurationMS float64  `json:"duration_ms"`
			Sample     string   `json:"sample"`
		}
		e.callJSON(t, "POST", "/v1/transformations/test", map[string]any{"language": "javascript",
			"code":       `function handler(w) { console.log("seen", w.eventType); w.payload.n += 1; return w; }`,
			"event_type": "invoice.paid", "payload": map[string]int{"n": 1}}, 200, &res)
		if !res.OK || string(res.Webhook.Payload) != `{"n":2}` || res.Sample != "payload" || len(res.Logs) != 1 || res.Logs[0] != "seen invoice.paid" || res.DurationMS <= 0 {
			t.Errorf("test on a payload: %+v", res)
		}
		res.Logs = nil
		e.callJSON(t, "POST", "/v1/transformations/"+tf.ID+"/test", map[string]any{"tenant_id": "acme", "message_id": m1}, 200, &res)
		if !res.OK || string(res.Webhook.Payload) != `{"amount":42,"v":2}` || res.Sample != "message" {
			t.Errorf("test on a message: %+v", res)
		}
		e.callJSON(t, "PATCH", "/v1/event-types/invoice.paid", map[string]any{"example": map[string]int{"amount": 7}}, 200, nil)
		e.callJSON(t, "POST", "/v1/transformations/"+tf.ID+"/test", map[string]any{"version": 1, "event_type": "invoice.paid"}, 200, &res)
		if !res.OK || string(res.Webhook.Payload) != `{"wrapped":{"amount":7},"type":"invoice.paid","v":1}` || res.Sample != "example" {
			t.Errorf("test on the example: %+v", res)
		}
		e.callJSON(t, "POST", "/v1/transformations/test", map[string]any{"language": "javascript",
			"code": `function handler(w) { for (;;) {} }`, "payload": map[string]int{}}, 200, &res)
		if res.OK || res.Error == nil || res.Error.Kind != "timeout" {
			t.Errorf("test of an infinite loop: %+v", res)
		}
		resp, body = e.do(t, "POST", "/v1/transformations/test", `{"language":"javascript","code":"function handler(w){return w}"}`)
		if p := problem(t, resp, body); resp.StatusCode != 400 || !hasField(p.Errors, "payload") {
			t.Errorf("test without a sample: %d %s", resp.StatusCode, body)
		}

		// Deleting an attached transformation is refused; detached, it goes.
		resp, _ = e.do(t, "DELETE", "/v1/transformations/"+tf.ID, "")
		if resp.StatusCode != 409 {
			t.Errorf("delete while attached: %d, want 409", resp.StatusCode)
		}
		e.callJSON(t, "DELETE", "/v1/transformations/"+tf.ID+"/attachments/"+ep.ID, nil, 204, nil)
		e.callJSON(t, "DELETE", "/v1/transformations/"+tf.ID, nil, 204, nil)
		publish(map[string]int{"plain": 1})
		waitFor(t, 10*time.Second, "the untransformed delivery", func() bool { return len(rc.requests()) == 4 })
		if b := string(rc.requests()[3].Body); b != `{"plain":1}` {
			t.Errorf("after detaching: %s", b)
		}
	})
}

// TestTransformationWasm: the Go example module under examples/, uploaded
// gzip-compressed, transforms deliveries like a JavaScript one.
func TestTransformationWasm(t *testing.T) {
	t.Parallel()
	module := transformtest.Example(t)
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d, "--body-limit", "16777216")
		var tf tfCreated
		e.callJSON(t, "POST", "/v1/transformations", map[string]string{"name": "go", "language": "wasm",
			"module_base64": base64.StdEncoding.EncodeToString(gzipBytes(t, module))}, 201, &tf)
		rc := newReceiver(t, nil)
		ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL)})
		e.callJSON(t, "PUT", "/v1/transformations/"+tf.ID+"/attachments/"+ep.ID, nil, 200, nil)
		m, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"amount": 5}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "the Wasm-transformed delivery", func() bool { return len(rc.requests()) == 1 })
		got := rc.requests()[0]
		if string(got.Body) != `{"data":{"amount":5},"type":"invoice.paid"}` || got.Header.Get("X-Transformed") != "go-wasm" {
			t.Errorf("delivered %s %v", got.Body, got.Header)
		}
		if dl := e.deliveryOf(t, m.ID); dl.AttemptLog[0].TransformationVersion != tf.Version.ID {
			t.Errorf("attempt %+v", dl)
		}
	})
}

// hostileJS are transformations that misbehave, each attached to an
// endpoint of its own, pinned (so a deterministic failure is final).
var hostileJS = map[string]struct{ code, reason string }{
	"loop":      {`function handler(w) { for (;;) {} }`, "timeout"},
	"alloc":     {`function handler(w) { var a = []; for (var i = 0; i < 1024; i++) a.push(new Uint8Array(1 << 20)); return w; }`, "memory"},
	"recursion": {`function handler(w) { function r(n) { return r(n + 1) + 1; } return r(0); }`, "stack overflow"},
	"huge":      {`function handler(w) { w.payload = "x".repeat(2 << 20); return w; }`, ""},
	"throw":     {`function handler(w) { throw new Error("customer not found"); }`, "customer not found"},
	"wrongtype": {`function handler(w) { return 42; }`, "invalid"},
	"network":   {`function handler(w) { fetch("http://127.0.0.1:5432"); return w; }`, "ReferenceError"},
	"files":     {`function handler(w) { std.loadFile("/etc/passwd"); return w; }`, "ReferenceError"},
}

// TestTransformationHostile: hostile transformations fail their own
// attempts with the reason recorded, while the node keeps delivering
// another endpoint's messages, on both stores.
func TestTransformationHostile(t *testing.T) {
	t.Parallel()
	hostileWasm := transformtest.Hostile(t)
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d, "--body-limit", "16777216", "--webhook-retry-schedule", "1h")
		ctx := t.Context()
		healthy := newReceiver(t, nil)
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(healthy.URL)})
		hostile := map[string]string{} // endpoint ID → the expected reason
		attach := func(name, language string, code map[string]string, reason string) {
			t.Helper()
			body := map[string]string{"name": name, "language": language}
			for k, v := range code {
				body[k] = v
			}
			var tf tfCreated
			e.callJSON(t, "POST", "/v1/transformations", body, 201, &tf)
			rc := newReceiver(t, nil)
			ep := mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL)})
			e.callJSON(t, "PUT", "/v1/transformations/"+tf.ID+"/attachments/"+ep.ID, map[string]int{"version": 1}, 200, nil)
			hostile[ep.ID] = reason
		}
		for name, h := range hostileJS {
			attach(name, "javascript", map[string]string{"code": h.code}, h.reason)
		}
		// Wasm: the hostile module misbehaves as each message's mode says.
		loopWasm := base64.StdEncoding.EncodeToString(gzipBytes(t, hostileWasm))
		setupStart := time.Now()
		attach("wasm", "wasm", map[string]string{"module_base64": loopWasm}, "")
		t.Logf("the hostile Wasm module was saved (and compiled) in %s", time.Since(setupStart))

		const n = 24
		start := time.Now()
		var ids []string
		for i := range n {
			mode := []string{"loop", "alloc", "recurse", "huge", "panic", "escape"}[i%6]
			m, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]any{"n": i, "mode": mode}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		waitFor(t, 60*time.Second, fmt.Sprintf("%d deliveries to the healthy endpoint", n), func() bool { return len(healthy.requests()) == n })
		t.Logf("%d messages delivered to the healthy endpoint in %s beside %d hostile endpoints", n, time.Since(start), len(hostile))
		// Every hostile endpoint's attempts failed with a reason, and none
		// reached its receiver.
		for _, msgID := range ids[:6] {
			msg, err := e.client.Message(ctx, "acme", msgID)
			if err != nil {
				t.Fatal(err)
			}
			for _, dl := range msg.Deliveries {
				reason, ok := hostile[dl.EndpointID]
				if !ok {
					continue
				}
				var log attemptLog
				waitFor(t, 30*time.Second, "an attempt by "+dl.EndpointID, func() bool {
					e.callJSON(t, "GET", "/v1/tenants/acme/deliveries/"+dl.ID, nil, 200, &log)
					return len(log.AttemptLog) > 0
				})
				a := log.AttemptLog[0]
				if a.Success && reason == "" {
					// Only the Wasm module's "escape" mode succeeds: it
					// reports that it reached no file, network or
					// environment.
					continue
				}
				if a.TransformationVersion == "" || a.StatusCode != nil || a.Success {
					t.Errorf("endpoint %s: attempt %+v, want a transformation failure without a request", dl.EndpointID, a)
					continue
				}
				if !strings.Contains(a.Error, "transformation ") || !strings.Contains(a.Error, reason) {
					t.Errorf("endpoint %s: error %q, want the reason %q", dl.EndpointID, a.Error, reason)
				}
			}
		}
		t.Logf("attempts checked after %s", time.Since(start))
		resp, _ := http.Get(e.node.URL + "/healthz")
		if resp == nil || resp.StatusCode != 200 {
			t.Errorf("the node is not healthy after the hostile runs")
		}
	})
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTransformationOnSource: a source's transformation runs after
// verification: it normalises the forwarded body, chooses the tenant and
// event type of the re-emit, drops events, and a failing one keeps the event
// (with the reason) without forwarding or re-emitting it.
func TestTransformationOnSource(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		tenantRC := newReceiver(t, nil)
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(tenantRC.URL), EventTypes: &[]string{"user.created"}})
		dest := newReceiver(t, nil)
		src := e.createSource(t, `{"name":"Provider","verifier":{"scheme":"none"},"destination_url":"`+dest.URL+`",
			"route":{"event_type":"invoice.paid","tenant_id":"nobody"}}`)
		var tf tfCreated
		e.callJSON(t, "POST", "/v1/transformations", map[string]string{"name": "normalise", "language": "javascript", "code": `
			function handler(webhook) {
				var p = webhook.payload;
				if (p.kind === "ping") { webhook.cancel = true; return webhook; }
				if (p.kind === "bad") { throw new Error("unknown kind"); }
				webhook.payload = { user: p.data.user_id, source_event: webhook.eventType };
				webhook.eventType = "user.created";
				webhook.tenantId = p.data.account;
				webhook.headers["X-Normalised"] = "1";
				return webhook;
			}`}, 201, &tf)
		e.callJSON(t, "PUT", "/v1/transformations/"+tf.ID+"/attachments/"+src.ID, nil, 200, nil)

		for _, body := range []string{`{"kind":"signup","data":{"user_id":"u1","account":"acme"}}`, `{"kind":"ping"}`, `{"kind":"bad"}`} {
			if st, _, got := post(t, src.IngestURL, []byte(body)); st != 200 {
				t.Fatalf("ingest %s: %d %s", body, st, got)
			}
		}
		waitFor(t, 15*time.Second, "the forward and the re-emit", func() bool {
			return len(dest.requests()) == 1 && len(tenantRC.requests()) == 1
		})
		if b := string(dest.requests()[0].Body); b != `{"user":"u1","source_event":"invoice.paid"}` {
			t.Errorf("forwarded %s", b)
		}
		if b := string(tenantRC.requests()[0].Body); b != `{"user":"u1","source_event":"invoice.paid"}` {
			t.Errorf("re-emitted to acme as user.created: %s", b)
		}
		var events struct {
			Data []struct {
				Body                  json.RawMessage `json:"body"`
				TransformationVersion string          `json:"transformation_version"`
				TransformationError   string          `json:"transformation_error"`
			} `json:"data"`
		}
		e.callJSON(t, "GET", "/v1/sources/"+src.ID+"/events", nil, 200, &events)
		if len(events.Data) != 3 {
			t.Fatalf("%d events stored, want all 3", len(events.Data))
		}
		reasons := map[string]string{}
		for _, ev := range events.Data {
			if ev.TransformationVersion != tf.Version.ID {
				t.Errorf("event %s: version %q, want %s", ev.Body, ev.TransformationVersion, tf.Version.ID)
			}
			var p struct{ Kind string }
			json.Unmarshal(ev.Body, &p) //nolint:errcheck // the kind names the event; the body is the provider's, kept as sent
			reasons[p.Kind] = ev.TransformationError
		}
		if reasons["signup"] != "" || !strings.Contains(reasons["ping"], "cancelled") || !strings.Contains(reasons["bad"], "unknown kind") {
			t.Errorf("reasons %q", reasons)
		}
		time.Sleep(300 * time.Millisecond) // room for a wrong forward of the dropped or failed events to show
		if len(dest.requests()) != 1 || len(tenantRC.requests()) != 1 {
			t.Errorf("dropped or failed events were sent: %d forwards, %d re-emits", len(dest.requests()), len(tenantRC.requests()))
		}
	})
}
