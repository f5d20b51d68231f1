package server

import (
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/tenants"
)

// addRoutes is the list of every route Patchbay serves.
func addRoutes(rt *router, d Deps) {
	rt.public("GET /healthz", handleHealthz(d.Version))
	rt.public("GET /readyz", handleReadyz(d.DB))
	rt.public("GET /metrics", handleMetrics(d.Metrics))
	if !d.AdminAPI {
		return
	}

	rt.admin("POST /v1/api-keys", auth.HandleCreate(d.Keys))
	rt.admin("GET /v1/api-keys", auth.HandleList(d.Keys))
	rt.admin("GET /v1/api-keys/{key_id}", auth.HandleGet(d.Keys))
	rt.admin("PATCH /v1/api-keys/{key_id}", auth.HandleUpdate(d.Keys))
	rt.admin("DELETE /v1/api-keys/{key_id}", auth.HandleRevoke(d.Keys))

	rt.admin("PUT /v1/tenants/{tenant_id}", tenants.HandlePut(d.Tenants))
	rt.admin("GET /v1/tenants", tenants.HandleList(d.Tenants))
	rt.admin("GET /v1/tenants/{tenant_id}", tenants.HandleGet(d.Tenants))
	rt.admin("DELETE /v1/tenants/{tenant_id}", tenants.HandleDelete(d.Tenants))
}
