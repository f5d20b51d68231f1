package webhooks

import (
	"context"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/webhook"
)

// brokerSender publishes deliveries to a message broker over the endpoint's
// pooled connection (internal/destinations). An attempt succeeds only on the
// broker's acknowledgement, which the attempt log records in place of a
// response body.
type brokerSender struct{ s *Service }

func (b brokerSender) send(ctx context.Context, t target, x due) result {
	r := result{due: x, at: time.Now()}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.s.cfg.Timeout)
	defer cancel()
	keys := t.keys
	if t.previousUntil != nil && !r.at.Before(*t.previousUntil) {
		keys = keys[:1]
	}
	h := http.Header{}
	webhook.SetHeaders(h, keys, x.messageID, r.at, x.payload)
	headers := make(map[string]string, len(t.Headers)+len(x.headers)+4)
	for k, v := range t.Headers {
		headers[k] = v
	}
	for k, v := range x.headers {
		headers[k] = v
	}
	headers[destinations.HeaderID] = h.Get(webhook.HeaderID)
	headers[destinations.HeaderTimestamp] = h.Get(webhook.HeaderTimestamp)
	if sig := h.Get(webhook.HeaderSignature); sig != "" {
		headers[destinations.HeaderSignature] = sig
	}
	m := destinations.Message{ID: x.messageID, EventType: x.eventType, TenantID: t.TenantID, Timestamp: r.at, Body: x.payload, Headers: headers}
	ack, err := b.s.brokers.Publish(ctx, t.ID, t.UpdatedAt.UTC().Format(time.RFC3339Nano), t.brokerTarget(), m)
	r.duration = time.Since(r.at)
	if err != nil {
		r.errText = err.Error()
		if ctx.Err() != nil {
			r.errText = "no acknowledgement within " + b.s.cfg.Timeout.String() + ": " + r.errText
		}
		return r
	}
	r.acked, r.body = true, []byte(ack)
	return r
}

// brokerTarget is what the pool needs to connect to t's broker.
func (t target) brokerTarget() destinations.Target {
	dt := destinations.Target{Type: t.Type, URL: t.URL, Credentials: t.brokerCredentials}
	if t.Broker != nil {
		dt.Settings = *t.Broker
	}
	return dt
}
