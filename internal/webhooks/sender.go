package webhooks

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/propagation"

	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/retry"
	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/tracing"
	"github.com/patchbay/patchbay/webhook"
)

// sender makes one attempt to deliver to an endpoint of one type. Safe for
// concurrent use: sendAll runs up to the endpoint's concurrency at once.
type sender interface {
	send(ctx context.Context, t target, x due) result
}

// senderFor returns the sender for t's type: HTTP (sender.go) or a message
// broker (sender_broker.go).
func (d *Dispatcher) senderFor(t target) sender {
	if t.Type == "" || t.Type == destinations.TypeHTTP {
		return httpSender{d.s}
	}
	return brokerSender{d.s}
}

// httpSender POSTs deliveries to an endpoint's URL.
type httpSender struct{ s *Service }

// send makes one attempt: a POST of the payload, signed.
func (h httpSender) send(ctx context.Context, t target, x due) result {
	r := result{due: x, at: time.Now()}
	// An attempt in flight finishes even when the node is shutting down: its
	// own timeout bounds it, and its result is recorded.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(x.payload))
	if err != nil {
		r.errText = "invalid request: " + err.Error()
		return r
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range t.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range x.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "Patchbay-Webhooks/1")
	keys := t.keys
	if t.previousUntil != nil && !r.at.Before(*t.previousUntil) {
		keys = keys[:1] // the worker outlived the previous secret's overlap
	}
	webhook.SetHeaders(req.Header, keys, x.messageID, r.at, x.payload)
	if h.s.tracer != nil && h.s.cfg.Traceparent {
		tracing.Propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
	}
	resp, err := h.s.client.Do(req)
	if err != nil {
		r.duration = time.Since(r.at)
		r.errText = describe(err, h.s.cfg.Timeout)
		return r
	}
	r.body, _, err = safehttp.ReadBody(resp.Body, responseBodyLimit)
	resp.Body.Close()
	r.duration = time.Since(r.at)
	r.status = resp.StatusCode
	if err != nil && r.ok() {
		r.errText = "reading the response: " + err.Error()
	}
	if r.status == http.StatusTooManyRequests || r.status == http.StatusServiceUnavailable {
		r.retryAfter, _ = retry.After(resp.Header.Get("Retry-After"), r.at)
	}
	return r
}
