package catalog

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// ProviderList is the catalog as the API lists it: every provider, ordered
// by ID.
type ProviderList struct {
	Data []*Provider `json:"data"`
}

// HandleList lists the catalog.
func HandleList(c *Catalog) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "List the provider catalog: the built-in definitions and the operator's own, ordered by ID", Response: ProviderList{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpapi.Encode(w, http.StatusOK, ProviderList{Data: c.List()})
		}),
	}
}

// HandleGet returns one provider's definition.
func HandleGet(c *Catalog) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get a provider's definition: how users authorize it, what they supply, how the proxy calls it", Response: Provider{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := c.Get(r.PathValue("provider_id"))
			if !ok {
				httpapi.Error(w, r, apperr.Errorf(apperr.NotFound, "no provider %q in the catalog", r.PathValue("provider_id")))
				return
			}
			httpapi.Encode(w, http.StatusOK, p)
		}),
	}
}
