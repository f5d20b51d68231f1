package inbound

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// forwardingFromPath returns the forwarding endpoint of the source the path
// names.
func (s *Service) forwardingFromPath(r *http.Request) (string, error) {
	sourceID, err := sourceFromPath(r)
	if err != nil {
		return "", err
	}
	src, err := s.forwarding(r.Context(), sourceID)
	return src.endpointID, err
}

// forwarding returns a source that forwards, or a Conflict if it forwards
// nothing.
func (s *Service) forwarding(ctx context.Context, sourceID string) (Source, error) {
	src, err := s.source(ctx, s.db, sourceID)
	if err != nil {
		return Source{}, err
	}
	if src.endpointID == "" {
		return Source{}, apperr.Errorf(apperr.Conflict, "source %s has no destination_url, so it forwards nothing", sourceID)
	}
	return src, nil
}

// Replay forwards one event again now, whatever became of it before: its
// forward is sent again, with the same webhook-id, or, for an event that has
// none to the current destination (a duplicate, one that came before the
// destination was set, or whose destination was since replaced), a new forward
// is made.
func (s *Service) Replay(ctx context.Context, sourceID, eventID string) (webhooks.Delivery, error) {
	src, err := s.forwarding(ctx, sourceID)
	if err != nil {
		return webhooks.Delivery{}, err
	}
	e, err := s.Event(ctx, sourceID, eventID)
	if err != nil {
		return webhooks.Delivery{}, err
	}
	deliveryID := e.DeliveryID
	if deliveryID == nil {
		if deliveryID, err = s.forwardAgain(ctx, src, eventID); err != nil {
			return webhooks.Delivery{}, err
		}
	}
	d, err := s.hooks.Resend(ctx, ForwardingTenant, *deliveryID)
	if err == nil {
		s.hooks.Delivered([]string{src.endpointID})
	}
	return d, err
}

// forwardAgain makes a new forward of a stored event to the source's
// destination, and records it as the event's. The event's row is locked, so
// two replays at once make one forward: the second finds the first's.
func (s *Service) forwardAgain(ctx context.Context, src Source, eventID string) (*string, error) {
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (*string, error) {
		headers, body, removed, current, err := eventGetForForward(ctx, tx, eventID)
		switch {
		case err != nil:
			return nil, err
		case current != nil:
			return current, nil
		case removed:
			return nil, apperr.Errorf(apperr.Conflict, "event %s cannot be forwarded: its body was removed after the retention period", eventID)
		}
		var h map[string]string
		if err := json.Unmarshal([]byte(headers), &h); err != nil {
			return nil, fmt.Errorf("event %s headers: %w", eventID, err)
		}
		ids, err := s.hooks.EnqueueTx(ctx, tx, []webhooks.Forward{src.forward(h, body)})
		if err != nil {
			return nil, err
		}
		return &ids[0], eventSetDelivery(ctx, tx, eventID, ids[0])
	})
}

// HandleReplay forwards one event again.
func HandleReplay(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, webhooks.Delivery]{
		Summary:     "Forward one event again now: its forward, with the same webhook-id, or a new forward if it has none to the current destination",
		Description: "Forwards one event again now, for example after fixing the SaaS's handler. The receiver gets the same webhook-id, so it can deduplicate.",
		Status:      http.StatusAccepted,
		Do: func(r *http.Request, _ httpapi.NoBody) (webhooks.Delivery, error) {
			sourceID, eventID, err := eventFromPath(r)
			if err != nil {
				return webhooks.Delivery{}, err
			}
			return s.Replay(r.Context(), sourceID, eventID)
		},
	})
}

type replayFailedRequest struct {
	Since time.Time `json:"since" doc:"Replay the events received at or after this time whose forward failed."`
}

func (req replayFailedRequest) Valid(context.Context) map[string]string {
	if req.Since.IsZero() {
		return map[string]string{"since": "is required: an RFC 3339 time; events received since then whose forward failed are sent again"}
	}
	return nil
}

// HandleReplayFailed forwards again every event whose forward failed.
func HandleReplayFailed(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[replayFailedRequest, webhooks.Recovery]{
		Summary:     "Forward again every event received since a time whose forward failed, as a background job (202); its progress is at …/replays/{replay_id}",
		Description: "After the SaaS's handler was down, forwards again every event since a time whose forward failed, as a background job. Answers 202 with the replay; poll …/replays/{replay_id}.",
		Status:      http.StatusAccepted,
		Do: func(r *http.Request, req replayFailedRequest) (webhooks.Recovery, error) {
			endpointID, err := s.forwardingFromPath(r)
			if err != nil {
				return webhooks.Recovery{}, err
			}
			return s.hooks.Recover(r.Context(), ForwardingTenant, endpointID, req.Since)
		},
	})
}

// HandleReplayGet reports a replay's progress.
func HandleReplayGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, webhooks.Recovery]{
		Summary:     "A replay's progress: status and how many forwards it has sent again",
		Description: "Shows a bulk replay's progress. Poll after POST …/replay until finished_at is set.",
		Do: func(r *http.Request, _ httpapi.NoBody) (webhooks.Recovery, error) {
			replayID, err := httpapi.PathID(r, "replay_id", "rcv")
			if err != nil {
				return webhooks.Recovery{}, err
			}
			endpointID, err := s.forwardingFromPath(r)
			if err != nil {
				return webhooks.Recovery{}, err
			}
			return s.hooks.Recovery(r.Context(), ForwardingTenant, endpointID, replayID)
		},
	})
}

// SigningSecret is the secret Patchbay signs a source's forwards with.
type SigningSecret struct {
	Secret string `json:"secret" doc:"The secret that verifies the provider's signatures."`
}

// HandleSecret returns the secret forwards are signed with.
func HandleSecret(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, SigningSecret]{
		Secret:      true,
		Summary:     "The whsec_ secret Patchbay signs this source's forwards with (Standard Webhooks), for the SaaS's handler to verify",
		Description: "Returns the secret Patchbay signs forwards from this source with, so the SaaS's handler can verify them with any Standard Webhooks library. Never cached.",
		Do: func(r *http.Request, _ httpapi.NoBody) (SigningSecret, error) {
			endpointID, err := s.forwardingFromPath(r)
			if err != nil {
				return SigningSecret{}, err
			}
			secret, err := s.hooks.Secret(r.Context(), ForwardingTenant, endpointID)
			if err != nil {
				return SigningSecret{}, err
			}
			return SigningSecret{Secret: secret}, nil
		},
	})
}
