package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/console"
	"github.com/patchbay/patchbay/internal/embed"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/idempotency"
	"github.com/patchbay/patchbay/internal/ratelimit"
)

// route is a registered route and its documentation.
type route struct {
	pattern  string // "GET /v1/tenants/{tenant_id}"
	endpoint httpapi.Endpoint
	admin    bool        // needs an admin API key
	access   auth.Access // what the key must hold, on admin routes
	// forwarded routes pass requests on to a third party, which gets the
	// Idempotency-Key.
	forwarded bool
	// limited routes are public routes under a per-address rate limit.
	limited bool
	// capability is what an embed token must grant on /embed/v1 routes,
	// which take embed tokens, never API keys; empty on every other route.
	capability string
	// console routes take the review console's session cookie (and its CSRF
	// token), never an API key in a header.
	console bool
	// handler is what the route serves, its middleware included.
	handler http.Handler
}

// router is a ServeMux that remembers its routes for the OpenAPI document and
// answers unknown paths and methods with problem+json.
type router struct {
	mux    *http.ServeMux
	routes []route
	// adminChain wraps every admin route: authenticate, rate-limit, record
	// changes in the audit log, check the route's access, then apply
	// idempotency keys, in that order (keys are scoped per API key, a request
	// refused by the rate limit must not claim a key, refusals for want of a
	// scope are audited, and the audit log sees replayed responses as replays).
	adminChain func(auth.Access, http.Handler) http.Handler
	// forwardChain wraps forwarded routes: adminChain without idempotency, and
	// an audit record that reads nothing of the third party's response.
	forwardChain func(auth.Access, http.Handler) http.Handler
	// embedChain wraps the /embed/v1 routes the browser components call:
	// CORS headers, limit each client address, authenticate the embed token
	// and check the page's origin, limit each token, record changes in the audit log, then
	// check the route's capability.
	embedChain func(capability string, h http.Handler) http.Handler
	// docOnce builds the OpenAPI document (docObject, docJSON) that
	// /openapi.json and /docs serve.
	docOnce   sync.Once
	docObject object
	docJSON   []byte
	// consoleChain wraps the API of the pages Patchbay serves to signed-in
	// operators (the review console): authenticate the console session (and
	// the CSRF token of changes), then as adminChain, with the session's key.
	consoleChain func(auth.Access, http.Handler) http.Handler
}

func newRouter(d Deps) *router {
	requireKey := auth.RequireKey(d.Keys)
	limit := ratelimit.Middleware(d.Limiter, d.RateLimit, d.Logger)
	idem := idempotency.Middleware(d.Idempotency)
	record, recordForwarded := audit.Middleware(d.Audit), audit.ForwardedMiddleware(d.Audit)
	embedAddress := d.Addresses.Middleware("embed", d.EmbedAddrLimit, ratelimit.RefuseProblem)
	requireToken, limitToken, recordEmbed := embed.RequireToken(d.Embed), embed.RateLimit(d.Limiter, d.EmbedTokenLimit), embed.Audit(d.Audit)
	embedIdem := embed.Idempotency(d.Idempotency)
	requireSession := console.RequireSession(d.Console, d.SecureCookies)
	return &router{
		mux: http.NewServeMux(),
		adminChain: func(a auth.Access, h http.Handler) http.Handler {
			return requireKey(limit(record(auth.Require(a)(idem(h)))))
		},
		forwardChain: func(a auth.Access, h http.Handler) http.Handler {
			return requireKey(limit(recordForwarded(auth.Require(a)(h))))
		},
		embedChain: func(capability string, h http.Handler) http.Handler {
			return embed.CORS(embedAddress(requireToken(limitToken(recordEmbed(embed.RequireCapability(capability)(embedIdem(h)))))))
		},
		consoleChain: func(a auth.Access, h http.Handler) http.Handler {
			return requireSession(limit(record(auth.Require(a)(h))))
		},
	}
}

// public registers a route anyone may call, wrapped in limits (per-address
// rate limits), the first outermost.
func (rt *router) public(pattern string, e httpapi.Endpoint, limits ...func(http.Handler) http.Handler) {
	var h http.Handler = e
	for _, limit := range slices.Backward(limits) {
		h = limit(h)
	}
	rt.add(route{pattern: pattern, endpoint: e, limited: len(limits) > 0}, h)
}

// admin registers a route that needs an admin API key granting access. A
// route without a known scope panics, so none is served unguarded.
func (rt *router) admin(pattern string, access auth.Access, e httpapi.Endpoint) {
	access.Check(pattern)
	rt.add(route{pattern: pattern, endpoint: e, admin: true, access: access}, rt.adminChain(access, e))
}

// embed registers a route of the browser components' API, which needs an
// embed token granting capability.
func (rt *router) embed(pattern, capability string, e httpapi.Endpoint) {
	if !embed.KnownCapability(capability) {
		panic(fmt.Sprintf("route %s: capability %q is not an embed capability", pattern, capability))
	}
	rt.add(route{pattern: pattern, endpoint: e, capability: capability}, rt.embedChain(capability, e))
}

