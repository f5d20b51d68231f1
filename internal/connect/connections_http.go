package connect

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/httpapi"
)

func connectionFromPath(r *http.Request) (string, error) {
	return httpapi.PathID(r, "connection_id", "conn")
}

// HandleConnectionList lists connections.
func HandleConnectionList(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "List connections ordered by ID, by tenant or end user (never their credentials)", Response: httpapi.List[Connection]{},
		Query: append([]httpapi.Param{
			{Name: "tenant_id", Description: "only this tenant's connections"},
			{Name: "end_user_id", Description: "only this end user's connections"},
		}, httpapi.PageParams...),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			q := r.URL.Query()
			list, err := s.ListConnections(r.Context(), ConnectionFilter{TenantID: q.Get("tenant_id"), EndUserID: q.Get("end_user_id")}, page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(c Connection) string { return c.ID }))
		}),
	}
}

// HandleConnectionGet returns a connection.
func HandleConnectionGet(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Get a connection: status, scopes, provider (never its credentials)", Response: Connection{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			connectionID, err := connectionFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			c, err := s.Connection(r.Context(), connectionID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, c)
		}),
	}
}

// HandleConnectionDelete deletes a connection.
func HandleConnectionDelete(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Delete a connection, revoking its token at the provider where the provider supports revocation", Status: http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			connectionID, err := connectionFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.DeleteConnection(r.Context(), connectionID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

// HandleConnectionCredentials returns a connection's usable credentials.
func HandleConnectionCredentials(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Secret:   true,
		Summary:  "Get a connection's credentials: a valid access token (refreshed first when it expires within the provider's margin), or its API key; 409 when it needs the user to connect again",
		Response: Credentials{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			connectionID, err := connectionFromPath(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			c, err := s.Credentials(r.Context(), connectionID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, c)
		}),
	}
}
