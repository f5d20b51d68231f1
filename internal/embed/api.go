package embed

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Branding is how the components look for a tenant: the installation's
// branding with the tenant's overrides.
type Branding struct {
	ProductName string `json:"product_name"`
	LogoURL     string `json:"logo_url"`
	AccentColor string `json:"accent_color"`
	// Theme is light, dark or auto.
	Theme      string `json:"theme"`
	SupportURL string `json:"support_url"`
	TermsURL   string `json:"terms_url"`
	PrivacyURL string `json:"privacy_url"`
}

// BrandingSource gives a tenant's effective branding.
type BrandingSource interface {
	ForTenant(ctx context.Context, tenantID string) (Branding, error)
}

// ProductNameDefault names the product when no branding is configured.
const ProductNameDefault = "Patchbay"

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
	// Branding is nil until branding is configured: the session then names
	// ProductName.
	Branding    BrandingSource
	ProductName string
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
	TenantID     string    `json:"tenant_id"`
	UserID       string    `json:"user_id"`
	UserName     string    `json:"user_name"`
	Capabilities []string  `json:"capabilities"`
	ExpiresAt    time.Time `json:"expires_at"`
	Locale       string    `json:"locale"`
	Branding     Branding  `json:"branding"`
}

// HandleSession describes the token and the tenant's branding.
func (a *API) HandleSession() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "The embed token's tenant, user, capabilities and expiry, with the branding the components use",
		Response: Session{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := mustToken(r)
			b := Branding{ProductName: a.ProductName, Theme: "auto"}
			if b.ProductName == "" {
				b.ProductName = ProductNameDefault
			}
			if a.Branding != nil {
				var err error
				if b, err = a.Branding.ForTenant(r.Context(), t.TenantID); err != nil {
					httpapi.Error(w, r, err)
					return
				}
			}
			httpapi.Encode(w, http.StatusOK, Session{TenantID: t.TenantID, UserID: t.UserID, UserName: t.UserName,
				Capabilities: t.Capabilities, ExpiresAt: t.ExpiresAt, Locale: t.Locale, Branding: b})
		}),
	}
}

type testEventRequest struct {
	EventType string `json:"event_type"`
	// Payload defaults to the event type's example.
	Payload json.RawMessage `json:"payload,omitempty"`
}

func (req testEventRequest) Valid(context.Context) map[string]string {
	if req.EventType == "" {
		return map[string]string{"event_type": "is required"}
	}
	return nil
}

// HandleTestEvent sends a test event to one endpoint.
func (a *API) HandleTestEvent() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Send a test event of a type to this endpoint only; the payload defaults to the type's example",
		Request: testEventRequest{}, Response: webhooks.TestEvent{}, Status: http.StatusAccepted,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := mustToken(r)
			endpointID, err := httpapi.PathID(r, "endpoint_id", "ep")
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			req, err := httpapi.Decode[testEventRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			te, err := a.Webhooks.SendTest(r.Context(), t.TenantID, endpointID, req.EventType, req.Payload)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusAccepted, te)
		}),
	}
}

// IntegrationProvider is the provider an integration connects to.
type IntegrationProvider struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	LogoURL string `json:"logo_url"`
}

// UserConnection is the user's connection through an integration, without
// credentials.
type UserConnection struct {
	ID string `json:"id"`
	// Status is connected, needs_reconnect or error.
	Status          string     `json:"status"`
	CreatedAt       time.Time  `json:"created_at"`
	LastRefreshedAt *time.Time `json:"last_refreshed_at"`
	Scopes          []string   `json:"scopes"`
}

// Integration is a connector the SaaS offers, with the user's connection.
type Integration struct {
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Provider   IntegrationProvider `json:"provider"`
	Connection *UserConnection     `json:"connection"`
}

// maxListed bounds the integrations and connections one list reads: the
// components show them on one screen.
const maxListed = 100

// HandleIntegrations lists the integrations with the user's connections.
func (a *API) HandleIntegrations() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "The connectors offered, each with this user's connection and its status (connected, needs_reconnect, error)",
		Response: httpapi.List[Integration]{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := mustToken(r)
			ins, err := a.Connections.ListIntegrations(r.Context(), "", httpapi.Page{Limit: maxListed})
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			conns, err := a.Connections.ListConnections(r.Context(), connect.ConnectionFilter{TenantID: t.TenantID, EndUserID: t.UserID},
				httpapi.Page{Limit: maxListed})
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			out := httpapi.List[Integration]{Data: []Integration{}}
			for _, in := range ins[:min(len(ins), maxListed)] {
				p := a.Connections.ProviderInfo(in.ProviderID)
				item := Integration{ID: in.ID, Name: in.Name, Provider: IntegrationProvider{ID: p.ID, Name: p.DisplayName, LogoURL: p.Logo}}
				for _, c := range conns {
					if c.IntegrationID == in.ID {
						item.Connection = &UserConnection{ID: c.ID, Status: connectionStatus(c.Status), CreatedAt: c.CreatedAt,
							LastRefreshedAt: c.RefreshedAt, Scopes: c.Scopes}
					}
				}
				out.Data = append(out.Data, item)
			}
			httpapi.Encode(w, http.StatusOK, out)
		}),
	}
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
	ReturnTo string `json:"return_to,omitempty"`
}

