package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// TestLoggedPath: a credential path parameter ({token}, {…_token}) never
// reaches the log, whether its route matched, matched under another method,
// or no route matched because of extra or dot segments.
func TestLoggedPath(t *testing.T) {
	t.Parallel()
	rt := &router{mux: http.NewServeMux()}
	for _, p := range []string{"GET /connect/{token}", "POST /connect/sessions/{session_id}", "POST /in/{source_id}/{ingest_token}",
		"GET /v1/tenants/{tenant_id}", "/files/{rest_token...}"} {
		rt.public(p, httpapi.Endpoint{Handler: http.NotFoundHandler()})
	}
	for _, tc := range []struct{ route, path, want string }{
		{"GET /connect/{token}", "/connect/pbcs_s3cret", "/connect/[redacted]"},
		{"POST /in/{source_id}/{ingest_token}", "/in/src_1/tok_s3cret", "/in/src_1/[redacted]"},
		{"GET /v1/tenants/{tenant_id}", "/v1/tenants/acme", "/v1/tenants/acme"},
		{"/files/{rest_token...}", "/files/a/s3cret", "/files/[redacted]/[redacted]"},
		{"", "/connect/pbcs_s3cret", "/connect/[redacted]"}, // another method: 405
		{"", "/connect/pbcs_s3cret/more", "/connect/[redacted]/more"},
		{"", "/connect/x/../pbcs_s3cret", "/connect/[redacted]"},
		{"", "/connect/%2e/pbcs_s3cret", "/connect/[redacted]"},
		{"", "/connect/pbcs_s3cret/..", "/connect"},
		{"", "//in/src_1/tok_s3cret", "/in/src_1/[redacted]"},
		{"", "/nothing/here", "/nothing/here"},
	} {
		r := httptest.NewRequest("GET", "http://patchbay.test"+tc.path, nil)
		if got := rt.loggedPath(r, tc.route); got != tc.want {
			t.Errorf("loggedPath(%q, route %q) = %q, want %q", tc.path, tc.route, got, tc.want)
		}
	}
}

func TestIsCleanPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		"/": true, "/v1/tenants": true, "/v1/tenants/": true, "/v1/a.b/..c": true, "/v1/%2F": true,
		"//v1": false, "/v1//tenants": false, "/v1/./x": false, "/v1/../x": false, "/v1/x/..": false,
		"/v1/%2e/x": false, "/v1/%2E%2e": false, "/v1/.": false, "v1": false,
	} {
		if got := isCleanPath(path); got != want {
			t.Errorf("isCleanPath(%q) = %v, want %v", path, got, want)
		}
	}
}

// FuzzRouterPaths: whatever path a request has, the router answers neither
// a redirect nor a 5xx, a path it takes as clean is one ServeMux would not
// clean, and a connect token in it never reaches the log.
func FuzzRouterPaths(f *testing.F) {
	for _, seed := range []string{"/v1/c/c1/proxy/a", "/v1/c/c1/proxy/../../x", "/v1/c/c1/proxy", "/v1/c/c1/proxy//a", "//v1/t",
		"/v1/t/%2e%2e/x", "/connect/pbcs_SECRET", "/connect/x/../pbcs_SECRET/.", "/connect/%2E/pbcs_SECRET", "/connect/pbcs_SECRET/"} {
		f.Add(seed)
	}
	ok := httpapi.Endpoint{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })}
	rt := &router{mux: http.NewServeMux(), forwardChain: func(_ auth.Access, h http.Handler) http.Handler { return h }}
	rt.public("GET /v1/t/{tenant_id}", ok)
	rt.public("GET /connect/{token}", ok)
	rt.public("GET /static/", ok)
	rt.forwarded("/v1/c/{connection_id}/proxy/{path...}", auth.TenantAccess("connections:credentials"), ok)
	f.Fuzz(func(t *testing.T, path string) {
		u, err := url.ParseRequestURI(path)
		if err != nil || u.Host != "" || u.Scheme != "" || u.RawQuery != "" {
			return
		}
		r := httptest.NewRequest("GET", "http://patchbay.test/", nil)
		r.URL = u
		info := &httpapi.Info{}
		r = r.WithContext(httpapi.WithInfo(r.Context(), info))
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code >= 300 && w.Code < 400 || w.Code >= 500 || w.Header().Get("Location") != "" {
			t.Fatalf("%q: %d, Location %q", path, w.Code, w.Header().Get("Location"))
		}
		escaped := u.EscapedPath()
		if isCleanPath(escaped) && cleanEscapedPath(escaped) != escaped {
			t.Fatalf("%q is taken as clean, but cleans to %q", escaped, cleanEscapedPath(escaped))
		}
		// Where the token would be read: in the path as sent, or, for a
		// request no route took, in the path cleaned.
		asToken := strings.HasPrefix(escaped+"/", "/connect/pbcs_SECRET/") ||
			(info.Route == "" && strings.HasPrefix(cleanEscapedPath(escaped)+"/", "/connect/pbcs_SECRET/"))
		if logged := rt.loggedPath(r, info.Route); asToken && strings.Contains(logged, "pbcs_SECRET") {
			t.Fatalf("%q is logged as %q", path, logged)
		}
	})
}
