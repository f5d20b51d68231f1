package connect

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

// browserCookie, followed by a session's ID, names the cookie that binds the
// session to the browser that opened its URL. Each session has its own, so
// that flows in several tabs do not overwrite each other's. Over https it is
// a __Host- cookie, which browsers accept only from this origin, secure, for
// the whole host: no sibling subdomain or plain-http page can plant it.
const browserCookie = "patchbay_connect_"

// secureCookies says whether browsers reach Patchbay over https.
func (s *Service) secureCookies() bool { return strings.HasPrefix(s.cfg.PublicURL, "https://") }

// cookieName is a session's browser cookie.
func (s *Service) cookieName(sessionID string) string {
	if s.secureCookies() {
		return "__Host-" + browserCookie + sessionID
	}
	return browserCookie + sessionID
}

// browserSecrets reads the request's session cookies; a missing one is "",
// which matches no session.
func (s *Service) browserSecrets(r *http.Request) BrowserSecrets {
	return func(sessionID string) string {
		if c, err := r.Cookie(s.cookieName(sessionID)); err == nil {
			return c.Value
		}
		return ""
	}
}

type createSessionRequest struct {
	TenantID      string   `json:"tenant_id" doc:"The tenant the end user belongs to."`
	EndUserID     string   `json:"end_user_id" doc:"The SaaS's ID of the end user who will connect."`
	IntegrationID string   `json:"integration_id" doc:"The integration to connect through."`
	Scopes        []string `json:"scopes,omitempty" doc:"Scopes to ask the provider for; absent asks for the integration's."`
	// ReturnURL receives the browser when the flow ends, with session_id,
	// status (connected or failed), and connection_id or error.
	ReturnURL string `json:"return_url" format:"uri" doc:"Receives the browser when the flow ends, with session_id, status (connected or failed), and connection_id or error."`
	// ConnectionID repairs that connection (of the same tenant, end user and
	// integration) in place when the flow completes.
	ConnectionID string `json:"connection_id,omitempty" doc:"Repairs that connection (of the same tenant, end user and integration) in place when the flow completes."`
}

func (req createSessionRequest) Valid(ctx context.Context) map[string]string {
	p := ownerProblems(ctx, req.TenantID, req.EndUserID, req.IntegrationID, req.Scopes)
	if u, err := url.Parse(req.ReturnURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" || len(req.ReturnURL) > 2000 {
		p["return_url"] = "must be an absolute http(s) URL without a fragment, at most 2000 bytes"
	}
	return p
}

// ownerProblems checks whom a new connection is for (a tenant, an end user)
// and what it is for (an integration, scopes): the fields a connect session
// and a direct connection share. A key restricted to a tenant may leave the
// tenant out: it is the key's.
func ownerProblems(ctx context.Context, tenantID, endUserID, integrationID string, scopes []string) map[string]string {
	p := map[string]string{}
	if _, restricted := tenants.RestrictedTo(ctx); tenantID != "" || !restricted {
		if msg := tenants.ValidID(tenantID); msg != "" {
			p["tenant_id"] = msg
		}
	}
	if endUserID == "" || len(endUserID) > 200 || hasControl(endUserID) {
		p["end_user_id"] = "must be 1 to 200 bytes without control characters: the SaaS's own ID for the user (or the tenant, for a client's own token)"
	}
	if integrationID == "" {
		p["integration_id"] = "is required"
	}
	if msg := scopesProblem(scopes); msg != "" {
		p["scopes"] = msg
	}
	return p
}

// HandleSessionCreate starts a connect flow for one end user.
func HandleSessionCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createSessionRequest, CreatedSession]{
		Secret:      true,
		Summary:     "Create a connect session: a short-lived, single-use url to send the end user's browser to; the outcome comes back to return_url and as an operational event",
		Description: "Starts the connect flow for one end user: returns a single-use URL to send the user's browser to, which expires after a while. When the user finishes, the browser returns to return_url with the outcome. 422 for an unknown integration or a return_url that is not https.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createSessionRequest) (CreatedSession, error) {
			return s.CreateSession(r.Context(), NewSession{TenantID: req.TenantID, EndUserID: req.EndUserID,
				IntegrationID: req.IntegrationID, Scopes: req.Scopes, ReturnURL: req.ReturnURL, ConnectionID: req.ConnectionID})
		},
	})
}

