package marketplace

import (
	"context"
	"database/sql"
	"errors"
	"net/url"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// AppsTenant owns the endpoints of apps' lifecycle webhooks. "!" is not
// allowed in tenant IDs, so no API call can name it, and lists skip it.
const AppsTenant = "!apps"

// AppWebhookRequest sets an app's lifecycle webhook.
type AppWebhookRequest struct {
	URL string `json:"url" format:"uri" doc:"Where Patchbay sends app.installed, app.uninstalled and authorization.revoked, an https URL."`
}

// Valid checks the URL's shape; the SSRF guard checks it further.
func (r AppWebhookRequest) Valid(context.Context) map[string]string {
	if u, err := url.Parse(r.URL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || len(r.URL) > maxURL {
		return map[string]string{"url": "must be an absolute https URL"}
	}
	return nil
}

// app reads an app a may manage: a developer only its team's.
func (s *Service) app(ctx context.Context, a Actor, appID string) error {
	app, err := s.deps.Apps.App(ctx, appID)
	if err == nil && a.Type == ActorDeveloper && app.TeamID != a.TeamID {
		return apperr.Errorf(apperr.NotFound, "app %s not found", appID)
	}
	return err
}

// AppWebhook returns an app's lifecycle webhook, without its secret.
func (s *Service) AppWebhook(ctx context.Context, a Actor, appID string) (AppWebhook, error) {
	if err := s.app(ctx, a, appID); err != nil {
		return AppWebhook{}, err
	}
	w, _, err := appWebhookGet(ctx, s.db, appID)
	if errors.Is(err, sql.ErrNoRows) {
		return AppWebhook{}, apperr.Errorf(apperr.NotFound, "app %s has no lifecycle webhook", appID)
	}
	return w, err
}

// SetAppWebhook sets (or moves) an app's lifecycle webhook; a new one
// comes with its secret, shown now only.
func (s *Service) SetAppWebhook(ctx context.Context, a Actor, appID, rawURL string) (AppWebhook, bool, error) {
	if err := s.app(ctx, a, appID); err != nil {
		return AppWebhook{}, false, err
	}
	if err := s.deps.Hooks.CheckEndpointURL(rawURL); err != nil {
		return AppWebhook{}, false, apperr.InvalidFields(map[string]string{"url": err.Error()})
	}
	_, endpointID, err := appWebhookGet(ctx, s.db, appID)
	if err == nil {
		if _, err := s.deps.Hooks.UpdateEndpoint(ctx, AppsTenant, endpointID, func(e *webhooks.Endpoint) { e.URL = rawURL }); err != nil {
			return AppWebhook{}, false, err
		}
		if err := s.db.WithTx(ctx, func(tx *store.Tx) error { return appWebhookUpsert(ctx, tx, appID, endpointID, rawURL) }); err != nil {
			return AppWebhook{}, false, err
		}
		w, err := s.AppWebhook(ctx, a, appID)
		return w, false, err
	} else if !errors.Is(err, sql.ErrNoRows) {
		return AppWebhook{}, false, err
	}
	if err := s.db.WithTx(ctx, func(tx *store.Tx) error { return tenants.Ensure(ctx, tx, AppsTenant, "App lifecycle webhooks") }); err != nil {
		return AppWebhook{}, false, err
	}
	ep, err := s.deps.Hooks.CreateEndpoint(ctx, webhooks.Endpoint{TenantID: AppsTenant, URL: rawURL, Description: "lifecycle webhook of app " + appID}, "")
	if err != nil {
		return AppWebhook{}, false, err
	}
	if err := s.db.WithTx(ctx, func(tx *store.Tx) error { return appWebhookUpsert(ctx, tx, appID, ep.ID, rawURL) }); err != nil {
		return AppWebhook{}, false, err
	}
	w, err := s.AppWebhook(ctx, a, appID)
	if err != nil {
		return AppWebhook{}, false, err
	}
	w.Secret, err = s.deps.Hooks.Secret(ctx, AppsTenant, ep.ID)
	return w, true, err
}

// RotateAppWebhookSecret gives an app's lifecycle webhook a new secret; the
// old one keeps signing beside it for a day.
func (s *Service) RotateAppWebhookSecret(ctx context.Context, a Actor, appID string) (AppWebhook, error) {
	w, err := s.AppWebhook(ctx, a, appID)
	if err != nil {
		return AppWebhook{}, err
	}
	_, endpointID, err := appWebhookGet(ctx, s.db, appID)
	if err != nil {
		return AppWebhook{}, err
	}
	w.Secret, err = s.deps.Hooks.RotateSecret(ctx, AppsTenant, endpointID, "", secretOverlap)
	return w, err
}

// DeleteAppWebhook removes an app's lifecycle webhook.
func (s *Service) DeleteAppWebhook(ctx context.Context, a Actor, appID string) error {
	if _, err := s.AppWebhook(ctx, a, appID); err != nil {
		return err
	}
	_, endpointID, err := appWebhookGet(ctx, s.db, appID)
	if err != nil {
		return err
	}
	if err := s.db.WithTx(ctx, func(tx *store.Tx) error { return appWebhookDelete(ctx, tx, appID) }); err != nil {
		return err
	}
	if err := s.deps.Hooks.DeleteEndpoint(ctx, AppsTenant, endpointID); err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return err
	}
	return nil
}

// sendAppEvent queues a lifecycle event for an app's webhook, if it has
// one, in tx: the delivery engine signs it (Standard Webhooks), retries it
// and logs it.
func (s *Service) sendAppEvent(ctx context.Context, tx *store.Tx, appID, eventType string, data map[string]any) error {
	if s.deps.Hooks == nil {
		return nil
	}
	_, endpointID, err := appWebhookGet(ctx, tx, appID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	body, err := appEventBody(eventType, tx.Now(), data)
	if err != nil {
		return err
	}
	_, err = s.deps.Hooks.EnqueueTx(ctx, tx, []webhooks.Forward{{TenantID: AppsTenant, EndpointID: endpointID, EventType: eventType, Body: body}})
	return err
}
