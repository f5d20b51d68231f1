package webhooks

import (
	"context"
	"encoding/json"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/tracing"
)

// traceparentKey holds, among a message's headers, the W3C traceparent of
// the span that published it. Like base64BodyKey it is no valid header
// name, so no forwarded header can take its place, and it is never sent.
const traceparentKey = "patchbay traceparent"

// traceHeaders is the messages' headers column for messages published in
// sc: nil (no headers) unless sc is sampled, so untraced publishes store
// nothing more.
func traceHeaders(sc trace.SpanContext) any {
	if !sc.IsSampled() {
		return nil
	}
	carrier := propagation.MapCarrier{}
	tracing.Propagator.Inject(trace.ContextWithSpanContext(context.Background(), sc), carrier)
	b, err := json.Marshal(map[string]string{traceparentKey: carrier.Get("traceparent")})
	if err != nil {
		return nil
	}
	return string(b)
}

// attemptContext is ctx with the publish span of x's message as the
// remote parent, when it was traced.
func attemptContext(ctx context.Context, x due) context.Context {
	if x.traceparent == "" {
		return ctx
	}
	return tracing.Propagator.Extract(ctx, propagation.MapCarrier{"traceparent": x.traceparent})
}
