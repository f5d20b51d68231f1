package automation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// TriggerSettings is an event type as a trigger: the event type's own
// fields and the settings that make it a trigger.
type TriggerSettings struct {
	Key         string          `json:"key" doc:"The event type's name, the trigger's key."`
	Description string          `json:"description" doc:"The event type's description."`
	Schema      json.RawMessage `json:"schema,omitempty" doc:"The event type's JSON Schema, when it has one."`
	Example     json.RawMessage `json:"example,omitempty" doc:"The event type's example payload, when it has one."`
	Exposed     bool            `json:"exposed" doc:"Whether platforms and agents see the trigger; true unless turned off."`
	DisplayName string          `json:"display_name" doc:"The name platforms show; derived from the key unless set."`
	// FilterFields are the pointers of the fields subscribers may filter
	// on; AvailableFilterFields all that the schema allows.
	FilterFields          []string      `json:"filter_fields" doc:"The JSON Pointers of the payload fields subscribers may filter on."`
	AvailableFilterFields []FilterField `json:"available_filter_fields" doc:"Every scalar field of the schema, which filter_fields may name."`
	UpdatedAt             *time.Time    `json:"updated_at,omitempty" doc:"When the settings last changed; absent when never set."`
}

// TriggerPatch changes a trigger's settings; absent fields stay as they are.
type TriggerPatch struct {
	Exposed      *bool     `json:"exposed,omitempty" doc:"Whether platforms and agents see the trigger."`
	DisplayName  *string   `json:"display_name,omitempty" doc:"The name platforms show; empty derives it from the key."`
	FilterFields *[]string `json:"filter_fields,omitempty" doc:"JSON Pointers of the payload fields subscribers may filter on, from available_filter_fields."`
}

// storedTrigger is a row of automation_triggers.
type storedTrigger struct {
	exposed      bool
	displayName  string
	filterFields []string
	updatedAt    time.Time
}

const displayNameMax = 200

func newTriggerSettings(et webhooks.EventType, st *storedTrigger) TriggerSettings {
	t := TriggerSettings{Key: et.Name, Description: et.Description, Schema: et.Schema, Example: et.Example, Exposed: true,
		DisplayName: defaultDisplayName(et.Name), FilterFields: []string{}, AvailableFilterFields: schemaFilterFields(et.Schema)}
	if st != nil {
		t.Exposed = st.exposed
		if st.displayName != "" {
			t.DisplayName = st.displayName
		}
		// A field the schema no longer has is dropped, not offered.
		for _, p := range st.filterFields {
			if slices.ContainsFunc(t.AvailableFilterFields, func(f FilterField) bool { return f.Pointer == p }) {
				t.FilterFields = append(t.FilterFields, p)
			}
		}
		at := st.updatedAt
		t.UpdatedAt = &at
	}
	return t
}

// defaultDisplayName makes project.created into "Project Created".
func defaultDisplayName(key string) string {
	words := strings.FieldsFunc(key, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// catalog is the trigger as the catalog lists it.
func (t TriggerSettings) catalog() Trigger {
	out := Trigger{Key: t.Key, DisplayName: t.DisplayName, Description: t.Description, Schema: rawOr(t.Schema, "{}"),
		Sample:       Event{ID: "msg_sample", Type: t.Key, Timestamp: sampleTime.Format(time.RFC3339), Data: rawOr(t.Example, "{}")},
		FilterFields: []FilterField{}}
	for _, f := range t.AvailableFilterFields {
		if slices.Contains(t.FilterFields, f.Pointer) {
			out.FilterFields = append(out.FilterFields, f)
		}
	}
	return out
}

// Bounds of the schema walk for filter fields: schemas are the SaaS's own,
// but a deep or wide one must not make a huge list.
const (
	filterDepthMax  = 4
	filterFieldsMax = 100
)

// schemaFilterFields lists the scalar properties of an object schema,
// nested objects included, in key order.
func schemaFilterFields(schema json.RawMessage) []FilterField {
	out := []FilterField{}
	if len(schema) == 0 {
		return out
	}
	var root any
	if json.Unmarshal(schema, &root) != nil {
		return out
	}
	var walk func(node any, path []string)
	walk = func(node any, path []string) {
		obj, ok := node.(map[string]any)
		if !ok || len(path) >= filterDepthMax {
			return
		}
		props, _ := obj["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if len(out) >= filterFieldsMax {
				return
			}
			p, _ := props[k].(map[string]any)
			if p == nil {
				continue
			}
			sub := append(slices.Clone(path), k)
			typ := schemaType(p)
			switch typ {
			case "object":
				walk(p, sub)
				continue
			case "string", "integer", "number", "boolean":
			default:
				continue
			}
			f := FilterField{Key: strings.Join(sub, "."), Pointer: jsonptr.Format(sub), Type: typ}
			f.Label, _ = p["title"].(string)
			if f.Label == "" {
				f.Label = strings.Join(sub, " ")
			}
			f.Help, _ = p["description"].(string)
			if enum, ok := p["enum"].([]any); ok {
				for _, v := range enum {
					if s, ok := v.(string); ok {
						f.Enum = append(f.Enum, s)
					}
				}
			}
			out = append(out, f)
		}
	}
	walk(root, nil)
	return out
}

// schemaType is a property's JSON type: its type keyword (the first
// non-null of a list), else string when it has a string enum.
func schemaType(p map[string]any) string {
	switch t := p["type"].(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if s, ok := v.(string); ok && s != "null" {
				return s
			}
		}
	}
	if _, ok := p["properties"]; ok {
		return "object"
	}
	if enum, ok := p["enum"].([]any); ok && len(enum) > 0 {
		if _, ok := enum[0].(string); ok {
			return "string"
		}
	}
	return ""
}

