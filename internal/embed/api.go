package embed

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Branding is how the components look for a tenant: the installation's
// branding with the tenant's overrides, as pages show it.
type Branding = htmlpage.Brand

// BrandingSource gives a tenant's effective branding: branding.Service.
type BrandingSource interface {
	ForTenant(ctx context.Context, tenantID string) (Branding, error)
}

// Webhooks is what the webhook portal needs of webhooks.Service beyond the
// admin handlers it shares.
type Webhooks interface {
	SendTest(ctx context.Context, tenantID, endpointID, eventType string, payload json.RawMessage) (webhooks.TestEvent, error)
	Delivery(ctx context.Context, tenantID, deliveryID string) (webhooks.DeliveryDetail, error)
	Message(ctx context.Context, tenantID, messageID string) (webhooks.MessageDetail, error)
	Endpoint(ctx context.Context, tenantID, endpointID string) (webhooks.Endpoint, error)
}

// EventTypes lists the event catalog: webhooks.EventTypes.
type EventTypes interface {
	List(ctx context.Context, page httpapi.Page, includeArchived bool) ([]webhooks.EventType, error)
}

// Connections is what the connections component needs of connect.Service.
type Connections interface {
	ListIntegrations(ctx context.Context, providerID string, page httpapi.Page) ([]connect.Integration, error)
	ListConnections(ctx context.Context, f connect.ConnectionFilter, page httpapi.Page) ([]connect.Connection, error)
	Connection(ctx context.Context, connectionID string) (connect.Connection, error)
	DeleteConnection(ctx context.Context, connectionID string) error
	CreateSession(ctx context.Context, ns connect.NewSession) (connect.CreatedSession, error)
	ProviderInfo(providerID string) connect.ProviderInfo
}

// AuthorizedApps is what the authorized-apps component needs of
// oauth.Service.
type AuthorizedApps interface {
	ListAuthorizations(ctx context.Context, userID, teamID string, page httpapi.Page) ([]oauth.Authorization, error)
	RevokeAppForUser(ctx context.Context, userID, teamID, appID string) error
	Scope(ctx context.Context, name string) (oauth.Scope, error)
}

// API serves the /embed/v1 routes of its own (the others are the admin
// API's handlers, reached through RequireToken).
type API struct {
	Webhooks    Webhooks
	EventTypes  EventTypes
	Connections Connections
	Apps        AuthorizedApps
	// Branding is the tenants' branding; nil (tests) shows the default.
	Branding BrandingSource
	// PublicURL is Patchbay's own URL: the logo Patchbay serves is named
	// by it, since the components run on the SaaS's origin.
	PublicURL string
	// Images gives Patchbay's copy of a provider's or an app's logo, so the
	// components never hot-link one; nil (tests) shows none.
	Images htmlpage.Images
}

// image is the absolute URL of Patchbay's copy of the image at raw (a
// path Patchbay serves, or a URL elsewhere, copied through Images), or ""
// when there is none and the components show a monogram.
func (a *API) image(ctx context.Context, raw string) string {
	if !strings.HasPrefix(raw, "/") {
		raw = htmlpage.ImagePath(ctx, a.Images, raw)
	}
	if raw == "" {
		return ""
	}
	return a.PublicURL + raw
}

func mustToken(r *http.Request) Token {
	t, ok := TokenFrom(r.Context())
	if !ok {
		panic("embed: a handler ran without RequireToken") // routes.go wires every embed route through it
	}
	return t
}

// Session is what a component learns about its token on start.
type Session struct {
	TenantID     string    `json:"tenant_id" doc:"The token's tenant."`
	UserID       string    `json:"user_id" doc:"The SaaS's ID of the user the token was minted for."`
	UserName     string    `json:"user_name" doc:"The user's name, for display."`
	Capabilities []string  `json:"capabilities" doc:"What the token grants."`
	ExpiresAt    time.Time `json:"expires_at" doc:"When the token expires."`
	Locale       string    `json:"locale" doc:"The language the components use."`
	Branding     Branding  `json:"branding" doc:"The product name and links the components show."`
}

// HandleSession describes the token and the tenant's branding.
func (a *API) HandleSession() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Session]{
		Summary:     "The embed token's tenant, user, capabilities and expiry, with the branding the components use",
		Description: "The first call a component makes: what the embed token is (tenant, user, capabilities, expiry) and the branding to draw with. 401 when the token is invalid, expired or revoked.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Session, error) {
			t := mustToken(r)
			b := htmlpage.DefaultBrand
			if a.Branding != nil {
				var err error
				if b, err = a.Branding.ForTenant(r.Context(), t.TenantID); err != nil {
					return Session{}, err
				}
			}
			b.LogoURL = a.image(r.Context(), b.LogoURL)
			return Session{TenantID: t.TenantID, UserID: t.UserID, UserName: t.UserName,
				Capabilities: t.Capabilities, ExpiresAt: t.ExpiresAt, Locale: t.Locale, Branding: b}, nil
		},
	})
}

type testEventRequest struct {
	EventType string `json:"event_type" doc:"The event type of the test message; absent sends a patchbay.test event."`
	// Payload defaults to the event type's example.
	Payload json.RawMessage `json:"payload,omitempty" doc:"Defaults to the event type's example."`
}

func (req testEventRequest) Valid(context.Context) map[string]string {
	if req.EventType == "" {
		return map[string]string{"event_type": "is required"}
	}
	return nil
}

// HandleTestEvent sends a test event to one endpoint.
func (a *API) HandleTestEvent() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[testEventRequest, webhooks.TestEvent]{
		Summary:     "Send a test event of a type to this endpoint only; the payload defaults to the type's example",
		Description: "Publishes a test message to this endpoint alone, so a user can check that the receiver verifies and accepts it. The payload is the event type's example unless one is given. 422 for an unknown event type.",
		Status:      http.StatusAccepted,
		Do: func(r *http.Request, req testEventRequest) (webhooks.TestEvent, error) {
			t := mustToken(r)
			endpointID, err := httpapi.PathID(r, "endpoint_id", "ep")
			if err != nil {
				return webhooks.TestEvent{}, err
			}
			return a.Webhooks.SendTest(r.Context(), t.TenantID, endpointID, req.EventType, req.Payload)
		},
	})
}

// IntegrationProvider is the provider an integration connects to.
type IntegrationProvider struct {
	ID      string `json:"id" doc:"The provider's ID."`
	Name    string `json:"name" doc:"The provider's name."`
	LogoURL string `json:"logo_url" doc:"The provider's logo." format:"uri"`
}

// UserConnection is the user's connection through an integration, without
// credentials.
type UserConnection struct {
	ID string `json:"id" doc:"The connection's ID."`
	// Status is connected, needs_reconnect or error.
	Status          string     `json:"status" enum:"connected,needs_reconnect,error" doc:"The connection's state: connected, needs_reconnect or error."`
	CreatedAt       time.Time  `json:"created_at" doc:"When the user connected."`
	LastRefreshedAt *time.Time `json:"last_refreshed_at" doc:"When its access token was last refreshed; null if never."`
	Scopes          []string   `json:"scopes" doc:"The scopes the provider granted."`
}

// Integration is a connector the SaaS offers, with the user's connection.
type Integration struct {
	ID         string              `json:"id" doc:"The integration's ID."`
	Name       string              `json:"name" doc:"The integration's name."`
	Provider   IntegrationProvider `json:"provider" doc:"The provider it connects to."`
	Connection *UserConnection     `json:"connection" doc:"The user's connection through it; null if none."`
}

// maxListed bounds the integrations and connections one list reads: the
// components show them on one screen.
const maxListed = 100

