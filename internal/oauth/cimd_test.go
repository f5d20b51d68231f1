package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestMetadataCacheTTL(t *testing.T) {
	for cc, want := range map[string]time.Duration{
		"":                            metadataCacheDefault,
		"max-age=60":                  time.Minute,
		"public, max-age=600":         10 * time.Minute,
		"max-age=999999999999999":     metadataCacheMax,
		"max-age=-5":                  0,
		"max-age=abc":                 0,
		"no-store":                    0,
		"max-age=600, no-cache":       0,
		`max-age="120"`:               2 * time.Minute,
		"private":                     metadataCacheDefault,
		"max-age=9223372036854775807": metadataCacheMax,
	} {
		if got := metadataCacheTTL(http.Header{"Cache-Control": {cc}}); got != want {
			t.Errorf("Cache-Control %q: %s, want %s", cc, got, want)
		}
	}
}

// TestMetadataClientIDOneSpelling: a host has one spelling, so host lists
// match what is fetched; evil.example. passed a deny-list of evil.example.
func TestMetadataClientIDOneSpelling(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"https://evil.github.io./c.json", "https://Evil.GitHub.io/c.json", "https://evil.github.io:443/c.json"} {
		if checkMetadataClientID(id) == "" {
			t.Errorf("client_id %q accepted", id)
		}
	}
	for _, id := range []string{"https://evil.github.io/c.json", "https://127.0.0.1:8443/c.json"} {
		if msg := checkMetadataClientID(id); msg != "" {
			t.Errorf("client_id %q refused: %s", id, msg)
		}
	}
}

// FuzzMetadataDocument: whatever a client_id and the document it serves,
// checking them never panics; an accepted pair names the document's own
// https URL, a clean client_id, and redirect URIs that could be registered;
// and no Cache-Control makes the cache outlive its bound.
func FuzzMetadataDocument(f *testing.F) {
	f.Add("https://mcp.example/client.json", `{"client_id":"https://mcp.example/client.json","redirect_uris":["http://127.0.0.1/cb"]}`, "max-age=60")
	f.Add("https://a.example/./x", `{"client_id":"https://a.example/./x","redirect_uris":["https://a.example/cb"],"logo_uri":"http://x"}`, "no-store")
	f.Add("https://a.example/x", `{"client_id":"https://a.example/x","redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none","grant_types":["refresh_token"]}`, "max-age=1e9")
	s := &Service{}
	f.Fuzz(func(t *testing.T, clientID, body, cacheControl string) {
		if ttl := metadataCacheTTL(http.Header{"Cache-Control": {cacheControl}}); ttl < 0 || ttl > metadataCacheMax {
			t.Fatalf("Cache-Control %q: ttl %s", cacheControl, ttl)
		}
		if checkMetadataClientID(clientID) != "" {
			return
		}
		u, err := url.Parse(clientID)
		if err != nil || u.Scheme != "https" || u.User != nil || strings.Contains(clientID, "#") || strings.Contains("/"+u.Path+"/", "/../") ||
			strings.HasSuffix(u.Hostname(), ".") || u.Host != strings.ToLower(u.Host) {
			t.Fatalf("client_id %q accepted", clientID)
		}
		var doc metadataDocument
		if json.Unmarshal([]byte(body), &doc) != nil || s.checkMetadataDocument(doc, clientID) != "" {
			return
		}
		if doc.ClientID != clientID || len(doc.RedirectURIs) == 0 || (doc.TokenEndpointAuthMethod != "" && doc.TokenEndpointAuthMethod != "none") {
			t.Fatalf("document %s accepted for %q", body, clientID)
		}
		for _, r := range doc.RedirectURIs {
			if checkRedirectURI(r) != "" {
				t.Fatalf("redirect URI %q accepted", r)
			}
		}
	})
}
