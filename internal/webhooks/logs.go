package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// Delivery is one message on its way to one endpoint.
type Delivery struct {
	ID             string     `json:"id"`
	EndpointID     string     `json:"endpoint_id"`
	MessageID      string     `json:"message_id"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	LastAttemptAt  *time.Time `json:"last_attempt_at"`
	LastStatusCode *int       `json:"last_status_code"`
	CreatedAt      time.Time  `json:"created_at"`
}

// Attempt is one try at a delivery.
type Attempt struct {
	ID          string    `json:"id"`
	AttemptedAt time.Time `json:"attempted_at"`
	DurationMS  int64     `json:"duration_ms"`
	StatusCode  *int      `json:"status_code"`
	Success     bool      `json:"success"`
	Error       string    `json:"error,omitempty"`
	// ResponseBody is the first 64 KiB of the response, as text.
	ResponseBody string `json:"response_body"`
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
	where := []string{"m.tenant_id = ?"}
	args := []any{tenantID}
	if page.After != "" {
		where, args = append(where, "m.id < ?"), append(args, page.After)
	}
	if f.EventType != "" {
		where, args = append(where, "m.event_type = ?"), append(args, f.EventType)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "m.created_at >= ?"), append(args, f.Since)
	}
	if !f.Until.IsZero() {
		where, args = append(where, "m.created_at < ?"), append(args, f.Until)
	}
	if f.Status != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.status = ?)"), append(args, f.Status)
	}
	args = append(args, page.Limit+1)
	rows, err := s.db.Query(ctx, "SELECT m.id, m.tenant_id, m.event_type, m.event_id, m.channels, NULL, m.created_at FROM messages m WHERE "+
		strings.Join(where, " AND ")+" ORDER BY m.id DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var list []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

// MessageDetail is a message with its deliveries.
type MessageDetail struct {
	Message
	Deliveries []Delivery `json:"deliveries"`
}

// Message returns a message with its payload and deliveries.
func (s *Service) Message(ctx context.Context, tenantID, messageID string) (MessageDetail, error) {
	m, err := scanMessage(s.db.QueryRow(ctx, "SELECT "+messageColumns+" FROM messages WHERE id = ? AND tenant_id = ?", messageID, tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return MessageDetail{}, apperr.Errorf(apperr.NotFound, "message %s not found for tenant %s", messageID, tenantID)
	} else if err != nil {
		return MessageDetail{}, err
	}
	ds, err := s.deliveries(ctx, "message_id = ?", []any{messageID}, 1000)
	return MessageDetail{Message: m, Deliveries: nonNil(ds)}, err
}

const deliveryColumns = `id, endpoint_id, message_id, (SELECT m.event_type FROM messages m WHERE m.id = deliveries.message_id),
	status, attempts, next_attempt_at, last_attempt_at, last_status_code, created_at`

func scanDelivery(s store.Scanner) (Delivery, error) {
	var d Delivery
	var code sql.NullInt64
	if err := s.Scan(&d.ID, &d.EndpointID, &d.MessageID, &d.EventType, &d.Status, &d.Attempts, &d.NextAttemptAt, &d.LastAttemptAt, &code, &d.CreatedAt); err != nil {
		return Delivery{}, err
	}
	if code.Valid {
		c := int(code.Int64)
		d.LastStatusCode = &c
	}
	if d.Status != StatusPending {
		d.NextAttemptAt = nil
	}
	return d, nil
}

func (s *Service) deliveries(ctx context.Context, where string, args []any, limit int) ([]Delivery, error) {
	rows, err := s.db.Query(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE "+where+" ORDER BY id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var list []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, d)
	}
	return list, rows.Err()
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
	where, args := "endpoint_id = ?", []any{endpointID}
	if f.Status != "" {
		where, args = where+" AND status = ?", append(args, f.Status)
	}
	if f.EventType != "" {
		where, args = where+" AND message_id IN (SELECT id FROM messages WHERE tenant_id = ? AND event_type = ?)", append(args, tenantID, f.EventType)
	}
	if !f.Since.IsZero() {
		where, args = where+" AND created_at >= ?", append(args, f.Since)
	}
	if !f.Until.IsZero() {
		where, args = where+" AND created_at < ?", append(args, f.Until)
	}
	if page.After != "" {
		where, args = where+" AND id < ?", append(args, page.After)
	}
	return s.deliveries(ctx, where, args, page.Limit+1)
}

// DeliveryDetail is a delivery with its attempts.
type DeliveryDetail struct {
	Delivery
	AttemptLog []Attempt `json:"attempt_log"`
}

// Delivery returns a delivery with its attempts, oldest first.
func (s *Service) Delivery(ctx context.Context, tenantID, deliveryID string) (DeliveryDetail, error) {
	d, err := scanDelivery(s.db.QueryRow(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE id = ? AND tenant_id = ?", deliveryID, tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return DeliveryDetail{}, apperr.Errorf(apperr.NotFound, "delivery %s not found for tenant %s", deliveryID, tenantID)
	} else if err != nil {
		return DeliveryDetail{}, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, attempted_at, duration_ms, status_code, success, error, response_body
		FROM attempts WHERE delivery_id = ? ORDER BY attempted_at, id LIMIT 1000`, deliveryID)
	if err != nil {
		return DeliveryDetail{}, err
	}
	defer rows.Close()
	detail := DeliveryDetail{Delivery: d, AttemptLog: []Attempt{}}
	for rows.Next() {
		var a Attempt
		var code sql.NullInt64
		var errText sql.NullString
		var body []byte
		if err := rows.Scan(&a.ID, &a.AttemptedAt, &a.DurationMS, &code, &a.Success, &errText, &body); err != nil {
			return DeliveryDetail{}, err
		}
		if code.Valid {
			c := int(code.Int64)
			a.StatusCode = &c
		}
		a.Error, a.ResponseBody = errText.String, string(body)
		detail.AttemptLog = append(detail.AttemptLog, a)
	}
	return detail, rows.Err()
}

// Resend makes a delivery due now, whatever its status; a failed one gets a
// fresh schedule. It goes out even while its endpoint's circuit is open: a
// probe asked for by hand.
func (s *Service) Resend(ctx context.Context, tenantID, deliveryID string) (Delivery, error) {
	d, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Delivery, error) {
		res, err := tx.Exec(ctx, "UPDATE deliveries SET status = ?, attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND tenant_id = ?",
			StatusPending, tx.Now(), tx.Now(), deliveryID, tenantID)
		if err != nil {
			return Delivery{}, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Delivery{}, apperr.Errorf(apperr.NotFound, "delivery %s not found for tenant %s", deliveryID, tenantID)
		}
		if _, err := tx.Exec(ctx, "UPDATE endpoints SET paused_until = NULL WHERE id = (SELECT endpoint_id FROM deliveries WHERE id = ?)", deliveryID); err != nil {
			return Delivery{}, err
		}
		return scanDelivery(tx.QueryRow(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE id = ?", deliveryID))
	})
	if err == nil {
		s.wake()
	}
	return d, err
}