// HandleIntegrations lists the integrations with the user's connections.
func (a *API) HandleIntegrations() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Integration]]{
		Summary:     "The connectors offered, each with this user's connection and its status (connected, needs_reconnect, error)",
		Description: "For the connections component: each integration the SaaS offers, with the user's connection to it if any and that connection's status.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Integration], error) {
			t := mustToken(r)
			ins, err := a.Connections.ListIntegrations(r.Context(), "", httpapi.Page{Limit: maxListed})
			if err != nil {
				return httpapi.List[Integration]{}, err
			}
			conns, err := a.Connections.ListConnections(r.Context(), connect.ConnectionFilter{TenantID: t.TenantID, EndUserID: t.UserID},
				httpapi.Page{Limit: maxListed})
			if err != nil {
				return httpapi.List[Integration]{}, err
			}
			out := httpapi.List[Integration]{Data: []Integration{}}
			for _, in := range ins[:min(len(ins), maxListed)] {
				p := a.Connections.ProviderInfo(in.ProviderID)
				item := Integration{ID: in.ID, Name: in.Name, Provider: IntegrationProvider{ID: p.ID, Name: p.DisplayName,
					LogoURL: a.image(r.Context(), p.Logo)}}
				for _, c := range conns {
					if c.IntegrationID == in.ID {
						item.Connection = &UserConnection{ID: c.ID, Status: connectionStatus(c.Status), CreatedAt: c.CreatedAt,
							LastRefreshedAt: c.RefreshedAt, Scopes: c.Scopes}
					}
				}
				out.Data = append(out.Data, item)
			}
			return out, nil
		},
	})
}

// connectionStatus maps a connection's status to the components' three.
func connectionStatus(s string) string {
	switch s {
	case connect.StatusActive:
		return "connected"
	case connect.StatusNeedsReauth:
		return "needs_reconnect"
	}
	return "error"
}

type connectRequest struct {
	// ReturnTo receives the browser when the flow ends, when the component
	// redirects instead of opening a popup; it must be on one of the token's
	// origins.
	ReturnTo string `json:"return_to,omitempty" doc:"Receives the browser when the flow ends, when the component redirects instead of opening a popup; it must be on one of the token's origins."`
}

func (connectRequest) Valid(context.Context) map[string]string { return nil }

// ConnectStart is where the browser goes to connect.
type ConnectStart struct {
	ConnectURL string `json:"connect_url" doc:"The connect page to open in a window." format:"uri"`
}

// HandleConnect starts the connect flow for an integration.
func (a *API) HandleConnect() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[connectRequest, ConnectStart]{
		Summary:      "Start connecting (or reconnecting) an integration for this user: the connect page's URL, for a popup or a redirect",
		Description:  "Creates a connect session for the token's user and returns the connect page's URL, which the component opens in a popup or redirects to. 404 for an unknown integration.",
		OptionalBody: true,
		Do: func(r *http.Request, req connectRequest) (ConnectStart, error) {
			t := mustToken(r)
			integrationID, err := httpapi.PathID(r, "integration_id", "int")
			if err != nil {
				return ConnectStart{}, err
			}
			if req.ReturnTo != "" {
				u, err := url.Parse(req.ReturnTo)
				if err != nil || u.Fragment != "" || len(req.ReturnTo) > 2000 || !t.AllowsOrigin(u.Scheme+"://"+u.Host) {
					return ConnectStart{}, apperr.InvalidFields(map[string]string{"return_to": "must be a URL on one of the token's allowed origins, without a fragment"})
				}
			}
			ns := connect.NewSession{TenantID: t.TenantID, EndUserID: t.UserID, IntegrationID: integrationID,
				ReturnTo: req.ReturnTo, OpenerOrigin: r.Header.Get("Origin")}
			if ns.OpenerOrigin == "" && len(t.AllowedOrigins) == 1 {
				ns.OpenerOrigin = t.AllowedOrigins[0]
			}
			// A connection that needs reconnecting is repaired in place.
			conns, err := a.Connections.ListConnections(r.Context(), connect.ConnectionFilter{TenantID: t.TenantID, EndUserID: t.UserID},
				httpapi.Page{Limit: maxListed})
			if err != nil {
				return ConnectStart{}, err
			}
			for _, c := range conns {
				if c.IntegrationID == integrationID && c.Status == connect.StatusNeedsReauth {
					ns.ConnectionID = c.ID
				}
			}
			cs, err := a.Connections.CreateSession(r.Context(), ns)
			return ConnectStart{ConnectURL: cs.URL}, err
		},
	})
}

