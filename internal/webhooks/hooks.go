package webhooks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/webhook"
)

// What other capabilities (automation's REST hooks) use to make endpoints
// inside their own transactions and to learn of a 410 Gone.

// CheckURL says what is wrong with an endpoint URL under the installation's
// rules (https unless http is allowed; the outbound guard's policy), or nil.
func (s *Service) CheckURL(raw string) error {
	return s.urlOptions.CheckURL(raw, s.cfg.AllowHTTP)
}

// CreateEndpointTx adds an endpoint within tx, with a new secret, that
// receives only payloads matching filter: JSON Pointers to the scalar
// each must equal (nil or empty: every payload). The tenant must exist.
func (s *Service) CreateEndpointTx(ctx context.Context, tx *store.Tx, e Endpoint, filter map[string]any) (Endpoint, error) {
	e.ID = id.New("ep")
	e.EventTypes, e.Channels = nonNil(e.EventTypes), nonNil(e.Channels)
	e.Headers, e.Metadata = nonNilMap(e.Headers), nonNilMap(e.Metadata)
	if e.DeliveryOrder == "" {
		e.DeliveryOrder = OrderUnordered
	}
	e.Type = destinations.TypeHTTP // platforms' hooks are POSTed to their target URLs
	sealed := s.vault.Seal([]byte(webhook.NewSecret()), secretAAD(e.ID, "secret"))
	e.CreatedAt, e.UpdatedAt = tx.Now(), tx.Now()
	if err := endpointInsert(ctx, tx, e, sealed, nil); err != nil {
		return Endpoint{}, fmt.Errorf("create endpoint: %w", err)
	}
	if len(filter) > 0 {
		b, err := json.Marshal(filter)
		if err != nil {
			return Endpoint{}, err
		}
		if err := endpointSetPayloadFilter(ctx, tx, e.ID, string(b)); err != nil {
			return Endpoint{}, err
		}
	}
	return e, nil
}

// DeleteEndpointsTx deletes endpoints, with their deliveries, within tx.
func (s *Service) DeleteEndpointsTx(ctx context.Context, tx *store.Tx, endpointIDs []string) error {
	for _, id := range endpointIDs {
		if _, err := endpointDelete(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// Woken tells the dispatcher that deliveries may be due (after a commit).
func (s *Service) Woken() { s.wake() }

// OnGone registers fn, called in the dispatcher's transaction when an
// endpoint answers 410 Gone, before it is disabled.
func (s *Service) OnGone(fn func(ctx context.Context, tx *store.Tx, endpointID string) error) {
	s.onGone = fn
}

// EndpointHealth is an endpoint's delivery health, for lists of endpoints
// other capabilities own (automation's hooks).
type EndpointHealth struct {
	Disabled            bool    `json:"disabled" doc:"Whether the endpoint is disabled (410 Gone, or failing too long)."`
	DisabledReason      string  `json:"disabled_reason,omitempty" doc:"Why it was disabled."`
	ConsecutiveFailures int     `json:"consecutive_failures" doc:"Failed attempts since the last success."`
	LastSuccessAt       *string `json:"last_success_at,omitempty" doc:"When a delivery last succeeded, RFC 3339."`
	Pending             int     `json:"pending" doc:"Deliveries waiting to go out or be retried."`
	Failed              int     `json:"failed" doc:"Deliveries that failed for good."`
}

// Health returns an endpoint's delivery health.
func (s *Service) Health(ctx context.Context, endpointID string) (EndpointHealth, error) {
	h, err := endpointHealthGet(ctx, s.db, endpointID)
	if err != nil {
		return h, err
	}
	counts, err := deliveriesCountByStatus(ctx, s.db, endpointID)
	if err != nil {
		return h, err
	}
	h.Pending, h.Failed = counts[StatusPending], counts[StatusFailed]
	return h, nil
}

// payloadMatches reports whether a payload has, at each pointer of filter,
// the value given. Numbers compare by their value.
func payloadMatches(filter map[string]any, payload json.RawMessage, parsed *any, parsedOK *int) bool {
	if len(filter) == 0 {
		return true
	}
	if *parsedOK == 0 {
		*parsedOK = 2
		if json.Unmarshal(payload, parsed) == nil {
			*parsedOK = 1
		}
	}
	if *parsedOK != 1 {
		return false
	}
	for ptr, want := range filter {
		got, ok := jsonptr.Lookup(*parsed, ptr)
		if !ok || !scalarEqual(got, want) {
			return false
		}
	}
	return true
}

func scalarEqual(a, b any) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && fa == fb
	}
	switch a.(type) {
	case string, bool, nil:
		return a == b
	}
	return false
}