func triggerNotFound(key string) error {
	return apperr.Errorf(apperr.NotFound, "trigger %s not found: no live event type has that name", key)
}

// Triggers lists every live event type with its trigger settings.
func (s *Service) Triggers(ctx context.Context) ([]TriggerSettings, error) {
	return loadTriggers(ctx, s.db)
}

// Trigger returns one trigger.
func (s *Service) Trigger(ctx context.Context, key string) (TriggerSettings, error) {
	return s.trigger(ctx, s.db, key)
}

func (s *Service) trigger(ctx context.Context, q store.Querier, key string) (TriggerSettings, error) {
	et, err := webhooks.LiveEventType(ctx, q, key)
	if errors.Is(err, sql.ErrNoRows) {
		return TriggerSettings{}, triggerNotFound(key)
	} else if err != nil {
		return TriggerSettings{}, err
	}
	st, err := triggerSettingsGet(ctx, q, key)
	if errors.Is(err, sql.ErrNoRows) {
		return newTriggerSettings(et, nil), nil
	} else if err != nil {
		return TriggerSettings{}, err
	}
	return newTriggerSettings(et, &st), nil
}

// UpdateTrigger changes a trigger's settings.
func (s *Service) UpdateTrigger(ctx context.Context, key string, p TriggerPatch) (TriggerSettings, error) {
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (TriggerSettings, error) {
		t, err := s.trigger(ctx, tx, key)
		if err != nil {
			return TriggerSettings{}, err
		}
		st := storedTrigger{exposed: t.Exposed, displayName: t.DisplayName, filterFields: t.FilterFields, updatedAt: tx.Now()}
		if t.DisplayName == defaultDisplayName(key) {
			st.displayName = ""
		}
		problems := map[string]string{}
		if p.Exposed != nil {
			st.exposed = *p.Exposed
		}
		if p.DisplayName != nil {
			name := strings.TrimSpace(*p.DisplayName)
			if len(name) > displayNameMax {
				problems["display_name"] = fmt.Sprintf("must be at most %d bytes", displayNameMax)
			}
			st.displayName = name
		}
		if p.FilterFields != nil {
			st.filterFields = []string{}
			for i, ptr := range *p.FilterFields {
				if !slices.ContainsFunc(t.AvailableFilterFields, func(f FilterField) bool { return f.Pointer == ptr }) {
					problems[fmt.Sprintf("filter_fields[%d]", i)] = "is not a scalar field of the event type's schema (see available_filter_fields)"
					continue
				}
				if !slices.Contains(st.filterFields, ptr) {
					st.filterFields = append(st.filterFields, ptr)
				}
			}
		}
		if len(problems) > 0 {
			return TriggerSettings{}, apperr.InvalidFields(problems)
		}
		if err := triggerSettingsUpsert(ctx, tx, key, st); err != nil {
			return TriggerSettings{}, err
		}
		return s.trigger(ctx, tx, key)
	})
}

// Sample is a trigger's sample for a tenant: its latest real event of the
// type, or, when it has none, the sample made from the type's example.
func (s *Service) Sample(ctx context.Context, tenantID, key string) (Event, error) {
	t, err := s.Trigger(ctx, key)
	if err != nil {
		return Event{}, err
	}
	list, err := s.recentEvents(ctx, tenantID, key, httpapi.Page{Limit: 1})
	if err != nil {
		return Event{}, err
	}
	if len(list.Data) > 0 {
		return list.Data[0], nil
	}
	return t.catalog().Sample, nil
}
