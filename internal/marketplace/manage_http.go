package marketplace

import (
	"context"
	"net/http"
	"slices"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/oauth"
)

// HandleCategoryPut creates or replaces a category.
func HandleCategoryPut(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[CategoryRequest, httpapi.Upsert[Category]]{
		Summary:     "Create or replace a category of the marketplace's catalog",
		Description: "Listings name categories by slug; only catalog categories are accepted. 201 when new, 200 when replaced.",
		Do: func(r *http.Request, req CategoryRequest) (httpapi.Upsert[Category], error) {
			c, created, err := s.PutCategory(r.Context(), r.PathValue("slug"), req)
			return httpapi.Upsert[Category]{Value: c, Created: created}, err
		},
	})
}

// HandleCategoryDelete deletes a category.
func HandleCategoryDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete a category no published listing uses",
		Description: "409 category_in_use while a published listing is in it.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			return httpapi.NoContent{}, s.DeleteCategory(r.Context(), r.PathValue("slug"))
		},
	})
}

// HandleInstallationList lists installations.
func HandleInstallationList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Installation]]{
		Summary:     "List installations, all or one team's, one listing's, active or uninstalled",
		Description: "Each installation says who installed which version with which scopes, and when it ended.",
		Query: append(slices.Clone(httpapi.PageParams), httpapi.Param{Name: "tenant_id", Description: "only this team's"},
			httpapi.Param{Name: "listing_id", Description: "only this listing's"}, httpapi.Param{Name: "status", Description: "active or uninstalled"}),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Installation], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Installation]{}, err
			}
			q := r.URL.Query()
			f := InstallationFilter{TenantID: q.Get("tenant_id"), ListingID: q.Get("listing_id"), Status: q.Get("status"), Page: page}
			if f.Status != "" && f.Status != InstallActive && f.Status != InstallUninstalled {
				return httpapi.List[Installation]{}, apperr.InvalidFields(map[string]string{"status": "must be active or uninstalled"})
			}
			return s.Installations(r.Context(), f)
		},
	})
}

// HandleInstallationDelete uninstalls an installation.
func HandleInstallationDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Installation]{
		Summary: "Uninstall: revoke the app's authorization and every token at once, or delete the integration's connection",
		Description: "Ends the installation and what it granted; the app is told (app.uninstalled, authorization.revoked). An installation " +
			"already ended is answered as it is.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Installation, error) {
			installationID, err := httpapi.PathID(r, "installation_id", "ins")
			if err != nil {
				return Installation{}, err
			}
			return s.Uninstall(r.Context(), installationID, "", AsAdmin(r).ID)
		},
	})
}

// HandleListingReviews lists a listing's reviews, hidden ones included.
func HandleListingReviews(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Review]]{
		Summary:     "List a listing's reviews, hidden ones included, newest first",
		Description: "For moderation and for the developer's replies.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Review], error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return httpapi.List[Review]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Review]{}, err
			}
			return s.Reviews(r.Context(), who(r), listingID, nil, page)
		},
	})
}

// HandleReviewReply stores the developer's reply.
func HandleReviewReply(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[TextRequest, Review]{
		Summary:     "Reply to a review of the team's listing, once",
		Description: "409 already_replied when the review has a reply.",
		Do: func(r *http.Request, req TextRequest) (Review, error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return Review{}, err
			}
			reviewID, err := httpapi.PathID(r, "review_id", "rvw")
			if err != nil {
				return Review{}, err
			}
			return s.Reply(r.Context(), who(r), listingID, reviewID, req.Body)
		},
	})
}

// HandleReviewHide hides a review with a reason.
func HandleReviewHide(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[TextRequest, Review]{
		Summary:     "Hide a review, with the reason in body; it stops counting in the rating",
		Description: "The review stays visible to admins, reviewers and the developer, marked hidden with the reason.",
		Do: func(r *http.Request, req TextRequest) (Review, error) {
			reviewID, err := httpapi.PathID(r, "review_id", "rvw")
			if err != nil {
				return Review{}, err
			}
			return s.HideReview(r.Context(), who(r), reviewID, true, req.Body)
		},
	})
}

