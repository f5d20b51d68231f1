package oauth

import (
	"context"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

type createResourceRequest struct{ resourceFields }

func (req createResourceRequest) Valid(context.Context) map[string]string {
	p := req.problems()
	if req.Identifier == nil {
		p["resource"] = "is required: the resource's URL, such as https://api.example.com"
	}
	if req.Name == nil {
		p["name"] = "is required"
	}
	if req.Scopes == nil {
		p["scopes"] = "is required: the scopes the resource accepts"
	}
	return p
}

func resourceFromPath(r *http.Request) (string, error) {
	return httpapi.PathID(r, "resource_id", "res")
}

// HandleResourceCreate registers a protected resource.
func HandleResourceCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createResourceRequest, Resource]{
		Summary:     "Register a protected resource (an API or MCP server): its identifier (RFC 8707), name and the scopes it accepts",
		Description: "Registers an API or MCP server as a protected resource, so apps can ask for tokens bound to it (RFC 8707) and clients can discover it (RFC 9728). 409 when the identifier exists.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createResourceRequest) (Resource, error) {
			return s.CreateResource(r.Context(), Resource{Identifier: *req.Identifier, Name: *req.Name, Scopes: *req.Scopes})
		},
	})
}

// HandleResourceList lists the protected resources.
func HandleResourceList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Resource]]{
		Summary:     "List protected resources ordered by ID",
		Description: "Lists registered protected resources (APIs or MCP servers tokens can be bound to), paginated by cursor.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Resource], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Resource]{}, err
			}
			list, err := s.ListResources(r.Context(), page)
			return httpapi.NewList(page, list, func(res Resource) string { return res.ID }), err
		},
	})
}

// HandleResourceGet returns a protected resource.
func HandleResourceGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Resource]{
		Summary:     "Get a protected resource",
		Description: "Returns one protected resource. 404 for an unknown ID.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Resource, error) {
			resID, err := resourceFromPath(r)
			if err != nil {
				return Resource{}, err
			}
			return s.Resource(r.Context(), resID)
		},
	})
}

type updateResourceRequest struct{ resourceFields }

func (req updateResourceRequest) Valid(context.Context) map[string]string { return req.problems() }

// HandleResourceUpdate changes a protected resource.
func HandleResourceUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[updateResourceRequest, Resource]{
		Summary:     "Change a protected resource's identifier, name or scopes; tokens already issued keep their audience",
		Description: "Changes only the fields given; tokens already issued keep the audience they were issued for.",
		Do: func(r *http.Request, req updateResourceRequest) (Resource, error) {
			resID, err := resourceFromPath(r)
			if err != nil {
				return Resource{}, err
			}
			return s.UpdateResource(r.Context(), resID, req.resourceFields)
		},
	})
}

// HandleResourceDelete removes a protected resource.
func HandleResourceDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Remove a protected resource: apps can no longer ask for it; tokens bound to it live until they expire",
		Description: "Removes a protected resource. New requests for it fail; tokens already issued for it stay valid until they expire.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			resID, err := resourceFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteResource(r.Context(), resID)
		},
	})
}

// ResourceMetadata is a protected resource's metadata document (RFC 9728
// §2).
type ResourceMetadata struct {
	Resource               string   `json:"resource" doc:"The protected resource's identifier." format:"uri"`
	AuthorizationServers   []string `json:"authorization_servers" doc:"The authorization servers that issue tokens for it."`
	ScopesSupported        []string `json:"scopes_supported" doc:"The scopes it accepts."`
	BearerMethodsSupported []string `json:"bearer_methods_supported" doc:"How tokens may be sent to it."`
	ResourceName           string   `json:"resource_name" doc:"Its name for people."`
}

// ResourceMetadataPath is where Patchbay serves the metadata of the resource
// identified by identifier: the well-known prefix followed by the
// identifier's host and path, as RFC 9728 §3.1 forms it on the resource's
// own host.
func ResourceMetadataPath(identifier string) string {
	_, rest, _ := strings.Cut(identifier, "://")
	return "/.well-known/oauth-protected-resource/" + strings.TrimSuffix(rest, "/")
}

// resourceMetadata returns the metadata of the resource whose identifier,
// without its scheme, is hostPath.
func (s *Service) resourceMetadata(ctx context.Context, hostPath string) (ResourceMetadata, error) {
	for _, ident := range metadataCandidates(hostPath) {
		res, err := s.resourceByIdentifier(ctx, s.db, ident)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue
		} else if err != nil {
			return ResourceMetadata{}, err
		}
		return ResourceMetadata{Resource: res.Identifier, AuthorizationServers: []string{s.cfg.Issuer},
			ScopesSupported: res.Scopes, BearerMethodsSupported: []string{"header"}, ResourceName: res.Name}, nil
	}
	return ResourceMetadata{}, apperr.Errorf(apperr.NotFound, "no protected resource is registered at %s", hostPath)
}

// metadataCandidates are the identifiers a document path's host and path
// may stand for, in the order they are tried. An identifier has no query, so
// https and loopback http are the only schemes it can have; one trailing
// slash is not significant (ResourceMetadataPath drops it).
func metadataCandidates(hostPath string) []string {
	var out []string
	for _, scheme := range []string{"https://", "http://"} {
		out = append(out, scheme+hostPath, scheme+hostPath+"/")
		if trimmed := strings.TrimSuffix(hostPath, "/"); trimmed != hostPath {
			out = append(out, scheme+trimmed)
		}
	}
	return out
}

// HandleResourceMetadata serves /.well-known/oauth-protected-resource/{host}/{path}.
func HandleResourceMetadata(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "Protected resource metadata (RFC 9728) of a registered resource, by its identifier's host and path",
		Description: "Tells a client which authorization server issues tokens for a registered protected resource and which scopes it accepts, so an MCP client or API consumer can discover how to get a token. 404 when no registered resource has that identifier.",
		Response:    ResourceMetadata{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// As sent, not decoded: identifiers are compared as written.
			hostPath := strings.TrimPrefix(r.URL.EscapedPath(), "/.well-known/oauth-protected-resource/")
			if hostPath == "" || len(hostPath) > 2000 {
				httpapi.Error(w, r, apperr.InvalidFields(map[string]string{"resource": "must be the resource identifier's host and path"}))
				return
			}
			md, err := s.resourceMetadata(r.Context(), hostPath)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.Header().Set("Cache-Control", "public, max-age=300")
			httpapi.Encode(w, http.StatusOK, md)
		}),
	}
}
