package branding

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

// HandleGet returns the installation's branding.
func HandleGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Branding]{
		Summary:     "Get the branding every page and component shows (fields not set show Patchbay's defaults)",
		Description: "Returns the installation's branding as set, and what pages show. Use it to build a settings screen in the SaaS's admin.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Branding, error) {
			return s.Installation(r.Context())
		},
	})
}

// HandlePut replaces the installation's branding fields. The service checks
// them: whether http links are allowed depends on its configuration.
func HandlePut(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[Settings, Branding]{
		Summary:     "Set the branding: product name, accent colour, theme, support, terms and privacy links (the logo has its own route)",
		Description: "Replaces the branding fields of every Patchbay page and component; fields left out fall back to the defaults. Links must be https URLs; the accent colour #rrggbb. 422 names each bad field.",
		Do: func(r *http.Request, set Settings) (Branding, error) {
			return s.PutInstallation(r.Context(), set)
		},
	})
}

// HandleTenantGet returns a tenant's override and effective branding.
func HandleTenantGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, TenantBranding]{
		Summary:     "Get a tenant's branding override and the branding its pages show",
		Description: "Returns the tenant's own branding fields and the effective branding its pages show (its own over the installation's).",
		Do: func(r *http.Request, _ httpapi.NoBody) (TenantBranding, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return TenantBranding{}, err
			}
			return s.Tenant(r.Context(), tenantID)
		},
	})
}

// HandleTenantPut replaces a tenant's override fields.
func HandleTenantPut(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[Settings, TenantBranding]{
		Summary:     "Set a tenant's branding override; fields left empty fall back to the installation's branding",
		Description: "For white-label SaaSes: sets the branding the tenant's pages and components show. Fields left empty use the installation's. 422 names each bad field.",
		Do: func(r *http.Request, set Settings) (TenantBranding, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return TenantBranding{}, err
			}
			return s.PutTenant(r.Context(), tenantID, set)
		},
	})
}

// HandleTenantDelete removes a tenant's override.
func HandleTenantDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Remove a tenant's branding override, logo included; its pages show the installation's branding",
		Description: "Removes a tenant's branding override and logo; the tenant's pages show the installation's branding again.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteTenant(r.Context(), tenantID)
		},
	})
}

// HandleLogoPut uploads the installation's logo, or with tenant a tenant's.
func HandleLogoPut(s *Service, tenant bool) httpapi.Endpoint {
	return assets.HandleUpload("Upload a logo", Branding{}, func(r *http.Request, contentType string, body []byte) (any, error) {
		tenantID, err := pathTenant(r, tenant)
		if err != nil {
			return nil, err
		}
		return s.PutLogo(r.Context(), tenantID, contentType, body)
	})
}

// HandleLogoDelete removes the installation's logo, or with tenant a
// tenant's.
func HandleLogoDelete(s *Service, tenant bool) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Remove the logo; pages show the product name's initial (a tenant's falls back to the installation's logo)",
		Description: "Removes the installation's logo. Pages show the product name's initial instead; tenants with their own logo keep it.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			tenantID, err := pathTenant(r, tenant)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteLogo(r.Context(), tenantID)
		},
	})
}

func pathTenant(r *http.Request, tenant bool) (string, error) {
	if !tenant {
		return installationID, nil
	}
	return tenants.PathID(r)
}
