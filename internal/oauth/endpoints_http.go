package oauth

import (
	"cmp"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// browserCookie binds an authorization request to the browser that started
// it, so that a leaked consent link cannot be completed elsewhere. Each
// request has a cookie of its own, named after the request, holding a secret
// minted for it: a cookie the browser brings is never adopted (someone else
// may have planted it and would know it), and flows in two tabs each keep
// theirs. Over https it is a __Host- cookie, which browsers accept only from
// this origin, secure, for the whole host: no sibling subdomain or plain-http
// page can plant or overwrite it.
const browserCookie = "patchbay_oauth_"

// secureCookies says whether browsers reach Patchbay over https.
func (s *Service) secureCookies() bool { return strings.HasPrefix(s.cfg.Issuer, "https://") }

// cookieName is the flow cookie's name for a request.
func (s *Service) cookieName(requestID string) string {
	if s.secureCookies() {
		return "__Host-" + browserCookie + requestID
	}
	return browserCookie + requestID
}

// setBrowserCookie gives the browser the secret its request is bound to.
func (s *Service) setBrowserCookie(w http.ResponseWriter, b flowBrowser) {
	path := "/oauth"
	if s.secureCookies() {
		path = "/" // __Host- requires it
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(b.requestID), Value: b.secret, Path: path, HttpOnly: true,
		Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: int(requestTTL.Seconds())})
}

// flowCookies looks up the browser's flow cookie for a request; "" (which
// matches nothing) when it has none.
func (s *Service) flowCookies(r *http.Request) func(requestID string) string {
	return func(requestID string) string {
		if c, err := r.Cookie(s.cookieName(requestID)); err == nil {
			return c.Value
		}
		return ""
	}
}

// answerFlow sends the browser on, or shows it what went wrong.
func (s *Service) answerFlow(w http.ResponseWriter, r *http.Request, step consentStep, err error) {
	var fe *flowError
	switch {
	case errors.As(err, &fe) && fe.RedirectURI != "":
		http.Redirect(w, r, errorRedirect(fe, s.cfg.Issuer), http.StatusSeeOther)
	case errors.As(err, &fe):
		title := "error.title"
		if fe.retryAfter > 0 {
			title = "error.unavailable"
			w.Header().Set("Retry-After", strconv.Itoa(int(fe.retryAfter.Seconds())))
		}
		s.renderError(w, r, cmp.Or(fe.pageStatus, http.StatusBadRequest), title, fe.Description, fe.Code)
	case httpapi.IsUnavailable(err):
		httpapi.SetRetryAfter(w)
		s.renderError(w, r, http.StatusServiceUnavailable, "error.unavailable",
			"The service is briefly unavailable. Reload this page in a few seconds.", "temporarily_unavailable")
	case err != nil:
		s.logger.ErrorContext(r.Context(), "authorization flow failed", "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "error.title", "Something went wrong on our side. Start again from the app.", "server_error")
	case step.Screen != nil:
		// The team the user signed in to is the SaaS's tenant: its
		// branding, when it has its own.
		s.render(w, r, step.Screen.TeamID, htmlpage.Page{Status: http.StatusOK, Name: "consent", Title: "consent.title",
			TitleArgs: []any{step.Screen.App.Name}, Data: s.consentView(r.Context(), step.Screen)}, s.cfg.LoginURL, step.Screen.redirectURI)
	default:
		http.Redirect(w, r, step.RedirectTo, http.StatusSeeOther)
	}
}

// HandleAuthorize is the authorization endpoint (RFC 6749 §3.1).
func HandleAuthorize(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "OAuth 2 authorization endpoint: response_type=code with PKCE (S256); sends the browser to the SaaS's login page",
		Description: "Where a third-party app sends the user to ask for access: authorization code flow with PKCE (S256) and optional resource indicators. The browser goes to the SaaS's login page with a login challenge. Errors go back to the app's redirect URI when it is known, else an error page.",
		Status:      http.StatusSeeOther,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			to, b, err := s.StartAuthorization(r.Context(), r.URL.Query())
			if err == nil {
				s.setBrowserCookie(w, b)
			}
			s.answerFlow(w, r, consentStep{RedirectTo: to}, err)
		}),
	}
}

