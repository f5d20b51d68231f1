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
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Connection]]{
		Summary:     "List connections ordered by ID, by tenant or end user (never their credentials)",
		Description: "Lists connections, filtered by tenant_id or end_user_id, paginated by cursor; never their credentials. Use it to show a user what they connected.",
		Query: append([]httpapi.Param{
			{Name: "tenant_id", Description: "only this tenant's connections"},
			{Name: "end_user_id", Description: "only this end user's connections"},
		}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Connection], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Connection]{}, err
			}
			q := r.URL.Query()
			list, err := s.ListConnections(r.Context(), ConnectionFilter{TenantID: q.Get("tenant_id"), EndUserID: q.Get("end_user_id")}, page)
			return httpapi.NewList(page, list, func(c Connection) string { return c.ID }), err
		},
	})
}

// HandleConnectionGet returns a connection.
func HandleConnectionGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Connection]{
		Summary:     "Get a connection: status, scopes, provider (never its credentials)",
		Description: "Returns a connection's status (active or needs_reauth), scopes and provider. Credentials are only at …/credentials, under a stronger scope.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Connection, error) {
			connectionID, err := connectionFromPath(r)
			if err != nil {
				return Connection{}, err
			}
			return s.Connection(r.Context(), connectionID)
		},
	})
}

// HandleConnectionDelete deletes a connection.
func HandleConnectionDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete a connection, revoking its token at the provider where the provider supports revocation",
		Description: "Deletes a connection, after revoking its token at the provider where the provider supports revocation.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			connectionID, err := connectionFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteConnection(r.Context(), connectionID)
		},
	})
}

// HandleConnectionCredentials returns a connection's usable credentials.
func HandleConnectionCredentials(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Credentials]{
		Secret:      true,
		Summary:     "Get a connection's credentials: a valid access token (refreshed first when it expires within the provider's margin), or its API key; 409 when it needs the user to connect again",
		Description: "For the SaaS's backend to call the provider itself: a fresh access token (refreshed if it is about to expire) or the stored API key. Prefer the proxy, which never hands out the credential. 409 needs_reauth when the user must connect again; 503 when the provider's token endpoint is failing.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Credentials, error) {
			connectionID, err := connectionFromPath(r)
			if err != nil {
				return Credentials{}, err
			}
			return s.Credentials(r.Context(), connectionID)
		},
	})
}
