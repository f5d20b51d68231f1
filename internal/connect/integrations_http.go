package connect

import (
	"context"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/httpapi"
)

// integrationFields are an integration's writable fields; nil is "not given".
type integrationFields struct {
	Name         *string   `json:"name,omitempty"`
	ClientID     *string   `json:"client_id,omitempty"`
	ClientSecret *string   `json:"client_secret,omitempty"`
	Scopes       *[]string `json:"scopes,omitempty"`
}

func (f integrationFields) problems() map[string]string {
	p := map[string]string{}
	if f.Name != nil && (*f.Name == "" || len(*f.Name) > 200) {
		p["name"] = "must be 1 to 200 bytes"
	}
	if f.ClientID != nil && (len(*f.ClientID) > 500 || hasControl(*f.ClientID)) {
		p["client_id"] = "must be at most 500 bytes without control characters"
	}
	if f.ClientSecret != nil && (len(*f.ClientSecret) > 2000 || hasControl(*f.ClientSecret)) {
		p["client_secret"] = "must be at most 2000 bytes without control characters"
	}
	if f.Scopes != nil {
		if msg := scopesProblem(*f.Scopes); msg != "" {
			p["scopes"] = msg
		}
	}
	return p
}

func scopesProblem(scopes []string) string {
	if len(scopes) > 100 {
		return "must have at most 100 scopes"
	}
	for _, s := range scopes {
		if s == "" || len(s) > 200 || strings.ContainsAny(s, " ,") || hasControl(s) {
			return "must be scopes of 1 to 200 bytes without spaces, commas or control characters"
		}
	}
	return ""
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

type createIntegrationRequest struct {
	ProviderID string `json:"provider_id"`
	integrationFields
}

func (req createIntegrationRequest) Valid(context.Context) map[string]string {
	p := req.problems()
	if req.ProviderID == "" {
		p["provider_id"] = "is required"
	}
	if req.Name == nil {
		p["name"] = "is required"
	}
	return p
}

type updateIntegrationRequest struct{ integrationFields }

func (req updateIntegrationRequest) Valid(context.Context) map[string]string { return req.problems() }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// HandleIntegrationCreate registers the SaaS's OAuth client with a provider.
func HandleIntegrationCreate(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Add an integration: the SaaS's own OAuth client at a provider (the secret is encrypted and never shown again); register its callback_url with the provider",
		Request: createIntegrationRequest{}, Response: Integration{}, Status: http.StatusCreated,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := httpapi.Decode[createIntegrationRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			in, err := s.CreateIntegration(r.Context(), Integration{
				ProviderID: req.ProviderID, Name: deref(req.Name), ClientID: deref(req.ClientID), Scopes: deref(req.Scopes),
			}, deref(req.ClientSecret))
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusCreated, in)
		}),
	}
}

// HandleIntegrationList lists integrations.
func HandleIntegrationList(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "List integrations ordered by ID (never their secrets)", Response: httpapi.List[Integration]{},
		Query: append([]httpapi.Param{{Name: "provider_id", Description: "only this provider's integrations"}}, httpapi.PageParams...),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			list, err := s.ListIntegrations(r.Context(), r.URL.Query().Get("provider_id"), page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(in Integration) string { return in.ID }))
		}),
	}
}

func integrationFromPath(r *http.Request) (string, error) {
	return httpapi.PathID(r, "integration_id", "int")
}

// HandleIntegrationGet returns an integration.
func HandleIntegrationGet(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get an integration (never its secret)", Response: Integration{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			integrationID, err := integrationFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			in, err := s.Integration(r.Context(), integrationID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, in)
		}),
	}
}

// HandleIntegrationUpdate changes an integration.
func HandleIntegrationUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Change an integration's name, client ID, client secret or scopes",
		Request: updateIntegrationRequest{}, Response: Integration{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			integrationID, err := integrationFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			req, err := httpapi.Decode[updateIntegrationRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			in, err := s.UpdateIntegration(r.Context(), integrationID, IntegrationChange{
				Name: req.Name, ClientID: req.ClientID, ClientSecret: req.ClientSecret, Scopes: req.Scopes,
			})
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, in)
		}),
	}
}

// HandleIntegrationDelete deletes an integration no connection uses.
func HandleIntegrationDelete(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Delete an integration; 409 while connections use it", Status: http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			integrationID, err := integrationFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.DeleteIntegration(r.Context(), integrationID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}
