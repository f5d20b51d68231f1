package oauth

import (
	"context"
	"net/http"
	"slices"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

type createAppRequest struct {
	TeamID     string `json:"team_id"`
	ClientType string `json:"client_type,omitempty"`
	appFields
}

func (req createAppRequest) Valid(context.Context) map[string]string {
	p := req.problems()
	if msg := tenants.ValidID(req.TeamID); msg != "" {
		p["team_id"] = msg
	}
	if req.ClientType != "" && req.ClientType != Confidential && req.ClientType != Public {
		p["client_type"] = "must be confidential (the default) or public"
	}
	if req.TokenExchange != nil && *req.TokenExchange && req.ClientType == Public {
		p["token_exchange"] = "only confidential apps may exchange tokens"
	}
	if req.Name == nil {
		p["name"] = "is required"
	}
	if req.RedirectURIs == nil {
		p["redirect_uris"] = "is required: the exact URIs the app may receive codes at"
	}
	return p
}

func appFromPath(r *http.Request) (string, error) { return httpapi.PathID(r, "app_id", "app") }

// HandleAppCreate registers an app.
func HandleAppCreate(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Secret:  true,
		Summary: "Register a third-party app; a confidential app's client_secret is in this answer only",
		Request: createAppRequest{}, Response: AppWithSecret{}, Status: http.StatusCreated,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := httpapi.Decode[createAppRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			app := App{TeamID: req.TeamID, ClientType: Confidential, Scopes: []string{}, ExchangeAudiences: []string{}}
			if req.ClientType != "" {
				app.ClientType = req.ClientType
			}
			setIf(&app.Name, req.Name)
			setIf(&app.Description, req.Description)
			setIf(&app.RedirectURIs, req.RedirectURIs)
			setIf(&app.Scopes, req.Scopes)
			setIf(&app.LogoURL, req.LogoURL)
			setIf(&app.HomepageURL, req.HomepageURL)
			setIf(&app.IsPublished, req.IsPublished)
			setIf(&app.TokenExchange, req.TokenExchange)
			setIf(&app.ExchangeAudiences, req.ExchangeAudiences)
			created, err := s.CreateApp(r.Context(), app)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusCreated, created)
		}),
	}
}

// HandleAppList lists apps.
func HandleAppList(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "List apps ordered by ID, all or one team's", Response: httpapi.List[App]{},
		Query: append(slices.Clone(httpapi.PageParams), httpapi.Param{Name: "team_id", Description: "only this team's apps"}),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			teamID := r.URL.Query().Get("team_id")
			if msg := tenants.ValidID(teamID); teamID != "" && msg != "" {
				httpapi.Error(w, r, apperr.InvalidFields(map[string]string{"team_id": msg}))
				return
			}
			list, err := s.ListApps(r.Context(), teamID, page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(a App) string { return a.ID }))
		}),
	}
}

// HandleAppGet returns an app.
func HandleAppGet(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get an app (never its secret)", Response: App{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			appID, err := appFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			app, err := s.App(r.Context(), appID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, app)
		}),
	}
}

type updateAppRequest struct{ appFields }

func (req updateAppRequest) Valid(context.Context) map[string]string { return req.problems() }

// HandleAppUpdate changes an app.
func HandleAppUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Change an app's name, description, redirect URIs, scopes, logo, homepage, published flag or token exchange permission",
		Request: updateAppRequest{}, Response: App{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			appID, err := appFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			req, err := httpapi.Decode[updateAppRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			app, err := s.UpdateApp(r.Context(), appID, req.appFields)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, app)
		}),
	}
}

// HandleAppDelete deletes an app.
func HandleAppDelete(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Delete an app with every authorization and token issued to it",
		Status:  http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			appID, err := appFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.DeleteApp(r.Context(), appID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

// HandleAppRevoke revokes everything issued to an app.
func HandleAppRevoke(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Revoke every authorization and token of an app at once; the app stays registered",
		Status:  http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			appID, err := appFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.RevokeApp(r.Context(), appID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

// HandleAppRotateSecret gives an app a new client secret.
func HandleAppRotateSecret(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Secret:   true,
		Summary:  "Give a confidential app a new client_secret (in this answer only); the old one works until previous_secret_expires_at",
		Response: AppWithSecret{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			appID, err := appFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			app, err := s.RotateSecret(r.Context(), appID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, app)
		}),
	}
}
