package oauth

import (
	"context"
	"net/http"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

type scopeRequest struct {
	Name        string `json:"name" doc:"The scope's name, as apps ask for it."`
	Description string `json:"description" doc:"What the scope lets an app do, shown on the consent page."`
	// AccessLevel is read (the default), write or admin.
	AccessLevel string `json:"access_level,omitempty" enum:"read,write,admin" doc:"Read (the default), write or admin."`
}

func (req scopeRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if msg := validScopeName(req.Name); msg != "" {
		p["name"] = msg
	}
	if req.Description == "" || len(req.Description) > 500 {
		p["description"] = "must be 1 to 500 bytes: the consent screen shows it to users"
	}
	if req.AccessLevel != "" {
		if msg := validAccessLevel(req.AccessLevel); msg != "" {
			p["access_level"] = msg
		}
	}
	return p
}

func scopeFromPath(r *http.Request) (string, error) {
	name := r.PathValue("scope")
	if msg := validScopeName(name); msg != "" {
		return "", apperr.InvalidFields(map[string]string{"scope": msg})
	}
	return name, nil
}

// HandleScopeCreate adds a scope to the catalog.
func HandleScopeCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[scopeRequest, Scope]{
		Summary:     "Add a scope to the catalog apps may ask for; the description is shown on the consent screen",
		Description: "Adds a scope apps may ask for. Its description is what users read on the consent screen; write it for them. 409 when the name exists.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req scopeRequest) (Scope, error) {
			return s.CreateScope(r.Context(), Scope{Name: req.Name, Description: req.Description, AccessLevel: req.AccessLevel})
		},
	})
}

// HandleScopeList lists the catalog.
func HandleScopeList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Scope]]{
		Summary:     "List the scope catalog ordered by name",
		Description: "Lists the scopes apps may ask for, with the descriptions the consent screen shows, ordered by name.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Scope], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Scope]{}, err
			}
			list, err := s.ListScopes(r.Context(), page)
			return httpapi.NewList(page, list, func(sc Scope) string { return sc.Name }), err
		},
	})
}

// HandleScopeGet returns a scope.
func HandleScopeGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Scope]{
		Summary:     "Get a scope",
		Description: "Returns one scope and its description. 404 for an unknown name.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Scope, error) {
			name, err := scopeFromPath(r)
			if err != nil {
				return Scope{}, err
			}
			return s.Scope(r.Context(), name)
		},
	})
}

type scopePatch struct {
	Description string `json:"description" doc:"A new description; absent keeps the old one."`
	// AccessLevel, when given, replaces the scope's: read, write or admin.
	AccessLevel string `json:"access_level,omitempty" enum:"read,write,admin" doc:"When given, replaces the scope's: read, write or admin."`
}

func (req scopePatch) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if req.Description == "" || len(req.Description) > 500 {
		p["description"] = "must be 1 to 500 bytes"
	}
	if req.AccessLevel != "" {
		if msg := validAccessLevel(req.AccessLevel); msg != "" {
			p["access_level"] = msg
		}
	}
	return p
}

// HandleScopeUpdate changes a scope's description.
func HandleScopeUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[scopePatch, Scope]{
		Summary:     "Change a scope's description and access level",
		Description: "Changes a scope's description or access level; grants already made are not changed.",
		Do: func(r *http.Request, req scopePatch) (Scope, error) {
			name, err := scopeFromPath(r)
			if err != nil {
				return Scope{}, err
			}
			return s.UpdateScope(r.Context(), name, req.Description, req.AccessLevel)
		},
	})
}

// HandleScopeDelete removes a scope from the catalog.
func HandleScopeDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Remove a scope from the catalog; grants already made keep it until revoked",
		Description: "Removes a scope from the catalog: apps can no longer ask for it. Grants that hold it keep it until they are revoked.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			name, err := scopeFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteScope(r.Context(), name)
		},
	})
}
