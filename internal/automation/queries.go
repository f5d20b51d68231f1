package automation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/patchbay/patchbay/internal/store"
)

// The automation tables' queries (docs/architecture.md, "Where queries
// live"): automation_triggers, automation_actions, automation_hooks and
// automation_tenant_settings.

func triggerSettingsAll(ctx context.Context, q store.Querier) (map[string]*storedTrigger, error) {
	rows, err := q.Query(ctx, "SELECT event_type, exposed, display_name, filter_fields, updated_at FROM automation_triggers")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*storedTrigger{}
	for rows.Next() {
		var name string
		st, err := scanStoredTrigger(rows, &name)
		if err != nil {
			return nil, err
		}
		out[name] = &st
	}
	return out, rows.Err()
}

func scanStoredTrigger(sc store.Scanner, name *string) (storedTrigger, error) {
	var st storedTrigger
	var fields string
	if err := sc.Scan(name, &st.exposed, &st.displayName, &fields, &st.updatedAt); err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(fields), &st.filterFields); err != nil {
		return st, fmt.Errorf("trigger %s filter fields: %w", *name, err)
	}
	return st, nil
}

func triggerSettingsGet(ctx context.Context, q store.Querier, eventType string) (storedTrigger, error) {
	var name string
	return scanStoredTrigger(q.QueryRow(ctx, "SELECT event_type, exposed, display_name, filter_fields, updated_at FROM automation_triggers WHERE event_type = ?", eventType), &name)
}

func triggerSettingsUpsert(ctx context.Context, tx *store.Tx, eventType string, st storedTrigger) error {
	fields, err := json.Marshal(st.filterFields)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO automation_triggers (event_type, exposed, display_name, filter_fields, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (event_type) DO UPDATE SET exposed = excluded.exposed, display_name = excluded.display_name,
		filter_fields = excluded.filter_fields, updated_at = excluded.updated_at`,
		eventType, st.exposed, st.displayName, string(fields), st.updatedAt)
	return err
}

const actionColumns = `key, display_name, description, search, exposed, method, url_template, input_schema, output_sample, scopes,
	idempotency, source, created_at, updated_at`

func scanAction(sc store.Scanner) (ActionDef, error) {
	var a ActionDef
	var exposed bool
	var input, scopes string
	var output sql.NullString
	if err := sc.Scan(&a.Key, &a.DisplayName, &a.Description, &a.Search, &exposed, &a.Method, &a.URLTemplate, &input, &output, &scopes,
		&a.Idempotency, &a.Source, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	a.Exposed = &exposed
	a.InputSchema = json.RawMessage(input)
	if output.Valid {
		a.OutputSample = json.RawMessage(output.String)
	}
	if err := json.Unmarshal([]byte(scopes), &a.Scopes); err != nil {
		return a, fmt.Errorf("action %s scopes: %w", a.Key, err)
	}
	return a, nil
}

func actionArgs(a ActionDef) []any {
	scopes, _ := json.Marshal(a.Scopes)
	var output any
	if len(a.OutputSample) > 0 {
		output = string(a.OutputSample)
	}
	return []any{a.Key, a.DisplayName, a.Description, a.Search, a.exposed(), a.Method, a.URLTemplate, string(a.InputSchema), output,
		string(scopes), a.Idempotency, a.Source}
}

func actionInsert(ctx context.Context, tx *store.Tx, a ActionDef) error {
	_, err := tx.Exec(ctx, "INSERT INTO automation_actions ("+actionColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append(actionArgs(a), a.CreatedAt, a.UpdatedAt)...)
	return err
}

// actionUpsert inserts or replaces an action and reports whether it is new.
func actionUpsert(ctx context.Context, tx *store.Tx, a ActionDef) (bool, error) {
	if err := tx.LockRow(ctx, "automation_actions", "key", a.Key); err != nil {
		return false, err
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM automation_actions WHERE key = ?", a.Key).Scan(&n); err != nil {
		return false, err
	}
	_, err := tx.Exec(ctx, "INSERT INTO automation_actions ("+actionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET display_name = excluded.display_name, description = excluded.description, search = excluded.search,
		exposed = excluded.exposed, method = excluded.method, url_template = excluded.url_template, input_schema = excluded.input_schema,
		output_sample = excluded.output_sample, scopes = excluded.scopes, idempotency = excluded.idempotency, source = excluded.source,
		updated_at = excluded.updated_at`, append(actionArgs(a), tx.Now(), tx.Now())...)
	return n == 0, err
}

func actionGet(ctx context.Context, q store.Querier, key string) (ActionDef, error) {
	return scanAction(q.QueryRow(ctx, "SELECT "+actionColumns+" FROM automation_actions WHERE key = ?", key))
}

