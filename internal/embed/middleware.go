package embed

import (
	"context"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/idempotency"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/tenants"
)

type tokenCtx struct{}

// TokenFrom returns the embed token that authenticated the request.
func TokenFrom(ctx context.Context) (Token, bool) {
	t, ok := ctx.Value(tokenCtx{}).(Token)
	return t, ok
}

// CORS values of /embed/v1: what the components send.
const (
	corsMethods = "GET, POST, PATCH, PUT, DELETE"
	corsHeaders = "Authorization, Content-Type, Idempotency-Key"
	corsMaxAge  = "600"
)

// HandlePreflight answers CORS preflight requests for every /embed/v1 path.
// A preflight carries no token, so it cannot know the token's origins: it
// allows any origin, and the request itself is refused (403
// origin_not_allowed) unless its token allows the page's origin.
func HandlePreflight() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "CORS preflight for the embed API: 204 with the methods and headers the components may send",
		Description: "Answers browsers' CORS preflight requests for the embed API. Origins are checked against the token on the actual request, not here.",
		Status:      http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			if origin := r.Header.Get("Origin"); origin != "" {
				h.Set("Access-Control-Allow-Origin", origin)
			}
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

// corsExposed are the response headers a page may read beside the
// CORS-safelisted ones: when to retry, the limits, the request's ID.
const corsExposed = "Retry-After, RateLimit, RateLimit-Policy, X-Request-Id"

// CORS lets the page whose Origin a request carries read the answer. It
// runs first on every /embed/v1 route: refusals (a rate limit, a token
// problem, an origin the token does not allow) are readable by any page, so
// the component can say why, and hold nothing of the token's; everything
// else is answered only when RequireToken has found the origin to be one
// of the token's.
func CORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", corsExposed)
		}
		w.Header().Add("Vary", "Origin")
		next.ServeHTTP(w, r)
	})
}

// RequireToken authenticates /embed/v1 requests by their embed token and
// checks the page's origin against the token's: a request with an Origin
// the token does not allow is refused with 403 origin_not_allowed, one
// without an Origin (curl, a same-origin GET) or from Patchbay's own origin
// (its hosted pages, which send it on POST, PATCH and DELETE) is let through.
// It runs after CORS.
// The token's tenant becomes the request's only reachable tenant, and its
// {tenant_id}, so the handlers shared with the admin API reach that tenant's
// objects and no other's.
func RequireToken(s *Service) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			t, err := s.Authenticate(r.Context(), bearer(r))
			if err != nil {
				if apperr.CodeOf(err) == apperr.Unauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay-embed", error="invalid_token"`)
				}
				httpapi.Error(w, r, err)
				return
			}
			if origin != "" && !s.originAllowed(t, origin) {
				httpapi.Error(w, r, apperr.Because(apperr.Forbidden, ReasonOriginNotAllowed,
					"this embed token may be used only from its allowed origins, and %s is not one of them", origin))
				return
			}
			if info := httpapi.InfoFrom(r.Context()); info != nil {
				info.APIKeyID = t.ID // the request log's "who"
			}
			r.SetPathValue("tenant_id", t.TenantID)
			ctx := tenants.Restrict(context.WithValue(r.Context(), tokenCtx{}, t), t.TenantID)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// RequireCapability answers 403 capability_missing unless the request's
// token grants capability. It runs after RequireToken.
func RequireCapability(capability string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t, ok := TokenFrom(r.Context())
			if !ok {
				httpapi.Error(w, r, apperr.Because(apperr.Unauthorized, ReasonInvalid, "send an embed token as Authorization: Bearer pbe_…"))
				return
			}
			if !t.Grants(capability) {
				httpapi.Error(w, r, apperr.Because(apperr.Forbidden, ReasonCapabilityMissing,
					"this embed token does not grant %s, which this request needs", capability))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RateLimit limits each token's requests under p, with the project's
// limiter and RateLimit fields, as API keys are limited.
func RateLimit(l ratelimit.Limiter, p ratelimit.Policy) func(http.Handler) http.Handler {
	return ratelimit.CallerMiddleware(l, nil, func(r *http.Request) (ratelimit.Caller, bool) {
		t, ok := TokenFrom(r.Context())
		return ratelimit.Caller{Bucket: t.ID, Policy: p, Name: "this embed token", LogKey: "embed_token_id"}, ok
	})
}

// Idempotency applies Idempotency-Key to the changes a token makes, with
// keys scoped per token, as per API key on the admin API.
func Idempotency(k *idempotency.Keys) func(http.Handler) http.Handler {
	return idempotency.CallerMiddleware(k, func(r *http.Request) (string, bool) {
		t, ok := TokenFrom(r.Context())
		return t.ID, ok
	})
}

// Audit records the changes made with embed tokens in the audit log, under
// the token's ID and its user's.
func Audit(l *audit.Log) func(http.Handler) http.Handler {
	return audit.ActorMiddleware(l, func(r *http.Request) (audit.Actor, bool) {
		t, ok := TokenFrom(r.Context())
		return audit.Actor{ID: t.ID, UserID: t.UserID}, ok
	})
}
