package oauth

import (
	"context"
	"net/http"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

type scopeRequest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// AccessLevel is read (the default), write or admin.
	AccessLevel string `json:"access_level,omitempty"`
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
	return httpapi.Endpoint{
		Summary: "Add a scope to the catalog apps may ask for; the description is shown on the consent screen",
		Request: scopeRequest{}, Response: Scope{}, Status: http.StatusCreated,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := httpapi.Decode[scopeRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			sc, err := s.CreateScope(r.Context(), Scope{Name: req.Name, Description: req.Description, AccessLevel: req.AccessLevel})
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusCreated, sc)
		}),
	}
}

// HandleScopeList lists the catalog.
func HandleScopeList(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "List the scope catalog ordered by name", Response: httpapi.List[Scope]{}, Query: httpapi.PageParams,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			list, err := s.ListScopes(r.Context(), page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(sc Scope) string { return sc.Name }))
		}),
	}
}

// HandleScopeGet returns a scope.
func HandleScopeGet(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get a scope", Response: Scope{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := scopeFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			sc, err := s.Scope(r.Context(), name)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, sc)
		}),
	}
}

type scopePatch struct {
	Description string `json:"description"`
	// AccessLevel, when given, replaces the scope's: read, write or admin.
	AccessLevel string `json:"access_level,omitempty"`
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
	return httpapi.Endpoint{
		Summary: "Change a scope's description and access level", Request: scopePatch{}, Response: Scope{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := scopeFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			req, err := httpapi.Decode[scopePatch](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			sc, err := s.UpdateScope(r.Context(), name, req.Description, req.AccessLevel)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, sc)
		}),
	}
}

// HandleScopeDelete removes a scope from the catalog.
func HandleScopeDelete(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Remove a scope from the catalog; grants already made keep it until revoked",
		Status:  http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := scopeFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.DeleteScope(r.Context(), name); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}
