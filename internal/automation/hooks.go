package automation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Caller is who calls the hook, poll and MCP endpoints: a user's access
// token, issued by Patchbay to a platform's app or an agent. The
// authorization's team names the tenant.
type Caller struct {
	AppID    string
	ClientID string
	UserID   string
	TeamID   string
	Scopes   []string
	Audience []string
	// Token is the presented access token, kept only for token exchange.
	Token string
}

// Hook is a platform's REST hook subscription.
type Hook struct {
	ID        string         `json:"id" doc:"The hook's ID, which unsubscribes it."`
	Trigger   string         `json:"trigger" doc:"The trigger (event type) it delivers."`
	TargetURL string         `json:"target_url" doc:"Where events are delivered." format:"uri"`
	Filter    map[string]any `json:"filter" doc:"Filter field keys and the values events must have to be delivered."`
	CreatedAt time.Time      `json:"created_at" doc:"When it was subscribed."`
}

// HookRecord is a hook as the admin API lists it: who holds it and its
// delivery health.
type HookRecord struct {
	Hook
	TenantID   string                  `json:"tenant_id" doc:"The tenant whose events it receives (the authorization's team)."`
	AppID      string                  `json:"app_id" doc:"The OAuth app (platform) that subscribed it."`
	UserID     string                  `json:"user_id" doc:"The user it was subscribed for."`
	EndpointID string                  `json:"endpoint_id" doc:"The webhook endpoint that delivers it, in the tenant's endpoint list."`
	Health     webhooks.EndpointHealth `json:"health" doc:"The endpoint's delivery health."`
}

// HookIn is a subscription request.
type HookIn struct {
	TargetURL string `json:"target_url" doc:"The https URL the platform receives events at; it passes the outbound guard's policy." format:"uri"`
	Trigger   string `json:"trigger" doc:"The trigger's key (an exposed event type)."`
	// Filter maps filter field keys (catalog filter_fields[].key) to the
	// value events must have.
	Filter map[string]any `json:"filter,omitempty" doc:"Filter field keys (from the trigger's filter_fields) to the scalar value events must have."`
}

// storedHook is a row of automation_hooks.
type storedHook struct {
	Hook
	tenantID, endpointID, appID, userID, teamID string
}

const filterValueMax = 500

// normaliseFilter checks a filter against a trigger's filter fields and
// returns it by JSON Pointer, as the endpoint stores it.
func normaliseFilter(t TriggerSettings, filter map[string]any) (map[string]any, map[string]any, map[string]string) {
	problems := map[string]string{}
	byPointer, byKey := map[string]any{}, map[string]any{}
	fields := t.catalog().FilterFields
	for k, v := range filter {
		i := slices.IndexFunc(fields, func(f FilterField) bool { return f.Key == k })
		if i < 0 {
			problems["filter."+k] = "is not a filter field of the trigger (see the catalog's filter_fields)"
			continue
		}
		f := fields[i]
		ok := false
		switch v := v.(type) {
		case string:
			ok = f.Type == "string" && len(v) <= filterValueMax && (len(f.Enum) == 0 || slices.Contains(f.Enum, v))
		case bool:
			ok = f.Type == "boolean"
		case float64:
			ok = f.Type == "number" || f.Type == "integer" && v == float64(int64(v))
		}
		if !ok {
			problems["filter."+k] = fmt.Sprintf("must be a %s", f.Type)
			if len(f.Enum) > 0 {
				problems["filter."+k] = "must be one of " + strings.Join(f.Enum, ", ")
			}
			continue
		}
		byPointer[f.Pointer], byKey[k] = v, v
	}
	return byPointer, byKey, problems
}