// console registers a route of the API behind the review console's page
// (under console.APIPath): the operator's console session stands for the
// admin key it was opened with, which must hold access.
func (rt *router) console(pattern string, access auth.Access, e httpapi.Endpoint) {
	access.Check(pattern)
	rt.add(route{pattern: pattern, endpoint: e, console: true, access: access}, rt.consoleChain(access, e))
}

// forwarded registers an admin route whose requests Patchbay forwards to a
// third party. Its Idempotency-Key is the third party's to honour, so
// Patchbay neither claims the key nor keeps the response, which may be large
// and is streamed.
func (rt *router) forwarded(pattern string, access auth.Access, e httpapi.Endpoint) {
	access.Check(pattern)
	rt.add(route{pattern: pattern, endpoint: e, admin: true, forwarded: true, access: access}, rt.forwardChain(access, e))
}

// add registers r, served by h: its endpoint inside the route's middleware.
func (rt *router) add(r route, h http.Handler) {
	if r.endpoint.Secret {
		h = noStore(h)
	}
	r.handler = named(r.pattern, h)
	rt.routes = append(rt.routes, r)
	rt.mux.Handle(r.pattern, r.handler)
}

// finish adds the OpenAPI document, which describes every other route and
// itself.
func (rt *router) finish() {
	rt.public("GET /openapi.json", handleOpenAPI(rt))
}

// noStore keeps every response of an endpoint that carries a secret out of
// caches, its refusals included; an idempotent replay keeps the header too.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// named records the matched route for logs and metrics.
func named(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := httpapi.InfoFrom(r.Context()); info != nil {
			info.Route = pattern
		}
		h.ServeHTTP(w, r)
	})
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if what := notText(r.URL); what != "" {
		httpapi.Error(w, r, apperr.Errorf(apperr.Invalid, "%s must be UTF-8 text without NUL characters", what))
		return
	}
	if !isCleanPath(r.URL.EscapedPath()) {
		if h, ok := rt.forwardedFor(r); ok {
			h.ServeHTTP(w, r)
			return
		}
		httpapi.Error(w, r, apperr.Errorf(apperr.Invalid,
			"the URL path must not have empty segments or . or .. segments, escaped or not; escape each path part that comes from user input (/ as %%2F)"))
		return
	}
	rt.mux.ServeHTTP(&unmatchedWriter{ResponseWriter: w, r: r}, r)
}

// notText names the part of a URL that holds a NUL or bytes that are not
// UTF-8, or returns "". Nothing Patchbay keeps or looks up may hold either,
// and PostgreSQL answers such a value with an error, not with no rows.
func notText(u *url.URL) string {
	if !httpapi.IsText(u.Path) {
		return "the URL path"
	}
	if u.RawQuery == "" {
		return "" // most requests: nothing to parse
	}
	for k, vs := range u.Query() {
		if !httpapi.IsText(k) || slices.ContainsFunc(vs, func(v string) bool { return !httpapi.IsText(v) }) {
			return "the query parameter " + strconv.Quote(k)
		}
	}
	return ""
}

// unmatchedWriter turns the ServeMux's plain-text 404 and 405 answers for
// requests no route matched into problem+json, keeping its Allow header. The
// ServeMux's redirects (a subtree's root without its slash, a host-specific
// pattern) become 404s too: no route answers a redirect, which a client that
// follows it would take to another route with its API key.
type unmatchedWriter struct {
	http.ResponseWriter
	r         *http.Request
	swallowed bool
}

func (u *unmatchedWriter) WriteHeader(status int) {
	info := httpapi.InfoFrom(u.r.Context())
	redirect := status >= 300 && status < 400
	if info == nil || info.Route != "" || (status != http.StatusNotFound && status != http.StatusMethodNotAllowed && !redirect) {
		u.ResponseWriter.WriteHeader(status)
		return
	}
	u.swallowed = true
	u.Header().Del("X-Content-Type-Options")
	u.Header().Del("Location")
	// The details do not repeat the path, which may hold a credential and
	// is logged with the problem; the problem's instance is the path.
	if status == http.StatusMethodNotAllowed {
		httpapi.Error(u.ResponseWriter, u.r, apperr.Errorf(apperr.MethodNotAllowed, "%s is not allowed on this path; see the Allow header", u.r.Method))
		return
	}
	httpapi.Error(u.ResponseWriter, u.r, apperr.Errorf(apperr.NotFound, "no route matches %s on this path", u.r.Method))
}

func (u *unmatchedWriter) Write(p []byte) (int, error) {
	if u.swallowed {
		return len(p), nil
	}
	return u.ResponseWriter.Write(p)
}

func (u *unmatchedWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }
