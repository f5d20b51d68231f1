package marketplace

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/store"
)

// Installer is who installs: the team and user of a marketplace embed
// token, and the page that asked (for the connect popup).
type Installer struct {
	TenantID, UserID string
	// OpenerOrigin is the origin of the page that opens the connect popup.
	OpenerOrigin string
}

// installable reads a listing a user may install: published or unlisted.
func (s *Service) installable(ctx context.Context, slug string) (listingRow, error) {
	l, err := listingGetBySlug(ctx, s.db, slug)
	if errors.Is(err, sql.ErrNoRows) || err == nil && l.Version == 0 {
		return listingRow{}, errNotFound(slug)
	}
	if err != nil {
		return listingRow{}, err
	}
	if l.State != StatePublished && l.State != StateUnlisted {
		return listingRow{}, apperr.Because(apperr.Conflict, "listing_unavailable", "listing %s is %s and cannot be installed", slug, l.State)
	}
	return l, nil
}

// Install starts installing a listing for a team's user: the OAuth flow of
// an app, or a connect session of an integration. The installation is
// recorded when the user consents or the connection is made.
func (s *Service) Install(ctx context.Context, who Installer, slug string) (InstallStart, error) {
	l, err := s.installable(ctx, slug)
	if err != nil {
		return InstallStart{}, err
	}
	active, err := installationsActiveWhere(ctx, s.db, "i.listing_id = ? AND i.tenant_id = ? AND i.user_id = ?", l.ID, who.TenantID, who.UserID)
	if err != nil {
		return InstallStart{}, err
	}
	if len(active) > 0 {
		return InstallStart{}, apperr.Because(apperr.Conflict, "already_installed", "listing %s is already installed for this user", slug)
	}
	if l.Kind == KindIntegration {
		cs, err := s.deps.Integrations.CreateSession(ctx, connect.NewSession{TenantID: who.TenantID, EndUserID: who.UserID,
			IntegrationID: l.IntegrationID, OpenerOrigin: who.OpenerOrigin})
		if err != nil {
			return InstallStart{}, err
		}
		return InstallStart{Kind: KindIntegration, URL: cs.URL, SessionID: cs.ID}, nil
	}
	if l.Content.InstallURL != "" {
		return InstallStart{Kind: KindApp, URL: l.Content.InstallURL}, nil
	}
	app, err := s.deps.Apps.App(ctx, l.AppID)
	if err != nil {
		return InstallStart{}, err
	}
	if len(app.RedirectURIs) == 0 {
		return InstallStart{}, apperr.Because(apperr.Conflict, "listing_unavailable", "the app of listing %s has no redirect URI", slug)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {app.RedirectURIs[0]},
		"scope": {strings.Join(app.Scopes, " ")}, "state": {randomState()}}
	return InstallStart{Kind: KindApp, URL: s.deps.Apps.Issuer() + "/oauth/authorize?" + q.Encode()}, nil
}

func randomState() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read does not fail
	return base64.RawURLEncoding.EncodeToString(b)
}

type uninstallerCtx struct{}

// uninstalledBy is who uninstalls in this context: the marketplace's
// Uninstall says so before it revokes; a revocation from elsewhere is
// "revoked".
func uninstalledBy(ctx context.Context) string {
	if by, ok := ctx.Value(uninstallerCtx{}).(string); ok {
		return by
	}
	return "revoked"
}

// Uninstall ends an installation and what it granted: an app's
// authorization and every token under it at once, or an integration's
// connection and its credentials. tenantID and userID, when not empty,
// restrict it to the installation of that team (and user).
func (s *Service) Uninstall(ctx context.Context, installationID, tenantID, by string) (Installation, error) {
	in, err := installationGet(ctx, s.db, installationID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && tenantID != "" && in.TenantID != tenantID {
		return Installation{}, apperr.Errorf(apperr.NotFound, "installation %s not found", installationID)
	} else if err != nil {
		return Installation{}, err
	}
	if in.Status != InstallActive {
		return in, nil
	}
	ctx = context.WithValue(ctx, uninstallerCtx{}, by)
	switch {
	case in.AuthorizationID != "":
		err = s.deps.Apps.RevokeAuthorization(ctx, in.AuthorizationID)
	case in.ConnectionID != "":
		err = s.deps.Integrations.DeleteConnection(ctx, in.ConnectionID)
	}
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return Installation{}, err
	}
	// The grant may have ended already (its observer then ended the
	// installation); end it here otherwise.
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		cur, err := installationGet(ctx, tx, installationID)
		if err != nil || cur.Status != InstallActive {
			return err
		}
		return s.endInstallation(ctx, tx, cur, by)
	})
	if err != nil {
		return Installation{}, err
	}
	return installationGet(ctx, s.db, installationID)
}

