package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/transform"
)

// Transformer runs the transformation attached to an endpoint, if any
// (internal/transform): the one place the attempt path calls it, before the
// request is built and signed.
type Transformer interface {
	Apply(ctx context.Context, targetID string, in transform.Input) (transform.Applied, error)
}

// SetTransformer makes the dispatcher run endpoints' transformations.
func (s *Service) SetTransformer(t Transformer) { s.transforms = t }

// attempt makes one attempt at x: it runs the endpoint's transformation, if
// one is attached, and sends what it returned, or records why it failed or
// that it cancelled this delivery. The signature covers the transformed
// body, and is added after it, so a transformation cannot forge one.
func (d *Dispatcher) attempt(ctx context.Context, t target, x due) result {
	if d.s.transforms == nil {
		return d.send(ctx, t, x)
	}
	at := time.Now()
	headers := maps.Clone(t.Headers)
	if headers == nil {
		headers = map[string]string{}
	}
	maps.Copy(headers, x.headers)
	applied, err := d.s.transforms.Apply(ctx, t.ID, transform.Input{
		Webhook: transform.Webhook{EventType: x.eventType, Payload: x.payload, Headers: headers, URL: t.URL},
		Now:     x.publishedAt, // the message's time: a retry computes what the first attempt did
	})
	if err == nil && !applied.Ran {
		return d.send(ctx, t, x)
	}
	r := result{due: x, at: at, transformed: applied.VersionID}
	var runErr *transform.RunError
	switch {
	case errors.As(err, &runErr):
		r.duration = time.Since(at)
		r.errText = "transformation " + runErr.VersionID + " failed: " + runErr.Cause.Kind + ": " + runErr.Cause.Message
		r.permanent = runErr.Permanent()
		return r
	case err != nil: // the node's own trouble (its database): try again later
		r.duration = time.Since(at)
		r.errText = "transformation not run: " + err.Error()
		return r
	}
	w := applied.Result.Webhook
	if w.Cancel {
		// Done without sending: a success without a status, so the endpoint's
		// health is untouched.
		r.duration, r.acked = time.Since(at), true
		r.errText = "cancelled by transformation " + applied.VersionID
		return r
	}
	if w.URL != "" && w.URL != t.URL {
		if err := d.s.urlOptions.CheckURL(w.URL, d.s.cfg.AllowHTTP); err != nil {
			r.duration = time.Since(at)
			r.errText = "transformation " + applied.VersionID + " returned an unusable url: " + err.Error()
			r.permanent = true
			return r
		}
		t.URL = w.URL // the dial still passes the SSRF guard
	}
	x.payload = transform.Body(x.payload, w.Payload)
	t.Headers, x.headers = nil, w.Headers
	sent := d.send(ctx, t, x)
	sent.at, sent.duration, sent.transformed = at, time.Since(at), applied.VersionID
	return sent
}

// EndpointExists reports a NotFound error unless endpointID is an endpoint
// (for attaching a transformation to it).
func (s *Service) EndpointExists(ctx context.Context, endpointID string) error {
	_, _, _, err := endpointGetWithHealth(ctx, s.db, endpointID)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Errorf(apperr.NotFound, "endpoint %s not found", endpointID)
	}
	return err
}
