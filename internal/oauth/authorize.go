package oauth

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// authorizeRequest is a parsed request to /oauth/authorize.
type authorizeRequest struct {
	ClientID      string
	RedirectURI   string
	State         string
	Scopes        []string
	CodeChallenge string
	// Resources are the resource indicators named (RFC 8707).
	Resources []string
}

// flowError is an authorization error (RFC 6749 §4.1.2.1). With a redirect
// URI it goes back to the app with error, state and iss; without one (the
// client or redirect URI cannot be trusted) the user sees an error page, so
// that Patchbay never redirects to an unverified address.
type flowError struct {
	Code        string
	Description string
	RedirectURI string
	State       string
	// pageStatus is the error page's status, zero meaning 400; a 429 or 503
	// page says when to come back in Retry-After (retryAfter).
	pageStatus int
	retryAfter time.Duration
}

func (e *flowError) Error() string { return e.Code + ": " + e.Description }

// pageError is a flowError shown to the user, never redirected.
func pageError(code, description string) *flowError {
	return &flowError{Code: code, Description: description}
}

// codeChallengeRE is RFC 7636 §4.2: the base64url SHA-256 of the verifier
// is 43 characters; the grammar allows 43 to 128 unreserved characters.
var codeChallengeRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// parseAuthorize reads the parameters of an authorization request. It checks
// only what needs no database: the caller then checks the client and the
// redirect URI (pageError until both are known good), and the scopes.
func parseAuthorize(q url.Values) (authorizeRequest, *flowError) {
	for name, vs := range q {
		if len(vs) > 1 && name != "resource" { // RFC 6749 §3.1; RFC 8707 §2 repeats resource
			return authorizeRequest{}, pageError("invalid_request", "the parameter "+name+" is repeated")
		}
	}
	req := authorizeRequest{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), State: q.Get("state")}
	if req.ClientID == "" {
		return req, pageError("invalid_request", "client_id is missing")
	}
	if req.RedirectURI == "" {
		return req, pageError("invalid_request", "redirect_uri is missing: it is required and must be one of the app's registered URIs")
	}
	if len(req.State) > 2000 {
		return req, pageError("invalid_request", "state is longer than 2000 bytes")
	}
	return req, nil
}

// parseAuthorizeRest checks the parameters whose errors may go back to the
// app, once its client and redirect URI are known to be good.
func parseAuthorizeRest(q url.Values, req authorizeRequest, app App) (authorizeRequest, *flowError) {
	fail := func(code, description string) (authorizeRequest, *flowError) {
		return req, &flowError{Code: code, Description: description, RedirectURI: req.RedirectURI, State: req.State}
	}
	if rt := q.Get("response_type"); rt != "code" {
		if rt == "" {
			return fail("invalid_request", "response_type is missing; only code is supported")
		}
		return fail("unsupported_response_type", "only response_type=code is supported")
	}
	scope := q.Get("scope")
	req.Scopes = parseScope(scope)
	if len(req.Scopes) == 0 {
		return fail("invalid_scope", "scope is missing: name at least one of the app's scopes")
	}
	for _, sc := range req.Scopes {
		if !slices.Contains(app.Scopes, sc) {
			return fail("invalid_scope", "the app may not ask for the scope "+sc)
		}
	}
	req.CodeChallenge = q.Get("code_challenge")
	method := q.Get("code_challenge_method")
	switch {
	case req.CodeChallenge == "" && method != "":
		return fail("invalid_request", "code_challenge_method is given without code_challenge")
	case req.CodeChallenge == "" && app.ClientType == Public:
		return fail("invalid_request", "PKCE is required for public clients: send code_challenge with code_challenge_method=S256")
	case req.CodeChallenge != "" && method != "S256":
		// Absent, RFC 7636 means plain, which offers no protection against
		// a stolen authorization request (RFC 9700 §2.1.1).
		return fail("invalid_request", "code_challenge_method must be S256")
	case req.CodeChallenge != "" && !codeChallengeRE.MatchString(req.CodeChallenge):
		return fail("invalid_request", "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
	}
	resources, msg := parseResourceParams(q["resource"])
	if msg != "" {
		return fail("invalid_target", msg)
	}
	req.Resources = resources
	return req, nil
}

// parseScope splits a scope parameter (RFC 6749 §3.3) into distinct names, in
// order.
func parseScope(s string) []string {
	var out []string
	for _, sc := range strings.Split(s, " ") {
		if sc != "" && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// withQuery returns uri with params added to its query, keeping what it had.
func withQuery(uri string, params url.Values) string {
	u, err := url.Parse(uri)
	if err != nil { // registered URIs were checked; this cannot happen
		return uri
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
