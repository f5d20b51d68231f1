package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
)

// TestEvent is a test message sent to one endpoint, and its one delivery.
type TestEvent struct {
	MessageID  string `json:"message_id" doc:"The test message's ID."`
	DeliveryID string `json:"delivery_id" doc:"Its delivery to the endpoint."`
}

// SendTest publishes a message of an event type to one of a tenant's
// endpoints only, whatever its filters, so its owner can see a real
// delivery arrive. An absent payload is the type's example ({} when it has
// none). The message is a real one: signed, retried and logged as any.
func (s *Service) SendTest(ctx context.Context, tenantID, endpointID, eventType string, payload json.RawMessage) (TestEvent, error) {
	if absentJSON(payload) {
		et, err := s.eventTypes.EventType(ctx, eventType)
		if apperr.CodeOf(err) == apperr.NotFound {
			return TestEvent{}, &apperr.Error{Code: apperr.Unprocessable, Message: fmt.Sprintf("event type %s does not exist", eventType),
				Fields: map[string]string{"event_type": "does not exist"}}
		} else if err != nil {
			return TestEvent{}, err
		}
		payload = et.Example
		if absentJSON(payload) {
			payload = json.RawMessage("{}")
		}
	}
	if err := s.eventTypes.Check(ctx, eventType, payload); err != nil {
		return TestEvent{}, err
	}
	te := TestEvent{MessageID: id.New("msg"), DeliveryID: id.New("dlv")}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if _, err := endpointGetOfTenant(ctx, tx, tenantID, endpointID); errors.Is(err, sql.ErrNoRows) {
			return apperr.Errorf(apperr.NotFound, "endpoint %s not found for tenant %s", endpointID, tenantID)
		} else if err != nil {
			return err
		}
		now := tx.Now()
		if err := messagesInsert(ctx, tx, []any{te.MessageID, tenantID, eventType, nil, "[]", string(payload), now}); err != nil {
			return fmt.Errorf("insert test message: %w", err)
		}
		return deliveriesInsert(ctx, tx, []any{te.DeliveryID, endpointID, te.MessageID, tenantID, StatusPending, now, now, now})
	})
	if err != nil {
		return TestEvent{}, err
	}
	s.delivered([]string{endpointID})
	return te, nil
}
