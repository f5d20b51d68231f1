package webhooks

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
)

// Forward is one message for exactly one endpoint, whatever its filters: how
// other capabilities (incoming webhooks) hand a body to the delivery engine
// and get its retries, isolation, signing and log.
type Forward struct {
	TenantID   string
	EndpointID string
	EventType  string
	// Body is sent as it is: it need not be JSON.
	Body []byte
	// Headers are sent with it, after the endpoint's own; a Content-Type
	// here replaces application/json.
	Headers map[string]string
}

// base64BodyKey marks, among a forwarded message's headers, a payload stored
// as base64 because it is not UTF-8 text. It is not a valid header name, so no
// header a provider sent can take its place.
const base64BodyKey = "patchbay base64 body"

// EnqueueTx records forwards in the caller's transaction and returns their
// delivery IDs. After the commit, call Delivered with the endpoint IDs so the
// dispatcher starts at once.
func (s *Service) EnqueueTx(ctx context.Context, tx *store.Tx, fs []Forward) ([]string, error) {
	var messages, deliveries []any
	deliveryIDs := make([]string, len(fs))
	for i, f := range fs {
		payload := string(f.Body)
		if !utf8.Valid(f.Body) || bytes.IndexByte(f.Body, 0) >= 0 {
			// The payload column is text, which on PostgreSQL holds neither
			// invalid UTF-8 nor NUL: such a body goes in as base64, marked to
			// be decoded before it is sent.
			payload = base64.StdEncoding.EncodeToString(f.Body)
			headers := map[string]string{base64BodyKey: "1"}
			maps.Copy(headers, f.Headers)
			f.Headers = headers
		}
		headers, err := json.Marshal(f.Headers)
		if err != nil {
			return nil, err
		}
		msgID := id.New("msg")
		deliveryIDs[i] = id.New("dlv")
		messages = append(messages, msgID, f.TenantID, f.EventType, nil, "[]", payload, string(headers), tx.Now())
		deliveries = append(deliveries, deliveryIDs[i], f.EndpointID, msgID, f.TenantID, StatusPending, tx.Now(), tx.Now(), tx.Now())
	}
	if err := messagesWithHeadersInsert(ctx, tx, messages); err != nil {
		return nil, fmt.Errorf("insert forwarded messages: %w", err)
	}
	if err := deliveriesInsert(ctx, tx, deliveries); err != nil {
		return nil, fmt.Errorf("insert forwarded deliveries: %w", err)
	}
	return deliveryIDs, nil
}

// Delivered tells this node's dispatcher that endpoints have new deliveries:
// their workers claim them, and the scan starts workers for the others.
func (s *Service) Delivered(endpointIDs []string) { s.delivered(endpointIDs) }

// CheckEndpointURL reports what is wrong with a URL as an endpoint's, by the
// same rules as endpoints: https (or http where allowed), and not an address
// the SSRF guard refuses.
func (s *Service) CheckEndpointURL(u string) error {
	return s.urlOptions.CheckURL(u, s.cfg.AllowHTTP)
}

// PublishTx records messages for a tenant in the caller's transaction, with a
// delivery per matching endpoint, and returns the endpoints that got any (for
// Delivered once the transaction commits). It is for events Patchbay raises
// itself, such as sync.record.created: Patchbay builds their payloads, so
// they need no row in the event type catalogue and are not checked against
// one, and they commit or roll back with the data they describe.
func (s *Service) PublishTx(ctx context.Context, tx *store.Tx, tenantID string, in []MessageIn) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	filters, err := activeEndpoints(ctx, tx, []string{tenantID})
	if err != nil {
		return nil, err
	}
	eps, ok := filters[tenantID]
	if !ok {
		return nil, tenantNotFound(tenantID)
	}
	var rows publishRows
	hit := make([]bool, len(eps))
	for _, m := range in {
		rows.add(tx.Now(), tenantID, m, eps, hit, nil)
	}
	if err := rows.flush(ctx, tx); err != nil {
		return nil, err
	}
	var endpointIDs []string
	for i, ep := range eps {
		if hit[i] {
			endpointIDs = append(endpointIDs, ep.id)
		}
	}
	return endpointIDs, nil
}

// DeclareEventTypesTx adds the event types of messages Patchbay publishes
// itself to the catalogue, unless they exist (EventTypes.DeclareTx).
func (s *Service) DeclareEventTypesTx(ctx context.Context, tx *store.Tx, types []EventType) error {
	return s.eventTypes.DeclareTx(ctx, tx, types)
}
