package catalog

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// View is a provider as the API shows it: its definition and where the
// definition came from.
type View struct {
	Provider
	Source string `json:"source" doc:"Where the provider's definition comes from: shipped or the operator's directory (file), or added through the API (api)." enum:"file,api"`
}

// NewView returns p as the API shows it.
func NewView(p *Provider) View { return View{Provider: *p, Source: p.Source} }

// ProviderList is the catalog as the API lists it: every provider, ordered
// by ID.
type ProviderList struct {
	Data []View `json:"data" doc:"Every provider in the catalog."`
}

// HandleList lists the catalog.
func HandleList(c *Catalog) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "List the provider catalog: the built-in definitions and the operator's own (source file or api), ordered by ID",
		Description: "Lists every provider users can connect to: those shipped, those in the operator's directory and those added through the API. Use it to pick the provider of a new integration.", Response: ProviderList{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			list := ProviderList{Data: []View{}}
			for _, p := range c.List() {
				list.Data = append(list.Data, NewView(p))
			}
			httpapi.Encode(w, http.StatusOK, list)
		}),
	}
}

// HandleGet returns one provider's definition.
func HandleGet(c *Catalog) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "Get a provider's definition: how users authorize it, what they supply, how the proxy calls it",
		Description: "Returns one provider's full definition: its authorization, the fields users supply, and how the proxy calls and pages its API. 404 for an unknown ID.", Response: View{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := c.Get(r.PathValue("provider_id"))
			if !ok {
				httpapi.Error(w, r, apperr.Errorf(apperr.NotFound, "no provider %q in the catalog", r.PathValue("provider_id")))
				return
			}
			httpapi.Encode(w, http.StatusOK, NewView(p))
		}),
	}
}
