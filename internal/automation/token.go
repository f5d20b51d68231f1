package automation

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

type callerKey struct{}

// CallerFrom returns the token's caller RequireToken put in the context.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// bearerToken reads an Authorization: Bearer header (RFC 6750 §2.1).
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// authenticate finds the caller of a user's access token: active, granted
// by a user of a team that is a valid tenant ID, with scope when set. The
// answers are RFC 6750's: 401 invalid_token, 403 insufficient_scope.
func (s *Service) authenticate(r *http.Request, scope string) (Caller, int, string) {
	token := bearerToken(r)
	if token == "" {
		return Caller{}, http.StatusUnauthorized, `Bearer realm="patchbay"`
	}
	info, err := s.oauth.Introspect(r.Context(), token, "access_token", "")
	if err != nil {
		return Caller{}, 0, err.Error()
	}
	if !info.Active || info.TokenUse != "access_token" || info.TeamID == "" || info.Subject == info.ClientID || tenants.ValidID(info.TeamID) != "" {
		return Caller{}, http.StatusUnauthorized, `Bearer realm="patchbay", error="invalid_token"`
	}
	c := Caller{AppID: info.AppID, ClientID: info.ClientID, UserID: info.Subject, TeamID: info.TeamID,
		Scopes: strings.Fields(info.Scope), Audience: info.Audience, Token: token}
	if scope != "" && !slices.Contains(c.Scopes, scope) {
		return Caller{}, http.StatusForbidden, `Bearer realm="patchbay", error="insufficient_scope", scope="` + scope + `"`
	}
	return c, 0, ""
}

// RequireToken guards the platforms' routes (/v1/hooks…): a user's access
// token issued by Patchbay, with the hooks scope when one is configured.
func RequireToken(s *Service) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, status, challenge := s.authenticate(r, s.opts.HooksScope)
			switch {
			case status == 0 && challenge != "":
				httpapi.Error(w, r, apperr.Errorf(apperr.Unavailable, "the token could not be checked"))
				return
			case status == http.StatusUnauthorized:
				w.Header().Set("WWW-Authenticate", challenge)
				httpapi.Error(w, r, apperr.Errorf(apperr.Unauthorized, "an active OAuth access token granted by a user is required (Authorization: Bearer)"))
				return
			case status == http.StatusForbidden:
				w.Header().Set("WWW-Authenticate", challenge)
				httpapi.Error(w, r, apperr.Errorf(apperr.Forbidden, "the token lacks the scope %s", s.opts.HooksScope))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
		})
	}
}

// AuditActor names the caller of a token-authenticated request for the
// audit log: the OAuth client and the user.
func AuditActor(r *http.Request) (audit.Actor, bool) {
	c, ok := CallerFrom(r.Context())
	return audit.Actor{ID: c.ClientID, UserID: c.UserID}, ok
}
