package webhooks

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

// maxBatch is the most messages one batch publish may carry.
const maxBatch = 100

func (m MessageIn) problems(prefix string) map[string]string {
	p := map[string]string{}
	if m.EventType == "" {
		p[prefix+"event_type"] = "is required"
	}
	if len(m.Payload) == 0 || string(m.Payload) == "null" {
		p[prefix+"payload"] = "is required: any JSON value but null"
	}
	if len(m.EventID) > 256 {
		p[prefix+"event_id"] = "must be at most 256 bytes"
	}
	if len(m.Channels) > 10 {
		p[prefix+"channels"] = "may list at most 10 channels"
	}
	for _, c := range m.Channels {
		if c == "" || len(c) > 128 {
			p[prefix+"channels"] = "each channel must be 1 to 128 bytes"
		}
	}
	return p
}

// Valid implements httpapi.Validator.
func (m MessageIn) Valid(context.Context) map[string]string { return m.problems("") }

type batchRequest struct {
	Messages []MessageIn `json:"messages" doc:"The messages to publish, all or none."`
}

func (b batchRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if len(b.Messages) == 0 || len(b.Messages) > maxBatch {
		p["messages"] = "must hold 1 to 100 messages"
	}
	for i, m := range b.Messages {
		for k, v := range m.problems("messages/" + strconv.Itoa(i) + "/") {
			p[k] = v
		}
	}
	return p
}

// HandlePublish publishes one message.
func HandlePublish(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[MessageIn, Message]{
		Summary:     "Publish a message to a tenant's endpoints; 202 once it and its deliveries are committed",
		Description: "Publishes an event to every endpoint of the tenant subscribed to its type and channels. 202 means the message and its deliveries are committed; delivery happens in the background with retries. With event_id a repeat is answered with the first message. 422 when the payload does not match the event type's schema.",
		Status:      http.StatusAccepted,
		Do: func(r *http.Request, in MessageIn) (Message, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return Message{}, err
			}
			out, err := s.Publish(r.Context(), tenantID, []MessageIn{in})
			if err != nil {
				return Message{}, err
			}
			return out[0], nil
		},
	})
}

// BatchPublished is the result of a batch publish, in request order.
type BatchPublished struct {
	Data []Message `json:"data" doc:"The published messages, in the order of the request."`
}

// HandlePublishBatch publishes up to 100 messages at once.
func HandlePublishBatch(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[batchRequest, BatchPublished]{
		Summary:     "Publish up to 100 messages in one call; all are committed, or none",
		Description: "Publishes up to 100 messages atomically, cheaper than one call each. If any message is invalid, none is published and 422 names it by index.",
		Status:      http.StatusAccepted,
		Do: func(r *http.Request, req batchRequest) (BatchPublished, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return BatchPublished{}, err
			}
			out, err := s.Publish(r.Context(), tenantID, req.Messages)
			if err != nil {
				return BatchPublished{}, err
			}
			return BatchPublished{Data: out}, nil
		},
	})
}

func parseStatusParam(r *http.Request, fields map[string]string) string {
	v := r.URL.Query().Get("status")
	switch v {
	case "", StatusPending, StatusSucceeded, StatusFailed:
		return v
	}
	fields["status"] = "must be pending, succeeded or failed"
	return ""
}

// HandleMessageList lists a tenant's messages.
func HandleMessageList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Message]]{
		Summary:     "List a tenant's messages, newest first",
		Description: "Lists a tenant's published messages, newest first, paginated by cursor; filter by event_type, status or time.",
		Query: append([]httpapi.Param{
			{Name: "event_type", Description: "only this event type"},
			{Name: "since", Description: "only messages created at or after this RFC 3339 time"},
			{Name: "until", Description: "only messages created before this RFC 3339 time"},
			{Name: "status", Description: "only messages with a delivery in this status: pending, succeeded or failed"},
		}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Message], error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return httpapi.List[Message]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Message]{}, err
			}
			fields := map[string]string{}
			f := MessageFilter{EventType: r.URL.Query().Get("event_type"), Since: httpapi.QueryTime(r, "since", fields),
				Until: httpapi.QueryTime(r, "until", fields), Status: parseStatusParam(r, fields)}
			if len(fields) > 0 {
				return httpapi.List[Message]{}, apperr.InvalidFields(fields)
			}
			list, err := s.Messages(r.Context(), tenantID, f, page)
			return httpapi.NewList(page, list, func(m Message) string { return m.ID }), err
		},
	})
}

// HandleMessageGet returns a message with its deliveries.
func HandleMessageGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, MessageDetail]{
		Summary:     "Get a message with its payload and deliveries",
		Description: "Returns a message with its payload and its delivery to each endpoint. 404 when the message is not the tenant's.",
		Do: func(r *http.Request, _ httpapi.NoBody) (MessageDetail, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return MessageDetail{}, err
			}
			msgID, err := httpapi.PathID(r, "message_id", "msg")
			if err != nil {
				return MessageDetail{}, err
			}
			return s.Message(r.Context(), tenantID, msgID)
		},
	})
}