// UninstallListing uninstalls a listing for a team's user.
func (s *Service) UninstallListing(ctx context.Context, who Installer, slug string) (Installation, error) {
	l, err := listingGetBySlug(ctx, s.db, slug)
	if errors.Is(err, sql.ErrNoRows) {
		return Installation{}, errNotFound(slug)
	} else if err != nil {
		return Installation{}, err
	}
	active, err := installationsActiveWhere(ctx, s.db, "i.listing_id = ? AND i.tenant_id = ? AND i.user_id = ?", l.ID, who.TenantID, who.UserID)
	if err != nil {
		return Installation{}, err
	}
	if len(active) == 0 {
		return Installation{}, apperr.Because(apperr.NotFound, "not_installed", "listing %s is not installed for this user", slug)
	}
	return s.Uninstall(ctx, active[0].ID, who.TenantID, who.UserID)
}

// install records an active installation and counts it.
func (s *Service) install(ctx context.Context, tx *store.Tx, l listingRow, in Installation) error {
	in.ID, in.ListingID, in.Kind, in.Version = id.New("ins"), l.ID, l.Kind, l.Version
	if err := installationInsert(ctx, tx, in); err != nil {
		return err
	}
	if err := listingAddInstalls(ctx, tx, l.ID, 1); err != nil {
		return err
	}
	if err := installDayAdd(ctx, tx, l.ID, 1, 0); err != nil {
		return err
	}
	if l.Kind != KindApp {
		return nil
	}
	return s.sendAppEvent(ctx, tx, l.AppID, "app.installed", map[string]any{"app_id": l.AppID, "installation_id": in.ID, "listing_id": l.ID,
		"listing_slug": l.Slug, "tenant_id": in.TenantID, "user_id": in.UserID, "scopes": nonNil(in.Scopes), "authorization_id": in.AuthorizationID})
}

// endInstallation marks an installation uninstalled and counts it.
func (s *Service) endInstallation(ctx context.Context, tx *store.Tx, in Installation, by string) error {
	ended, err := installationEnd(ctx, tx, in.ID, by)
	if err != nil || !ended {
		return err
	}
	if err := listingAddInstalls(ctx, tx, in.ListingID, -1); err != nil {
		return err
	}
	if err := installDayAdd(ctx, tx, in.ListingID, 0, 1); err != nil {
		return err
	}
	if in.Kind != KindApp {
		return nil
	}
	l, err := listingGet(ctx, tx, in.ListingID)
	if err != nil {
		return err
	}
	return s.sendAppEvent(ctx, tx, l.AppID, "app.uninstalled", map[string]any{"app_id": l.AppID, "installation_id": in.ID, "listing_id": l.ID,
		"listing_slug": l.Slug, "tenant_id": in.TenantID, "user_id": in.UserID, "authorization_id": in.AuthorizationID, "uninstalled_by": by})
}

// Granted records the installation of a listed app when a user grants it
// (oauth.GrantObserver), in the grant's transaction.
func (s *Service) Granted(ctx context.Context, tx *store.Tx, g oauth.Grant) error {
	ls, err := listingsOfApp(ctx, tx, g.AppID)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.Version == 0 {
			continue // never published: nothing to install
		}
		active, err := installationsActiveWhere(ctx, tx, "i.listing_id = ? AND i.tenant_id = ? AND i.user_id = ?", l.ID, g.TeamID, g.UserID)
		if err != nil {
			return err
		}
		if len(active) > 0 {
			if err := installationSetGrant(ctx, tx, active[0].ID, g.AuthorizationID, g.Scopes); err != nil {
				return err
			}
			continue
		}
		err = s.install(ctx, tx, l, Installation{TenantID: g.TeamID, UserID: g.UserID, Scopes: g.Scopes, AuthorizationID: g.AuthorizationID,
			InstalledBy: g.UserID})
		if err != nil {
			return err
		}
	}
	return nil
}

