package embed

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// EventType is an entry of the event catalog as the portal shows it.
type EventType struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Schema is the JSON Schema payloads match; null when there is none.
	Schema json.RawMessage `json:"schema"`
	// Example is a payload of this type; null when there is none.
	Example json.RawMessage `json:"example"`
	// Deprecated types are archived: no longer published, kept for history.
	Deprecated bool `json:"deprecated"`
}

// HandleEventTypes lists the event catalog.
func (a *API) HandleEventTypes() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[EventType]]{
		Summary: "The event catalog: each type's description, JSON Schema and example payload",
		Query:   httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[EventType], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[EventType]{}, err
			}
			list, err := a.EventTypes.List(r.Context(), page, true)
			if err != nil {
				return httpapi.List[EventType]{}, err
			}
			out := make([]EventType, 0, len(list))
			for _, et := range list {
				out = append(out, EventType{Name: et.Name, Description: et.Description, Schema: jsonOrNull(et.Schema),
					Example: jsonOrNull(et.Example), Deprecated: et.Archived})
			}
			return httpapi.NewList(page, out, func(et EventType) string { return et.Name }), nil
		},
	})
}

func jsonOrNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// AttemptRequest is what an attempt sent, as far as Patchbay keeps it.
type AttemptRequest struct {
	URL string `json:"url"`
	// Headers are those that are the same on every attempt: the signature
	// and its timestamp differ per attempt and are not kept.
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// AttemptResponse is what the endpoint answered.
type AttemptResponse struct {
	// Headers of responses are not kept; always empty.
	Headers map[string]string `json:"headers"`
	// Body is the first 64 KiB of the response, as text.
	Body string `json:"body"`
}

// AttemptDetail is one attempt of a delivery, with its request and response.
type AttemptDetail struct {
	ID         string          `json:"id"`
	StartedAt  time.Time       `json:"started_at"`
	DurationMS int64           `json:"duration_ms"`
	StatusCode *int            `json:"status_code"`
	Error      string          `json:"error,omitempty"`
	Request    AttemptRequest  `json:"request"`
	Response   AttemptResponse `json:"response"`
}

// DeliveryDetail is a delivery with its attempts.
type DeliveryDetail struct {
	webhooks.Delivery
	Attempts []AttemptDetail `json:"attempts"`
}

// HandleDelivery returns a delivery with its attempts' requests and
// responses.
func (a *API) HandleDelivery() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, DeliveryDetail]{
		Summary: "A delivery with each attempt: when, how long, the status, what was sent and the start of the answer",
		Do: func(r *http.Request, _ httpapi.NoBody) (DeliveryDetail, error) {
			t := mustToken(r)
			deliveryID, err := httpapi.PathID(r, "delivery_id", "dlv")
			if err != nil {
				return DeliveryDetail{}, err
			}
			d, err := a.Webhooks.Delivery(r.Context(), t.TenantID, deliveryID)
			if err != nil {
				return DeliveryDetail{}, err
			}
			m, err := a.Webhooks.Message(r.Context(), t.TenantID, d.MessageID)
			if err != nil {
				return DeliveryDetail{}, err
			}
			ep, err := a.Webhooks.Endpoint(r.Context(), t.TenantID, d.EndpointID)
			if err != nil {
				return DeliveryDetail{}, err
			}
			headers := map[string]string{"content-type": "application/json", "webhook-id": m.ID}
			for k, v := range ep.Headers {
				headers[k] = v
			}
			out := DeliveryDetail{Delivery: d.Delivery, Attempts: make([]AttemptDetail, 0, len(d.AttemptLog))}
			for _, at := range d.AttemptLog {
				out.Attempts = append(out.Attempts, AttemptDetail{ID: at.ID, StartedAt: at.AttemptedAt, DurationMS: at.DurationMS,
					StatusCode: at.StatusCode, Error: at.Error, Request: AttemptRequest{URL: ep.URL, Headers: headers, Body: m.Payload},
					Response: AttemptResponse{Headers: map[string]string{}, Body: at.ResponseBody}})
			}
			return out, nil
		},
	})
}
