package inbound

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/patchbay/patchbay/internal/transform"
)

// Transformer runs the transformation attached to a source, if any
// (internal/transform).
type Transformer interface {
	Apply(ctx context.Context, targetID string, in transform.Input) (transform.Applied, error)
}

// SetTransformer makes ingestion run sources' transformations, logging
// their failures to logger.
func (s *Service) SetTransformer(t Transformer, logger *slog.Logger) {
	s.transforms, s.transformLog = t, logger
}

// Routed is a re-emit as a source's transformation changed it: the event
// type, tenant and payload to publish instead of the route's and the body's.
type Routed struct {
	EventType string `json:"event_type,omitempty"`
	TenantID  string `json:"tenant_id,omitempty"`
	// Payload is JSON kept as text: job arguments are stored as jsonb on
	// PostgreSQL, which would respace it.
	Payload string `json:"payload,omitempty"`
}

// transformed is the outcome of a source's transformation for one event.
type transformed struct {
	version string // the version that ran, tfv_…
	failure string // why it failed; the event is then kept only
	cancel  bool   // it dropped the event: kept only
	headers map[string]string
	body    []byte
	routed  *Routed
}

// applyTransformation runs the source's transformation on a verified event,
// the one place ingestion calls it: before the event is stored, so that its
// forward and re-emit carry what it returned. Nil when none is attached. A
// failure never refuses the event: it is stored (and deduplicated) with the
// reason, and neither forwarded nor re-emitted; the provider gets its
// answer as usual.
func (s *Service) applyTransformation(ctx context.Context, src Source, headers map[string]string, body []byte) *transformed {
	if s.transforms == nil {
		return nil
	}
	w := transform.Webhook{EventType: "inbound." + string(src.verifier.Scheme), Payload: body, Headers: headers}
	if src.Route != nil {
		w.EventType, w.TenantID = src.Route.EventType, src.Route.TenantID
	}
	applied, err := s.transforms.Apply(ctx, src.ID, transform.Input{Webhook: w, Now: time.Now().UTC()})
	if err == nil && !applied.Ran {
		return nil
	}
	t := &transformed{version: applied.VersionID}
	var runErr *transform.RunError
	switch {
	case errors.As(err, &runErr):
		t.failure = runErr.Cause.Kind + ": " + runErr.Cause.Message
	case err != nil:
		t.failure = "not run: " + err.Error()
	}
	if t.failure != "" {
		if s.transformLog != nil {
			s.transformLog.Warn("an incoming event's transformation failed: the event is kept, not forwarded or re-emitted",
				"source_id", src.ID, "transformation_version", t.version, "reason", t.failure)
		}
		return t
	}
	out := applied.Result.Webhook
	t.cancel = out.Cancel
	t.headers = out.Headers
	t.body = transform.Body(body, out.Payload)
	if src.Route != nil {
		t.routed = &Routed{EventType: out.EventType, TenantID: out.TenantID, Payload: string(out.Payload)}
	}
	return t
}

// SourceExists reports a NotFound error unless sourceID is a source (for
// attaching a transformation to it).
func (s *Service) SourceExists(ctx context.Context, sourceID string) error {
	_, err := s.source(ctx, s.db, sourceID)
	return err
}