// HandleEndpointDeliveries lists an endpoint's deliveries.
func HandleEndpointDeliveries(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Delivery]]{
		Summary:     "List an endpoint's deliveries, newest first",
		Description: "Lists an endpoint's deliveries, newest first, paginated by cursor; status filters to pending, succeeded or failed. Use it to build a delivery log or find failures to resend.",
		Query: append([]httpapi.Param{
			{Name: "status", Description: "pending, succeeded or failed"},
			{Name: "event_type", Description: "only deliveries of messages of this event type"},
			{Name: "since", Description: "only deliveries created at or after this RFC 3339 time"},
			{Name: "until", Description: "only deliveries created before this RFC 3339 time"},
		}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Delivery], error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return httpapi.List[Delivery]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Delivery]{}, err
			}
			fields := map[string]string{}
			f := DeliveryFilter{Status: parseStatusParam(r, fields), EventType: r.URL.Query().Get("event_type"),
				Since: httpapi.QueryTime(r, "since", fields), Until: httpapi.QueryTime(r, "until", fields)}
			if len(fields) > 0 {
				return httpapi.List[Delivery]{}, apperr.InvalidFields(fields)
			}
			list, err := s.EndpointDeliveries(r.Context(), tenantID, endpointID, f, page)
			return httpapi.NewList(page, list, func(d Delivery) string { return d.ID }), err
		},
	})
}

func deliveryPath(r *http.Request) (tenantID, deliveryID string, err error) {
	tenantID, err = tenants.PathID(r)
	if err != nil {
		return "", "", err
	}
	deliveryID, err = httpapi.PathID(r, "delivery_id", "dlv")
	return tenantID, deliveryID, err
}

// HandleDeliveryGet returns a delivery with its attempts.
func HandleDeliveryGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, DeliveryDetail]{
		Summary:     "Get a delivery with every attempt: status, time taken, and the start of each response",
		Description: "Returns one delivery with its attempts, to see why an endpoint failed. 404 when the delivery is not the tenant's.",
		Do: func(r *http.Request, _ httpapi.NoBody) (DeliveryDetail, error) {
			tenantID, deliveryID, err := deliveryPath(r)
			if err != nil {
				return DeliveryDetail{}, err
			}
			return s.Delivery(r.Context(), tenantID, deliveryID)
		},
	})
}

// HandleDeliveryResend sends a delivery again now.
func HandleDeliveryResend(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Delivery]{
		Summary:     "Send a delivery again now, whatever its status",
		Description: "Queues a delivery again now, whether it succeeded, failed or is still pending; the message and its webhook-id stay the same so receivers can deduplicate. 404 for another tenant's delivery.",
		Status:      http.StatusAccepted,
		Do: func(r *http.Request, _ httpapi.NoBody) (Delivery, error) {
			tenantID, deliveryID, err := deliveryPath(r)
			if err != nil {
				return Delivery{}, err
			}
			return s.Resend(r.Context(), tenantID, deliveryID)
		},
	})
}

type recoverRequest struct {
	// Since re-sends failed deliveries created at or after this time.
	Since time.Time `json:"since" doc:"Re-sends failed deliveries created at or after this time."`
}

func (req recoverRequest) Valid(context.Context) map[string]string {
	if req.Since.IsZero() {
		return map[string]string{"since": "is required: an RFC 3339 time"}
	}
	return nil
}

// HandleEndpointRecover starts re-sending an endpoint's failed deliveries.
func HandleEndpointRecover(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[recoverRequest, Recovery]{
		Summary:     "Re-send every failed delivery of an endpoint since a time, as a background job; poll the recovery for progress",
		Description: "Starts a background job that resends every failed delivery created since the given time, for example after an outage of the receiver. Answers 202 with the recovery, whose progress GET …/recoveries/{recovery_id} shows.",
		Status:      http.StatusAccepted,
		Do: func(r *http.Request, req recoverRequest) (Recovery, error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return Recovery{}, err
			}
			return s.Recover(r.Context(), tenantID, endpointID, req.Since)
		},
	})
}

// HandleRecoveryGet reports a recovery's progress.
func HandleRecoveryGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Recovery]{
		Summary:     "Get a recovery's progress",
		Description: "Shows how many deliveries a recovery has resent and whether it has finished. Poll it after POST …/recover.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Recovery, error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return Recovery{}, err
			}
			recID, err := httpapi.PathID(r, "recovery_id", "rcv")
			if err != nil {
				return Recovery{}, err
			}
			return s.Recovery(r.Context(), tenantID, endpointID, recID)
		},
	})
}

// HandleEndpointStats reports an endpoint's recent delivery statistics.
func HandleEndpointStats(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, EndpointStats]{
		Summary:     "An endpoint's success rate, attempts and latency percentiles over a window (default 24h), and its deliveries by status",
		Description: "An endpoint's health over a window (window, such as 1h or 24h, at most 720h): attempts, successes, success rate, latency percentiles and deliveries by status, in buckets for a chart.",
		Query:       []httpapi.Param{{Name: "window", Description: "a duration such as 1h or 24h (at most 720h)"}},
		Do: func(r *http.Request, _ httpapi.NoBody) (EndpointStats, error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return EndpointStats{}, err
			}
			window := 24 * time.Hour
			if v := r.URL.Query().Get("window"); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil || d <= 0 || d > 720*time.Hour {
					return EndpointStats{}, apperr.InvalidFields(map[string]string{"window": "must be a duration from 1s to 720h, such as 24h"})
				}
				window = d
			}
			return s.Stats(r.Context(), tenantID, endpointID, window)
		},
	})
}
