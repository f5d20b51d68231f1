package server

import (
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/devinbox"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/webhooks"
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

	rt.admin("POST /v1/event-types", webhooks.HandleEventTypeCreate(d.EventTypes))
	rt.admin("GET /v1/event-types", webhooks.HandleEventTypeList(d.EventTypes))
	rt.admin("GET /v1/event-types/{event_type}", webhooks.HandleEventTypeGet(d.EventTypes))
	rt.admin("PATCH /v1/event-types/{event_type}", webhooks.HandleEventTypeUpdate(d.EventTypes))
	rt.admin("DELETE /v1/event-types/{event_type}", webhooks.HandleEventTypeArchive(d.EventTypes))

	rt.admin("POST /v1/tenants/{tenant_id}/endpoints", webhooks.HandleEndpointCreate(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints", webhooks.HandleEndpointList(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}", webhooks.HandleEndpointGet(d.Webhooks))
	rt.admin("PATCH /v1/tenants/{tenant_id}/endpoints/{endpoint_id}", webhooks.HandleEndpointUpdate(d.Webhooks))
	rt.admin("DELETE /v1/tenants/{tenant_id}/endpoints/{endpoint_id}", webhooks.HandleEndpointDelete(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/secret", webhooks.HandleEndpointSecret(d.Webhooks))
	rt.admin("POST /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/secret/rotate", webhooks.HandleEndpointRotateSecret(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/deliveries", webhooks.HandleEndpointDeliveries(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/stats", webhooks.HandleEndpointStats(d.Webhooks))
	rt.admin("POST /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/recover", webhooks.HandleEndpointRecover(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/recoveries/{recovery_id}", webhooks.HandleRecoveryGet(d.Webhooks))

	rt.admin("POST /v1/tenants/{tenant_id}/messages", webhooks.HandlePublish(d.Webhooks))
	rt.admin("POST /v1/tenants/{tenant_id}/messages/batch", webhooks.HandlePublishBatch(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/messages", webhooks.HandleMessageList(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/messages/{message_id}", webhooks.HandleMessageGet(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/deliveries/{delivery_id}", webhooks.HandleDeliveryGet(d.Webhooks))
	rt.admin("POST /v1/tenants/{tenant_id}/deliveries/{delivery_id}/resend", webhooks.HandleDeliveryResend(d.Webhooks))

	// Development only: no API key, and it reads every endpoint's secret.
	if d.Dev {
		rt.public("POST /dev/inbox/{name}", devinbox.HandleReceive(d.DevInbox))
		rt.public("GET /dev/inbox/{name}", devinbox.HandleShow(d.DevInbox))
		rt.public("DELETE /dev/inbox/{name}", devinbox.HandleClear(d.DevInbox))
	}
}
