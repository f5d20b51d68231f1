package oauth

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

func challengeFromPath(r *http.Request) string { return r.PathValue("challenge_token") }

// HandleLoginRequestGet tells the SaaS's login page what is being asked.
func HandleLoginRequestGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, LoginRequest]{
		Summary:     "What a login challenge asks for: the app and the scopes",
		Description: "The SaaS's login page calls this with the challenge from the redirect to learn which app asks and for what. 404 when the challenge is unknown or expired.",
		Do: func(r *http.Request, _ httpapi.NoBody) (LoginRequest, error) {
			return s.LoginRequest(r.Context(), challengeFromPath(r))
		},
	})
}

type acceptLoginRequest Account

func (req acceptLoginRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	for field, v := range map[string]string{"user_name": req.UserName, "team_name": req.TeamName} {
		if len(v) > 200 || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			p[field] = "must be at most 200 bytes of text without control characters"
		}
	}
	if req.AvatarURL != "" {
		// http only to a loopback address, for development: the asset
		// fetcher refuses both outside it anyway.
		u, err := url.Parse(req.AvatarURL)
		loopbackHTTP := err == nil && u.Scheme == "http" && net.ParseIP(u.Hostname()).IsLoopback()
		if err != nil || u.Host == "" || len(req.AvatarURL) > 2000 || u.Scheme != "https" && !loopbackHTTP {
			p["avatar_url"] = "must be an https URL of at most 2000 bytes"
		}
	}
	if msg := tenants.ValidID(req.UserID); msg != "" {
		p["user_id"] = msg
	}
	if msg := tenants.ValidID(req.TeamID); msg != "" {
		p["team_id"] = msg
	}
	return p
}

// HandleLoginAccept records who signed in.
func HandleLoginAccept(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[acceptLoginRequest, Redirect]{
		Summary:     "The SaaS signed the user in: record the user and team (with display names and avatar for the consent screen), and get where to send the browser next",
		Description: "Call once the SaaS has signed the user in: tells Patchbay who the user is and answers where to redirect the browser (the consent step).",
		Do: func(r *http.Request, req acceptLoginRequest) (Redirect, error) {
			return s.AcceptLogin(r.Context(), challengeFromPath(r), Account(req))
		},
	})
}

// rejectRequest is how the SaaS refuses a login or a consent; the app
// receives the error.
type rejectRequest struct {
	Error            string `json:"error,omitempty" doc:"The OAuth error code to send the app."`
	ErrorDescription string `json:"error_description,omitempty" doc:"A sentence for the app's developer."`
}

// rejectErrors are the errors an app may be sent when the SaaS refuses.
var rejectErrors = []string{"access_denied", "login_required", "consent_required", "interaction_required", "temporarily_unavailable"}

func (req rejectRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if req.Error != "" && !slices.Contains(rejectErrors, req.Error) {
		p["error"] = "must be access_denied (the default), login_required, consent_required, interaction_required or temporarily_unavailable"
	}
	if len(req.ErrorDescription) > 500 {
		p["error_description"] = "must be at most 500 bytes"
	}
	for _, c := range []byte(req.ErrorDescription) { // RFC 6749 §4.1.2.1
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			p["error_description"] = "may contain only printable ASCII without \" or \\"
			break
		}
	}
	return p
}

// HandleLoginReject refuses a login.
func HandleLoginReject(s *Service) httpapi.Endpoint {
	return handleReject("The user could not or would not sign in: the app receives error (access_denied unless given)",
		"Call when sign-in fails or is cancelled: answers where to redirect the browser, which sends the app the error.", s.RejectLogin)
}

// HandleConsentReject refuses consent.
func HandleConsentReject(s *Service) httpapi.Endpoint {
	return handleReject("The user declined on the SaaS's consent page: the app receives error (access_denied unless given)",
		"Call when the user declines: answers where to redirect the browser, which sends the app the error.", s.RejectConsent)
}

func handleReject(summary, description string, reject func(ctx context.Context, challenge, code, description string) (Redirect, error)) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[rejectRequest, Redirect]{
		Summary: summary, Description: description, OptionalBody: true,
		Do: func(r *http.Request, req rejectRequest) (Redirect, error) {
			return reject(r.Context(), challengeFromPath(r), req.Error, req.ErrorDescription)
		},
	})
}

// HandleConsentRequestGet tells the SaaS's consent page what to show.
func HandleConsentRequestGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, ConsentRequest]{
		Summary:     "What a consent challenge asks for: the app, the user and team, each scope with its description, and what is already granted",
		Description: "The SaaS's own consent page calls this with the challenge from the redirect to learn what to show. 404 when the challenge is unknown or expired.",
		Do: func(r *http.Request, _ httpapi.NoBody) (ConsentRequest, error) {
			return s.ConsentRequest(r.Context(), challengeFromPath(r))
		},
	})
}

type acceptConsentRequest struct {
	// GrantScopes narrows what is granted; empty grants everything requested.
	GrantScopes []string `json:"grant_scopes,omitempty" doc:"Narrows what is granted; empty grants everything requested."`
}

// HandleConsentAccept records the user's approval on the SaaS's page.
func HandleConsentAccept(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[acceptConsentRequest, Redirect]{
		Summary:      "The user approved on the SaaS's consent page: grant the scopes and get where to send the browser next",
		Description:  "Call when the user approves on the SaaS's consent page: records the grant of the scopes given and answers where to redirect the browser (the app, with its code).",
		OptionalBody: true,
		Do: func(r *http.Request, req acceptConsentRequest) (Redirect, error) {
			return s.AcceptConsent(r.Context(), challengeFromPath(r), req.GrantScopes)
		},
	})
}
