package inbound

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Event is one request a provider sent to a source, as received.
type Event struct {
	ID       string `json:"id" doc:"The event's ID."`
	SourceID string `json:"source_id" doc:"The source that received it."`
	// EventID is the provider's identity of the event, the dedupe key.
	EventID     *string `json:"event_id" doc:"The provider's identity of the event, the dedupe key."`
	DuplicateOf *string `json:"duplicate_of" doc:"The earlier event with the same provider event ID; null if it is the first."`
	// Status is received (stored; being forwarded, or kept only), duplicate,
	// forwarded (the destination took it) or failed (it gave up; replayable).
	Status string `json:"status" enum:"received,duplicate,forwarded,failed" doc:"received (stored; being forwarded, or kept only), duplicate, forwarded (the destination took it) or failed (it gave up; replayable)."`
	// DeliveryID is the forward's delivery, when the event was forwarded to
	// the source's current destination.
	DeliveryID *string           `json:"delivery_id" doc:"The forward's delivery, when the event was forwarded to the source's current destination."`
	Method     string            `json:"method" doc:"The HTTP method the provider used."`
	Headers    map[string]string `json:"headers" doc:"The request headers, secrets removed."`
	// Body is the body: JSON as a JSON value (its spacing is not kept), or a
	// string for anything else; …/body has it byte for byte.
	Body json.RawMessage `json:"body" doc:"The body: JSON as a JSON value (its spacing is not kept), or a string for anything else; …/body has it byte for byte."`
	// BodyRemoved says the retention period has passed: the body and headers
	// are gone, the record stays.
	BodyRemoved bool       `json:"body_removed,omitempty" doc:"Says the retention period has passed: the body and headers are gone, the record stays."`
	SignedAt    *time.Time `json:"signed_at" doc:"When the provider signed the event, from its signature; null if it does not say."`
	ReceivedAt  time.Time  `json:"received_at" doc:"When Patchbay received it."`
	// TransformationVersion is the source's transformation version that ran
	// for the event (tfv_…), and TransformationError why it failed or that
	// it dropped the event, which was then neither forwarded nor re-emitted.
	TransformationVersion *string `json:"transformation_version,omitempty" doc:"The version (tfv_…) of the source's transformation that ran for this event; absent when none is attached."`
	TransformationError   *string `json:"transformation_error,omitempty" doc:"Why the source's transformation failed, or that it cancelled the event; such an event is kept but neither forwarded nor re-emitted."`
}

// EventFilter narrows a list of events; zero values do not filter.
type EventFilter struct {
	Status  string
	EventID string
	Since   time.Time
	Until   time.Time
}

// rawBody shows a body that is JSON as it is, and anything else (form
// posts, say) as a JSON string: a response must be UTF-8, and json.Valid does
// not check that.
func rawBody(body []byte) json.RawMessage {
	if json.Valid(body) && utf8.Valid(body) {
		return body
	}
	quoted, _ := json.Marshal(string(body))
	return quoted
}

// Events returns a page of a source's events, newest last.
func (s *Service) Events(ctx context.Context, sourceID string, f EventFilter, page httpapi.Page) ([]Event, error) {
	if _, err := s.Source(ctx, sourceID); err != nil {
		return nil, err
	}
	list, err := eventsList(ctx, s.db, sourceID, f, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return list, nil
}

// Event returns one event of a source.
func (s *Service) Event(ctx context.Context, sourceID, eventID string) (Event, error) {
	if err := s.checkSource(ctx, sourceID); err != nil {
		return Event{}, err
	}
	e, err := eventGet(ctx, s.db, sourceID, eventID)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, apperr.Errorf(apperr.NotFound, "event %s not found in source %s", eventID, sourceID)
	}
	return e, err
}

var eventStatuses = []string{StatusReceived, StatusDuplicate, StatusForwarded, StatusFailed}

// HandleEventList lists a source's events.
func HandleEventList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Event]]{
		Summary:     "List a source's events, oldest first",
		Description: "Lists a source's events, oldest first, paginated by cursor; filter by status to find failed forwards. Use it to inspect what a provider sent.",
		Query: append([]httpapi.Param{
			{Name: "status", Description: "received, duplicate, forwarded or failed"},
			{Name: "event_id", Description: "the provider's event identity (the dedupe key)"},
			{Name: "since", Description: "received at or after this RFC 3339 time"},
			{Name: "until", Description: "received before this RFC 3339 time"},
		}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Event], error) {
			sourceID, err := sourceFromPath(r)
			if err != nil {
				return httpapi.List[Event]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Event]{}, err
			}
			q := r.URL.Query()
			f := EventFilter{Status: q.Get("status"), EventID: q.Get("event_id")}
			problems := map[string]string{}
			if f.Status != "" && !slices.Contains(eventStatuses, f.Status) {
				problems["status"] = "must be received, duplicate, forwarded or failed"
			}
			f.Since, f.Until = httpapi.QueryTime(r, "since", problems), httpapi.QueryTime(r, "until", problems)
			if len(problems) > 0 {
				return httpapi.List[Event]{}, apperr.InvalidFields(problems)
			}
			list, err := s.Events(r.Context(), sourceID, f, page)
			return httpapi.NewList(page, list, func(e Event) string { return e.ID }), err
		},
	})
}

