package connect

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// HandleProviderPut adds or replaces a provider definition.
func HandleProviderPut(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Add or replace a provider definition (YAML or JSON, checked against the same schema as the files; 201 when new). " +
			"It overrides a file's definition with the same ID until deleted. Each bad field is named by its JSON pointer",
		Description: "Adds a provider that is not in the catalog, or overrides one, without restarting Patchbay. " +
			"The body is the definition as YAML or JSON; 422 names each bad field by its JSON pointer.",
		RawRequest: []string{"application/yaml", "application/json"},
		Response:   catalog.View{}, Status: http.StatusOK, MayCreate: true,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := httpapi.ReadBody(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			p, created, err := s.PutProvider(r.Context(), r.PathValue("provider_id"), body)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			status := http.StatusOK
			if created {
				status = http.StatusCreated
			}
			httpapi.Encode(w, status, catalog.NewView(p))
		}),
	}
}

// HandleProviderDelete removes a provider definition added through the API.
func HandleProviderDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary: "Delete a provider definition added through the API; a file's definition with the same ID applies again. " +
			"409 for a file's definition, or while integrations use a provider that would be gone",
		Description: "Deletes a provider definition added with PUT. 409 for a definition from a file, which only the file can remove, " +
			"or while integrations use a provider that would then be gone.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			return httpapi.NoContent{}, s.DeleteProvider(r.Context(), r.PathValue("provider_id"))
		},
	})
}