// HandleConsent is where the browser comes back after signing in.
func HandleConsent(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "Consent step: shows the consent screen, or sends the browser back to the app when nothing new is asked",
		Description: "After login, shows the consent screen for what the app asks for, or returns to the app at once when the user already granted it all. Browser-facing; not called by apps.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			step, err := s.consentStep(r.Context(), r.URL.Query().Get("consent_challenge"), s.flowCookies(r))
			s.answerFlow(w, r, step, err)
		}),
	}
}

// HandleConsentDecision takes the answer from the consent screen.
func HandleConsentDecision(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "The consent screen's Allow, Deny or Switch account (a form with a CSRF token)",
		Description: "The consent screen's form: Allow issues an authorization code to the app's redirect URI, Deny sends access_denied, Switch account starts login again. Protected by a CSRF token.",
		Status:      http.StatusSeeOther,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := httpapi.ParseTextForm(r); err != nil {
				s.answerFlow(w, r, consentStep{}, pageError("invalid_request", "the form could not be read"))
				return
			}
			step, err := s.decide(r.Context(), r.PostForm.Get("consent_challenge"), s.flowCookies(r), r.PostForm.Get("csrf_token"),
				r.PostForm.Get("decision"))
			s.answerFlow(w, r, step, err)
		}),
	}
}

// HandleDevLogin shows the development sign-in page.
func HandleDevLogin(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Development only: a plain sign-in page standing in for the SaaS's login",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			challenge := r.URL.Query().Get("login_challenge")
			req, err := s.LoginRequest(r.Context(), challenge)
			if httpapi.IsUnavailable(err) {
				s.answerFlow(w, r, consentStep{}, err)
				return
			}
			if err != nil {
				s.answerFlow(w, r, consentStep{}, pageError("invalid_request", "this sign-in link is unknown or has expired; start again from the app"))
				return
			}
			// Signing in goes on to the consent step, the SaaS's or
			// Patchbay's, and may end at the app at once.
			s.render(w, r, "", htmlpage.Page{Status: http.StatusOK, Name: "dev-login", Title: "devlogin.title",
				Data: map[string]any{"App": req.App, "ScopeList": strings.Join(req.Scopes, ", "), "Challenge": challenge}},
				s.cfg.ConsentURL, req.redirectURI)
		}),
	}
}

// HandleDevLoginSubmit signs the development user in.
func HandleDevLoginSubmit(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Development only: accept the sign-in form",
		Status:  http.StatusSeeOther,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := httpapi.ParseTextForm(r); err != nil {
				s.answerFlow(w, r, consentStep{}, pageError("invalid_request", "the form could not be read"))
				return
			}
			to, err := s.devLogin(r.Context(), r.PostForm.Get("login_challenge"), s.flowCookies(r), r.PostForm.Get("user_id"), r.PostForm.Get("team_id"))
			s.answerFlow(w, r, consentStep{RedirectTo: to}, err)
		}),
	}
}

// writeTokenJSON writes a token endpoint answer, which must never be cached
// (RFC 6749 §5.1).
func writeTokenJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	httpapi.Encode(w, status, v)
}

