package server

import (
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/devinbox"
	"github.com/patchbay/patchbay/internal/inbound"
	"github.com/patchbay/patchbay/internal/oauth"
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

	// The OAuth provider's protocol endpoints and pages, for apps and browsers.
	rt.public("GET /.well-known/oauth-authorization-server", oauth.HandleMetadata(d.OAuth))
	rt.public("GET /oauth/authorize", oauth.HandleAuthorize(d.OAuth))
	rt.public("GET /oauth/consent", oauth.HandleConsent(d.OAuth))
	rt.public("POST /oauth/consent", oauth.HandleConsentDecision(d.OAuth))
	rt.public("POST /oauth/token", oauth.HandleToken(d.OAuth))
	rt.public("POST /oauth/revoke", oauth.HandleRevoke(d.OAuth))
	rt.public("POST /oauth/introspect", oauth.HandleIntrospect(d.OAuth, d.Keys))

	// The connect flow's pages, for end users' browsers; a session's single-use
	// token is the credential.
	rt.public("GET /connect/{token}", connect.HandleConnectPage(d.Connect))
	rt.public("POST /connect/sessions/{session_id}", connect.HandleConnectSubmit(d.Connect))
	rt.public("GET /connect/callback", connect.HandleCallback(d.Connect))

	// Incoming webhooks: providers authenticate by their signatures, not API keys.
	rt.public("POST /in/{source_id}", inbound.HandleIngest(d.Inbound))
	rt.public("GET /in/{source_id}", inbound.HandleHandshake(d.Inbound))

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

	rt.admin("POST /v1/oauth/scopes", oauth.HandleScopeCreate(d.OAuth))
	rt.admin("GET /v1/oauth/scopes", oauth.HandleScopeList(d.OAuth))
	rt.admin("GET /v1/oauth/scopes/{scope}", oauth.HandleScopeGet(d.OAuth))
	rt.admin("PATCH /v1/oauth/scopes/{scope}", oauth.HandleScopeUpdate(d.OAuth))
	rt.admin("DELETE /v1/oauth/scopes/{scope}", oauth.HandleScopeDelete(d.OAuth))

	rt.admin("POST /v1/oauth/apps", oauth.HandleAppCreate(d.OAuth))
	rt.admin("GET /v1/oauth/apps", oauth.HandleAppList(d.OAuth))
	rt.admin("GET /v1/oauth/apps/{app_id}", oauth.HandleAppGet(d.OAuth))
	rt.admin("PATCH /v1/oauth/apps/{app_id}", oauth.HandleAppUpdate(d.OAuth))
	rt.admin("DELETE /v1/oauth/apps/{app_id}", oauth.HandleAppDelete(d.OAuth))
	rt.admin("POST /v1/oauth/apps/{app_id}/secret/rotate", oauth.HandleAppRotateSecret(d.OAuth))
	rt.admin("POST /v1/oauth/apps/{app_id}/revoke", oauth.HandleAppRevoke(d.OAuth))

	rt.admin("GET /v1/oauth/login-requests/{challenge_token}", oauth.HandleLoginRequestGet(d.OAuth))
	rt.admin("POST /v1/oauth/login-requests/{challenge_token}/accept", oauth.HandleLoginAccept(d.OAuth))
	rt.admin("POST /v1/oauth/login-requests/{challenge_token}/reject", oauth.HandleLoginReject(d.OAuth))
	rt.admin("GET /v1/oauth/consent-requests/{challenge_token}", oauth.HandleConsentRequestGet(d.OAuth))
	rt.admin("POST /v1/oauth/consent-requests/{challenge_token}/accept", oauth.HandleConsentAccept(d.OAuth))
	rt.admin("POST /v1/oauth/consent-requests/{challenge_token}/reject", oauth.HandleConsentReject(d.OAuth))

	rt.admin("GET /v1/oauth/authorizations", oauth.HandleAuthorizationList(d.OAuth))
	rt.admin("DELETE /v1/oauth/authorizations/{authorization_id}", oauth.HandleAuthorizationRevoke(d.OAuth))

	rt.admin("POST /v1/sources", inbound.HandleSourceCreate(d.Inbound))
	rt.admin("GET /v1/sources", inbound.HandleSourceList(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}", inbound.HandleSourceGet(d.Inbound))
	rt.admin("PATCH /v1/sources/{source_id}", inbound.HandleSourceUpdate(d.Inbound))
	rt.admin("DELETE /v1/sources/{source_id}", inbound.HandleSourceDelete(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/events", inbound.HandleEventList(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/events/{event_id}", inbound.HandleEventGet(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/events/{event_id}/body", inbound.HandleEventBody(d.Inbound))
	rt.admin("POST /v1/sources/{source_id}/events/{event_id}/replay", inbound.HandleReplay(d.Inbound))
	rt.admin("POST /v1/sources/{source_id}/replay", inbound.HandleReplayFailed(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/replays/{replay_id}", inbound.HandleReplayGet(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/secret", inbound.HandleSecret(d.Inbound))

	rt.admin("GET /v1/providers", catalog.HandleList(d.Providers))
	rt.admin("GET /v1/providers/{provider_id}", catalog.HandleGet(d.Providers))
	rt.admin("PUT /v1/providers/{provider_id}", connect.HandleProviderPut(d.Connect))
	rt.admin("DELETE /v1/providers/{provider_id}", connect.HandleProviderDelete(d.Connect))

	rt.admin("POST /v1/integrations", connect.HandleIntegrationCreate(d.Connect))
	rt.admin("GET /v1/integrations", connect.HandleIntegrationList(d.Connect))
	rt.admin("GET /v1/integrations/{integration_id}", connect.HandleIntegrationGet(d.Connect))
	rt.admin("PATCH /v1/integrations/{integration_id}", connect.HandleIntegrationUpdate(d.Connect))
	rt.admin("DELETE /v1/integrations/{integration_id}", connect.HandleIntegrationDelete(d.Connect))
	rt.admin("POST /v1/connect/sessions", connect.HandleSessionCreate(d.Connect))
	rt.admin("POST /v1/connections", connect.HandleConnectionCreate(d.Connect))
	rt.admin("GET /v1/connections", connect.HandleConnectionList(d.Connect))
	rt.admin("GET /v1/connections/{connection_id}", connect.HandleConnectionGet(d.Connect))
	rt.admin("DELETE /v1/connections/{connection_id}", connect.HandleConnectionDelete(d.Connect))
	rt.admin("GET /v1/connections/{connection_id}/credentials", connect.HandleConnectionCredentials(d.Connect))
	rt.forwarded("/v1/connections/{connection_id}/proxy/{path...}", connect.HandleProxy(d.Connect)) // every method
	rt.admin("POST /v1/syncs", connect.HandleSyncCreate(d.Connect))
	rt.admin("GET /v1/syncs", connect.HandleSyncList(d.Connect))
	rt.admin("GET /v1/syncs/{sync_id}", connect.HandleSyncGet(d.Connect))
	rt.admin("PATCH /v1/syncs/{sync_id}", connect.HandleSyncUpdate(d.Connect))
	rt.admin("DELETE /v1/syncs/{sync_id}", connect.HandleSyncDelete(d.Connect))
	rt.admin("POST /v1/syncs/{sync_id}/run", connect.HandleSyncRun(d.Connect))
	rt.admin("GET /v1/syncs/{sync_id}/runs", connect.HandleSyncRuns(d.Connect))
	rt.admin("GET /v1/syncs/{sync_id}/records", connect.HandleSyncRecords(d.Connect))

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
		rt.public("GET /oauth/dev/login", oauth.HandleDevLogin(d.OAuth))
		rt.public("POST /oauth/dev/login", oauth.HandleDevLoginSubmit(d.OAuth))
	}
}
