package bearer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// wellKnownResource is the well-known URI suffix of RFC 9728 §3.
const wellKnownResource = "/.well-known/oauth-protected-resource"

// ResourceMetadata is a protected resource's metadata document (RFC 9728
// §2), for a SaaS that serves it from its API's own host rather than point
// clients at the copy Patchbay serves. Mount [ResourceMetadata.Handler] at
// [MetadataPath] of the resource:
//
//	md := bearer.ResourceMetadata{
//		Resource:             "https://api.example.com",
//		AuthorizationServers: []string{"https://patchbay.example"},
//		ScopesSupported:      []string{"read:projects"},
//	}
//	mux.Handle("GET "+bearer.MetadataPath(md.Resource), md.Handler())
//
// and set [Config.ResourceMetadataURL] to [MetadataURL] of the resource.
type ResourceMetadata struct {
	// Resource is the resource's identifier, as registered in Patchbay.
	Resource string `json:"resource"`
	// AuthorizationServers are the issuers whose tokens the resource accepts:
	// Patchbay's public URL.
	AuthorizationServers []string `json:"authorization_servers"`
	// ScopesSupported are the scopes the resource accepts.
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// ResourceName is a name for people, such as "Acme API".
	ResourceName string `json:"resource_name,omitempty"`
}

// Handler serves the document as JSON, cacheable for five minutes. It
// panics if Resource is not an absolute https or http URL or there is no
// authorization server, mistakes a SaaS should see at start-up.
func (m ResourceMetadata) Handler() http.Handler {
	if err := m.check(); err != nil {
		panic(err)
	}
	body, err := json.Marshal(struct {
		ResourceMetadata
		BearerMethods []string `json:"bearer_methods_supported"`
	}{m, []string{"header"}}) // Require accepts tokens only in the header
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(body)
	})
}

func (m ResourceMetadata) check() error {
	u, err := url.Parse(m.Resource)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "":
		return fmt.Errorf("bearer: ResourceMetadata: Resource %q is not an absolute http or https URL without a fragment", m.Resource)
	case len(m.AuthorizationServers) == 0:
		return errors.New("bearer: ResourceMetadata: AuthorizationServers is empty; name Patchbay's public URL")
	}
	return nil
}

// MetadataPath is the path on the resource's own host where RFC 9728 §3.1
// places its metadata: the well-known prefix followed by the resource's path,
// such as "/.well-known/oauth-protected-resource/mcp" for
// "https://example.com/mcp". It returns "" for a resource that is not an
// absolute URL.
func MetadataPath(resource string) string {
	u, err := url.Parse(resource)
	if err != nil || u.Host == "" {
		return ""
	}
	return wellKnownResource + strings.TrimSuffix(u.EscapedPath(), "/")
}

// MetadataURL is the absolute URL of [MetadataPath] on the resource's host.
func MetadataURL(resource string) string {
	u, err := url.Parse(resource)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + MetadataPath(resource)
}