// writeTokenError answers with an RFC 6749 §5.2 error.
func (s *Service) writeTokenError(w http.ResponseWriter, r *http.Request, err error) {
	var te *tokenError
	switch {
	case errors.As(err, &te):
	case httpapi.IsUnavailable(err):
		// RFC 6749 names temporarily_unavailable for the authorization
		// endpoint only; clients of the others key on the status and
		// Retry-After, and the code says the same to a human.
		httpapi.SetRetryAfter(w)
		te = &tokenError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable", Description: "the service is briefly unavailable; retry after the time in Retry-After"}
	default:
		s.logger.ErrorContext(r.Context(), "oauth endpoint failed", "err", err)
		te = &tokenError{Status: http.StatusInternalServerError, Code: "server_error", Description: "something went wrong on our side; retry"}
	}
	if te.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="patchbay", charset="UTF-8"`)
	}
	if te.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((te.RetryAfter+999_999_999)/1_000_000_000), 10))
	}
	writeTokenJSON(w, te.Status, map[string]string{"error": te.Code, "error_description": te.Description})
}

// HandleToken is the token endpoint (RFC 6749 §3.2).
func HandleToken(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Secret:      true,
		Summary:     "OAuth 2 token endpoint: authorization_code, refresh_token, client_credentials and token exchange (RFC 8693) grants, with resource indicators (RFC 8707); form-encoded",
		Description: "Apps exchange an authorization code (with its PKCE verifier), a refresh token, their client credentials or another token for access tokens. Refresh tokens rotate on every use; a reused one revokes the grant. Errors follow RFC 6749 (invalid_grant, invalid_client, …).",
		Response:    TokenResponse{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			resp, err := s.Token(r.Context(), r)
			if err != nil {
				s.writeTokenError(w, r, err)
				return
			}
			writeTokenJSON(w, http.StatusOK, resp)
		}),
	}
}

// HandleRevoke is the revocation endpoint (RFC 7009).
func HandleRevoke(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "OAuth 2 token revocation (RFC 7009); unknown tokens answer 200 too",
		Description: "An app revokes an access or refresh token it holds (RFC 7009), for example at logout; revoking a refresh token ends the whole grant. Unknown tokens answer 200 as the RFC requires.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.Revoke(r.Context(), r); err != nil {
				s.writeTokenError(w, r, err)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
		}),
	}
}

// HandleIntrospect is the introspection endpoint (RFC 7662). The SaaS's
// resource servers call it with an admin API key holding oauth:read and
// restricted to no tenant (tokens are the installation's); an app may call it
// with its client credentials about its own tokens.
// introspectAccess is what an API key needs to introspect tokens.
var introspectAccess = auth.InstallationAccess("oauth:read")

func HandleIntrospect(s *Service, keys *auth.Keys) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "OAuth 2 token introspection (RFC 7662): authenticate with an API key holding oauth:read, restricted to no tenant (Bearer), or client credentials",
		Description: "Resource servers ask whether an access token is active and what it grants (RFC 7662). Authenticate with an admin API key holding oauth:read or with client credentials. Inactive tokens answer active false.",
		Response:    Introspection{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var onlyApp string
			scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			if strings.EqualFold(scheme, "Bearer") {
				if _, err := readForm(r); err != nil {
					s.writeTokenError(w, r, err)
					return
				}
				key, err := keys.Authenticate(r.Context(), strings.TrimSpace(token))
				if err != nil {
					if apperr.CodeOf(err) != apperr.Unauthorized { // the key could not be checked, as in an outage
						s.writeTokenError(w, r, err)
						return
					}
					if terr := s.limitAddress(r.Context()); terr != nil { // a failed API key costs its address
						s.writeTokenError(w, r, terr)
						return
					}
					w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay", error="invalid_token"`)
					writeTokenJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "the API key is not valid"})
					return
				}
				if err := introspectAccess.Permit(key); err != nil {
					w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay", error="insufficient_scope", scope="`+introspectAccess.Scope+`"`)
					writeTokenJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope", "error_description": err.Error()})
					return
				}
			} else {
				appID, err := s.introspectionCaller(r.Context(), r)
				if err != nil {
					s.writeTokenError(w, r, err)
					return
				}
				onlyApp = appID
			}
			out, err := s.Introspect(r.Context(), r.PostForm.Get("token"), r.PostForm.Get("token_type_hint"), onlyApp)
			if err != nil {
				s.writeTokenError(w, r, err)
				return
			}
			writeTokenJSON(w, http.StatusOK, out)
		}),
	}
}

