package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestTracesOfPublishToDelivery: a node tracing into an in-memory
// exporter, a publish that carries the caller's traceparent, and its
// delivery to a loopback receiver. The spans form one trace: the caller's
// → the publish request → webhooks.publish (with its transaction) →
// webhooks.attempt, and the receiver gets the attempt's traceparent.
func TestTracesOfPublishToDelivery(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		exporter := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
		t.Cleanup(func() { tp.Shutdown(context.Background()) }) //nolint:errcheck // in memory

		var mu sync.Mutex
		var received []http.Header
		got := make(chan struct{}, 1)
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			received = append(received, r.Header.Clone())
			mu.Unlock()
			select {
			case got <- struct{}{}:
			default:
			}
		}))
		t.Cleanup(receiver.Close)

		opts := d.Options(t)
		env := map[string]string{config.EnvName("data"): opts.DataDir, config.EnvName("database-url"): opts.DatabaseURL,
			config.EnvName("webhook-allow-http"): "true", config.EnvName("outbound-allow"): "127.0.0.0/8",
			config.EnvName("webhook-traceparent"): "true", config.EnvName("rate-limit"): "0"}
		if opts.DatabaseURL != "" {
			key := make([]byte, 32)
			rand.Read(key)
			env[config.EnvName("encryption-key")] = base64.StdEncoding.EncodeToString(key)
		}
		cfg, err := config.Register(flag.NewFlagSet("test", flag.ContinueOnError)).Load(func(name string) string { return env[name] })
		if err != nil {
			t.Fatal(err)
		}
		a, err := New(t.Context(), cfg, storetest.DiscardLogger(), "test", WithTracerProvider(tp))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		_, token, err := a.Keys.Create(t.Context(), auth.NewKey{Name: "test", Scopes: []string{auth.ScopeAll}})
		if err != nil {
			t.Fatal(err)
		}
		url, _ := run(t, a)
		call := func(method, path, body string, header http.Header) {
			t.Helper()
			req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
			for k, v := range header {
				req.Header[k] = v
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 300 {
				t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
			}
		}
		call("PUT", "/v1/tenants/acme", `{"name":"Acme"}`, nil)
		call("POST", "/v1/event-types", `{"name":"invoice.paid"}`, nil)
		call("POST", "/v1/tenants/acme/endpoints", `{"url":"`+receiver.URL+`"}`, nil)

		// The caller's own span, sampled, sent as traceparent.
		callerCtx, caller := tp.Tracer("caller").Start(context.Background(), "saas publishes")
		header := http.Header{}
		propagation.TraceContext{}.Inject(callerCtx, propagation.HeaderCarrier(header))
		caller.End()
		call("POST", "/v1/tenants/acme/messages", `{"event_type":"invoice.paid","payload":{"amount":42}}`, header)
		select {
		case <-got:
		case <-time.After(15 * time.Second):
			t.Fatal("no delivery within 15 s")
		}
		traceID := caller.SpanContext().TraceID()

		var attempt tracetest.SpanStub
		waitSpans := time.Now().Add(10 * time.Second)
		for {
			for _, s := range exporter.GetSpans() {
				if s.Name == "webhooks.attempt" && s.SpanContext.TraceID() == traceID {
					attempt = s
				}
			}
			if attempt.Name != "" || time.Now().After(waitSpans) {
				break
			}
			time.Sleep(10 * time.Millisecond) // the attempt's span ends just after the receiver answers
		}
		spans := map[trace.SpanID]tracetest.SpanStub{}
		var inTrace []string
		for _, s := range exporter.GetSpans() {
			if s.SpanContext.TraceID() == traceID {
				spans[s.SpanContext.SpanID()] = s
				inTrace = append(inTrace, s.Name)
			}
		}
		if attempt.Name == "" {
			t.Fatalf("no webhooks.attempt span in the caller's trace; its spans: %v", inTrace)
		}
		// Walk up from the attempt: publish span, request span, the caller.
		var chain []string
		for s, ok := attempt, true; ok; s, ok = spans[s.Parent.SpanID()] {
			chain = append(chain, s.Name)
		}
		want := []string{"webhooks.attempt", "webhooks.publish", "POST /v1/tenants/{tenant_id}/messages", "saas publishes"}
		if strings.Join(chain, " ← ") != strings.Join(want, " ← ") {
			t.Errorf("attempt's ancestry %q, want %q", chain, want)
		}
		if attempt.SpanKind != trace.SpanKindClient || attempt.Status.Code.String() != "Unset" {
			t.Errorf("attempt span kind %v status %v", attempt.SpanKind, attempt.Status)
		}
		attrs := map[string]string{}
		for _, kv := range attempt.Attributes {
			attrs[string(kv.Key)] = kv.Value.Emit()
		}
		if !strings.HasPrefix(attrs["messaging.message.id"], "msg_") || attrs["http.response.status_code"] != "200" || attrs["patchbay.attempt"] != "1" {
			t.Errorf("attempt attributes %v", attrs)
		}
		var txUnderPublish bool
		for _, s := range spans {
			if p, ok := spans[s.Parent.SpanID()]; ok && s.Name == "db.transaction" && p.Name == "webhooks.publish" {
				txUnderPublish = true
			}
		}
		if !txUnderPublish {
			t.Errorf("no db.transaction span under webhooks.publish; the trace's spans: %v", inTrace)
		}
		// A job enqueued by a traced request runs in that request's trace.
		call("PUT", "/v1/tenants/gone", `{"name":"Gone"}`, nil)
		delCtx, deleter := tp.Tracer("caller").Start(context.Background(), "saas deletes a tenant")
		header = http.Header{}
		propagation.TraceContext{}.Inject(delCtx, propagation.HeaderCarrier(header))
		deleter.End()
		call("DELETE", "/v1/tenants/gone", "", header)
		var purge tracetest.SpanStub
		waitSpans = time.Now().Add(20 * time.Second)
		for purge.Name == "" && time.Now().Before(waitSpans) {
			for _, s := range exporter.GetSpans() {
				if s.Name == "job tenant_purge" && s.SpanContext.TraceID() == deleter.SpanContext().TraceID() {
					purge = s
				}
			}
			time.Sleep(20 * time.Millisecond) // the job is polled for
		}
		if purge.Name == "" {
			t.Error("no job tenant_purge span in the trace of the DELETE that enqueued it")
		}

		mu.Lock()
		gotTP := received[0].Get("Traceparent")
		mu.Unlock()
		wantTP := "00-" + traceID.String() + "-" + attempt.SpanContext.SpanID().String() + "-01"
		if gotTP != wantTP {
			t.Errorf("receiver got traceparent %q, want the attempt's %q", gotTP, wantTP)
		}
	})
}
