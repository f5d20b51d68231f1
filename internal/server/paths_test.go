package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

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
