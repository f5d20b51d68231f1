package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
)

// MessageIn is an event the SaaS publishes for a tenant.
type MessageIn struct {
	EventType string          `json:"event_type"`
	Payload   json.RawMessage `json:"payload"`
	// EventID deduplicates: publishing the same event_id for a tenant again
	// returns the original message and sends nothing.
	EventID  string   `json:"event_id,omitempty"`
	Channels []string `json:"channels,omitempty"`
}

// Message is a published event.
type Message struct {
	ID        string          `json:"id"`
	TenantID  string          `json:"tenant_id"`
	EventType string          `json:"event_type"`
	EventID   string          `json:"event_id,omitempty"`
	Channels  []string        `json:"channels"`
	Payload   json.RawMessage `json:"payload,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Publish commits messages and one delivery per matching endpoint, and
// returns once they are durable. Concurrent calls share a transaction (group
// commit): a burst of publishes costs one commit, not one each.
func (s *Service) Publish(ctx context.Context, tenantID string, in []MessageIn) ([]Message, error) {
	for i, m := range in {
		if err := s.eventTypes.Check(ctx, m.EventType, m.Payload); err != nil {
			if len(in) > 1 {
				return nil, prefixFields(err, fmt.Sprintf("messages/%d/", i))
			}
			return nil, err
		}
	}
	req := &publishReq{tenantID: tenantID, in: in}
	if err := s.publish.Submit(ctx, req); err != nil {
		return nil, err
	}
	s.delivered(req.endpoints)
	return req.out, req.err
}

// prefixFields points a validation error's fields into a batch item.
func prefixFields(err error, prefix string) error {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	fields := make(map[string]string, len(e.Fields))
	for f, msg := range e.Fields {
		fields[prefix+f] = msg
	}
	return &apperr.Error{Code: e.Code, Message: e.Message, Fields: fields, Err: e.Err}
}

type publishReq struct {
	tenantID string
	in       []MessageIn
	out      []Message
	err      error // the request's own failure, such as an unknown tenant
	// endpoints got deliveries from this request.
	endpoints []string
}

// maxPublishGroup bounds one publish transaction, in messages.
const maxPublishGroup = 1000

type endpointFilter struct {
	id         string
	eventTypes []string
	channels   []string
	// payload maps JSON Pointers to the scalar each must equal (REST hooks'
	// filters); empty sends every payload.
	payload map[string]any
}

// matches reports whether the endpoint takes m. parsed and state cache the
// payload, parsed once per message for the endpoints that filter on it.
func (f endpointFilter) matches(m MessageIn, parsed *any, state *int) bool {
	if len(f.eventTypes) > 0 && !slices.Contains(f.eventTypes, m.EventType) {
		return false
	}
	if !payloadMatches(f.payload, m.Payload, parsed, state) {
		return false
	}
	// An endpoint without channels takes every message; one with channels
	// takes only messages that share one of them.
	if len(f.channels) == 0 {
		return true
	}
	for _, c := range m.Channels {
		if slices.Contains(f.channels, c) {
			return true
		}
	}
	return false
}

// commitPublish writes a group of publish requests in one transaction, with
// multi-row INSERTs rather than a statement per row. The commit acknowledges
// them, so one whose answer is lost is resolved (WithResolvedTx), not
// answered as failed and published again on the retry.
func (s *Service) commitPublish(ctx context.Context, group []*publishReq) error {
	tenantIDs := make([]string, 0, len(group))
	for _, r := range group {
		if !slices.Contains(tenantIDs, r.tenantID) {
			tenantIDs = append(tenantIDs, r.tenantID)
		}
	}
	return s.db.WithResolvedTx(ctx, func(tx *store.Tx) error {
		var rows publishRows
		filters, err := activeEndpoints(ctx, tx, tenantIDs)
		if err != nil {
			return err
		}
		for _, r := range group {
			r.out, r.err, r.endpoints = nil, nil, nil
			eps, ok := filters[r.tenantID]
			if !ok {
				r.err = tenantNotFound(r.tenantID)
				continue
			}
			hit := make([]bool, len(eps))
			for _, in := range r.in {
				if in.EventID != "" {
					// The duplicate check must see every message before this one.
					if err := rows.flush(ctx, tx); err != nil {
						return err
					}
					existing, err := messageGetByEventID(ctx, tx, r.tenantID, in.EventID)
					if err == nil {
						existing.Payload = nil
						r.out = append(r.out, existing)
						continue
					} else if !errors.Is(err, sql.ErrNoRows) {
						return err
					}
				}
				r.out = append(r.out, rows.add(tx.Now(), r.tenantID, in, eps, hit))
			}
			for i, ep := range eps {
				if hit[i] {
					r.endpoints = append(r.endpoints, ep.id)
				}
			}
		}
		return rows.flush(ctx, tx)
	})
}

// publishRows collects the message and delivery rows of a group, in publish
// order, which the deliveries' seq (and so FIFO order) follows.
type publishRows struct {
	messages   []any
	deliveries []any
}

// add collects a message's rows and marks in hit the endpoints it goes to.
func (p *publishRows) add(now time.Time, tenantID string, in MessageIn, eps []endpointFilter, hit []bool) Message {
	m := Message{ID: id.New("msg"), TenantID: tenantID, EventType: in.EventType, EventID: in.EventID, Channels: nonNil(in.Channels), CreatedAt: now}
	p.messages = append(p.messages, m.ID, tenantID, m.EventType, store.Nullable(m.EventID), mustJSON(m.Channels), string(in.Payload), now)
	var parsed any
	var state int
	for i, ep := range eps {
		if ep.matches(in, &parsed, &state) {
			hit[i] = true
			p.deliveries = append(p.deliveries, id.New("dlv"), ep.id, m.ID, tenantID, StatusPending, now, now, now)
		}
	}
	return m
}

func (p *publishRows) flush(ctx context.Context, tx *store.Tx) error {
	if err := messagesInsert(ctx, tx, p.messages); err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}
	if err := deliveriesInsert(ctx, tx, p.deliveries); err != nil {
		return fmt.Errorf("insert deliveries: %w", err)
	}
	p.messages, p.deliveries = p.messages[:0], p.deliveries[:0]
	return nil
}

// activeEndpoints returns the enabled endpoints of each of the tenants that
// exists (a tenant without any has an empty list; one that does not exist is
// missing). The tenants capability says which exist.
func activeEndpoints(ctx context.Context, tx *store.Tx, tenantIDs []string) (map[string][]endpointFilter, error) {
	live, err := tenants.Live(ctx, tx, tenantIDs)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(live))
	for _, id := range tenantIDs {
		if live[id] {
			ids = append(ids, id)
		}
	}
	found, err := endpointFiltersOfTenants(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := found[id]; !ok {
			found[id] = nil // present even when the tenant has no enabled endpoint
		}
	}
	return found, nil
}

func tenantNotFound(tenantID string) error {
	return apperr.Errorf(apperr.NotFound, "tenant %s not found", tenantID)
}