// HandleReviewUnhide shows a hidden review again.
func HandleReviewUnhide(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Review]{
		Summary:     "Show a hidden review again",
		Description: "It counts in the rating again.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Review, error) {
			reviewID, err := httpapi.PathID(r, "review_id", "rvw")
			if err != nil {
				return Review{}, err
			}
			return s.HideReview(r.Context(), who(r), reviewID, false, "")
		},
	})
}

func appFromPath(r *http.Request) (string, error) { return httpapi.PathID(r, "app_id", "app") }

// HandleAppWebhookGet returns an app's lifecycle webhook.
func HandleAppWebhookGet(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, AppWebhook]{
		Summary:     "Get an app's lifecycle webhook (without its secret)",
		Description: "404 when the app has none.",
		Do: func(r *http.Request, _ httpapi.NoBody) (AppWebhook, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return AppWebhook{}, err
			}
			return s.AppWebhook(r.Context(), who(r), appID)
		},
	})
}

// HandleAppWebhookPut sets an app's lifecycle webhook.
func HandleAppWebhookPut(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[AppWebhookRequest, httpapi.Upsert[AppWebhook]]{
		Summary: "Set an app's lifecycle webhook URL; a new webhook's signing secret is in this answer only",
		Description: "Patchbay sends app.installed, app.uninstalled and authorization.revoked there, signed with Standard Webhooks, through " +
			"the delivery engine (retries, log). 201 with the secret when new; 200 when the URL moved.",
		Secret: true,
		Do: func(r *http.Request, req AppWebhookRequest) (httpapi.Upsert[AppWebhook], error) {
			appID, err := appFromPath(r)
			if err != nil {
				return httpapi.Upsert[AppWebhook]{}, err
			}
			w, created, err := s.SetAppWebhook(r.Context(), who(r), appID, req.URL)
			return httpapi.Upsert[AppWebhook]{Value: w, Created: created}, err
		},
	})
}

// HandleAppWebhookRotate rotates an app's lifecycle webhook secret.
func HandleAppWebhookRotate(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, AppWebhook]{
		Summary:     "Rotate an app's lifecycle webhook secret; the old one keeps signing beside it for 24 hours",
		Description: "The new secret is in this answer only.",
		Secret:      true,
		Do: func(r *http.Request, _ httpapi.NoBody) (AppWebhook, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return AppWebhook{}, err
			}
			return s.RotateAppWebhookSecret(r.Context(), who(r), appID)
		},
	})
}

// HandleAppWebhookDelete removes an app's lifecycle webhook.
func HandleAppWebhookDelete(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Remove an app's lifecycle webhook",
		Description: "Events are no longer sent; those queued are dropped with the endpoint.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteAppWebhook(r.Context(), who(r), appID)
		},
	})
}

// DeveloperAppRequest creates or changes a developer team's app: the
// fields a developer may set (not token exchange, which the SaaS grants).
type DeveloperAppRequest struct {
	Name         *string   `json:"name,omitempty" doc:"The app's name, 1 to 100 bytes; required to create."`
	Description  *string   `json:"description,omitempty" doc:"What the app does, at most 1,000 bytes."`
	ClientType   string    `json:"client_type,omitempty" enum:"confidential,public" doc:"confidential (the default: a server keeping a secret) or public (PKCE, no secret); only on create."`
	RedirectURIs *[]string `json:"redirect_uris,omitempty" doc:"The exact URIs the app receives codes at; required to create."`
	Scopes       *[]string `json:"scopes,omitempty" doc:"The catalog scopes the app may ask for."`
	LogoURL      *string   `json:"logo_url,omitempty" format:"uri" doc:"The app's logo, an https URL."`
	HomepageURL  *string   `json:"homepage_url,omitempty" format:"uri" doc:"The app's homepage, an https URL."`
}