// flowError shows a flow problem to the end user; anything else is internal.
func (s *Service) flowError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *FlowError
	brand := htmlpage.BrandOf(r.Context(), s.cfg.Brands, "")
	if !errors.As(err, &fe) && httpapi.IsUnavailable(err) {
		httpapi.SetRetryAfter(w)
		htmlpage.Error(w, r, http.StatusServiceUnavailable, brand, "error.unavailable",
			"The service is briefly unavailable. Reload this page in a few seconds.", "temporarily_unavailable")
		return
	}
	if !errors.As(err, &fe) {
		s.logger.Error("connect flow", "request_id", httpapi.RequestID(r.Context()), "error", err)
		fe = errFlow("server_error", "Something went wrong on our side. Try again in a moment.")
		htmlpage.Error(w, r, http.StatusInternalServerError, brand, "connect.errorTitle", fe.Message, fe.Code)
		return
	}
	htmlpage.Error(w, r, http.StatusBadRequest, brand, "connect.errorTitle", fe.Message, fe.Code)
}

// HandleConnectPage shows the connect page for a session's URL.
func HandleConnectPage(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "The connect page a session's url opens (HTML): the provider, what will be shared, and a form",
		Description: "The page a connect session's url opens in the end user's browser. It shows the provider, what will be shared, and a form or a continue button. An expired or used token shows an error page.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token := r.PathValue("token")
			if !strings.HasPrefix(token, "pbcs_") || len(token) > 100 {
				s.flowError(w, r, errFlow("unknown_session", "This link is not valid. Start connecting again from the application."))
				return
			}
			pg, secret, err := s.OpenSession(r.Context(), token, s.browserSecrets(r))
			if err != nil {
				s.flowError(w, r, err)
				return
			}
			path := "/connect"
			if s.secureCookies() {
				path = "/" // __Host- requires it
			}
			http.SetCookie(w, &http.Cookie{Name: s.cookieName(pg.Session.ID), Value: secret, Path: path, HttpOnly: true,
				Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: int(time.Hour.Seconds())})
			s.renderConnect(w, r, http.StatusOK, pg)
		}),
	}
}

// HandleConnectSubmit takes the connect page's form.
func HandleConnectSubmit(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "The connect page's form: to the provider for OAuth, or checks and stores API-key and basic credentials",
		Description: "Submitted by the connect page's form. For OAuth providers it redirects the browser to the provider's consent page; for API-key and basic providers it checks the values with the provider's verification request and stores them. A wrong value shows the form again with the error.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := httpapi.ParseTextForm(r); err != nil {
				s.flowError(w, r, errFlow("invalid_request", "The form could not be read."))
				return
			}
			values := map[string]string{}
			for k, v := range r.PostForm {
				if k != "csrf_token" && k != "decision" && len(v) > 0 {
					values[k] = v[0]
				}
			}
			sessionID := r.PathValue("session_id")
			out, err := s.Submit(r.Context(), Submission{SessionID: sessionID, BrowserSecret: s.browserSecrets(r)(sessionID),
				CSRF: r.PostForm.Get("csrf_token"), Cancel: r.PostForm.Get("decision") == "cancel", Values: values})
			if err != nil {
				s.flowError(w, r, err)
				return
			}
			if out.Page != nil {
				s.renderConnect(w, r, http.StatusBadRequest, *out.Page)
				return
			}
			http.Redirect(w, r, out.Redirect, http.StatusSeeOther)
		}),
	}
}

// HandleCallback is the OAuth redirect URI integrations register.
func HandleCallback(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "The OAuth redirect URI: exchanges the code, verifies and stores the connection, and returns the browser to the SaaS",
		Description: "The provider sends the end user's browser here after consent. Patchbay exchanges the code, verifies the credentials and stores the connection sealed, then redirects to the session's return_url with status connected or failed. Register it with the provider as the integration's callback_url.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, err := s.Callback(r.Context(), r.URL.Query(), s.browserSecrets(r))
			if err != nil {
				s.flowError(w, r, err)
				return
			}
			http.Redirect(w, r, u, http.StatusSeeOther)
		}),
	}
}
