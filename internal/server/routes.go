package server

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/automation"
	"github.com/patchbay/patchbay/internal/branding"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/devinbox"
	"github.com/patchbay/patchbay/internal/embed"
	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/inbound"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/proxy"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/syncs"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/webhooks"
	"github.com/patchbay/patchbay/web"
)

// addRoutes is the list of every route Patchbay serves.
func addRoutes(rt *router, d Deps) {
	rt.public("GET /healthz", handleHealthz(d.Version))
	rt.public("GET /readyz", handleReadyz(d.DB))
	if !d.PrivateMetrics {
		rt.public("GET /metrics", handleMetrics(d.Metrics))
	}
	if !d.AdminAPI {
		return
	}
	// Each admin route names the scope its key must hold (auth.Scopes), and
	// whether keys restricted to a tenant may call it: tenant routes reach
	// only the key's tenant's objects, installation routes none of them.
	tenant, install := auth.TenantAccess, auth.InstallationAccess

	// Public routes that write or that browsers drive are limited per client
	// address, in memory. The OAuth endpoints limit the requests that no
	// secret authenticates themselves (see oauth.Config.AddressRateLimit), so
	// that an app's servers behind one address are not limited with them.
	pages := d.Addresses.Middleware("pages", d.PagesRateLimit, htmlpage.TooManyRequests(d.Branding))
	ingest := d.Addresses.Middleware("ingest", d.IngestRateLimit, ratelimit.RefuseProblem)
	// Resource metadata documents cost a lookup each and anyone may ask;
	// clients fetch one per discovery, so the pages' limit fits, counted apart.
	discovery := d.Addresses.Middleware("discovery", d.PagesRateLimit, ratelimit.RefuseProblem)
	// Images cost a lookup each too; browsers fetch each once (they are
	// cached for ever), so the pages' limit fits, counted apart again.
	images := d.Addresses.Middleware("assets", d.PagesRateLimit, ratelimit.RefuseProblem)

	// The OAuth provider's protocol endpoints and pages, for apps and browsers.
	rt.public("GET /.well-known/oauth-authorization-server", oauth.HandleMetadata(d.OAuth))
	rt.public("GET /.well-known/oauth-protected-resource/{resource...}", oauth.HandleResourceMetadata(d.OAuth), discovery)
	rt.public("GET /oauth/authorize", oauth.HandleAuthorize(d.OAuth), pages)
	rt.public("GET /oauth/consent", oauth.HandleConsent(d.OAuth), pages)
	rt.public("POST /oauth/consent", oauth.HandleConsentDecision(d.OAuth), pages)
	rt.public("POST /oauth/token", oauth.HandleToken(d.OAuth))
	rt.public("POST /oauth/revoke", oauth.HandleRevoke(d.OAuth))
	rt.public("POST /oauth/introspect", oauth.HandleIntrospect(d.OAuth, d.Keys))
	// The device authorization grant (RFC 8628): the endpoint limits public
	// clients per address itself, as the token endpoint does.
	rt.public("POST /oauth/device_authorization", oauth.HandleDeviceAuthorization(d.OAuth))
	rt.public("GET /oauth/device", oauth.HandleDevicePage(d.OAuth), pages)
	rt.public("POST /oauth/device", oauth.HandleDeviceSubmit(d.OAuth), pages)
	// Dynamic client registration (RFC 7591, 7592): the endpoints limit
	// per address what no token authenticates, and cap what is stored.
	rt.public("POST /oauth/register", oauth.HandleRegister(d.OAuth))
	rt.public("GET /oauth/register/{client_id}", oauth.HandleRegistrationRead(d.OAuth))
	rt.public("PUT /oauth/register/{client_id}", oauth.HandleRegistrationUpdate(d.OAuth))
	rt.public("DELETE /oauth/register/{client_id}", oauth.HandleRegistrationDelete(d.OAuth))

	// The connect flow's pages, for end users' browsers; a session's single-use
	// token is the credential.
	rt.public("GET /connect/{token}", connect.HandleConnectPage(d.Connect), pages)
	rt.public("POST /connect/sessions/{session_id}", connect.HandleConnectSubmit(d.Connect), pages)
	rt.public("GET /connect/callback", connect.HandleCallback(d.Connect), pages)
	rt.public("GET /connect/done", connect.HandleDone(d.Connect), pages)

	// Logos and other images pages show, by the hash of their bytes: public,
	// cached for ever, never hot-linked from elsewhere.
	rt.public("GET /assets/{file}", assets.HandleServe(d.Assets), images)
	// The web components' bundle, and the hosted pages that mount one each;
	// the pages' embed token travels in the URL fragment, never to a server.
	rt.public("GET "+web.BundlePath, web.HandleBundle())
	rt.public("GET /portal/webhooks", web.HandlePage(web.Page{Element: "patchbay-webhooks", Title: "Webhooks"}), pages)
	rt.public("GET /portal/connections", web.HandlePage(web.Page{Element: "patchbay-connections", Title: "Connections"}), pages)
	rt.public("GET /portal/authorized-apps", web.HandlePage(web.Page{Element: "patchbay-authorized-apps", Title: "Authorized apps"}), pages)

	// Incoming webhooks: providers authenticate by their signatures, not API
	// keys; a source with scheme none by the ingest token in its URL.
	rt.public("POST /in/{source_id}", inbound.HandleIngest(d.Inbound), ingest)
	rt.public("GET /in/{source_id}", inbound.HandleHandshake(d.Inbound), ingest)
	rt.public("POST /in/{source_id}/{ingest_token}", inbound.HandleIngest(d.Inbound), ingest)
	rt.public("GET /in/{source_id}/{ingest_token}", inbound.HandleHandshake(d.Inbound), ingest)

	rt.admin("POST /v1/api-keys", install("keys:admin"), auth.HandleCreate(d.Keys))
	rt.admin("GET /v1/api-keys", install("keys:admin"), auth.HandleList(d.Keys))
	rt.admin("GET /v1/api-keys/{key_id}", install("keys:admin"), auth.HandleGet(d.Keys))
	rt.admin("PATCH /v1/api-keys/{key_id}", install("keys:admin"), auth.HandleUpdate(d.Keys))
	rt.admin("DELETE /v1/api-keys/{key_id}", install("keys:admin"), auth.HandleRevoke(d.Keys))

	rt.admin("GET /v1/audit-events", install("audit:read"), audit.HandleList(d.Audit))

	rt.admin("GET /v1/branding", install("branding:read"), branding.HandleGet(d.Branding))
	rt.admin("PUT /v1/branding", install("branding:write"), branding.HandlePut(d.Branding))
	rt.admin("PUT /v1/branding/logo", install("branding:write"), branding.HandleLogoPut(d.Branding, false))
	rt.admin("DELETE /v1/branding/logo", install("branding:write"), branding.HandleLogoDelete(d.Branding, false))
	rt.admin("GET /v1/tenants/{tenant_id}/branding", tenant("branding:read"), branding.HandleTenantGet(d.Branding))
	rt.admin("PUT /v1/tenants/{tenant_id}/branding", tenant("branding:write"), branding.HandleTenantPut(d.Branding))
	rt.admin("DELETE /v1/tenants/{tenant_id}/branding", tenant("branding:write"), branding.HandleTenantDelete(d.Branding))
	rt.admin("PUT /v1/tenants/{tenant_id}/branding/logo", tenant("branding:write"), branding.HandleLogoPut(d.Branding, true))
	rt.admin("DELETE /v1/tenants/{tenant_id}/branding/logo", tenant("branding:write"), branding.HandleLogoDelete(d.Branding, true))

	rt.admin("PUT /v1/tenants/{tenant_id}", tenant("tenants:write"), tenants.HandlePut(d.Tenants))
	rt.admin("GET /v1/tenants", tenant("tenants:read"), tenants.HandleList(d.Tenants))
	rt.admin("GET /v1/tenants/{tenant_id}", tenant("tenants:read"), tenants.HandleGet(d.Tenants))
	rt.admin("DELETE /v1/tenants/{tenant_id}", tenant("tenants:write"), tenants.HandleDelete(d.Tenants))

	rt.admin("POST /v1/event-types", install("webhooks:write"), webhooks.HandleEventTypeCreate(d.EventTypes))
	rt.admin("GET /v1/event-types", install("webhooks:read"), webhooks.HandleEventTypeList(d.EventTypes))
	rt.admin("GET /v1/event-types/{event_type}", install("webhooks:read"), webhooks.HandleEventTypeGet(d.EventTypes))
	rt.admin("PATCH /v1/event-types/{event_type}", install("webhooks:write"), webhooks.HandleEventTypeUpdate(d.EventTypes))
	rt.admin("DELETE /v1/event-types/{event_type}", install("webhooks:write"), webhooks.HandleEventTypeArchive(d.EventTypes))

	rt.admin("POST /v1/tenants/{tenant_id}/endpoints", tenant("webhooks:write"), webhooks.HandleEndpointCreate(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints", tenant("webhooks:read"), webhooks.HandleEndpointList(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}", tenant("webhooks:read"), webhooks.HandleEndpointGet(d.Webhooks))
	rt.admin("PATCH /v1/tenants/{tenant_id}/endpoints/{endpoint_id}", tenant("webhooks:write"), webhooks.HandleEndpointUpdate(d.Webhooks))
	rt.admin("DELETE /v1/tenants/{tenant_id}/endpoints/{endpoint_id}", tenant("webhooks:write"), webhooks.HandleEndpointDelete(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/secret", tenant("webhooks:admin"), webhooks.HandleEndpointSecret(d.Webhooks))
	rt.admin("POST /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/secret/rotate", tenant("webhooks:admin"), webhooks.HandleEndpointRotateSecret(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/deliveries", tenant("webhooks:read"), webhooks.HandleEndpointDeliveries(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/stats", tenant("webhooks:read"), webhooks.HandleEndpointStats(d.Webhooks))
	rt.admin("POST /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/recover", tenant("webhooks:write"), webhooks.HandleEndpointRecover(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/recoveries/{recovery_id}", tenant("webhooks:read"), webhooks.HandleRecoveryGet(d.Webhooks))

	rt.admin("POST /v1/oauth/scopes", install("oauth:write"), oauth.HandleScopeCreate(d.OAuth))
	rt.admin("GET /v1/oauth/scopes", install("oauth:read"), oauth.HandleScopeList(d.OAuth))
	rt.admin("GET /v1/oauth/scopes/{scope}", install("oauth:read"), oauth.HandleScopeGet(d.OAuth))
	rt.admin("PATCH /v1/oauth/scopes/{scope}", install("oauth:write"), oauth.HandleScopeUpdate(d.OAuth))
	rt.admin("DELETE /v1/oauth/scopes/{scope}", install("oauth:write"), oauth.HandleScopeDelete(d.OAuth))

	rt.admin("POST /v1/oauth/resources", install("oauth:write"), oauth.HandleResourceCreate(d.OAuth))
	rt.admin("GET /v1/oauth/resources", install("oauth:read"), oauth.HandleResourceList(d.OAuth))
	rt.admin("GET /v1/oauth/resources/{resource_id}", install("oauth:read"), oauth.HandleResourceGet(d.OAuth))
	rt.admin("PATCH /v1/oauth/resources/{resource_id}", install("oauth:write"), oauth.HandleResourceUpdate(d.OAuth))
	rt.admin("DELETE /v1/oauth/resources/{resource_id}", install("oauth:write"), oauth.HandleResourceDelete(d.OAuth))

	rt.admin("POST /v1/oauth/apps", install("oauth:write"), oauth.HandleAppCreate(d.OAuth))
	rt.admin("GET /v1/oauth/apps", install("oauth:read"), oauth.HandleAppList(d.OAuth))
	rt.admin("GET /v1/oauth/apps/{app_id}", install("oauth:read"), oauth.HandleAppGet(d.OAuth))
	rt.admin("PATCH /v1/oauth/apps/{app_id}", install("oauth:write"), oauth.HandleAppUpdate(d.OAuth))
	rt.admin("DELETE /v1/oauth/apps/{app_id}", install("oauth:write"), oauth.HandleAppDelete(d.OAuth))
	rt.admin("PUT /v1/oauth/apps/{app_id}/logo", install("oauth:write"), oauth.HandleAppLogoPut(d.OAuth))
	rt.admin("POST /v1/oauth/apps/{app_id}/secret/rotate", install("oauth:admin"), oauth.HandleAppRotateSecret(d.OAuth))
	rt.admin("POST /v1/oauth/apps/{app_id}/revoke", install("oauth:write"), oauth.HandleAppRevoke(d.OAuth))
	rt.admin("POST /v1/oauth/initial-access-tokens", install("oauth:admin"), oauth.HandleInitialTokenCreate(d.OAuth))
	rt.admin("GET /v1/oauth/initial-access-tokens", install("oauth:read"), oauth.HandleInitialTokenList(d.OAuth))
	rt.admin("DELETE /v1/oauth/initial-access-tokens/{token_id}", install("oauth:admin"), oauth.HandleInitialTokenDelete(d.OAuth))

	rt.admin("GET /v1/oauth/login-requests/{challenge_token}", install("oauth:read"), oauth.HandleLoginRequestGet(d.OAuth))
	rt.admin("POST /v1/oauth/login-requests/{challenge_token}/accept", install("oauth:write"), oauth.HandleLoginAccept(d.OAuth))
	rt.admin("POST /v1/oauth/login-requests/{challenge_token}/reject", install("oauth:write"), oauth.HandleLoginReject(d.OAuth))
	rt.admin("GET /v1/oauth/consent-requests/{challenge_token}", install("oauth:read"), oauth.HandleConsentRequestGet(d.OAuth))
	rt.admin("POST /v1/oauth/consent-requests/{challenge_token}/accept", install("oauth:write"), oauth.HandleConsentAccept(d.OAuth))
	rt.admin("POST /v1/oauth/consent-requests/{challenge_token}/reject", install("oauth:write"), oauth.HandleConsentReject(d.OAuth))

	rt.admin("GET /v1/oauth/authorizations", install("oauth:read"), oauth.HandleAuthorizationList(d.OAuth))
	rt.admin("DELETE /v1/oauth/authorizations/{authorization_id}", install("oauth:write"), oauth.HandleAuthorizationRevoke(d.OAuth))

	rt.admin("POST /v1/sources", tenant("inbound:write"), inbound.HandleSourceCreate(d.Inbound))
	rt.admin("GET /v1/sources", tenant("inbound:read"), inbound.HandleSourceList(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}", tenant("inbound:read"), inbound.HandleSourceGet(d.Inbound))
	rt.admin("PATCH /v1/sources/{source_id}", tenant("inbound:write"), inbound.HandleSourceUpdate(d.Inbound))
	rt.admin("DELETE /v1/sources/{source_id}", tenant("inbound:write"), inbound.HandleSourceDelete(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/events", tenant("inbound:read"), inbound.HandleEventList(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/events/{event_id}", tenant("inbound:read"), inbound.HandleEventGet(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/events/{event_id}/body", tenant("inbound:read"), inbound.HandleEventBody(d.Inbound))
	rt.admin("POST /v1/sources/{source_id}/events/{event_id}/replay", tenant("inbound:write"), inbound.HandleReplay(d.Inbound))
	rt.admin("POST /v1/sources/{source_id}/replay", tenant("inbound:write"), inbound.HandleReplayFailed(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/replays/{replay_id}", tenant("inbound:read"), inbound.HandleReplayGet(d.Inbound))
	rt.admin("GET /v1/sources/{source_id}/secret", tenant("inbound:admin"), inbound.HandleSecret(d.Inbound))
	rt.admin("POST /v1/sources/{source_id}/ingest-token/rotate", tenant("inbound:admin"), inbound.HandleIngestTokenRotate(d.Inbound))

	rt.admin("GET /v1/providers", install("connections:read"), catalog.HandleList(d.Providers))
	rt.admin("GET /v1/providers/{provider_id}", install("connections:read"), catalog.HandleGet(d.Providers))
	rt.admin("PUT /v1/providers/{provider_id}", install("connections:admin"), connect.HandleProviderPut(d.Connect))
	rt.admin("DELETE /v1/providers/{provider_id}", install("connections:admin"), connect.HandleProviderDelete(d.Connect))

	rt.admin("POST /v1/integrations", install("connections:admin"), connect.HandleIntegrationCreate(d.Connect))
	rt.admin("GET /v1/integrations", install("connections:read"), connect.HandleIntegrationList(d.Connect))
	rt.admin("GET /v1/integrations/{integration_id}", install("connections:read"), connect.HandleIntegrationGet(d.Connect))
	rt.admin("PATCH /v1/integrations/{integration_id}", install("connections:admin"), connect.HandleIntegrationUpdate(d.Connect))
	rt.admin("DELETE /v1/integrations/{integration_id}", install("connections:admin"), connect.HandleIntegrationDelete(d.Connect))
	rt.admin("POST /v1/connect/sessions", tenant("connections:write"), connect.HandleSessionCreate(d.Connect))
	rt.admin("POST /v1/connections", tenant("connections:write"), connect.HandleConnectionCreate(d.Connect))
	rt.admin("GET /v1/connections", tenant("connections:read"), connect.HandleConnectionList(d.Connect))
	rt.admin("GET /v1/connections/{connection_id}", tenant("connections:read"), connect.HandleConnectionGet(d.Connect))
	rt.admin("DELETE /v1/connections/{connection_id}", tenant("connections:write"), connect.HandleConnectionDelete(d.Connect))
	rt.admin("GET /v1/connections/{connection_id}/credentials", tenant("connections:credentials"), connect.HandleConnectionCredentials(d.Connect))
	rt.forwarded("/v1/connections/{connection_id}/proxy/{path...}", tenant("connections:credentials"), proxy.Handle(d.Proxy)) // every method
	rt.admin("POST /v1/syncs", tenant("connections:write"), syncs.HandleCreate(d.Syncs))
	rt.admin("GET /v1/syncs", tenant("connections:read"), syncs.HandleList(d.Syncs))
	rt.admin("GET /v1/syncs/{sync_id}", tenant("connections:read"), syncs.HandleGet(d.Syncs))
	rt.admin("PATCH /v1/syncs/{sync_id}", tenant("connections:write"), syncs.HandleUpdate(d.Syncs))
	rt.admin("DELETE /v1/syncs/{sync_id}", tenant("connections:write"), syncs.HandleDelete(d.Syncs))
	rt.admin("POST /v1/syncs/{sync_id}/run", tenant("connections:write"), syncs.HandleRun(d.Syncs))
	rt.admin("GET /v1/syncs/{sync_id}/runs", tenant("connections:read"), syncs.HandleRuns(d.Syncs))
	rt.admin("GET /v1/syncs/{sync_id}/records", tenant("connections:read"), syncs.HandleRecords(d.Syncs))

	rt.admin("POST /v1/tenants/{tenant_id}/messages", tenant("webhooks:write"), webhooks.HandlePublish(d.Webhooks))
	rt.admin("POST /v1/tenants/{tenant_id}/messages/batch", tenant("webhooks:write"), webhooks.HandlePublishBatch(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/messages", tenant("webhooks:read"), webhooks.HandleMessageList(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/messages/{message_id}", tenant("webhooks:read"), webhooks.HandleMessageGet(d.Webhooks))
	rt.admin("GET /v1/tenants/{tenant_id}/deliveries/{delivery_id}", tenant("webhooks:read"), webhooks.HandleDeliveryGet(d.Webhooks))
	rt.admin("POST /v1/tenants/{tenant_id}/deliveries/{delivery_id}/resend", tenant("webhooks:write"), webhooks.HandleDeliveryResend(d.Webhooks))

	rt.admin("GET /v1/automation/catalog", install("automation:read"), automation.HandleCatalog(d.Automation))
	rt.admin("GET /v1/automation/triggers", install("automation:read"), automation.HandleTriggerList(d.Automation))
	rt.admin("GET /v1/automation/triggers/{event_type}", install("automation:read"), automation.HandleTriggerGet(d.Automation))
	rt.admin("PATCH /v1/automation/triggers/{event_type}", install("automation:write"), automation.HandleTriggerUpdate(d.Automation))
	rt.admin("POST /v1/automation/actions", install("automation:write"), automation.HandleActionCreate(d.Automation))
	rt.admin("POST /v1/automation/actions/import", install("automation:write"), automation.HandleActionImport(d.Automation))
	rt.admin("GET /v1/automation/actions", install("automation:read"), automation.HandleActionList(d.Automation))
	rt.admin("GET /v1/automation/actions/{key}", install("automation:read"), automation.HandleActionGet(d.Automation))
	rt.admin("PUT /v1/automation/actions/{key}", install("automation:write"), automation.HandleActionPut(d.Automation))
	rt.admin("DELETE /v1/automation/actions/{key}", install("automation:write"), automation.HandleActionDelete(d.Automation))

	rt.admin("GET /v1/automation/hooks", tenant("automation:read"), automation.HandleHookList(d.Automation, false))
	rt.admin("DELETE /v1/automation/hooks/{hook_id}", install("automation:write"), automation.HandleHookRemove(d.Automation))
	rt.admin("GET /v1/tenants/{tenant_id}/automation/hooks", tenant("automation:read"), automation.HandleHookList(d.Automation, true))
	rt.admin("GET /v1/tenants/{tenant_id}/automation/triggers/{event_type}/sample", tenant("automation:read"), automation.HandleTriggerSample(d.Automation))
	rt.admin("GET /v1/tenants/{tenant_id}/automation", tenant("automation:read"), automation.HandleTenantSettingsGet(d.Automation))
	rt.admin("PATCH /v1/tenants/{tenant_id}/automation", tenant("automation:write"), automation.HandleTenantSettingsUpdate(d.Automation))

	// Automation platforms' REST hooks and polling, with a user's OAuth
	// access token (issued by Patchbay to the platform's app) instead of
	// an API key; changes are audited under the app's client ID and user.
	platform := []func(http.Handler) http.Handler{automation.RequireToken(d.Automation), audit.ActorMiddleware(d.Audit, automation.AuditActor)}
	rt.public("POST /v1/hooks", automation.HandleHookSubscribe(d.Automation), platform...)
	rt.public("GET /v1/hooks/me", automation.HandleHookMe(d.Automation), platform...)
	rt.public("GET /v1/hooks/poll/{trigger}", automation.HandleHookPoll(d.Automation), platform...)
	rt.public("DELETE /v1/hooks/{hook_id}", automation.HandleHookUnsubscribe(d.Automation), platform...)
	// The MCP server for AI agents: audience-bound user tokens; each tool
	// call is audited by the server itself.
	rt.public("POST /mcp", automation.HandleMCP(d.Automation, d.Audit))

	rt.admin("POST /v1/embed/tokens", tenant("embed"), embed.HandleMint(d.Embed))
	rt.admin("GET /v1/embed/tokens", tenant("embed"), embed.HandleList(d.Embed))
	rt.admin("DELETE /v1/embed/tokens/{embed_token_id}", tenant("embed"), embed.HandleRevoke(d.Embed))

	// The browser components' API: embed tokens, not API keys. Each route
	// names the capability its token must grant; the token's tenant is the
	// {tenant_id} of the admin handlers reused here, so they reach only its
	// objects.
	webhooksRead, webhooksWrite := embed.CapWebhooksRead, embed.CapWebhooks
	rt.public("OPTIONS /embed/v1/{path...}", embed.HandlePreflight())
	rt.embed("GET /embed/v1/session", embed.CapAny, d.EmbedAPI.HandleSession())
	rt.embed("GET /embed/v1/event-types", webhooksRead, d.EmbedAPI.HandleEventTypes())
	rt.embed("GET /embed/v1/endpoints", webhooksRead, webhooks.HandleEndpointList(d.Webhooks))
	rt.embed("POST /embed/v1/endpoints", webhooksWrite, webhooks.HandleEndpointCreate(d.Webhooks))
	rt.embed("GET /embed/v1/endpoints/{endpoint_id}", webhooksRead, webhooks.HandleEndpointGet(d.Webhooks))
	rt.embed("PATCH /embed/v1/endpoints/{endpoint_id}", webhooksWrite, webhooks.HandleEndpointUpdate(d.Webhooks))
	rt.embed("DELETE /embed/v1/endpoints/{endpoint_id}", webhooksWrite, webhooks.HandleEndpointDelete(d.Webhooks))
	rt.embed("GET /embed/v1/endpoints/{endpoint_id}/secret", webhooksWrite, webhooks.HandleEndpointSecret(d.Webhooks))
	rt.embed("POST /embed/v1/endpoints/{endpoint_id}/secret/rotate", webhooksWrite, webhooks.HandleEndpointRotateSecret(d.Webhooks))
	rt.embed("POST /embed/v1/endpoints/{endpoint_id}/test", webhooksWrite, d.EmbedAPI.HandleTestEvent())
	rt.embed("GET /embed/v1/endpoints/{endpoint_id}/deliveries", webhooksRead, webhooks.HandleEndpointDeliveries(d.Webhooks))
	rt.embed("GET /embed/v1/endpoints/{endpoint_id}/stats", webhooksRead, webhooks.HandleEndpointStats(d.Webhooks))
	rt.embed("POST /embed/v1/endpoints/{endpoint_id}/recover", webhooksWrite, webhooks.HandleEndpointRecover(d.Webhooks))
	rt.embed("GET /embed/v1/endpoints/{endpoint_id}/recoveries/{recovery_id}", webhooksRead, webhooks.HandleRecoveryGet(d.Webhooks))
	rt.embed("GET /embed/v1/deliveries/{delivery_id}", webhooksRead, d.EmbedAPI.HandleDelivery())
	rt.embed("POST /embed/v1/deliveries/{delivery_id}/resend", webhooksWrite, webhooks.HandleDeliveryResend(d.Webhooks))
	rt.embed("GET /embed/v1/integrations", embed.CapConnections, d.EmbedAPI.HandleIntegrations())
	rt.embed("POST /embed/v1/integrations/{integration_id}/connect", embed.CapConnections, d.EmbedAPI.HandleConnect())
	rt.embed("DELETE /embed/v1/connections/{connection_id}", embed.CapConnections, d.EmbedAPI.HandleDisconnect())
	rt.embed("GET /embed/v1/authorized-apps", embed.CapAuthorizedApps, d.EmbedAPI.HandleAuthorizedApps())
	rt.embed("DELETE /embed/v1/authorized-apps/{app_id}", embed.CapAuthorizedApps, d.EmbedAPI.HandleRevokeApp())

	// Development only: no API key, and it reads every endpoint's secret.
	if d.Dev {
		rt.public("POST /dev/inbox/{name}", devinbox.HandleReceive(d.DevInbox))
		rt.public("GET /dev/inbox/{name}", devinbox.HandleShow(d.DevInbox))
		rt.public("DELETE /dev/inbox/{name}", devinbox.HandleClear(d.DevInbox))
		rt.public("GET /oauth/dev/login", oauth.HandleDevLogin(d.OAuth), pages)
		rt.public("POST /oauth/dev/login", oauth.HandleDevLoginSubmit(d.OAuth), pages)
	}
}