func (d DeveloperAppRequest) changes() oauth.AppChanges {
	return oauth.AppChanges{Name: d.Name, Description: d.Description, RedirectURIs: d.RedirectURIs, Scopes: d.Scopes, LogoURL: d.LogoURL,
		HomepageURL: d.HomepageURL}
}

// Valid checks the app's fields as app registration does.
func (d DeveloperAppRequest) Valid(context.Context) map[string]string {
	p := d.changes().Problems()
	if d.ClientType != "" && d.ClientType != oauth.Confidential && d.ClientType != oauth.Public {
		p["client_type"] = "must be confidential or public"
	}
	return p
}

// HandleDeveloperApps lists the developer team's apps.
func HandleDeveloperApps(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[oauth.App]]{
		Summary:     "List this developer team's OAuth apps",
		Description: "The apps the team may list in the marketplace.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[oauth.App], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[oauth.App]{}, err
			}
			list, err := s.deps.Apps.ListApps(r.Context(), AsDeveloper(r).TeamID, page)
			return httpapi.NewList(page, list, func(a oauth.App) string { return a.ID }), err
		},
	})
}

// HandleDeveloperAppCreate registers an app for the developer team.
func HandleDeveloperAppCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[DeveloperAppRequest, oauth.AppWithSecret]{
		Summary:     "Register an OAuth app for this developer team; a confidential app's client_secret is in this answer only",
		Description: "The app belongs to the token's team. name and redirect_uris are required; scopes must be in the catalog.",
		Status:      http.StatusCreated,
		Secret:      true,
		Do: func(r *http.Request, req DeveloperAppRequest) (oauth.AppWithSecret, error) {
			probs := map[string]string{}
			if req.Name == nil {
				probs["name"] = "is required"
			}
			if req.RedirectURIs == nil {
				probs["redirect_uris"] = "is required: the exact URIs the app may receive codes at"
			}
			if len(probs) > 0 {
				return oauth.AppWithSecret{}, apperr.InvalidFields(probs)
			}
			app := oauth.App{TeamID: AsDeveloper(r).TeamID, ClientType: oauth.Confidential, Name: *req.Name, RedirectURIs: *req.RedirectURIs,
				Scopes: []string{}, ExchangeAudiences: []string{}}
			if req.ClientType != "" {
				app.ClientType = req.ClientType
			}
			if req.Scopes != nil {
				app.Scopes = *req.Scopes
			}
			for dst, v := range map[*string]*string{&app.Description: req.Description, &app.LogoURL: req.LogoURL, &app.HomepageURL: req.HomepageURL} {
				if v != nil {
					*dst = *v
				}
			}
			return s.deps.Apps.CreateApp(r.Context(), app)
		},
	})
}

// HandleDeveloperApp returns one of the team's apps.
func HandleDeveloperApp(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, oauth.App]{
		Summary:     "Get one of this developer team's OAuth apps",
		Description: "404 for another team's app.",
		Do: func(r *http.Request, _ httpapi.NoBody) (oauth.App, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return oauth.App{}, err
			}
			if err := s.app(r.Context(), AsDeveloper(r), appID); err != nil {
				return oauth.App{}, err
			}
			return s.deps.Apps.App(r.Context(), appID)
		},
	})
}

// HandleDeveloperAppUpdate changes one of the team's apps.
func HandleDeveloperAppUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[DeveloperAppRequest, oauth.App]{
		Summary:     "Change one of this developer team's OAuth apps",
		Description: "Changes the given fields; client_type cannot change. 404 for another team's app.",
		Do: func(r *http.Request, req DeveloperAppRequest) (oauth.App, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return oauth.App{}, err
			}
			if req.ClientType != "" {
				return oauth.App{}, apperr.InvalidFields(map[string]string{"client_type": "cannot change; register another app"})
			}
			if err := s.app(r.Context(), AsDeveloper(r), appID); err != nil {
				return oauth.App{}, err
			}
			return s.deps.Apps.UpdateApp(r.Context(), appID, req.changes())
		},
	})
}
