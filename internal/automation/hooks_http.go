package automation

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

func caller(r *http.Request) (Caller, error) {
	c, ok := CallerFrom(r.Context())
	if !ok {
		return Caller{}, apperr.Errorf(apperr.Unauthorized, "an OAuth access token is required")
	}
	return c, nil
}

// HandleHookSubscribe subscribes a REST hook.
func HandleHookSubscribe(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[HookIn, httpapi.Upsert[Hook]]{
		Summary: "Subscribe a REST hook for the token's user (automation platforms)",
		Description: "Called by a platform (Zapier, Make, n8n) with a user's OAuth access token: creates a webhook endpoint in the " +
			"tenant the authorization's team names, delivering the trigger's events (filtered by filter) to target_url with " +
			"signatures, retries and a log. Idempotent per app, user, team, target and trigger: a repeat answers 200 with the same " +
			"hook. 400 for a target refused by the outbound policy or an unknown trigger or filter field; 403 when the tenant " +
			"disallows automation platforms.",
		Status: http.StatusOK,
		Do: func(r *http.Request, in HookIn) (httpapi.Upsert[Hook], error) {
			c, err := caller(r)
			if err != nil {
				return httpapi.Upsert[Hook]{}, err
			}
			h, created, err := s.Subscribe(r.Context(), c, in)
			return httpapi.Upsert[Hook]{Value: h, Created: created}, err
		},
	})
}

// HandleHookUnsubscribe removes a REST hook.
func HandleHookUnsubscribe(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Unsubscribe a REST hook",
		Description: "Removes one of the token's app's and user's hooks, with its endpoint. 404 when there is none (also when it is another's).",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			c, err := caller(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.Unsubscribe(r.Context(), c, r.PathValue("hook_id"))
		},
	})
}

// HandleHookPoll lists recent events of a trigger.
func HandleHookPoll(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Event]]{
		Summary: "List the tenant's recent events of a trigger, newest first (polling triggers)",
		Description: "For platforms and agents that cannot receive webhooks, and for the platforms' test step: the events of the " +
			"token's tenant, each with a stable id for deduplication, paged by limit and cursor. 404 for a trigger that is not exposed.",
		Query: httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Event], error) {
			c, err := caller(r)
			if err != nil {
				return httpapi.List[Event]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Event]{}, err
			}
			return s.Poll(r.Context(), c, r.PathValue("trigger"), page)
		},
	})
}

// HandleHookMe describes the token's user and team.
func HandleHookMe(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Me]{
		Summary:     "Describe the token's user and team (the platforms' connection test)",
		Description: "Answers who the connection is for, with a label platforms show beside the connection. 401 for an inactive token.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Me, error) {
			c, err := caller(r)
			if err != nil {
				return Me{}, err
			}
			return s.Me(r.Context(), c)
		},
	})
}

// HandleHookList lists platforms' hooks for the admin API.
func HandleHookList(s *Service, ofTenant bool) httpapi.Endpoint {
	summary := "List the REST hooks automation platforms hold, with their delivery health"
	query := append([]httpapi.Param{{Name: "tenant_id", Description: "only this tenant's hooks"}, {Name: "app_id", Description: "only this OAuth app's hooks"}}, httpapi.PageParams...)
	if ofTenant {
		summary = "List the REST hooks automation platforms hold in a tenant, with their delivery health"
		query = append([]httpapi.Param{{Name: "app_id", Description: "only this OAuth app's hooks"}}, httpapi.PageParams...)
	}
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[HookRecord]]{
		Summary: summary,
		Description: "Which platform apps hold hooks for which tenants and users, each with its endpoint's health (disabled, " +
			"failures, pending and failed deliveries). Remove one with DELETE.",
		Query: query,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[HookRecord], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[HookRecord]{}, err
			}
			tenantID := r.URL.Query().Get("tenant_id")
			if ofTenant {
				if tenantID, err = tenants.PathID(r); err != nil {
					return httpapi.List[HookRecord]{}, err
				}
			} else if only, ok := tenants.RestrictedTo(r.Context()); ok {
				tenantID = only
			}
			return s.Hooks(r.Context(), tenantID, r.URL.Query().Get("app_id"), page)
		},
	})
}

// HandleHookRemove removes a platform's hook through the admin API.
func HandleHookRemove(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Remove a platform's REST hook",
		Description: "Deletes the hook and its endpoint; the platform's next delivery never comes. 404 when there is none.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			return httpapi.NoContent{}, s.RemoveHook(r.Context(), "", r.PathValue("hook_id"))
		},
	})
}

// HandleTenantSettingsGet returns a tenant's automation switches.
func HandleTenantSettingsGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, TenantSettings]{
		Summary:     "Get a tenant's automation switches",
		Description: "Whether automation platforms (REST hooks, polling) and AI agents (the MCP server) may act in the tenant; both are allowed until switched off.",
		Do: func(r *http.Request, _ httpapi.NoBody) (TenantSettings, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return TenantSettings{}, err
			}
			return s.TenantSettings(r.Context(), tenantID)
		},
	})
}

// HandleTenantSettingsUpdate changes a tenant's automation switches.
func HandleTenantSettingsUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[TenantSettingsPatch, TenantSettings]{
		Summary: "Allow or disallow automation platforms or AI agents in a tenant",
		Description: "Switching platforms off refuses new subscriptions and polls (403) and removes the platforms' hooks in the " +
			"tenant; switching agents off refuses the MCP server's tool calls for it (403 in the tool result).",
		Do: func(r *http.Request, in TenantSettingsPatch) (TenantSettings, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return TenantSettings{}, err
			}
			return s.UpdateTenantSettings(r.Context(), tenantID, in)
		},
	})
}
