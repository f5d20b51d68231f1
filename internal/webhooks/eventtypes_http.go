package webhooks

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// The event type request bodies have no Valid method: the service checks
// every field, since a schema must compile before it is stored whoever
// calls, and it reports all the problems together.

// eventTypeFromPath reads and checks the {event_type} path parameter.
func eventTypeFromPath(r *http.Request) (string, error) {
	v := r.PathValue("event_type")
	if msg := validEventTypeName(v); msg != "" {
		return "", apperr.InvalidFields(map[string]string{"event_type": msg})
	}
	return v, nil
}

type createEventTypeRequest struct {
	Name        string `json:"name" example:"invoice.paid" doc:"The event type's name, such as invoice.paid."`
	Description string `json:"description,omitempty" doc:"What the event means."`
	// Schema is a JSON Schema (draft 2020-12 unless $schema says otherwise).
	Schema  json.RawMessage `json:"schema,omitempty" doc:"A JSON Schema (draft 2020-12 unless $schema says otherwise)."`
	Example json.RawMessage `json:"example,omitempty" doc:"An example payload, shown to endpoint owners."`
}

// HandleEventTypeCreate creates an event type.
func HandleEventTypeCreate(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createEventTypeRequest, EventType]{
		Summary:     "Create an event type, optionally with a JSON Schema its payloads must match and an example payload",
		Description: "Declares an event type before publishing it. With a JSON Schema, publishes whose payload does not match answer 422. The example is shown to endpoint owners and sent by test events. 409 when the name exists.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createEventTypeRequest) (EventType, error) {
			return svc.Create(r.Context(), EventType{Name: req.Name, Description: req.Description, Schema: req.Schema, Example: req.Example})
		},
	})
}

// HandleEventTypeList lists event types.
func HandleEventTypeList(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[EventType]]{
		Summary:     "List event types ordered by name",
		Description: "Lists the event types messages can be published as, ordered by name; archived ones only with include_archived. Use it to show customers which events exist.",
		Query: append(slices.Clone(httpapi.PageParams),
			httpapi.Param{Name: "include_archived", Description: "true to list archived event types too (default false)"}),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[EventType], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[EventType]{}, err
			}
			var includeArchived bool
			switch r.URL.Query().Get("include_archived") {
			case "", "false":
			case "true":
				includeArchived = true
			default:
				return httpapi.List[EventType]{}, apperr.InvalidFields(map[string]string{"include_archived": "must be true or false"})
			}
			list, err := svc.List(r.Context(), page, includeArchived)
			return httpapi.NewList(page, list, func(et EventType) string { return et.Name }), err
		},
	})
}

// HandleEventTypeGet returns an event type.
func HandleEventTypeGet(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, EventType]{
		Summary:     "Get an event type",
		Description: "Returns an event type with its schema and example. 404 for an unknown name.",
		Do: func(r *http.Request, _ httpapi.NoBody) (EventType, error) {
			name, err := eventTypeFromPath(r)
			if err != nil {
				return EventType{}, err
			}
			return svc.EventType(r.Context(), name)
		},
	})
}

// HandleEventTypeUpdate changes an event type.
func HandleEventTypeUpdate(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[EventTypePatch, EventType]{
		Summary:     "Change an event type's description, schema, example or archived flag; null removes the schema or example",
		Description: "Changes only the fields given; a new schema applies to messages published from then on. Also restores an archived type with archived false.",
		Do: func(r *http.Request, patch EventTypePatch) (EventType, error) {
			name, err := eventTypeFromPath(r)
			if err != nil {
				return EventType{}, err
			}
			return svc.Update(r.Context(), name, patch)
		},
	})
}

// HandleEventTypeArchive archives an event type.
func HandleEventTypeArchive(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, EventType]{
		Summary:     "Archive an event type: it can no longer be published, on this node at once and on others within seconds; PATCH archived false restores it",
		Description: "Archives an event type rather than deleting it: messages already published and endpoints subscribed to it stay; publishing it answers 422.",
		Do: func(r *http.Request, _ httpapi.NoBody) (EventType, error) {
			name, err := eventTypeFromPath(r)
			if err != nil {
				return EventType{}, err
			}
			return svc.Archive(r.Context(), name)
		},
	})
}