// EventDetail is an event with its forward's delivery and attempts.
type EventDetail struct {
	Event
	Forward *webhooks.DeliveryDetail `json:"forward,omitempty" doc:"The forward to the source's destination, with its attempts; absent if none."`
}

// EventDetail returns one event of a source with its forward.
func (s *Service) EventDetail(ctx context.Context, sourceID, eventID string) (EventDetail, error) {
	e, err := s.Event(ctx, sourceID, eventID)
	if err != nil || e.DeliveryID == nil {
		return EventDetail{Event: e}, err
	}
	d, err := s.hooks.Delivery(ctx, ForwardingTenant, *e.DeliveryID)
	if apperr.CodeOf(err) == apperr.NotFound { // the destination was removed, with its log
		return EventDetail{Event: e}, nil
	}
	return EventDetail{Event: e, Forward: &d}, err
}

// HandleEventGet returns one event.
func HandleEventGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, EventDetail]{
		Summary:     "Get one event of a source, with its headers, raw body, and its forward's attempts",
		Description: "Returns one event with its headers, body and the attempts to forward it. 404 for an unknown ID.",
		Do: func(r *http.Request, _ httpapi.NoBody) (EventDetail, error) {
			sourceID, eventID, err := eventFromPath(r)
			if err != nil {
				return EventDetail{}, err
			}
			return s.EventDetail(r.Context(), sourceID, eventID)
		},
	})
}

// EventBody returns an event's body exactly as the provider sent it, and the
// Content-Type it came with (application/octet-stream if none).
func (s *Service) EventBody(ctx context.Context, sourceID, eventID string) (string, []byte, error) {
	if err := s.checkSource(ctx, sourceID); err != nil {
		return "", nil, err
	}
	headers, body, removed, err := eventGetBody(ctx, s.db, sourceID, eventID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil, apperr.Errorf(apperr.NotFound, "event %s not found in source %s", eventID, sourceID)
	case err != nil:
		return "", nil, err
	case removed:
		return "", nil, apperr.Errorf(apperr.NotFound, "event %s's body was removed after the retention period", eventID)
	}
	var h map[string]string
	json.Unmarshal([]byte(headers), &h) //nolint:errcheck // without it the body goes as octet-stream
	return cmp.Or(h["Content-Type"], "application/octet-stream"), body, nil
}

// HandleEventBody returns an event's body exactly as the provider sent it.
func HandleEventBody(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "An event's body, byte for byte as the provider sent it, with its Content-Type (404 once the retention period removed it)",
		Description: "Returns the event's body exactly as received, for re-verifying or debugging. 404 once the retention period removed it.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourceID, eventID, err := eventFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			contentType, body, err := s.EventBody(r.Context(), sourceID, eventID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			// The body is the provider's (or anyone's): never rendered as a page.
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Content-Security-Policy", "sandbox")
			w.Write(body) //nolint:errcheck // the client may be gone
		}),
	}
}

func eventFromPath(r *http.Request) (sourceID, eventID string, err error) {
	if sourceID, err = sourceFromPath(r); err != nil {
		return "", "", err
	}
	eventID, err = httpapi.PathID(r, "event_id", "ievt")
	return sourceID, eventID, err
}

// RetentionArgs is the periodic job that removes incoming events' bodies and
// headers after the retention period (--webhook-retention, as for outgoing
// payloads: a forward's payload goes at the same age).
type RetentionArgs struct{}

func (RetentionArgs) Kind() string { return "inbound_retention" }

// RetentionWorker empties old events' bodies and headers. The events stay,
// so the log keeps their identities, statuses and times.
type RetentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	DB        *store.DB
	Retention time.Duration
}

func (w *RetentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	if err := eventsEmptyBefore(ctx, w.DB, time.Now().Add(-w.Retention)); err != nil {
		return fmt.Errorf("inbound retention: %w", err)
	}
	return nil
}

// DedupeCleanupArgs is the periodic job that forgets event identities whose
// window has passed.
type DedupeCleanupArgs struct{}

func (DedupeCleanupArgs) Kind() string { return "inbound_dedupe_cleanup" }

// DedupeCleanupWorker removes expired identity claims; the events stay.
type DedupeCleanupWorker struct {
	river.WorkerDefaults[DedupeCleanupArgs]
	DB *store.DB
}

func (w *DedupeCleanupWorker) Work(ctx context.Context, _ *river.Job[DedupeCleanupArgs]) error {
	return dedupeDeleteExpired(ctx, w.DB, time.Now())
}
