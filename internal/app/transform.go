package app

import (
	"context"
	"encoding/json"

	"github.com/patchbay/patchbay/internal/inbound"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// transformTargets lets the transformations capability check that an
// endpoint or a source it is attached to exists.
type transformTargets struct {
	hooks    *webhooks.Service
	incoming *inbound.Service
}

func (t transformTargets) EndpointExists(ctx context.Context, endpointID string) error {
	return t.hooks.EndpointExists(ctx, endpointID)
}

func (t transformTargets) SourceExists(ctx context.Context, sourceID string) error {
	return t.incoming.SourceExists(ctx, sourceID)
}

// transformSamples gives the transformations' test operation its samples.
type transformSamples struct {
	eventTypes *webhooks.EventTypes
	hooks      *webhooks.Service
}

func (s transformSamples) EventTypeExample(ctx context.Context, eventType string) (json.RawMessage, error) {
	et, err := s.eventTypes.EventType(ctx, eventType)
	return et.Example, err
}

func (s transformSamples) MessageSample(ctx context.Context, tenantID, messageID string) (string, json.RawMessage, error) {
	m, err := s.hooks.Message(ctx, tenantID, messageID)
	return m.EventType, m.Payload, err
}
