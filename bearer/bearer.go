// Package bearer protects an HTTP API with access tokens issued by Patchbay's
// OAuth 2 provider.
//
// A SaaS that lets Patchbay apps call its API on behalf of its users wraps its
// handlers with [Guard.Require]:
//
//	guard, err := bearer.New(bearer.Config{
//		IntrospectionURL: "https://patchbay.example/oauth/introspect",
//		APIKey:           os.Getenv("PATCHBAY_API_KEY"),
//		Realm:            "api.example.com",
//	})
//	…
//	mux.Handle("GET /v1/projects", guard.Require("read:projects")(listProjects))
//
// and reads the caller from the request context with [TokenFrom].
//
// Patchbay's access tokens are opaque, so a [Guard] asks Patchbay about each
// one through its token introspection endpoint (RFC 7662) and remembers the
// answer for a short while.
//
// # Audience and discovery
//
// Set [Config.Audience] to the resource's identifier as registered in
// Patchbay (RFC 8707), such as "https://mcp.example.com/mcp", and a token
// issued for another resource is refused: a token a client obtained for one
// API cannot be replayed against another. Set [Config.ResourceMetadataURL] to
// the resource's metadata document (RFC 9728), and every challenge names it,
// so that a client that knows nothing but the resource's URL can find the
// authorization server from its first refused call. Patchbay serves the
// document of each registered resource; [ResourceMetadata] serves one from
// the resource's own host instead.
//
// # Revocation delay
//
// A token revoked in Patchbay is still accepted by a Guard that has the
// earlier answer cached, for at most [Config.CacheTTL] (5 seconds unless set).
// That is the price of not asking Patchbay on every request; set CacheTTL lower,
// or negative to ask every time, if a revoked token must stop working sooner.
// Answers are never kept past the token's own expiry.
//
// # Responses
//
// Require answers requests it refuses as RFC 6750 describes, with a
// WWW-Authenticate challenge and a small JSON body
// {"error": …, "error_description": …}:
//
//   - 400 invalid_request: the token was sent in the URL query or in a form
//     body (only the Authorization header is accepted, since URLs and bodies
//     end up in logs), or the request has more than one Authorization header.
//   - 401 with no error code: no bearer token at all.
//   - 401 invalid_token: the token is malformed, unknown, expired, revoked, is
//     a refresh token, or is for another resource than [Config.Audience].
//     When [Config.ResourceMetadataURL] is set, every challenge also names it
//     as resource_metadata (RFC 9728 §5.1).
//   - 403 insufficient_scope: the token lacks one of the scopes the route
//     requires; the challenge lists them.
//   - 503 with Retry-After: Patchbay could not be asked. A Patchbay outage
//     never looks like a bad token to the caller.
package bearer

import (
	"context"
	"errors"
	"slices"
	"time"
)

// The errors of [Guard.Check] wrap one of these, or the caller's context error
// when it gave up waiting. Their messages never contain the token, so they are
// safe to log.
var (
	// ErrInvalidToken reports a token that must be refused: malformed, unknown,
	// expired, revoked, or not an access token. Asking again will not help.
	ErrInvalidToken = errors.New("invalid access token")
	// ErrUnavailable reports that the token could not be checked: Patchbay was
	// unreachable, answered with an error or with something other than an
	// introspection answer, or refused the Guard's own credentials. The token
	// may well be valid, so callers should ask the client to retry rather than
	// to sign in again.
	ErrUnavailable = errors.New("token introspection unavailable")
)

// Token is what Patchbay vouched for about a checked access token. It never
// holds the token itself.
type Token struct {
	// Subject is the ID of the Patchbay user who authorized the app, or the
	// app's ClientID for a token the app obtained for itself (client credentials
	// grant).
	Subject string
	// TeamID is the team the user authorized the app for. It is empty for tokens
	// from the client credentials grant, which act for no user.
	TeamID string
	// ClientID is the OAuth client ID of the app the token was issued to.
	ClientID string
	// AppID is Patchbay's ID ("app_…") of that app.
	AppID string
	// Scopes are the scopes granted to the token.
	Scopes []string
	// ExpiresAt is when the token expires, or the zero time if Patchbay did not
	// say.
	ExpiresAt time.Time
	// IssuedAt is when the token was issued, or the zero time if Patchbay did
	// not say.
	IssuedAt time.Time
	// Audiences are the resources the token is for (RFC 8707); empty for a
	// token bound to none.
	Audiences []string
	// Actor is the client ID of the service that obtained this token by
	// exchanging the user's token for it (RFC 8693 act), or "" for a token
	// the client was issued directly.
	Actor string
}

// HasScope reports whether the token was granted scope, for handlers that
// allow more than [Guard.Require] checks, such as writes only with
// "write:projects".
func (t Token) HasScope(scope string) bool {
	return slices.Contains(t.Scopes, scope)
}

type contextKey struct{}

// WithToken returns a copy of ctx carrying t, as [Guard.Require] does for the
// handlers it protects. Tests of such handlers use it to stand in for the
// Guard.
func WithToken(ctx context.Context, t Token) context.Context {
	return context.WithValue(ctx, contextKey{}, t)
}

// TokenFrom returns the token that [Guard.Require] checked for this request,
// and false if ctx carries none.
func TokenFrom(ctx context.Context) (Token, bool) {
	t, ok := ctx.Value(contextKey{}).(Token)
	return t, ok
}
