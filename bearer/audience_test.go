package bearer_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/bearer"
)

// TestRequireAudience: a guard with an Audience accepts only tokens issued
// for it (RFC 8707), whichever form aud takes, and names the resource
// metadata in every challenge (RFC 9728 §5.1).
func TestRequireAudience(t *testing.T) {
	t.Parallel()
	const (
		api      = "https://api.example.com"
		mcp      = "https://mcp.example.com/mcp"
		metadata = "https://patchbay.example/.well-known/oauth-protected-resource/api.example.com"
	)
	f := newFakePatchbay(t)
	f.issue("pbat_api", func(a map[string]any) { a["aud"] = []string{api} })
	f.issue("pbat_both", func(a map[string]any) { a["aud"] = []string{mcp, api} })
	f.issue("pbat_string", func(a map[string]any) { a["aud"] = api })
	f.issue("pbat_mcp", func(a map[string]any) { a["aud"] = []string{mcp} })
	f.issue("pbat_none", nil)
	f.issue("pbat_exchanged", func(a map[string]any) {
		a["aud"] = []string{api}
		a["act"] = map[string]any{"sub": "cl_mcp", "act": map[string]any{"sub": "cl_earlier"}}
	})
	g, _ := newTestGuard(t, f, func(c *bearer.Config) { c.Audience = api; c.ResourceMetadataURL = metadata })

	type result struct {
		Status          int
		WWWAuthenticate string
		Body            string
	}
	wrong := result{
		Status:          http.StatusUnauthorized,
		WWWAuthenticate: `Bearer realm="api.example.com", error="invalid_token", error_description="the access token is for another resource", resource_metadata="` + metadata + `"`,
		Body:            `{"error":"invalid_token","error_description":"the access token is for another resource"}` + "\n",
	}
	for token, want := range map[string]result{
		"pbat_api":       {Status: 200, Body: "usr_7 [" + api + "] "},
		"pbat_both":      {Status: 200, Body: "usr_7 [" + mcp + " " + api + "] "},
		"pbat_string":    {Status: 200, Body: "usr_7 [" + api + "] "},
		"pbat_exchanged": {Status: 200, Body: "usr_7 [" + api + "] cl_mcp"},
		"pbat_mcp":       wrong,
		"pbat_none":      wrong,
		"": {
			Status:          http.StatusUnauthorized,
			WWWAuthenticate: `Bearer realm="api.example.com", resource_metadata="` + metadata + `"`,
			Body:            `{"error_description":"send an access token as Authorization: Bearer <token>"}` + "\n",
		},
		"pbat_unknown": {
			Status:          http.StatusUnauthorized,
			WWWAuthenticate: `Bearer realm="api.example.com", error="invalid_token", error_description="the access token is invalid, expired or revoked", resource_metadata="` + metadata + `"`,
			Body:            `{"error":"invalid_token","error_description":"the access token is invalid, expired or revoked"}` + "\n",
		},
	} {
		r := httptest.NewRequest(http.MethodGet, "/v1/projects", nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		g.Require("read:projects")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, _ := bearer.TokenFrom(r.Context())
			io.WriteString(w, tok.Subject+" ["+strings.Join(tok.Audiences, " ")+"] "+tok.Actor)
		})).ServeHTTP(rec, r)
		got := result{rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String()}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("token %q (-want +got):\n%s", token, diff)
		}
	}

	// Check tells a token for another resource from a bad one only in its
	// message; both are invalid.
	if _, err := g.Check(t.Context(), "pbat_mcp"); !errors.Is(err, bearer.ErrInvalidToken) || !strings.Contains(err.Error(), api) {
		t.Errorf("Check of a token for another resource: %v", err)
	}
	// Without an Audience any resource's token is accepted, as before.
	open, _ := newTestGuard(t, f, nil)
	if tok, err := open.Check(t.Context(), "pbat_mcp"); err != nil || len(tok.Audiences) != 1 || tok.Audiences[0] != mcp {
		t.Errorf("Check without Audience: %+v %v", tok, err)
	}
}

func TestNewRefusesBadAudience(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	for _, c := range []bearer.Config{
		{Audience: "api.example.com"},
		{Audience: "https://api.example.com/#x"},
		{ResourceMetadataURL: `https://p.example/"x`},
		{ResourceMetadataURL: "ftp://p.example/md"},
	} {
		c.IntrospectionURL, c.APIKey = f.URL, testAPIKey
		if _, err := bearer.New(c); err == nil {
			t.Errorf("New(%+v) accepted it", c)
		}
	}
}

func TestResourceMetadata(t *testing.T) {
	t.Parallel()
	for resource, want := range map[string][2]string{
		"https://api.example.com":      {"/.well-known/oauth-protected-resource", "https://api.example.com/.well-known/oauth-protected-resource"},
		"https://api.example.com/":     {"/.well-known/oauth-protected-resource", "https://api.example.com/.well-known/oauth-protected-resource"},
		"https://example.com:8443/mcp": {"/.well-known/oauth-protected-resource/mcp", "https://example.com:8443/.well-known/oauth-protected-resource/mcp"},
		"http://127.0.0.1:9000/a/b/":   {"/.well-known/oauth-protected-resource/a/b", "http://127.0.0.1:9000/.well-known/oauth-protected-resource/a/b"},
		"not a URL":                    {"", ""},
	} {
		if got := [2]string{bearer.MetadataPath(resource), bearer.MetadataURL(resource)}; got != want {
			t.Errorf("%q: got %q, want %q", resource, got, want)
		}
	}

	md := bearer.ResourceMetadata{Resource: "https://mcp.example.com/mcp", AuthorizationServers: []string{"https://patchbay.example"},
		ScopesSupported: []string{"read:projects"}, ResourceName: "Acme MCP"}
	rec := httptest.NewRecorder()
	md.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bearer.MetadataPath(md.Resource), nil))
	want := `{"resource":"https://mcp.example.com/mcp","authorization_servers":["https://patchbay.example"],` +
		`"scopes_supported":["read:projects"],"resource_name":"Acme MCP","bearer_methods_supported":["header"]}`
	if rec.Code != 200 || rec.Body.String() != want || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("document: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	for _, bad := range []bearer.ResourceMetadata{
		{Resource: "mcp.example.com", AuthorizationServers: []string{"https://patchbay.example"}},
		{Resource: "https://mcp.example.com"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler of %+v did not panic", bad)
				}
			}()
			bad.Handler()
		}()
	}
}