// actionsAll returns every action in key order, or only the exposed ones.
func actionsAll(ctx context.Context, q store.Querier, onlyExposed bool) ([]ActionDef, error) {
	rows, err := q.Query(ctx, "SELECT "+actionColumns+" FROM automation_actions WHERE (? = false OR exposed = true) ORDER BY key", onlyExposed)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanAction)
}

func actionKeysAll(ctx context.Context, q store.Querier) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT key FROM automation_actions ORDER BY key")
	if err != nil {
		return nil, err
	}
	return store.Column[string](rows)
}

func actionDelete(ctx context.Context, q store.Querier, key string) (bool, error) {
	return store.Changed(q.Exec(ctx, "DELETE FROM automation_actions WHERE key = ?", key))
}

const hookColumns = "id, tenant_id, endpoint_id, app_id, user_id, team_id, target_url, trigger_key, filter, created_at"

func scanHook(sc store.Scanner) (storedHook, error) {
	var h storedHook
	var filter string
	if err := sc.Scan(&h.ID, &h.tenantID, &h.endpointID, &h.appID, &h.userID, &h.teamID, &h.TargetURL, &h.Trigger, &filter, &h.CreatedAt); err != nil {
		return h, err
	}
	if err := json.Unmarshal([]byte(filter), &h.Filter); err != nil {
		return h, fmt.Errorf("hook %s filter: %w", h.ID, err)
	}
	return h, nil
}

func hookInsert(ctx context.Context, tx *store.Tx, h storedHook) error {
	filter, err := json.Marshal(h.Filter)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO automation_hooks ("+hookColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		h.ID, h.tenantID, h.endpointID, h.appID, h.userID, h.teamID, h.TargetURL, h.Trigger, string(filter), h.CreatedAt)
	return err
}

func hookGet(ctx context.Context, q store.Querier, hookID string) (storedHook, error) {
	return scanHook(q.QueryRow(ctx, "SELECT "+hookColumns+" FROM automation_hooks WHERE id = ?", hookID))
}

func hookGetByGrant(ctx context.Context, q store.Querier, appID, userID, teamID, targetURL, trigger string) (storedHook, error) {
	return scanHook(q.QueryRow(ctx, "SELECT "+hookColumns+` FROM automation_hooks
		WHERE app_id = ? AND user_id = ? AND team_id = ? AND target_url = ? AND trigger_key = ?`, appID, userID, teamID, targetURL, trigger))
}

// hookEndpointsOfGrant returns the endpoints of the hooks an app holds for
// a user in a team, or for everyone when userID is empty.
func hookEndpointsOfGrant(ctx context.Context, q store.Querier, appID, userID, teamID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT endpoint_id FROM automation_hooks WHERE app_id = ? AND (? = '' OR (user_id = ? AND team_id = ?))
		ORDER BY id`, appID, userID, userID, teamID)
	if err != nil {
		return nil, err
	}
	return store.Column[string](rows)
}

func hookDeleteByEndpoint(ctx context.Context, tx *store.Tx, endpointID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM automation_hooks WHERE endpoint_id = ?", endpointID))
}

// hooksList returns up to limit hooks after the ID after, of one tenant
// and one app when they are set.
func hooksList(ctx context.Context, q store.Querier, tenantID, appID, after string, limit int) ([]storedHook, error) {
	rows, err := q.Query(ctx, "SELECT "+hookColumns+` FROM automation_hooks WHERE id > ? AND (? = '' OR tenant_id = ?) AND (? = '' OR app_id = ?)
		ORDER BY id LIMIT ?`, after, tenantID, tenantID, appID, appID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanHook)
}

// tenantSettingsGet returns a tenant's switches; both true without a row.
func tenantSettingsGet(ctx context.Context, q store.Querier, tenantID string) (TenantSettings, error) {
	t := TenantSettings{TenantID: tenantID, PlatformsAllowed: true, AgentsAllowed: true}
	err := q.QueryRow(ctx, "SELECT platforms_allowed, agents_allowed, updated_at FROM automation_tenant_settings WHERE tenant_id = ?", tenantID).
		Scan(&t.PlatformsAllowed, &t.AgentsAllowed, &t.UpdatedAt)
	if err == sql.ErrNoRows {
		return t, nil
	}
	return t, err
}

func tenantSettingsUpsert(ctx context.Context, tx *store.Tx, t TenantSettings) error {
	_, err := tx.Exec(ctx, `INSERT INTO automation_tenant_settings (tenant_id, platforms_allowed, agents_allowed, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET platforms_allowed = excluded.platforms_allowed, agents_allowed = excluded.agents_allowed,
		updated_at = excluded.updated_at`, t.TenantID, t.PlatformsAllowed, t.AgentsAllowed, t.UpdatedAt)
	return err
}

func hookEndpointsOfTenant(ctx context.Context, q store.Querier, tenantID string) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT endpoint_id FROM automation_hooks WHERE tenant_id = ? ORDER BY id", tenantID)
	if err != nil {
		return nil, err
	}
	return store.Column[string](rows)
}
