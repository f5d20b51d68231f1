package inbound

import (
	"context"
	"encoding/json"
	"fmt"

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
		return river.JobCancel(fmt.Errorf("event %s: its body was removed after the retention period", evt.ID))
	}
	if !json.Valid(evt.Body) || evt.Body[0] == '"' { // rawBody quotes what is not JSON
		return river.JobCancel(fmt.Errorf("event %s: only JSON bodies can be routed as messages", evt.ID))
	}
	tenantID := src.Route.TenantID
	if tenantID == "" {
		if tenantID, err = verify.LookupPointer(evt.Body, src.Route.TenantPointer); err != nil || tenantID == "" {
			return river.JobCancel(fmt.Errorf("event %s: no tenant ID at %s", evt.ID, src.Route.TenantPointer))
		}
	}
	_, err = w.Webhooks.Publish(ctx, tenantID, []webhooks.MessageIn{{EventType: src.Route.EventType, Payload: evt.Body, EventID: evt.ID}})
	switch apperr.CodeOf(err) {
	case apperr.NotFound, apperr.Invalid, apperr.Unprocessable:
		// An unknown tenant or event type, or a payload its schema refuses:
		// retrying cannot help, and the job's error records why.
		return river.JobCancel(fmt.Errorf("event %s to tenant %s: %w", evt.ID, tenantID, err))
	}
	return err
}