// Revoked ends the installations of revoked grants and tells the apps
// (oauth.GrantObserver), in the revocation's transaction.
func (s *Service) Revoked(ctx context.Context, tx *store.Tx, gs []oauth.Grant) error {
	for _, g := range gs {
		if err := s.sendAppEvent(ctx, tx, g.AppID, "authorization.revoked", map[string]any{"app_id": g.AppID, "authorization_id": g.AuthorizationID,
			"tenant_id": g.TeamID, "user_id": g.UserID}); err != nil {
			return err
		}
		ins, err := installationsActiveWhere(ctx, tx, "i.authorization_id = ?", g.AuthorizationID)
		if err != nil {
			return err
		}
		for _, in := range ins {
			if err := s.endInstallation(ctx, tx, in, uninstalledBy(ctx)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ConnectionEvents passes connect's operational events on to Next and keeps
// integration installations by them, in the same transaction: a connection
// made for a listed integration installs it, and a deleted one uninstalls
// it. The app wires it between connect.Service and the webhooks service.
type ConnectionEvents struct {
	Next        connect.OperationalEvents
	Marketplace *Service
}

// EmitOperational implements connect.OperationalEvents.
func (e ConnectionEvents) EmitOperational(ctx context.Context, tx *store.Tx, eventType string, data map[string]any) error {
	if err := e.Next.EmitOperational(ctx, tx, eventType, data); err != nil || e.Marketplace == nil {
		return err
	}
	str := func(k string) string { v, _ := data[k].(string); return v }
	switch eventType {
	case "connection.created":
		scopes, _ := data["scopes"].([]string)
		return e.Marketplace.connectionCreated(ctx, tx, str("integration_id"), str("connection_id"), str("tenant_id"), str("end_user_id"), scopes)
	case "connection.deleted":
		ins, err := installationsActiveWhere(ctx, tx, "i.connection_id = ?", str("connection_id"))
		if err != nil {
			return err
		}
		for _, in := range ins {
			if err := e.Marketplace.endInstallation(ctx, tx, in, uninstalledBy(ctx)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) connectionCreated(ctx context.Context, tx *store.Tx, integrationID, connectionID, tenantID, userID string, scopes []string) error {
	ls, err := listingsOfIntegration(ctx, tx, integrationID)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.Version == 0 {
			continue
		}
		active, err := installationsActiveWhere(ctx, tx, "i.listing_id = ? AND i.tenant_id = ? AND i.user_id = ?", l.ID, tenantID, userID)
		if err != nil {
			return err
		}
		if len(active) > 0 {
			continue // a second connection of the same integration: still one install
		}
		if err := s.install(ctx, tx, l, Installation{TenantID: tenantID, UserID: userID, Scopes: scopes, ConnectionID: connectionID,
			InstalledBy: userID}); err != nil {
			return err
		}
	}
	return nil
}

// markInstalled sets Installed and Installation on listings for a team.
func (s *Service) markInstalled(ctx context.Context, tenantID string, ls []Listing) error {
	ids := make([]any, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	ins, err := installationsActiveWhere(ctx, s.db, "i.tenant_id = ? AND i.listing_id IN ("+store.Placeholders(len(ids))+")", append([]any{tenantID}, ids...)...)
	if err != nil {
		return err
	}
	for i := range ls {
		for _, in := range ins {
			if in.ListingID == ls[i].ID {
				in := in
				ls[i].Installed, ls[i].Installation = true, &in
			}
		}
	}
	return nil
}

// DirectoryListing returns a published (or unlisted) listing's page for a
// team.
func (s *Service) DirectoryListing(ctx context.Context, tenantID, slug string) (Listing, error) {
	l, err := listingGetBySlug(ctx, s.db, slug)
	if errors.Is(err, sql.ErrNoRows) || err == nil && l.State != StatePublished && l.State != StateUnlisted {
		return Listing{}, errNotFound(slug)
	} else if err != nil {
		return Listing{}, err
	}
	out, err := s.complete(ctx, l, false)
	if err != nil {
		return Listing{}, err
	}
	list := []Listing{out}
	if err := s.markInstalled(ctx, tenantID, list); err != nil {
		return Listing{}, err
	}
	return list[0], nil
}

// InstallationFilter selects installations.
type InstallationFilter struct {
	TenantID, ListingID, Status, UserID string
	Page                                httpapi.Page
}

// Installations lists installations.
func (s *Service) Installations(ctx context.Context, f InstallationFilter) (httpapi.List[Installation], error) {
	list, err := installationsList(ctx, s.db, installationFilter{TenantID: f.TenantID, ListingID: f.ListingID, Status: f.Status, UserID: f.UserID,
		After: f.Page.After, Limit: f.Page.Limit + 1})
	return httpapi.NewList(f.Page, list, func(in Installation) string { return in.ID }), err
}

// Stats returns a listing's installs now and per day over the last days.
func (s *Service) Stats(ctx context.Context, a Actor, listingID string, days int) (Stats, error) {
	l, err := s.listing(ctx, s.db, a, listingID)
	if err != nil {
		return Stats{}, err
	}
	from := s.db.Now().UTC().AddDate(0, 0, -(days - 1)).Format(time.DateOnly)
	list, err := installDaysList(ctx, s.db, l.ID, from)
	return Stats{ActiveInstalls: l.InstallCount, Days: nonNil(list)}, err
}

// appEventBody is a lifecycle event as the app receives it: the Standard
// Webhooks shape.
func appEventBody(eventType string, now time.Time, data map[string]any) ([]byte, error) {
	data["at"] = now
	return json.Marshal(map[string]any{"type": eventType, "timestamp": now, "data": data})
}