// Subscribe creates a REST hook for the caller's app and user in the
// team's tenant, or returns the one it already has for the same target
// and trigger (created false).
func (s *Service) Subscribe(ctx context.Context, c Caller, in HookIn) (Hook, bool, error) {
	problems := map[string]string{}
	if err := s.hooks.CheckURL(in.TargetURL); err != nil {
		problems["target_url"] = err.Error()
	}
	if in.Trigger == "" {
		problems["trigger"] = "is required"
	}
	if len(problems) > 0 {
		return Hook{}, false, apperr.InvalidFields(problems)
	}
	if err := s.allowed(ctx, c.TeamID, kindPlatform); err != nil {
		return Hook{}, false, err
	}
	t, err := s.Trigger(ctx, in.Trigger)
	if err != nil || !t.Exposed {
		return Hook{}, false, apperr.InvalidFields(map[string]string{"trigger": "is not an exposed trigger (see the catalog)"})
	}
	byPointer, byKey, problems := normaliseFilter(t, in.Filter)
	if len(problems) > 0 {
		return Hook{}, false, apperr.InvalidFields(problems)
	}
	for attempt := 0; ; attempt++ {
		h, created, err := s.subscribe(ctx, c, in, byPointer, byKey)
		// Two subscribes at once both find none; the loser's insert hits
		// the unique key, and the retry finds the winner's hook.
		if err != nil && store.IsUniqueViolation(err) && attempt < 3 {
			continue
		}
		if err == nil && created {
			s.hooks.Woken()
		}
		return h, created, err
	}
}

func (s *Service) subscribe(ctx context.Context, c Caller, in HookIn, byPointer, byKey map[string]any) (Hook, bool, error) {
	var created bool
	h, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Hook, error) {
		existing, err := hookGetByGrant(ctx, tx, c.AppID, c.UserID, c.TeamID, in.TargetURL, in.Trigger)
		if err == nil {
			return existing.Hook, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return Hook{}, err
		}
		if err := tenants.Ensure(ctx, tx, c.TeamID, c.TeamID); err != nil {
			return Hook{}, err
		}
		if err := tenants.MustExist(ctx, tx, c.TeamID); err != nil {
			return Hook{}, err // being deleted
		}
		hookID := id.New("hook")
		ep, err := s.hooks.CreateEndpointTx(ctx, tx, webhooks.Endpoint{TenantID: c.TeamID, URL: in.TargetURL,
			Description: "REST hook " + hookID + " of OAuth app " + c.AppID, EventTypes: []string{in.Trigger},
			Metadata: map[string]string{"patchbay_hook": hookID, "oauth_app": c.AppID, "user": c.UserID}}, byPointer)
		if err != nil {
			return Hook{}, err
		}
		if byKey == nil {
			byKey = map[string]any{}
		}
		h := storedHook{Hook: Hook{ID: hookID, Trigger: in.Trigger, TargetURL: in.TargetURL, Filter: byKey, CreatedAt: tx.Now()},
			tenantID: c.TeamID, endpointID: ep.ID, appID: c.AppID, userID: c.UserID, teamID: c.TeamID}
		if err := hookInsert(ctx, tx, h); err != nil {
			return Hook{}, err
		}
		created = true
		return h.Hook, nil
	})
	return h, created, err
}

// Unsubscribe removes one of the caller's hooks, with its endpoint.
func (s *Service) Unsubscribe(ctx context.Context, c Caller, hookID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		h, err := hookGet(ctx, tx, hookID)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (h.appID != c.AppID || h.userID != c.UserID || h.teamID != c.TeamID) {
			return apperr.Errorf(apperr.NotFound, "hook %s not found", hookID)
		} else if err != nil {
			return err
		}
		return s.hooks.DeleteEndpointsTx(ctx, tx, []string{h.endpointID})
	})
}

// revoked removes the hooks made under grants that were just revoked: a
// user's of an app in a team, or (userID empty) all of an app's.
func (s *Service) revoked(ctx context.Context, tx *store.Tx, appID, userID, teamID string) error {
	ids, err := hookEndpointsOfGrant(ctx, tx, appID, userID, teamID)
	if err != nil {
		return err
	}
	return s.hooks.DeleteEndpointsTx(ctx, tx, ids)
}

// gone unsubscribes the hook an endpoint delivers, when it answered 410
// Gone (as Zapier expects of REST hooks). The endpoint is disabled, not
// deleted, so its log stays readable.
func (s *Service) gone(ctx context.Context, tx *store.Tx, endpointID string) error {
	_, err := hookDeleteByEndpoint(ctx, tx, endpointID)
	return err
}