// HandleDisconnect deletes one of the user's connections.
func (a *API) HandleDisconnect() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Disconnect one of this user's connections: revoked at the provider where it can be, and deleted",
		Description: "The user disconnects from the connections component. Patchbay revokes the token at the provider when the provider supports revocation, then deletes the connection. 404 when it is not this user's.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			t := mustToken(r)
			connectionID, err := httpapi.PathID(r, "connection_id", "conn")
			if err != nil {
				return httpapi.NoContent{}, err
			}
			c, err := a.Connections.Connection(r.Context(), connectionID)
			if err == nil && (c.TenantID != t.TenantID || c.EndUserID != t.UserID) {
				err = apperr.Errorf(apperr.NotFound, "connection %s not found", connectionID)
			}
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, a.Connections.DeleteConnection(r.Context(), connectionID)
		},
	})
}

// GrantedScope is a scope the user granted an app, explained.
type GrantedScope struct {
	Name        string `json:"name" doc:"The scope's name."`
	Description string `json:"description" doc:"What the scope lets the app do."`
}

// AuthorizedApp is an OAuth app the user authorized in the tenant.
type AuthorizedApp struct {
	AppID          string         `json:"app_id" doc:"The app's ID."`
	Name           string         `json:"name" doc:"The app's name."`
	LogoURL        string         `json:"logo_url" doc:"The app's logo." format:"uri"`
	Developer      string         `json:"developer" doc:"The app's developer as the SaaS names them (developer_name); empty when it names nobody."`
	Host           string         `json:"host,omitempty" doc:"The host of the app's home page."`
	SelfRegistered bool           `json:"self_registered" doc:"Whether the app registered itself (dynamic registration) rather than being added by the SaaS."`
	Scopes         []GrantedScope `json:"scopes" doc:"The scopes the user granted the app."`
	GrantedAt      time.Time      `json:"granted_at" doc:"When the user first authorized the app."`
}

// HandleAuthorizedApps lists the apps the user authorized in the tenant.
func (a *API) HandleAuthorizedApps() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[AuthorizedApp]]{
		Summary:     "The OAuth apps this user authorized in this tenant, with the scopes granted and when",
		Description: "For the authorized-apps component: the OAuth apps the token's user granted access in the token's tenant. Use DELETE …/authorized-apps/{app_id} to revoke one.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[AuthorizedApp], error) {
			t := mustToken(r)
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[AuthorizedApp]{}, err
			}
			zs, err := a.Apps.ListAuthorizations(r.Context(), t.UserID, t.TenantID, page)
			if err != nil {
				return httpapi.List[AuthorizedApp]{}, err
			}
			apps := make([]AuthorizedApp, 0, len(zs))
			for _, z := range zs {
				app := AuthorizedApp{AppID: z.App.ID, Name: z.App.Name, LogoURL: a.image(r.Context(), z.App.LogoURL),
					Developer: z.App.DeveloperName, Host: z.App.Host,
					SelfRegistered: z.App.Registration != "admin", Scopes: []GrantedScope{}, GrantedAt: z.CreatedAt}
				for _, name := range z.Scopes {
					sc, err := a.Apps.Scope(r.Context(), name)
					if err != nil && apperr.CodeOf(err) != apperr.NotFound {
						return httpapi.List[AuthorizedApp]{}, err
					}
					app.Scopes = append(app.Scopes, GrantedScope{Name: name, Description: sc.Description})
				}
				apps = append(apps, app)
			}
			return httpapi.NewList(page, apps, func(app AuthorizedApp) string { return idOf(zs, app.AppID) }), nil
		},
	})
}

// idOf finds the authorization of an app in a page, whose ID is the cursor.
func idOf(zs []oauth.Authorization, appID string) string {
	for _, z := range zs {
		if z.App.ID == appID {
			return z.ID
		}
	}
	return ""
}

// HandleRevokeApp revokes the user's authorization of an app in the tenant.
func (a *API) HandleRevokeApp() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Revoke this user's authorization of an app in this tenant, and every token it issued, at once",
		Description: "The user takes back an app's access from the authorized-apps component: the authorization and every access and refresh token issued under it stop working at once. 404 when the user never authorized the app.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			t := mustToken(r)
			appID, err := httpapi.PathID(r, "app_id", "app")
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, a.Apps.RevokeAppForUser(r.Context(), t.UserID, t.TenantID, appID)
		},
	})
}
