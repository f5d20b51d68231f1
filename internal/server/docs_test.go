package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/clientip"
)

// TestDocsPage fetches /docs from a served router: a page of the node's own
// document, with operations by tag, their scope, examples and anchors, and a
// CSP that lets it load nothing from elsewhere and run no script.
func TestDocsPage(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	rt := newRouter(d)
	addRoutes(rt, d)
	rt.finish()
	srv := httptest.NewServer(observe(d.Logger, newHTTPMetrics(d.Metrics), nil, d.BodyLimit, clientip.Resolver{}, rt))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q: want default-src 'none' and no script", csp)
	}
	for _, want := range []string{
		`id="op-postV1TenantsTenantIdMessages"`,                                 // an anchor per operation
		`<span class="method">POST</span> /v1/tenants/{tenant_id}/messages</a>`, // its method and path
		"Publish a message to a tenant&#39;s endpoints",                         // its summary
		`scope <code>webhooks:write</code>`,                                     // the scope its key needs
		`id="tag-outgoing-webhooks"`,                                            // grouped by tag
		`<a href="#schema-WebhooksMessageIn">WebhooksMessageIn</a>`,             // its body's schema, linked
		`id="schema-WebhooksMessageIn"`,                                         // which is described
		`&#34;event_type&#34;: &#34;`,                                           // an example, escaped
		"The event&#39;s JSON payload.",                                         // a field's description
		"no key needed",                                                         // public routes say so
		"one of pending, succeeded, failed",                                     // enums
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/docs lacks %s", want)
		}
	}
	for _, banned := range []string{"<script", "http://", "https://cdn", "src=\"http"} {
		if strings.Contains(page, banned) {
			t.Errorf("/docs contains %q: it must load nothing from elsewhere", banned)
		}
	}
}
