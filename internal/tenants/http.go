package tenants

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// Metadata limits, so a tenant record stays small.
const (
	metadataMaxKeys     = 50
	metadataMaxKeyLen   = 40
	metadataMaxValueLen = 500
)

// ValidID reports what is wrong with a tenant ID, or "". IDs are the SaaS's
// own: 1 to 128 letters, digits and . _ - : @
func ValidID(s string) string {
	if s == "" || len(s) > 128 {
		return "must be 1 to 128 characters"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == ':' || c == '@') {
			return "may contain only letters, digits and . _ - : @"
		}
	}
	return ""
}

// PathID reads and checks the {tenant_id} path parameter.
func PathID(r *http.Request) (string, error) {
	v := r.PathValue("tenant_id")
	if msg := ValidID(v); msg != "" {
		return "", apperr.InvalidFields(map[string]string{"tenant_id": msg})
	}
	return v, nil
}

type putRequest struct {
	Name     string            `json:"name" doc:"The tenant's name."`
	Metadata map[string]string `json:"metadata,omitempty" doc:"The SaaS's own key-value pairs about the tenant."`
}

func (req putRequest) Valid(context.Context) map[string]string {
	problems := map[string]string{}
	if len(req.Name) > 200 || !utf8.ValidString(req.Name) {
		problems["name"] = "must be valid UTF-8 of at most 200 bytes"
	}
	if len(req.Metadata) > metadataMaxKeys {
		problems["metadata"] = "may have at most 50 keys"
	}
	for k, v := range req.Metadata {
		if k == "" || len(k) > metadataMaxKeyLen || len(v) > metadataMaxValueLen {
			problems["metadata"] = "keys must be 1 to 40 bytes and values at most 500 bytes"
		}
	}
	return problems
}

// HandlePut creates or updates a tenant.
func HandlePut(svc *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[putRequest, httpapi.Upsert[Tenant]]{
		Summary:     "Create or update a tenant under the SaaS's own ID for it (201 when created, 200 when updated)",
		Description: "Creates a tenant under the SaaS's own customer ID, or replaces its name and metadata. Call it when a customer signs up; it is idempotent. 422 for an ID that is not 1 to 128 letters, digits and . _ - : @",
		Do: func(r *http.Request, req putRequest) (httpapi.Upsert[Tenant], error) {
			tenantID, err := PathID(r)
			if err != nil {
				return httpapi.Upsert[Tenant]{}, err
			}
			t, created, err := svc.Put(r.Context(), Tenant{ID: tenantID, Name: req.Name, Metadata: req.Metadata})
			return httpapi.Upsert[Tenant]{Value: t, Created: created}, err
		},
	})
}

// HandleGet returns a tenant.
func HandleGet(svc *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Tenant]{
		Summary:     "Get a tenant",
		Description: "Returns a tenant's name and metadata. 404 for an unknown tenant.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Tenant, error) {
			tenantID, err := PathID(r)
			if err != nil {
				return Tenant{}, err
			}
			return svc.Tenant(r.Context(), tenantID)
		},
	})
}

// HandleList lists tenants.
func HandleList(svc *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Tenant]]{
		Summary:     "List tenants ordered by ID",
		Description: "Lists tenants ordered by ID, paginated by cursor. A tenant-restricted key sees only its own.", Query: httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Tenant], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Tenant]{}, err
			}
			list, err := svc.List(r.Context(), page)
			return httpapi.NewList(page, list, func(t Tenant) string { return t.ID }), err
		},
	})
}

// HandleDelete deletes a tenant and, in the background, its data.
func HandleDelete(svc *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete a tenant; it disappears at once and its data is purged in the background",
		Description: "Deletes a tenant: its endpoints, messages, sources, connections and tokens stop at once and are purged in the background. 404 for an unknown tenant.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			tenantID, err := PathID(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, svc.Delete(r.Context(), tenantID)
		},
	})
}
