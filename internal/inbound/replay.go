package inbound

import (
	"context"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// forwardingFromPath returns the forwarding endpoint of the source the path
// names.
func (s *Service) forwardingFromPath(r *http.Request) (string, error) {
	sourceID, err := sourceFromPath(r)
	if err != nil {
		return "", err
	}
	return s.forwarding(r.Context(), sourceID)
}

// forwarding returns a source's forwarding endpoint, or a Conflict if it
// forwards nothing.
func (s *Service) forwarding(ctx context.Context, sourceID string) (string, error) {
	src, err := s.source(ctx, s.db, sourceID)
	if err != nil {
		return "", err
	}
	if src.endpointID == "" {
		return "", apperr.Errorf(apperr.Conflict, "source %s has no destination_url, so it forwards nothing", sourceID)
	}
	return src.endpointID, nil
}

// Replay forwards one event again now, whatever became of it before.
func (s *Service) Replay(ctx context.Context, sourceID, eventID string) (webhooks.Delivery, error) {
	endpointID, err := s.forwarding(ctx, sourceID)
	if err != nil {
		return webhooks.Delivery{}, err
	}
	e, err := s.Event(ctx, sourceID, eventID)
	if err != nil {
		return webhooks.Delivery{}, err
	}
	if e.DeliveryID == nil {
		return webhooks.Delivery{}, apperr.Errorf(apperr.Conflict, "event %s was not forwarded (it is a duplicate, or came before the destination was set)", eventID)
	}
	d, err := s.hooks.Resend(ctx, ForwardingTenant, *e.DeliveryID)
	if err == nil {
		s.hooks.Delivered([]string{endpointID})
	}
	return d, err
}

// HandleReplay forwards one event again.
func HandleReplay(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "Forward one event again now, with the same webhook-id, whatever became of it before",
		Response: webhooks.Delivery{}, Status: http.StatusAccepted,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourceID, eventID, err := eventFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			d, err := s.Replay(r.Context(), sourceID, eventID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusAccepted, d)
		}),
	}
}

type replayFailedRequest struct {
	Since time.Time `json:"since"`
}

func (req replayFailedRequest) Valid(context.Context) map[string]string {
	if req.Since.IsZero() {
		return map[string]string{"since": "is required: an RFC 3339 time; events received since then whose forward failed are sent again"}
	}
	return nil
}

// HandleReplayFailed forwards again every event whose forward failed.
func HandleReplayFailed(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Forward again every event received since a time whose forward failed, as a background job (202); its progress is at …/replays/{replay_id}",
		Request: replayFailedRequest{}, Response: webhooks.Recovery{}, Status: http.StatusAccepted,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := httpapi.Decode[replayFailedRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			endpointID, err := s.forwardingFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			rec, err := s.hooks.Recover(r.Context(), ForwardingTenant, endpointID, req.Since)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusAccepted, rec)
		}),
	}
}

// HandleReplayGet reports a replay's progress.
func HandleReplayGet(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "A replay's progress: status and how many forwards it has sent again", Response: webhooks.Recovery{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			replayID, err := httpapi.PathID(r, "replay_id", "rcv")
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			endpointID, err := s.forwardingFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			rec, err := s.hooks.Recovery(r.Context(), ForwardingTenant, endpointID, replayID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, rec)
		}),
	}
}

// SigningSecret is the secret Patchbay signs a source's forwards with.
type SigningSecret struct {
	Secret string `json:"secret"`
}

// HandleSecret returns the secret forwards are signed with.
func HandleSecret(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "The whsec_ secret Patchbay signs this source's forwards with (Standard Webhooks), for the SaaS's handler to verify",
		Response: SigningSecret{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			endpointID, err := s.forwardingFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			secret, err := s.hooks.Secret(r.Context(), ForwardingTenant, endpointID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, SigningSecret{Secret: secret})
		}),
	}
}