// Poll lists the tenant's recent events of a trigger, newest first.
func (s *Service) Poll(ctx context.Context, c Caller, trigger string, page httpapi.Page) (httpapi.List[Event], error) {
	if err := s.allowed(ctx, c.TeamID, kindPlatform); err != nil {
		return httpapi.List[Event]{}, err
	}
	return s.recentEvents(ctx, c.TeamID, trigger, page)
}

func (s *Service) recentEvents(ctx context.Context, tenantID, trigger string, page httpapi.Page) (httpapi.List[Event], error) {
	t, err := s.Trigger(ctx, trigger)
	if err != nil || !t.Exposed {
		return httpapi.List[Event]{}, apperr.Errorf(apperr.NotFound, "trigger %s not found: it is not an exposed trigger", trigger)
	}
	msgs, err := webhooks.RecentMessagesOfType(ctx, s.db, tenantID, trigger, page.After, page.Limit+1)
	if err != nil {
		return httpapi.List[Event]{}, err
	}
	events := make([]Event, len(msgs))
	for i, m := range msgs {
		data := json.RawMessage(m.Payload)
		if !json.Valid(data) {
			data = json.RawMessage("null") // removed by retention, or not JSON
		}
		events[i] = Event{ID: m.ID, Type: m.EventType, Timestamp: m.CreatedAt.UTC().Format(time.RFC3339Nano), Data: data}
	}
	return httpapi.NewList(page, events, func(e Event) string { return e.ID }), nil
}

// Me describes the caller, for the platforms' connection test.
type Me struct {
	UserID   string   `json:"user_id" doc:"The user the token was granted by."`
	TeamID   string   `json:"team_id" doc:"The user's team, which is the Patchbay tenant."`
	TenantID string   `json:"tenant_id" doc:"The tenant whose events the hooks deliver (the team)."`
	TeamName string   `json:"team_name" doc:"The tenant's name, or its ID when it has none."`
	AppID    string   `json:"app_id" doc:"The OAuth app the token was issued to."`
	Label    string   `json:"label" doc:"A display label for the connection, such as 'user_1 @ Acme Corp'."`
	Scopes   []string `json:"scopes" doc:"The token's scopes."`
}

// Me returns the caller's identity.
func (s *Service) Me(ctx context.Context, c Caller) (Me, error) {
	name, err := tenants.Name(ctx, s.db, c.TeamID)
	if err != nil {
		return Me{}, err
	}
	if name == "" {
		name = c.TeamID
	}
	return Me{UserID: c.UserID, TeamID: c.TeamID, TenantID: c.TeamID, TeamName: name, AppID: c.AppID,
		Label: c.UserID + " @ " + name, Scopes: nonNilStrings(c.Scopes)}, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Hooks lists the platforms' hooks, a tenant's when tenantID is set, with
// their delivery health.
func (s *Service) Hooks(ctx context.Context, tenantID, appID string, page httpapi.Page) (httpapi.List[HookRecord], error) {
	rows, err := hooksList(ctx, s.db, tenantID, appID, page.After, page.Limit+1)
	if err != nil {
		return httpapi.List[HookRecord]{}, err
	}
	out := make([]HookRecord, len(rows))
	for i, h := range rows {
		out[i] = HookRecord{Hook: h.Hook, TenantID: h.tenantID, AppID: h.appID, UserID: h.userID, EndpointID: h.endpointID}
		if i < page.Limit {
			if out[i].Health, err = s.hooks.Health(ctx, h.endpointID); err != nil {
				return httpapi.List[HookRecord]{}, err
			}
		}
	}
	return httpapi.NewList(page, out, func(h HookRecord) string { return h.ID }), nil
}

// RemoveHook removes a hook through the admin API.
func (s *Service) RemoveHook(ctx context.Context, tenantID, hookID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		h, err := hookGet(ctx, tx, hookID)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !tenants.Visible(ctx, h.tenantID) || err == nil && tenantID != "" && h.tenantID != tenantID {
			return apperr.Errorf(apperr.NotFound, "hook %s not found", hookID)
		} else if err != nil {
			return err
		}
		return s.hooks.DeleteEndpointsTx(ctx, tx, []string{h.endpointID})
	})
}