func (connectRequest) Valid(context.Context) map[string]string { return nil }

// ConnectStart is where the browser goes to connect.
type ConnectStart struct {
	ConnectURL string `json:"connect_url"`
}

// HandleConnect starts the connect flow for an integration.
func (a *API) HandleConnect() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Start connecting (or reconnecting) an integration for this user: the connect page's URL, for a popup or a redirect",
		Request: connectRequest{}, Response: ConnectStart{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := mustToken(r)
			integrationID, err := httpapi.PathID(r, "integration_id", "int")
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			req := connectRequest{}
			if r.ContentLength != 0 {
				if req, err = httpapi.Decode[connectRequest](r); err != nil {
					httpapi.Error(w, r, err)
					return
				}
			}
			if req.ReturnTo != "" {
				u, err := url.Parse(req.ReturnTo)
				if err != nil || u.Fragment != "" || len(req.ReturnTo) > 2000 || !t.AllowsOrigin(u.Scheme+"://"+u.Host) {
					httpapi.Error(w, r, apperr.InvalidFields(map[string]string{"return_to": "must be a URL on one of the token's allowed origins, without a fragment"}))
					return
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
				httpapi.Error(w, r, err)
				return
			}
			for _, c := range conns {
				if c.IntegrationID == integrationID && c.Status == connect.StatusNeedsReauth {
					ns.ConnectionID = c.ID
				}
			}
			cs, err := a.Connections.CreateSession(r.Context(), ns)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, ConnectStart{ConnectURL: cs.URL})
		}),
	}
}

// HandleDisconnect deletes one of the user's connections.
func (a *API) HandleDisconnect() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Disconnect one of this user's connections: revoked at the provider where it can be, and deleted",
		Status:  http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := mustToken(r)
			connectionID, err := httpapi.PathID(r, "connection_id", "conn")
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			c, err := a.Connections.Connection(r.Context(), connectionID)
			if err == nil && (c.TenantID != t.TenantID || c.EndUserID != t.UserID) {
				err = apperr.Errorf(apperr.NotFound, "connection %s not found", connectionID)
			}
			if err == nil {
				err = a.Connections.DeleteConnection(r.Context(), connectionID)
			}
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

// GrantedScope is a scope the user granted an app, explained.
type GrantedScope struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// AuthorizedApp is an OAuth app the user authorized in the tenant.
type AuthorizedApp struct {
	AppID          string         `json:"app_id"`
	Name           string         `json:"name"`
	LogoURL        string         `json:"logo_url"`
	Developer      string         `json:"developer"`
	Host           string         `json:"host,omitempty"`
	SelfRegistered bool           `json:"self_registered"`
	Scopes         []GrantedScope `json:"scopes"`
	GrantedAt      time.Time      `json:"granted_at"`
}

// HandleAuthorizedApps lists the apps the user authorized in the tenant.
func (a *API) HandleAuthorizedApps() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "The OAuth apps this user authorized in this tenant, with the scopes granted and when",
		Response: httpapi.List[AuthorizedApp]{}, Query: httpapi.PageParams,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := mustToken(r)
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			zs, err := a.Apps.ListAuthorizations(r.Context(), t.UserID, t.TenantID, page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			apps := make([]AuthorizedApp, 0, len(zs))
			for _, z := range zs {
				app := AuthorizedApp{AppID: z.App.ID, Name: z.App.Name, LogoURL: z.App.LogoURL, Developer: z.App.TeamID, Host: z.App.Host,
					SelfRegistered: z.App.Registration != "admin", Scopes: []GrantedScope{}, GrantedAt: z.CreatedAt}
				for _, name := range z.Scopes {
					sc, err := a.Apps.Scope(r.Context(), name)
					if err != nil && apperr.CodeOf(err) != apperr.NotFound {
						httpapi.Error(w, r, err)
						return
					}
					app.Scopes = append(app.Scopes, GrantedScope{Name: name, Description: sc.Description})
				}
				apps = append(apps, app)
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, apps, func(app AuthorizedApp) string { return idOf(zs, app.AppID) }))
		}),
	}
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
	return httpapi.Endpoint{
		Summary: "Revoke this user's authorization of an app in this tenant, and every token it issued, at once",
		Status:  http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := mustToken(r)
			appID, err := httpapi.PathID(r, "app_id", "app")
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := a.Apps.RevokeAppForUser(r.Context(), t.UserID, t.TenantID, appID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}
