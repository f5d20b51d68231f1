package bearer_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/patchbay/patchbay/bearer"
)

// A SaaS protects its API with tokens that Patchbay issued to apps its users
// authorized.
func ExampleGuard_Require() {
	// A stand-in for Patchbay's introspection endpoint, which knows one token.
	patchbay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("token") != "pbat_example" {
			io.WriteString(w, `{"active":false}`)
			return
		}
		io.WriteString(w, `{"active":true,"token_type":"Bearer","token_use":"access_token","scope":"read:projects",`+
			`"client_id":"cl_1","app_id":"app_1","sub":"usr_7","team_id":"team_3","exp":4102444800}`)
	}))
	defer patchbay.Close()

	guard, err := bearer.New(bearer.Config{
		IntrospectionURL: patchbay.URL + "/oauth/introspect",
		APIKey:           "pbk_example", // an admin API key: Patchbay answers it about every app's tokens
		Realm:            "api.example.com",
	})
	if err != nil {
		panic(err)
	}
	listProjects := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.TokenFrom(r.Context())
		fmt.Fprintf(w, "projects of team %s for user %s", tok.TeamID, tok.Subject)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /v1/projects", guard.Require("read:projects")(listProjects))
	mux.Handle("POST /v1/projects", guard.Require("write:projects")(http.NotFoundHandler()))

	for _, req := range []struct{ method, token string }{
		{"GET", "pbat_example"},
		{"POST", "pbat_example"},
		{"GET", "pbat_revoked"},
		{"GET", ""},
	} {
		r := httptest.NewRequest(req.method, "/v1/projects", nil)
		if req.token != "" {
			r.Header.Set("Authorization", "Bearer "+req.token)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		if rec.Code == http.StatusOK {
			fmt.Println(rec.Code, rec.Body)
		} else {
			fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	}

	// Output:
	// 200 projects of team team_3 for user usr_7
	// 403 Bearer realm="api.example.com", error="insufficient_scope", error_description="the access token lacks a required scope", scope="write:projects"
	// 401 Bearer realm="api.example.com", error="invalid_token", error_description="the access token is invalid, expired or revoked"
	// 401 Bearer realm="api.example.com"
}

// Handlers behind Require can be tested without Patchbay by putting a token in
// the request context.
func ExampleWithToken() {
	deleteProject := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer.TokenFrom(r.Context())
		if !ok || !tok.HasScope("admin:projects") {
			http.Error(w, "admins only", http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})

	for _, scopes := range [][]string{{"write:projects"}, {"write:projects", "admin:projects"}} {
		r := httptest.NewRequest(http.MethodDelete, "/v1/projects/1", nil)
		r = r.WithContext(bearer.WithToken(r.Context(), bearer.Token{Subject: "usr_7", Scopes: scopes}))
		rec := httptest.NewRecorder()
		deleteProject.ServeHTTP(rec, r)
		fmt.Println(scopes, rec.Code)
	}

	// Output:
	// [write:projects] 403
	// [write:projects admin:projects] 204
}

// An MCP server accepts only tokens issued for it, and tells clients where
// to find its metadata (RFC 9728), which it also serves itself.
func ExampleResourceMetadata() {
	patchbay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		aud := map[string]string{"pbat_for_mcp": "https://mcp.example.com/mcp", "pbat_for_api": "https://api.example.com"}[r.PostFormValue("token")]
		if aud == "" {
			io.WriteString(w, `{"active":false}`)
			return
		}
		io.WriteString(w, `{"active":true,"token_use":"access_token","scope":"read:projects","sub":"usr_7","aud":["`+aud+`"]}`)
	}))
	defer patchbay.Close()

	md := bearer.ResourceMetadata{
		Resource:             "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://patchbay.example"},
		ScopesSupported:      []string{"read:projects"},
	}
	guard, err := bearer.New(bearer.Config{
		IntrospectionURL:    patchbay.URL + "/oauth/introspect",
		APIKey:              "pbk_example",
		Audience:            md.Resource,
		ResourceMetadataURL: bearer.MetadataURL(md.Resource),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /mcp", guard.Require("read:projects")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})))
	mux.Handle("GET "+bearer.MetadataPath(md.Resource), md.Handler())

	for _, token := range []string{"pbat_for_mcp", "pbat_for_api", ""} {
		r := httptest.NewRequest("POST", "/mcp", nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		if challenge := rec.Header().Get("WWW-Authenticate"); challenge != "" {
			fmt.Println(rec.Code, challenge)
		} else {
			fmt.Println(rec.Code, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/oauth-protected-resource/mcp", nil))
	fmt.Println(rec.Code, rec.Body)

	// Output:
	// 200 ok
	// 401 Bearer error="invalid_token", error_description="the access token is for another resource", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
	// 401 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
	// 200 {"resource":"https://mcp.example.com/mcp","authorization_servers":["https://patchbay.example"],"scopes_supported":["read:projects"],"bearer_methods_supported":["header"]}
}
