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
	TeamID     string `json:"team_id" doc:"The SaaS team (workspace) that owns the app, when the SaaS tracks one."`
	ClientType string `json:"client_type,omitempty" doc:"confidential (default; a server that keeps a secret) or public (PKCE, no secret)." enum:"confidential,public"`
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
	return httpapi.Handle(httpapi.Op[createAppRequest, AppWithSecret]{
		Secret:      true,
		Summary:     "Register a third-party app; a confidential app's client_secret is in this answer only",
		Description: "Registers a third-party app that will ask users for access. Confidential apps get a client_secret in this answer only; public apps (native, single-page) use PKCE without one. 422 names each bad field, such as a redirect URI that is not https.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createAppRequest) (AppWithSecret, error) {
			app := App{TeamID: req.TeamID, ClientType: Confidential, Scopes: []string{}, ExchangeAudiences: []string{}}
			if req.ClientType != "" {
				app.ClientType = req.ClientType
			}
			setIf(&app.Name, req.Name)
			setIf(&app.Description, req.Description)
			setIf(&app.DeveloperName, req.DeveloperName)
			setIf(&app.RedirectURIs, req.RedirectURIs)
			setIf(&app.Scopes, req.Scopes)
			setIf(&app.LogoURL, req.LogoURL)
			setIf(&app.HomepageURL, req.HomepageURL)
			setIf(&app.PolicyURL, req.PolicyURL)
			setIf(&app.TermsURL, req.TermsURL)
			setIf(&app.IsPublished, req.IsPublished)
			setIf(&app.TokenExchange, req.TokenExchange)
			setIf(&app.ExchangeAudiences, req.ExchangeAudiences)
			return s.CreateApp(r.Context(), app)
		},
	})
}

// HandleAppList lists apps.
func HandleAppList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[App]]{
		Summary:     "List apps ordered by ID, all or one team's",
		Description: "Lists registered third-party apps, paginated by cursor, optionally one team's (team_id). Never their client secrets.",
		Query:       append(slices.Clone(httpapi.PageParams), httpapi.Param{Name: "team_id", Description: "only this team's apps"}),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[App], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[App]{}, err
			}
			teamID := r.URL.Query().Get("team_id")
			if msg := tenants.ValidID(teamID); teamID != "" && msg != "" {
				return httpapi.List[App]{}, apperr.InvalidFields(map[string]string{"team_id": msg})
			}
			list, err := s.ListApps(r.Context(), teamID, page)
			return httpapi.NewList(page, list, func(a App) string { return a.ID }), err
		},
	})
}

// HandleAppGet returns an app.
func HandleAppGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, App]{
		Summary:     "Get an app (never its secret)",
		Description: "Returns an app's registration; never its client secret. 404 for an unknown app.",
		Do: func(r *http.Request, _ httpapi.NoBody) (App, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return App{}, err
			}
			return s.App(r.Context(), appID)
		},
	})
}

type updateAppRequest struct{ appFields }

func (req updateAppRequest) Valid(context.Context) map[string]string { return req.problems() }

// HandleAppUpdate changes an app.
func HandleAppUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[updateAppRequest, App]{
		Summary:     "Change an app's name, description, developer name, redirect URIs, scopes, logo, homepage, privacy and terms links, published flag or token exchange permission",
		Description: "Changes only the fields given. Removing a scope does not take it from grants already made; revoke them for that.",
		Do: func(r *http.Request, req updateAppRequest) (App, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return App{}, err
			}
			return s.UpdateApp(r.Context(), appID, req.appFields)
		},
	})
}

// HandleAppDelete deletes an app.
func HandleAppDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete an app with every authorization and token issued to it",
		Description: "Deletes an app and revokes every authorization and token issued to it at once. Use …/revoke to keep the app but cut its access.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteApp(r.Context(), appID)
		},
	})
}

// HandleAppRevoke revokes everything issued to an app.
func HandleAppRevoke(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Revoke every authorization and token of an app at once; the app stays registered",
		Description: "Cuts an app's access everywhere, for example after a breach at the app: every authorization, access token and refresh token it holds stops working. Users must consent again.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.RevokeApp(r.Context(), appID)
		},
	})
}

// HandleAppRotateSecret gives an app a new client secret.
func HandleAppRotateSecret(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, AppWithSecret]{
		Secret:      true,
		Summary:     "Give a confidential app a new client_secret (in this answer only); the old one works until previous_secret_expires_at",
		Description: "Issues a new client secret. The old one keeps working until previous_secret_expires_at so the app can deploy the new one without downtime. 409 for a public app, which has no secret.",
		Do: func(r *http.Request, _ httpapi.NoBody) (AppWithSecret, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return AppWithSecret{}, err
			}
			return s.RotateSecret(r.Context(), appID)
		},
	})
}
