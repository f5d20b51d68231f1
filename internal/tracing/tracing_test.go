package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"
)

// TestFromEnv: without OTEL_* variables the provider is the no-op one;
// with OTEL_EXPORTER_OTLP_ENDPOINT, spans reach a loopback OTLP/HTTP
// collector when the provider shuts down; an unknown protocol is an error.
func TestFromEnv(t *testing.T) {
	ctx := context.Background()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	tp, stop, err := FromEnv(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tp.(noop.TracerProvider); !ok {
		t.Errorf("tracer provider without OTEL_* variables is %T, want the no-op one", tp)
	}
	if err := stop(ctx); err != nil {
		t.Fatal(err)
	}

	var got atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
			got.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	tp, stop, err = FromEnv(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, span := Tracer(tp).Start(ctx, "one")
	span.End()
	if err := stop(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if got.Load() == 0 {
		t.Error("the OTLP/HTTP collector received no export request")
	}

	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")
	if _, _, err := FromEnv(ctx, "test"); err == nil {
		t.Error("an unknown OTEL_EXPORTER_OTLP_PROTOCOL was accepted")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	if _, stop, err := FromEnv(ctx, "test"); err != nil {
		t.Errorf("grpc exporter: %v", err)
	} else {
		stop(ctx) //nolint:errcheck // nothing was exported
	}
}