// Metadata is the authorization server's metadata (RFC 8414).
type Metadata struct {
	Issuer                                    string   `json:"issuer" doc:"The authorization server's identifier." format:"uri"`
	AuthorizationEndpoint                     string   `json:"authorization_endpoint" doc:"The authorization endpoint." format:"uri"`
	TokenEndpoint                             string   `json:"token_endpoint" doc:"The token endpoint." format:"uri"`
	RevocationEndpoint                        string   `json:"revocation_endpoint" doc:"The revocation endpoint." format:"uri"`
	IntrospectionEndpoint                     string   `json:"introspection_endpoint" doc:"The introspection endpoint." format:"uri"`
	ResponseTypesSupported                    []string `json:"response_types_supported" doc:"The response types supported."`
	ResponseModesSupported                    []string `json:"response_modes_supported" doc:"The response modes supported."`
	GrantTypesSupported                       []string `json:"grant_types_supported" doc:"The grant types supported."`
	CodeChallengeMethodsSupported             []string `json:"code_challenge_methods_supported" doc:"The PKCE code challenge methods supported."`
	TokenEndpointAuthMethodsSupported         []string `json:"token_endpoint_auth_methods_supported" doc:"How clients may authenticate at the token endpoint."`
	RevocationEndpointAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported" doc:"How clients may authenticate at the revocation endpoint."`
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported" doc:"How callers may authenticate at the introspection endpoint."`
	ScopesSupported                           []string `json:"scopes_supported" doc:"The scopes apps may ask for."`
	AuthorizationResponseISSParameter         bool     `json:"authorization_response_iss_parameter_supported" doc:"Whether authorization responses carry iss (RFC 9207)."`
	// ProtectedResources are the registered resources' identifiers (RFC
	// 9728 §4), which the resource parameter may name (RFC 8707).
	ProtectedResources                []string `json:"protected_resources,omitempty" doc:"The registered resources' identifiers (RFC 9728 §4), which the resource parameter may name (RFC 8707)."`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint" doc:"The device authorization endpoint." format:"uri"`
	RegistrationEndpoint              string   `json:"registration_endpoint,omitempty" doc:"The dynamic client registration endpoint." format:"uri"`
	ClientIDMetadataDocumentSupported bool     `json:"client_id_metadata_document_supported" doc:"Whether a client ID may be the URL of a client metadata document."`
}

// HandleMetadata serves /.well-known/oauth-authorization-server.
func HandleMetadata(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "OAuth 2 authorization server metadata (RFC 8414)",
		Description: "Discovery for OAuth clients: the endpoints, grants, PKCE methods and client authentication methods this authorization server supports. Libraries such as golang.org/x/oauth2 and openid-client read it to configure themselves.",
		Response:    Metadata{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			scopes, err := s.allScopeNames(r.Context())
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			resources, err := s.allResourceIdentifiers(r.Context())
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			iss := s.cfg.Issuer
			clientAuth := []string{"client_secret_basic", "client_secret_post", "none"}
			md := Metadata{
				Issuer: iss, AuthorizationEndpoint: iss + "/oauth/authorize", TokenEndpoint: iss + "/oauth/token",
				RevocationEndpoint: iss + "/oauth/revoke", IntrospectionEndpoint: iss + "/oauth/introspect",
				ResponseTypesSupported: []string{"code"}, ResponseModesSupported: []string{"query"},
				GrantTypesSupported:               []string{"authorization_code", "refresh_token", "client_credentials", grantTokenExchange, grantDeviceCode},
				CodeChallengeMethodsSupported:     []string{"S256"},
				TokenEndpointAuthMethodsSupported: clientAuth, RevocationEndpointAuthMethodsSupported: clientAuth,
				IntrospectionEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "bearer"},
				ScopesSupported: scopes, AuthorizationResponseISSParameter: true, ProtectedResources: resources,
			}
			md.DeviceAuthorizationEndpoint = iss + "/oauth/device_authorization"
			md.ClientIDMetadataDocumentSupported = s.cfg.MetadataDocuments
			if s.cfg.Registration != RegistrationOff {
				md.RegistrationEndpoint = iss + "/oauth/register"
			}
			w.Header().Set("Cache-Control", "public, max-age=300")
			httpapi.Encode(w, http.StatusOK, md)
		}),
	}
}
