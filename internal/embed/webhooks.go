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
	Name        string `json:"name" doc:"The event type's name."`
	Description string `json:"description" doc:"What the event means."`
	// Schema is the JSON Schema payloads match; null when there is none.
	Schema json.RawMessage `json:"schema" doc:"The JSON Schema payloads match; null when there is none."`
	// Example is a payload of this type; null when there is none.
	Example json.RawMessage `json:"example" doc:"A payload of this type; null when there is none."`
	// Deprecated types are archived: no longer published, kept for history.
	Deprecated bool `json:"deprecated" doc:"Types are archived: no longer published, kept for history."`
}

// HandleEventTypes lists the event catalog.
func (a *API) HandleEventTypes() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[EventType]]{
		Summary:     "The event catalog: each type's description, JSON Schema and example payload",
		Description: "The event types the tenant's endpoints can subscribe to, with descriptions, JSON Schemas and examples, for the webhooks component's picker and catalog.",
		Query:       httpapi.PageParams,
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
	URL string `json:"url" doc:"The URL the request went to." format:"uri"`
	// Headers are those that are the same on every attempt: the signature
	// and its timestamp differ per attempt and are not kept.
	Headers map[string]string `json:"headers" doc:"Those that are the same on every attempt: the signature and its timestamp differ per attempt and are not kept."`
	Body    json.RawMessage   `json:"body" doc:"The request body sent."`
}

// AttemptResponse is what the endpoint answered.
type AttemptResponse struct {
	// Headers of responses are not kept; always empty.
	Headers map[string]string `json:"headers" doc:"The response headers, which are not kept: always empty."`
	// Body is the first 64 KiB of the response, as text.
	Body string `json:"body" doc:"The first 64 KiB of the response, as text."`
}

// AttemptDetail is one attempt of a delivery, with its request and response.
type AttemptDetail struct {
	ID         string          `json:"id" doc:"The attempt's ID."`
	StartedAt  time.Time       `json:"started_at" doc:"When the attempt started."`
	DurationMS int64           `json:"duration_ms" doc:"How long the attempt took, in milliseconds."`
	StatusCode *int            `json:"status_code" doc:"The endpoint's HTTP status; null when no response came."`
	Error      string          `json:"error,omitempty" doc:"Why the attempt failed, when it did."`
	Request    AttemptRequest  `json:"request" doc:"What was sent."`
	Response   AttemptResponse `json:"response" doc:"What the endpoint answered, when it did."`
}

// DeliveryDetail is a delivery with its attempts.
type DeliveryDetail struct {
	webhooks.Delivery
	Attempts []AttemptDetail `json:"attempts" doc:"Each attempt to deliver, with its request and response."`
}

// HandleDelivery returns a delivery with its attempts' requests and
// responses.
func (a *API) HandleDelivery() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, DeliveryDetail]{
		Summary:     "A delivery with each attempt: when, how long, the status, what was sent and the start of the answer",
		Description: "The delivery log of the webhooks component: one delivery with each attempt's request and the start of each response, to show the user why an endpoint failed. 404 when the delivery is not the tenant's.",
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
