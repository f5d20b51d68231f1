package branding

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

// HandleGet returns the installation's branding.
func HandleGet(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get the branding every page and component shows (fields not set show Patchbay's defaults)", Response: Branding{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := s.Installation(r.Context())
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, b)
		}),
	}
}

// HandlePut replaces the installation's branding fields.
func HandlePut(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Set the branding: product name, accent colour, theme, support, terms and privacy links (the logo has its own route)",
		Request: Settings{}, Response: Branding{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := httpapi.Decode[Settings](r) // the service checks the fields
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			b, err := s.PutInstallation(r.Context(), req)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, b)
		}),
	}
}

// HandleTenantGet returns a tenant's override and effective branding.
func HandleTenantGet(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get a tenant's branding override and the branding its pages show", Response: TenantBranding{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			b, err := s.Tenant(r.Context(), tenantID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, b)
		}),
	}
}

// HandleTenantPut replaces a tenant's override fields.
func HandleTenantPut(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Set a tenant's branding override; fields left empty fall back to the installation's branding",
		Request: Settings{}, Response: TenantBranding{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			req, err := httpapi.Decode[Settings](r) // the service checks the fields
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			b, err := s.PutTenant(r.Context(), tenantID, req)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, b)
		}),
	}
}

// HandleTenantDelete removes a tenant's override.
func HandleTenantDelete(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Remove a tenant's branding override, logo included; its pages show the installation's branding",
		Status:  http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.DeleteTenant(r.Context(), tenantID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

// HandleLogoPut uploads the installation's logo, or with tenant a tenant's.
func HandleLogoPut(s *Service, tenant bool) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Upload a logo: the image's bytes as the body, Content-Type image/png, image/svg+xml or image/webp, at most 256 KiB " +
			"(SVG without script, event handlers or external references)",
		RawRequest: assets.Types, Response: Branding{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenantID, err := pathTenant(r, tenant)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			body, err := assets.ReadUpload(w, r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			b, err := s.PutLogo(r.Context(), tenantID, r.Header.Get("Content-Type"), body)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, b)
		}),
	}
}

// HandleLogoDelete removes the installation's logo, or with tenant a
// tenant's.
func HandleLogoDelete(s *Service, tenant bool) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Remove the logo; pages show the product name's initial (a tenant's falls back to the installation's logo)",
		Status:  http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenantID, err := pathTenant(r, tenant)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.DeleteLogo(r.Context(), tenantID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

func pathTenant(r *http.Request, tenant bool) (string, error) {
	if !tenant {
		return installationID, nil
	}
	return tenants.PathID(r)
}
