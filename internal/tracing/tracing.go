// Package tracing sets up OpenTelemetry traces for a node, from the
// standard OTEL_* environment variables only, and holds the small helpers
// the capabilities share to make spans.
//
// Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER=otlp is set:
// then the tracer provider is the no-op one, whose spans cost a
// context lookup and nothing else. With an exporter, spans go over OTLP,
// HTTP (http/protobuf, the default) or gRPC (OTEL_EXPORTER_OTLP_PROTOCOL or
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc); the exporters read their
// endpoint, headers, TLS and timeout settings from the same variables, and
// the SDK reads OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES.
//
// There is no global tracer provider: each node passes its own to the
// services it builds, so nodes in one test process trace apart.
package tracing

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Scope is the instrumentation scope of every Patchbay tracer.
const Scope = "github.com/patchbay/patchbay"

// Enabled reports whether the environment asks for traces.
func Enabled(getenv func(string) string) bool {
	switch getenv("OTEL_TRACES_EXPORTER") {
	case "none":
		return false
	case "otlp":
		return true
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// FromEnv returns the tracer provider the OTEL_* variables describe, and the
// function that flushes and stops it (nil error, nothing to do, when
// tracing is off).
func FromEnv(ctx context.Context, version string) (trace.TracerProvider, func(context.Context) error, error) {
	if !Enabled(os.Getenv) {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var exporter sdktrace.SpanExporter
	var err error
	switch protocol {
	case "", "http/protobuf":
		exporter, err = otlptracehttp.New(ctx)
	case "grpc":
		exporter, err = otlptracegrpc.New(ctx)
	default:
		return nil, nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: Patchbay exports traces over http/protobuf or grpc", protocol)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.Merge(resource.NewSchemaless(semconv.ServiceName("patchbay"), semconv.ServiceVersion(version)),
		resource.Environment())
	if err != nil {
		return nil, nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	return tp, tp.Shutdown, nil
}

// Propagator reads and writes W3C traceparent and tracestate headers.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Or returns tp, or the no-op provider when tp is nil.
func Or(tp trace.TracerProvider) trace.TracerProvider {
	if tp == nil {
		return noop.NewTracerProvider()
	}
	return tp
}

// Tracer returns tp's Patchbay tracer, the no-op one when tp is nil.
func Tracer(tp trace.TracerProvider) trace.Tracer { return Or(tp).Tracer(Scope) }

// End ends span, recording err as its error status when it is not nil.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// String is attribute.String, so callers need not import attribute.
func String(k, v string) attribute.KeyValue { return attribute.String(k, v) }

// Int is attribute.Int.
func Int(k string, v int) attribute.KeyValue { return attribute.Int(k, v) }
