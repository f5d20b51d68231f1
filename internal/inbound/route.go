package inbound

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/webhooks"
	"github.com/patchbay/patchbay/verify"
)

// RouteArgs re-emits one stored event as an outgoing message. It is
// inserted in the transaction that stores the event, so no routed event is
// lost, and it publishes with the event's ID as the message's event_id, so
// running it again sends nothing twice.
type RouteArgs struct {
	SourceID string `json:"source_id"`
	EventID  string `json:"event_id"`
	// Routed is set when the source's transformation ran: what it chose.
	Routed *Routed `json:"routed,omitempty"`
}

func (RouteArgs) Kind() string { return "inbound_route" }

// publisher is the part of the outgoing-webhooks service routing uses.
type publisher interface {
	Publish(ctx context.Context, tenantID string, in []webhooks.MessageIn) ([]webhooks.Message, error)
}

// RouteWorker works RouteArgs.
type RouteWorker struct {
	river.WorkerDefaults[RouteArgs]
	Service  *Service
	Webhooks publisher
	Logger   *slog.Logger
}

func (w *RouteWorker) Work(ctx context.Context, job *river.Job[RouteArgs]) error {
	src, err := w.Service.source(ctx, w.Service.db, job.Args.SourceID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return river.JobCancel(err) // the source was deleted, with its events
	} else if err != nil {
		return err
	}
	if src.Route == nil {
		return river.JobCancel(fmt.Errorf("source %s no longer routes its events", src.ID))
	}
	evt, err := w.Service.Event(ctx, src.ID, job.Args.EventID)
	if err != nil {
		return err
	}
	if evt.BodyRemoved {
		return w.giveUp(evt, "its body was removed after the retention period")
	}
	if !json.Valid(evt.Body) || evt.Body[0] == '"' { // rawBody quotes what is not JSON
		return w.giveUp(evt, "only JSON bodies can be routed as messages")
	}
	eventType, tenantID, payload := src.Route.EventType, src.Route.TenantID, json.RawMessage(evt.Body)
	if rt := job.Args.Routed; rt != nil { // the source's transformation chose these
		eventType, tenantID = cmp.Or(rt.EventType, eventType), cmp.Or(rt.TenantID, tenantID)
		if rt.Payload != "" {
			payload = json.RawMessage(rt.Payload)
		}
	}
	if tenantID == "" {
		if tenantID, err = verify.LookupPointer(evt.Body, src.Route.TenantPointer); err != nil || tenantID == "" {
			return w.giveUp(evt, "no tenant ID at "+src.Route.TenantPointer)
		}
	}
	_, err = w.Webhooks.Publish(ctx, tenantID, []webhooks.MessageIn{{EventType: eventType, Payload: payload, EventID: evt.ID}})
	switch apperr.CodeOf(err) {
	case apperr.NotFound, apperr.Invalid, apperr.Unprocessable:
		// An unknown tenant or event type, or a payload its schema refuses:
		// retrying cannot help.
		return w.giveUp(evt, "to tenant "+tenantID+": "+err.Error())
	}
	return err
}

// giveUp ends a routing that retrying cannot help, and says why in the log:
// a job's error alone is seen by no one.
func (w *RouteWorker) giveUp(evt Event, why string) error {
	w.Logger.Warn("an incoming event was not routed", "source_id", evt.SourceID, "event_id", evt.ID, "reason", why)
	return river.JobCancel(fmt.Errorf("event %s: %s", evt.ID, why))
}
