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
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Schema is a JSON Schema (draft 2020-12 unless $schema says otherwise).
	Schema  json.RawMessage `json:"schema,omitempty"`
	Example json.RawMessage `json:"example,omitempty"`
}

// HandleEventTypeCreate creates an event type.
func HandleEventTypeCreate(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Create an event type, optionally with a JSON Schema its payloads must match and an example payload",
		Request: createEventTypeRequest{}, Response: EventType{}, Status: http.StatusCreated,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := httpapi.Decode[createEventTypeRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			et, err := svc.Create(r.Context(), EventType{Name: req.Name, Description: req.Description, Schema: req.Schema, Example: req.Example})
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusCreated, et)
		}),
	}
}

// HandleEventTypeList lists event types.
func HandleEventTypeList(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "List event types ordered by name",
		Response: httpapi.List[EventType]{},
		Query: append(slices.Clone(httpapi.PageParams),
			httpapi.Param{Name: "include_archived", Description: "true to list archived event types too (default false)"}),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			var includeArchived bool
			switch r.URL.Query().Get("include_archived") {
			case "", "false":
			case "true":
				includeArchived = true
			default:
				httpapi.Error(w, r, apperr.InvalidFields(map[string]string{"include_archived": "must be true or false"}))
				return
			}
			list, err := svc.List(r.Context(), page, includeArchived)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(et EventType) string { return et.Name }))
		}),
	}
}

// HandleEventTypeGet returns an event type.
func HandleEventTypeGet(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get an event type", Response: EventType{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := eventTypeFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			et, err := svc.EventType(r.Context(), name)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, et)
		}),
	}
}

// HandleEventTypeUpdate changes an event type.
func HandleEventTypeUpdate(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Change an event type's description, schema, example or archived flag; null removes the schema or example",
		Request: EventTypePatch{}, Response: EventType{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := eventTypeFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			patch, err := httpapi.Decode[EventTypePatch](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			et, err := svc.Update(r.Context(), name, patch)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, et)
		}),
	}
}

// HandleEventTypeArchive archives an event type.
func HandleEventTypeArchive(svc *EventTypes) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "Archive an event type: it can no longer be published, on this node at once and on others within seconds; PATCH archived false restores it",
		Response: EventType{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := eventTypeFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			et, err := svc.Archive(r.Context(), name)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, et)
		}),
	}
}
