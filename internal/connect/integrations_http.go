package connect

import (
	"context"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/httpapi"
)

// integrationFields are an integration's writable fields; nil is "not given".
type integrationFields struct {
	Name         *string   `json:"name,omitempty" doc:"The integration's name."`
	ClientID     *string   `json:"client_id,omitempty" doc:"The OAuth client ID the SaaS registered with the provider."`
	ClientSecret *string   `json:"client_secret,omitempty" doc:"The OAuth client secret, stored sealed and never shown again."`
	Scopes       *[]string `json:"scopes,omitempty" doc:"The scopes to ask the provider for by default."`
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
	ProviderID string `json:"provider_id" doc:"The catalog provider to connect to."`
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
	return httpapi.Handle(httpapi.Op[createIntegrationRequest, Integration]{
		Summary:     "Add an integration: the SaaS's own OAuth client at a provider (the secret is encrypted and never shown again); register its callback_url with the provider",
		Description: "Adds the SaaS's OAuth client at a provider of the catalog, so users can connect through it. The answer's callback_url must be registered at the provider. 422 for an unknown provider or missing client credentials.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createIntegrationRequest) (Integration, error) {
			return s.CreateIntegration(r.Context(), Integration{
				ProviderID: req.ProviderID, Name: deref(req.Name), ClientID: deref(req.ClientID), Scopes: deref(req.Scopes),
			}, deref(req.ClientSecret))
		},
	})
}

// HandleIntegrationList lists integrations.
func HandleIntegrationList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Integration]]{
		Summary:     "List integrations ordered by ID (never their secrets)",
		Description: "Lists the integrations (the SaaS's OAuth clients at providers), paginated by cursor; never their client secrets.",
		Query:       append([]httpapi.Param{{Name: "provider_id", Description: "only this provider's integrations"}}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Integration], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Integration]{}, err
			}
			list, err := s.ListIntegrations(r.Context(), r.URL.Query().Get("provider_id"), page)
			return httpapi.NewList(page, list, func(in Integration) string { return in.ID }), err
		},
	})
}

func integrationFromPath(r *http.Request) (string, error) {
	return httpapi.PathID(r, "integration_id", "int")
}

// HandleIntegrationGet returns an integration.
func HandleIntegrationGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Integration]{
		Summary:     "Get an integration (never its secret)",
		Description: "Returns an integration and its callback_url; never its client secret.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Integration, error) {
			integrationID, err := integrationFromPath(r)
			if err != nil {
				return Integration{}, err
			}
			return s.Integration(r.Context(), integrationID)
		},
	})
}

// HandleIntegrationUpdate changes an integration.
func HandleIntegrationUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[updateIntegrationRequest, Integration]{
		Summary:     "Change an integration's name, client ID, client secret or scopes",
		Description: "Changes only the fields given, for example a rotated client secret; connections keep working.",
		Do: func(r *http.Request, req updateIntegrationRequest) (Integration, error) {
			integrationID, err := integrationFromPath(r)
			if err != nil {
				return Integration{}, err
			}
			return s.UpdateIntegration(r.Context(), integrationID, IntegrationChange{
				Name: req.Name, ClientID: req.ClientID, ClientSecret: req.ClientSecret, Scopes: req.Scopes,
			})
		},
	})
}

// HandleIntegrationDelete deletes an integration no connection uses.
func HandleIntegrationDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete an integration; 409 while connections use it",
		Description: "Deletes an integration. 409 while connections use it: delete them first.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			integrationID, err := integrationFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteIntegration(r.Context(), integrationID)
		},
	})
}
