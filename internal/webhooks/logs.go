package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// Delivery is one message on its way to one endpoint.
type Delivery struct {
	ID             string     `json:"id" doc:"The delivery's ID."`
	EndpointID     string     `json:"endpoint_id" doc:"The endpoint it goes to."`
	MessageID      string     `json:"message_id" doc:"The message it carries."`
	EventType      string     `json:"event_type" doc:"The message's event type."`
	Status         string     `json:"status" doc:"pending (will be tried), succeeded, or failed (retries exhausted)." enum:"pending,succeeded,failed"`
	Attempts       int        `json:"attempts" doc:"How many attempts were made."`
	NextAttemptAt  *time.Time `json:"next_attempt_at" doc:"When the next attempt is due; null once it has succeeded or failed."`
	LastAttemptAt  *time.Time `json:"last_attempt_at" doc:"When the last attempt was made; null before the first."`
	LastStatusCode *int       `json:"last_status_code" doc:"The endpoint's status on the last attempt; null if none."`
	CreatedAt      time.Time  `json:"created_at" doc:"When the delivery was created."`
}

// Attempt is one try at a delivery.
type Attempt struct {
	ID          string    `json:"id" doc:"The attempt's ID."`
	AttemptedAt time.Time `json:"attempted_at" doc:"When the attempt started."`
	DurationMS  int64     `json:"duration_ms" doc:"How long it took, in milliseconds."`
	StatusCode  *int      `json:"status_code" doc:"The endpoint's HTTP status; null when no response came."`
	Success     bool      `json:"success" doc:"Whether the endpoint accepted the delivery (a 2xx)."`
	Error       string    `json:"error,omitempty" doc:"Why the attempt failed, when it did."`
	// ResponseBody is the first 64 KiB of the response, as text.
	ResponseBody string `json:"response_body" doc:"The first 64 KiB of the response, as text."`
	// TransformationVersion is the transformation version (tfv_…) that ran
	// for this attempt, if one is attached to the endpoint.
	TransformationVersion string `json:"transformation_version,omitempty" doc:"The version (tfv_…) of the endpoint's transformation that ran for this attempt; absent when none is attached."`
}

// MessageFilter narrows a message list.
type MessageFilter struct {
	EventType string
	Since     time.Time
	Until     time.Time
	// Status keeps messages with at least one delivery in this status.
	Status string
}

// Messages lists a tenant's messages, newest first.
func (s *Service) Messages(ctx context.Context, tenantID string, f MessageFilter, page httpapi.Page) ([]Message, error) {
	list, err := messagesList(ctx, s.db, tenantID, f, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return list, nil
}

// MessageDetail is a message with its deliveries.
type MessageDetail struct {
	Message
	Deliveries []Delivery `json:"deliveries" doc:"Its delivery to each endpoint."`
}

// Message returns a message with its payload and deliveries.
func (s *Service) Message(ctx context.Context, tenantID, messageID string) (MessageDetail, error) {
	m, err := messageGetOfTenant(ctx, s.db, tenantID, messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return MessageDetail{}, apperr.Errorf(apperr.NotFound, "message %s not found for tenant %s", messageID, tenantID)
	} else if err != nil {
		return MessageDetail{}, err
	}
	ds, err := deliveriesOfMessage(ctx, s.db, messageID, 1000)
	if err != nil {
		err = fmt.Errorf("list deliveries: %w", err)
	}
	return MessageDetail{Message: m, Deliveries: nonNil(ds)}, err
}

// DeliveryFilter narrows a delivery list; zero fields do not filter.
type DeliveryFilter struct {
	Status    string
	EventType string
	// Since and Until bound when deliveries were created: at or after
	// Since, before Until.
	Since, Until time.Time
}

// EndpointDeliveries lists an endpoint's deliveries, newest first.
func (s *Service) EndpointDeliveries(ctx context.Context, tenantID, endpointID string, f DeliveryFilter, page httpapi.Page) ([]Delivery, error) {
	if _, err := s.Endpoint(ctx, tenantID, endpointID); err != nil {
		return nil, err
	}
	list, err := deliveriesOfEndpoint(ctx, s.db, tenantID, endpointID, f, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return list, nil
}

// DeliveryDetail is a delivery with its attempts.
type DeliveryDetail struct {
	Delivery
	AttemptLog []Attempt `json:"attempt_log" doc:"Each attempt, oldest first."`
}

// Delivery returns a delivery with its attempts, oldest first.
func (s *Service) Delivery(ctx context.Context, tenantID, deliveryID string) (DeliveryDetail, error) {
	d, err := deliveryGetOfTenant(ctx, s.db, tenantID, deliveryID)
	if errors.Is(err, sql.ErrNoRows) {
		return DeliveryDetail{}, apperr.Errorf(apperr.NotFound, "delivery %s not found for tenant %s", deliveryID, tenantID)
	} else if err != nil {
		return DeliveryDetail{}, err
	}
	attempts, err := attemptsOfDelivery(ctx, s.db, deliveryID, 1000)
	if err != nil {
		return DeliveryDetail{}, err
	}
	return DeliveryDetail{Delivery: d, AttemptLog: nonNil(attempts)}, nil
}

// Resend makes a delivery due now, whatever its status; a failed one gets a
// fresh schedule. It goes out even while its endpoint's circuit is open: a
// probe asked for by hand.
func (s *Service) Resend(ctx context.Context, tenantID, deliveryID string) (Delivery, error) {
	d, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Delivery, error) {
		resent, err := deliveryResendOfTenant(ctx, tx, tenantID, deliveryID)
		if err != nil {
			return Delivery{}, err
		}
		if !resent {
			return Delivery{}, apperr.Errorf(apperr.NotFound, "delivery %s not found for tenant %s", deliveryID, tenantID)
		}
		if err := endpointUnpauseOfDelivery(ctx, tx, deliveryID); err != nil {
			return Delivery{}, err
		}
		return deliveryGet(ctx, tx, deliveryID)
	})
	if err == nil {
		s.wake()
	}
	return d, err
}
