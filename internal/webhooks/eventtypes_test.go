package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

const (
	invoiceSchema = `{
		"type": "object",
		"required": ["id", "amount", "lines"],
		"properties": {
			"id": {"type": "string"},
			"amount": {"type": "integer", "minimum": 0},
			"currency": {"enum": ["usd", "eur"]},
			"lines": {"type": "array", "items": {
				"type": "object",
				"required": ["sku", "quantity"],
				"properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}}
			}}
		}
	}`
	invoiceExample = `{"id":"in_1","amount":1200,"currency":"usd","lines":[{"sku":"pro","quantity":1}]}`
)

// jsonEqual compares JSON by meaning: PostgreSQL's jsonb keeps neither key
// order nor spacing.
var jsonEqual = cmp.Comparer(func(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return cmp.Equal(va, vb)
})

func createEventType(t testing.TB, svc *EventTypes, et EventType) EventType {
	t.Helper()
	created, err := svc.Create(context.Background(), et)
	if err != nil {
		t.Fatalf("Create(%s): %v", et.Name, err)
	}
	return created
}

// appErr returns err's code and fields, failing the test if err is not an
// *apperr.Error.
func appErr(t *testing.T, err error) (apperr.Code, map[string]string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *apperr.Error", err, err)
	}
	return e.Code, e.Fields
}

func TestEventTypes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		t.Run("CreateGetList", func(t *testing.T) {
			t.Parallel()
			svc := NewEventTypes(d.Open(t))
			ctx := t.Context()
			invoice := createEventType(t, svc, EventType{Name: "invoice.paid", Description: "An invoice was paid",
				Schema: json.RawMessage(invoiceSchema), Example: json.RawMessage(invoiceExample)})
			if invoice.CreatedAt.IsZero() || !invoice.UpdatedAt.Equal(invoice.CreatedAt) || invoice.Archived {
				t.Errorf("created %+v, want times set and not archived", invoice)
			}
			if strings.ContainsAny(string(invoice.Schema), "\n\t") {
				t.Errorf("schema %s is not compacted", invoice.Schema)
			}
			got, err := svc.EventType(ctx, "invoice.paid")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(invoice, got, jsonEqual); diff != "" {
				t.Errorf("EventType (-created +got):\n%s", diff)
			}
			if _, err := svc.EventType(ctx, "invoice.missing"); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("EventType(missing) = %v, want NotFound", err)
			}

			createEventType(t, svc, EventType{Name: "alpha.created"})
			createEventType(t, svc, EventType{Name: "bravo.created.v2"})
			createEventType(t, svc, EventType{Name: "charlie_x-y.deleted"})
			if _, err := svc.Archive(ctx, "bravo.created.v2"); err != nil {
				t.Fatal(err)
			}
			names := func(list []EventType) []string {
				var out []string
				for _, et := range list {
					out = append(out, et.Name)
				}
				return out
			}
			for _, tc := range []struct {
				page     httpapi.Page
				archived bool
				want     []string
			}{
				{httpapi.Page{Limit: 10}, false, []string{"alpha.created", "charlie_x-y.deleted", "invoice.paid"}},
				{httpapi.Page{Limit: 10}, true, []string{"alpha.created", "bravo.created.v2", "charlie_x-y.deleted", "invoice.paid"}},
				// Limit+1 rows: the extra one tells NewList there is a next page.
				{httpapi.Page{Limit: 1}, false, []string{"alpha.created", "charlie_x-y.deleted"}},
				{httpapi.Page{Limit: 2, After: "alpha.created"}, true, []string{"bravo.created.v2", "charlie_x-y.deleted", "invoice.paid"}},
				{httpapi.Page{Limit: 2, After: "invoice.paid"}, true, nil},
			} {
				list, err := svc.List(ctx, tc.page, tc.archived)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, names(list)); diff != "" {
					t.Errorf("List(%+v, archived %v) (-want +got):\n%s", tc.page, tc.archived, diff)
				}
			}
		})

		t.Run("CreateConflict", func(t *testing.T) {
			t.Parallel()
			svc := NewEventTypes(d.Open(t))
			createEventType(t, svc, EventType{Name: "invoice.paid"})
			if _, err := svc.Archive(t.Context(), "invoice.paid"); err != nil {
				t.Fatal(err)
			}
			_, err := svc.Create(t.Context(), EventType{Name: "invoice.paid", Description: "again"})
			if apperr.CodeOf(err) != apperr.Conflict {
				t.Errorf("Create(existing archived name) = %v, want Conflict", err)
			}
		})

		t.Run("CreateInvalid", func(t *testing.T) {
			t.Parallel()
			svc := NewEventTypes(d.Open(t))
			for _, tc := range []struct {
				et     EventType
				fields []string // the fields named, sorted
			}{
				{EventType{Name: ""}, []string{"name"}},
				{EventType{Name: "invoice..paid"}, []string{"name"}},
				{EventType{Name: ".invoice"}, []string{"name"}},
				{EventType{Name: "invoice."}, []string{"name"}},
				{EventType{Name: "invoice paid"}, []string{"name"}},
				{EventType{Name: "invoice/paid"}, []string{"name"}},
				{EventType{Name: "facture.payée"}, []string{"name"}},
				{EventType{Name: strings.Repeat("a", 129)}, []string{"name"}},
				{EventType{Name: "a.b", Description: strings.Repeat("d", 1001)}, []string{"description"}},
				{EventType{Name: "a.b", Description: "\xff"}, []string{"description"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`{"type":"bogus"}`)}, []string{"schema"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`{"pattern":"(?=x)"}`)}, []string{"schema"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`3`)}, []string{"schema"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`{"type":`)}, []string{"schema"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`{"const":"\u0000"}`)}, []string{"schema"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`{"maximum":1e400}`)}, []string{"schema"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`{"minimum":1e-400}`)}, []string{"schema"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`{"$ref":"#"}`)}, []string{"schema"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(`{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`)}, []string{"schema"}},
				{EventType{Name: "a.b", Example: json.RawMessage(`{"a":`)}, []string{"example"}},
				{EventType{Name: "a.b", Example: json.RawMessage(`[1` + strings.Repeat("0", 100) + `]`)}, []string{"example"}},
				{EventType{Name: "a.b", Example: json.RawMessage(`{"a\u0000":1}`)}, []string{"example"}},
				{EventType{Name: "a.b", Example: json.RawMessage("\"\xff\"")}, []string{"example"}},
				{EventType{Name: "a.b", Schema: json.RawMessage(invoiceSchema), Example: json.RawMessage(`{"id":"in_1"}`)}, []string{"example"}},
				{EventType{Name: "a b", Description: strings.Repeat("d", 1001), Schema: json.RawMessage(`{"type":1}`), Example: json.RawMessage(`[`)},
					[]string{"description", "example", "name", "schema"}},
			} {
				_, err := svc.Create(t.Context(), tc.et)
				code, fields := appErr(t, err)
				var got []string
				for f := range fields {
					got = append(got, f)
				}
				if code != apperr.Invalid || len(got) != len(tc.fields) {
					t.Errorf("Create(%.60q, schema %.40s, example %.40s) = %v %v, want Invalid naming %v", tc.et.Name, tc.et.Schema, tc.et.Example, code, fields, tc.fields)
					continue
				}
				for _, f := range tc.fields {
					if fields[f] == "" {
						t.Errorf("Create(%.60q, schema %.40s) fields %v, want %s named", tc.et.Name, tc.et.Schema, fields, f)
					}
				}
			}
			list, err := svc.List(t.Context(), httpapi.Page{Limit: 10}, true)
			if err != nil || len(list) != 0 {
				t.Errorf("List after refused creates = %v, %v; want none", list, err)
			}
		})

		t.Run("RecursiveSchemaIsNotACycle", func(t *testing.T) {
			t.Parallel()
			svc := NewEventTypes(d.Open(t))
			tree := `{"$defs":{"node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"}`
			createEventType(t, svc, EventType{Name: "tree.changed", Schema: json.RawMessage(tree)})
			if err := svc.Check(t.Context(), "tree.changed", json.RawMessage(`{"children":[{"children":[]},{}]}`)); err != nil {
				t.Errorf("a payload of a recursive schema: %v", err)
			}
		})

		t.Run("SchemaMayNotLoadOtherDocuments", func(t *testing.T) {
			t.Parallel()
			svc := NewEventTypes(d.Open(t))
			// A listener that fails the test if the compiler fetches from it.
			fetched := make(chan string, 10)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fetched <- r.URL.Path
				w.Write([]byte(`{"type":"object"}`))
			}))
			defer srv.Close()
			for _, schema := range []string{
				`{"$ref":"` + srv.URL + `/x.json"}`,
				`{"$schema":"` + srv.URL + `/meta.json"}`,
				`{"$id":"` + srv.URL + `/a.json","properties":{"b":{"$ref":"b.json"}}}`,
				`{"$ref":"other.json"}`,
				`{"$ref":"file:///etc/passwd"}`,
			} {
				_, err := svc.Create(t.Context(), EventType{Name: "a.b", Schema: json.RawMessage(schema)})
				code, fields := appErr(t, err)
				if code != apperr.Invalid || !strings.Contains(fields["schema"], "not followed") {
					t.Errorf("Create(schema %s) = %v %v, want Invalid naming schema", schema, code, fields)
				}
			}
			select {
			case path := <-fetched:
				t.Errorf("the compiler fetched %s", path)
			default:
			}
			// The drafts' own metaschemas are built in, so naming one is fine.
			createEventType(t, svc, EventType{Name: "draft7.type", Schema: json.RawMessage(`{"$schema":"http://json-schema.org/draft-07/schema#","type":"string"}`)})
		})

		t.Run("Update", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			svc := NewEventTypes(db)
			created := createEventType(t, svc, EventType{Name: "invoice.paid", Description: "old",
				Schema: json.RawMessage(invoiceSchema), Example: json.RawMessage(invoiceExample)})
			later := created.CreatedAt.Add(time.Minute)
			db.NowFunc = func() time.Time { return later }

			desc := "An invoice was paid in full"
			got, err := svc.Update(t.Context(), "invoice.paid", EventTypePatch{Description: &desc})
			if err != nil {
				t.Fatal(err)
			}
			want := created
			want.Description, want.UpdatedAt = desc, later
			if diff := cmp.Diff(want, got, jsonEqual); diff != "" {
				t.Errorf("Update(description) (-want +got):\n%s", diff)
			}

			// null removes the schema; the example stays.
			got, err = svc.Update(t.Context(), "invoice.paid", EventTypePatch{Schema: json.RawMessage("null")})
			if err != nil {
				t.Fatal(err)
			}
			if got.Schema != nil || got.Example == nil {
				t.Errorf("Update(schema null) = schema %s, example %s; want no schema, the example kept", got.Schema, got.Example)
			}
			if stored, err := svc.EventType(t.Context(), "invoice.paid"); err != nil || stored.Schema != nil {
				t.Errorf("stored after removing the schema: schema %s, %v", stored.Schema, err)
			}

			// A schema the stored example fails needs a new example with it.
			strict := json.RawMessage(`{"type":"object","required":["customer"]}`)
			_, err = svc.Update(t.Context(), "invoice.paid", EventTypePatch{Schema: strict})
			if code, fields := appErr(t, err); code != apperr.Invalid || !strings.Contains(fields["example"], "stored example") {
				t.Errorf("Update(schema the example fails) = %v %v, want Invalid naming example", code, fields)
			}
			got, err = svc.Update(t.Context(), "invoice.paid", EventTypePatch{Schema: strict, Example: json.RawMessage(`{"customer":"c_1"}`)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(EventType{Schema: strict, Example: json.RawMessage(`{"customer":"c_1"}`)},
				EventType{Schema: got.Schema, Example: got.Example}, jsonEqual); diff != "" {
				t.Errorf("Update(schema and example) (-want +got):\n%s", diff)
			}
			_, err = svc.Update(t.Context(), "invoice.paid", EventTypePatch{Example: json.RawMessage(`{}`)})
			if code, fields := appErr(t, err); code != apperr.Invalid || fields["example"] == "" {
				t.Errorf("Update(example the schema fails) = %v %v, want Invalid naming example", code, fields)
			}
			_, err = svc.Update(t.Context(), "invoice.paid", EventTypePatch{Schema: json.RawMessage(`{"type":"nope"}`), Example: json.RawMessage("null")})
			if code, fields := appErr(t, err); code != apperr.Invalid || fields["schema"] == "" {
				t.Errorf("Update(bad schema) = %v %v, want Invalid naming schema", code, fields)
			}
			got, err = svc.Update(t.Context(), "invoice.paid", EventTypePatch{Example: json.RawMessage("null")})
			if err != nil || got.Example != nil || got.Schema == nil {
				t.Errorf("Update(example null) = %+v, %v; want the example gone, the schema kept", got, err)
			}

			if _, err := svc.Update(t.Context(), "invoice.missing", EventTypePatch{Description: &desc}); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("Update(missing) = %v, want NotFound", err)
			}
		})

		t.Run("Archive", func(t *testing.T) {
			t.Parallel()
			svc := NewEventTypes(d.Open(t))
			createEventType(t, svc, EventType{Name: "invoice.paid"})
			for range 2 { // archiving again changes nothing
				got, err := svc.Archive(t.Context(), "invoice.paid")
				if err != nil || !got.Archived {
					t.Fatalf("Archive = %+v, %v; want archived", got, err)
				}
			}
			if err := svc.Check(t.Context(), "invoice.paid", json.RawMessage(`{}`)); apperr.CodeOf(err) != apperr.Unprocessable {
				t.Errorf("Check(archived) = %v, want Unprocessable", err)
			}
			restore := false
			if got, err := svc.Update(t.Context(), "invoice.paid", EventTypePatch{Archived: &restore}); err != nil || got.Archived {
				t.Fatalf("Update(archived false) = %+v, %v", got, err)
			}
			if err := svc.Check(t.Context(), "invoice.paid", json.RawMessage(`{}`)); err != nil {
				t.Errorf("Check(restored) = %v", err)
			}
			if _, err := svc.Archive(t.Context(), "invoice.missing"); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("Archive(missing) = %v, want NotFound", err)
			}
		})
	})
}

func TestCheck(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		setup := func(t *testing.T) *EventTypes {
			t.Helper()
			svc := NewEventTypes(d.Open(t))
			createEventType(t, svc, EventType{Name: "invoice.paid", Schema: json.RawMessage(invoiceSchema)})
			createEventType(t, svc, EventType{Name: "user.created"})
			return svc
		}
		type result struct {
			Code   apperr.Code
			Fields map[string]string
		}
		check := func(t *testing.T, svc *EventTypes, name, payload string) result {
			t.Helper()
			err := svc.Check(t.Context(), name, json.RawMessage(payload))
			if err == nil {
				return result{}
			}
			code, fields := appErr(t, err)
			return result{code, fields}
		}

		t.Run("Rules", func(t *testing.T) {
			t.Parallel()
			svc := setup(t)
			createEventType(t, svc, EventType{Name: "old.event"})
			if _, err := svc.Archive(t.Context(), "old.event"); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name, eventType, payload string
				want                     result
			}{
				{"Unknown", "invoice.unknown", `{}`, result{apperr.Unprocessable, map[string]string{"event_type": "does not exist"}}},
				{"MalformedName", "invoice..paid", `{}`, result{apperr.Unprocessable, map[string]string{"event_type": validEventTypeName("..")}}},
				{"Archived", "old.event", `{}`, result{apperr.Unprocessable, map[string]string{"event_type": "is archived"}}},
				{"NoSchemaObject", "user.created", `{"anything":[1,"two",null]}`, result{}},
				{"NoSchemaString", "user.created", `"text"`, result{}},
				{"NoSchemaNull", "user.created", `null`, result{}},
				{"NoPayload", "user.created", ``, result{apperr.Invalid, map[string]string{"payload": "is required"}}},
				{"NotUTF8", "user.created", "{\"name\":\"\xff\xfe\"}", result{apperr.Invalid, map[string]string{"payload": "must be UTF-8"}}},
				{"Matches", "invoice.paid", invoiceExample, result{}},
				{"Mismatch", "invoice.paid", `{"amount":-5,"currency":"gbp","lines":[{"sku":"a","quantity":1},{"quantity":"two"}]}`,
					result{apperr.Unprocessable, map[string]string{
						"payload/id":               "is required",
						"payload/amount":           "must be >= 0",
						"payload/currency":         `must be one of "usd", "eur"`,
						"payload/lines/1/sku":      "is required",
						"payload/lines/1/quantity": "must be an integer, not a string",
					}}},
				{"WrongTopLevelType", "invoice.paid", `[1]`, result{apperr.Unprocessable, map[string]string{"payload": "must be an object, not an array"}}},
				{"NotJSON", "invoice.paid", `{"id":`, result{apperr.Invalid, map[string]string{"payload": "must be valid JSON"}}},
				{"HugeNumber", "invoice.paid", `{"id":"in_1","amount":1e1000000,"lines":[]}`,
					result{apperr.Unprocessable, map[string]string{"payload/amount": "must be within the range of a 64-bit float"}}},
				{"LongNumber", "invoice.paid", `{"id":"in_1","amount":1,"lines":[{"sku":"a","quantity":1` + strings.Repeat("0", 100) + `}]}`,
					result{apperr.Unprocessable, map[string]string{"payload/lines/0/quantity": "must be at most 100 characters long"}}},
				{"TrailingData", "invoice.paid", invoiceExample + `{}`, result{apperr.Invalid, map[string]string{"payload": "must be valid JSON"}}},
			} {
				got := check(t, svc, tc.eventType, tc.payload)
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s: Check(%s, %.50s) (-want +got):\n%s", tc.name, tc.eventType, tc.payload, diff)
				}
			}
		})

		t.Run("ManyProblemsAreCapped", func(t *testing.T) {
			t.Parallel()
			svc := setup(t)
			lines := strings.TrimSuffix(strings.Repeat(`{"sku":1,"quantity":0},`, 50), ",")
			err := svc.Check(t.Context(), "invoice.paid", json.RawMessage(`{"id":"in_1","amount":1,"lines":[`+lines+`]}`))
			code, fields := appErr(t, err)
			if code != apperr.Unprocessable || len(fields) != payloadProblemsMax {
				t.Errorf("Check(100 problems) = %v with %d fields, want Unprocessable with %d", code, len(fields), payloadProblemsMax)
			}
			if !strings.Contains(err.Error(), "(10 of 100 problems shown)") {
				t.Errorf("message %q does not say how many problems there were", err)
			}
		})

		t.Run("CacheInvalidatedByUpdate", func(t *testing.T) {
			t.Parallel()
			svc := setup(t)
			svc.CacheTTL = time.Hour // only invalidation can make the change visible
			payload := `{"id":"in_1","amount":5,"lines":[]}`
			if got := check(t, svc, "invoice.paid", payload); got.Code != "" {
				t.Fatalf("Check before the update = %+v", got)
			}
			stricter := strings.Replace(invoiceSchema, `"type": "array",`, `"type": "array", "minItems": 1,`, 1)
			if _, err := svc.Update(t.Context(), "invoice.paid", EventTypePatch{Schema: json.RawMessage(stricter)}); err != nil {
				t.Fatal(err)
			}
			want := result{apperr.Unprocessable, map[string]string{"payload/lines": "must have at least 1 items"}}
			if diff := cmp.Diff(want, check(t, svc, "invoice.paid", payload)); diff != "" {
				t.Errorf("Check after the update (-want +got):\n%s", diff)
			}
			if _, err := svc.Archive(t.Context(), "invoice.paid"); err != nil {
				t.Fatal(err)
			}
			if got := check(t, svc, "invoice.paid", invoiceExample); got.Fields["event_type"] != "is archived" {
				t.Errorf("Check after Archive = %+v, want archived", got)
			}
			// A lookup of a missing name is cached too, and Create forgets it.
			if got := check(t, svc, "invoice.sent", `{}`); got.Fields["event_type"] != "does not exist" {
				t.Errorf("Check(missing) = %+v", got)
			}
			createEventType(t, svc, EventType{Name: "invoice.sent"})
			if got := check(t, svc, "invoice.sent", `{}`); got.Code != "" {
				t.Errorf("Check after Create = %+v", got)
			}
		})

		t.Run("OtherNodeSeesChangeWithinTTL", func(t *testing.T) {
			t.Parallel()
			db := d.Open(t)
			nodeA := NewEventTypes(db)
			createEventType(t, nodeA, EventType{Name: "invoice.paid"})
			nodeB := NewEventTypes(db)
			nodeB.CacheTTL = time.Hour
			nodeC := NewEventTypes(db)
			nodeC.CacheTTL = 20 * time.Millisecond
			for _, node := range []*EventTypes{nodeB, nodeC} {
				if got := check(t, node, "invoice.paid", `{}`); got.Code != "" {
					t.Fatalf("Check before the change = %+v", got)
				}
			}
			if _, err := nodeA.Update(t.Context(), "invoice.paid", EventTypePatch{Schema: json.RawMessage(`{"required":["id"]}`)}); err != nil {
				t.Fatal(err)
			}
			if got := check(t, nodeB, "invoice.paid", `{}`); got.Code != "" {
				t.Errorf("node B, within its TTL: Check = %+v, want the cached (old) answer", got)
			}
			time.Sleep(nodeC.CacheTTL + 5*time.Millisecond)
			want := result{apperr.Unprocessable, map[string]string{"payload/id": "is required"}}
			if diff := cmp.Diff(want, check(t, nodeC, "invoice.paid", `{}`)); diff != "" {
				t.Errorf("node C, after its TTL: Check (-want +got):\n%s", diff)
			}
		})

		t.Run("ConcurrentChecksAndUpdates", func(t *testing.T) {
			t.Parallel()
			svc := setup(t)
			svc.CacheTTL = time.Millisecond
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for range 100 {
						// The example matches every schema the updates set.
						if err := svc.Check(context.Background(), "invoice.paid", json.RawMessage(invoiceExample)); err != nil {
							t.Errorf("Check: %v", err)
							return
						}
					}
				})
			}
			wg.Go(func() {
				for i := range 10 {
					schema := invoiceSchema
					if i%2 == 0 {
						schema = `{"type":"object"}`
					}
					if _, err := svc.Update(context.Background(), "invoice.paid", EventTypePatch{Schema: json.RawMessage(schema)}); err != nil {
						t.Errorf("Update: %v", err)
					}
				}
			})
			wg.Wait()
		})
	})
}

// TestCheckProblemMessages pins the wording of schema mismatches, which
// clients read to fix their payloads.
func TestCheckProblemMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		schema, payload string
		want            map[string]string
	}{
		{`{"type":["string","null"]}`, `1`, map[string]string{"payload": "must be null or a string, not a number"}},
		{`{"anyOf":[{"type":"string"},{"type":"integer"}]}`, `true`, map[string]string{"payload": "must be a string, not a boolean or must be an integer, not a boolean"}},
		{`{"oneOf":[{"required":["a"]},{"required":["b","c"]}]}`, `{}`, map[string]string{"payload": `must have the property "a" or must have the properties "b", "c"`}},
		{`{"anyOf":[{"properties":{"a":{"type":"string"}}},{"required":["b"]}]}`, `{"a":1}`, map[string]string{"payload": "matches none of the anyOf alternatives"}},
		{`{"oneOf":[{"type":"object"},{"required":["a"]}]}`, `{"a":1}`, map[string]string{"payload": "must match exactly one of the oneOf alternatives, but matches 0 and 1"}},
		{`{"properties":{"a/b~c":{"const":3}}}`, `{"a/b~c":4}`, map[string]string{"payload/a~1b~0c": "must be 3"}},
		{`{"additionalProperties":false,"properties":{"a":true}}`, `{"a":1,"b":2,"c":3}`, map[string]string{"payload/b": "is not allowed", "payload/c": "is not allowed"}},
		{`{"properties":{"n":{"exclusiveMaximum":1.5,"multipleOf":0.5}}}`, `{"n":1.7}`, map[string]string{"payload/n": "must be < 1.5; must be a multiple of 0.5"}},
		{`{"properties":{"s":{"pattern":"^[a-z]+$","maxLength":3}}}`, `{"s":"ABCD"}`, map[string]string{"payload/s": "must be at most 3 characters long; must match the pattern ^[a-z]+$"}},
		{`{"$defs":{"money":{"type":"integer"}},"properties":{"total":{"$ref":"#/$defs/money"}}}`, `{"total":"1"}`, map[string]string{"payload/total": "must be an integer, not a string"}},
		{`{"dependentRequired":{"card":["cvc"]}}`, `{"card":"4242"}`, map[string]string{"payload/cvc": `is required when "card" is present`}},
		{`{"items":{"type":"integer"},"uniqueItems":true}`, `[1,1]`, map[string]string{"payload": "must not hold duplicates, but items 0 and 1 are equal"}},
		{`{"contains":{"const":"x"}}`, `["a","b"]`, map[string]string{"payload": "no items match contains schema"}},
		{`false`, `{}`, map[string]string{"payload": "is not allowed"}},
	} {
		doc, msg := decodeJSONValue([]byte(tc.schema))
		if msg != "" {
			t.Fatalf("schema %s: %s", tc.schema, msg)
		}
		sch, msg := compileSchema(doc)
		if msg != "" {
			t.Fatalf("schema %s: %s", tc.schema, msg)
		}
		v, _ := decodeJSONValue([]byte(tc.payload))
		var verr *jsonschema.ValidationError
		if err := sch.Validate(v); !errors.As(err, &verr) {
			t.Fatalf("Validate(%s, %s) = %v, want a validation error", tc.schema, tc.payload, err)
		}
		if diff := cmp.Diff(tc.want, schemaProblems(verr, "payload")); diff != "" {
			t.Errorf("schema %s, payload %s (-want +got):\n%s", tc.schema, tc.payload, diff)
		}
	}
}

// eventTypeServer serves the event type handlers as routes.go will, and
// returns a function that sends one request and returns the status and body.
func eventTypeServer(svc *EventTypes) func(t *testing.T, method, path, body string) (int, []byte) {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/event-types", HandleEventTypeCreate(svc))
	mux.Handle("GET /v1/event-types", HandleEventTypeList(svc))
	mux.Handle("GET /v1/event-types/{event_type}", HandleEventTypeGet(svc))
	mux.Handle("PATCH /v1/event-types/{event_type}", HandleEventTypeUpdate(svc))
	mux.Handle("DELETE /v1/event-types/{event_type}", HandleEventTypeArchive(svc))
	return func(t *testing.T, method, path, body string) (int, []byte) {
		t.Helper()
		var r *http.Request
		if body == "" {
			r = httptest.NewRequest(method, path, nil)
		} else {
			r = httptest.NewRequest(method, path, strings.NewReader(body))
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code, w.Body.Bytes()
	}
}

// problemFields returns the fields a problem+json body names.
func problemFields(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var p httpapi.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem %s: %v", body, err)
	}
	fields := map[string]string{}
	for _, e := range p.Errors {
		fields[e.Field] = e.Detail
	}
	return fields
}

func TestEventTypeHandlers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		do := eventTypeServer(NewEventTypes(d.Open(t)))
		decode := func(t *testing.T, body []byte, v any) {
			t.Helper()
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
		}

		status, body := do(t, "POST", "/v1/event-types",
			`{"name":"invoice.paid","description":"An invoice was paid","schema":`+invoiceSchema+`,"example":`+invoiceExample+`}`)
		if status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, body)
		}
		var created EventType
		decode(t, body, &created)
		if diff := cmp.Diff(EventType{Name: "invoice.paid", Description: "An invoice was paid", Schema: json.RawMessage(invoiceSchema), Example: json.RawMessage(invoiceExample)},
			EventType{Name: created.Name, Description: created.Description, Schema: created.Schema, Example: created.Example}, jsonEqual); diff != "" {
			t.Errorf("create (-want +got):\n%s", diff)
		}
		for _, name := range []string{"alpha.created", "bravo.created"} {
			if status, body := do(t, "POST", "/v1/event-types", `{"name":"`+name+`"}`); status != http.StatusCreated {
				t.Fatalf("create %s: %d %s", name, status, body)
			}
		}

		for _, tc := range []struct {
			method, path, body string
			status             int
			fields             []string
		}{
			{"POST", "/v1/event-types", `{"name":"invoice.paid"}`, http.StatusConflict, nil},
			{"POST", "/v1/event-types", `{"name":"bad name","schema":{"type":"nope"}}`, http.StatusBadRequest, []string{"name", "schema"}},
			{"POST", "/v1/event-types", `{"name":"a.b","schema":` + invoiceSchema + `,"example":{"id":1}}`, http.StatusBadRequest, []string{"example"}},
			{"POST", "/v1/event-types", `{"name":"a.b","archived":true}`, http.StatusBadRequest, []string{"archived"}},
			{"GET", "/v1/event-types/invoice..paid", "", http.StatusBadRequest, []string{"event_type"}},
			{"GET", "/v1/event-types/invoice.missing", "", http.StatusNotFound, nil},
			{"GET", "/v1/event-types?include_archived=yes", "", http.StatusBadRequest, []string{"include_archived"}},
			{"GET", "/v1/event-types?limit=0", "", http.StatusBadRequest, []string{"limit"}},
			{"PATCH", "/v1/event-types/invoice.paid", `{"description":5}`, http.StatusBadRequest, []string{"description"}},
			{"PATCH", "/v1/event-types/invoice.paid", `{"name":"x.y"}`, http.StatusBadRequest, []string{"name"}},
			{"PATCH", "/v1/event-types/invoice.paid", `{"schema":{"required":"id"}}`, http.StatusBadRequest, []string{"schema"}},
			{"PATCH", "/v1/event-types/invoice.missing", `{"description":"x"}`, http.StatusNotFound, nil},
			{"PATCH", "/v1/event-types/invoice..paid", `{"description":"x"}`, http.StatusBadRequest, []string{"event_type"}},
			{"DELETE", "/v1/event-types/invoice.missing", "", http.StatusNotFound, nil},
		} {
			status, body := do(t, tc.method, tc.path, tc.body)
			if status != tc.status {
				t.Errorf("%s %s %s: %d %s, want %d", tc.method, tc.path, tc.body, status, body, tc.status)
				continue
			}
			fields := problemFields(t, body)
			for _, f := range tc.fields {
				if fields[f] == "" {
					t.Errorf("%s %s %s: fields %v, want %s named", tc.method, tc.path, tc.body, fields, f)
				}
			}
		}

		status, body = do(t, "GET", "/v1/event-types/invoice.paid", "")
		var got EventType
		decode(t, body, &got)
		if status != http.StatusOK || !cmp.Equal(created, got, jsonEqual) {
			t.Errorf("get: %d %s, want %+v", status, body, created)
		}

		status, body = do(t, "DELETE", "/v1/event-types/bravo.created", "")
		decode(t, body, &got)
		if status != http.StatusOK || !got.Archived {
			t.Errorf("archive: %d %s, want 200 and archived", status, body)
		}

		// Pages of one, following the cursor; the archived type only on request.
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{"alpha.created", "invoice.paid"}},
			{"include_archived=false", []string{"alpha.created", "invoice.paid"}},
			{"include_archived=true", []string{"alpha.created", "bravo.created", "invoice.paid"}},
		} {
			var names []string
			cursor := ""
			for range 5 {
				status, body := do(t, "GET", "/v1/event-types?limit=1&"+tc.query+"&cursor="+cursor, "")
				var page httpapi.List[EventType]
				decode(t, body, &page)
				if status != http.StatusOK || len(page.Data) != 1 {
					t.Fatalf("list %s: %d %s", tc.query, status, body)
				}
				names = append(names, page.Data[0].Name)
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("list %s (-want +got):\n%s", tc.query, diff)
			}
		}

		// null removes the schema, and the field disappears from the response.
		status, body = do(t, "PATCH", "/v1/event-types/invoice.paid", `{"schema":null,"description":"Paid"}`)
		var raw map[string]json.RawMessage
		decode(t, body, &raw)
		if status != http.StatusOK || raw["schema"] != nil || raw["example"] == nil || string(raw["description"]) != `"Paid"` {
			t.Errorf("patch schema null: %d %s, want no schema, the example kept and the new description", status, body)
		}
		status, body = do(t, "PATCH", "/v1/event-types/bravo.created", `{"archived":false}`)
		decode(t, body, &got)
		if status != http.StatusOK || got.Archived {
			t.Errorf("patch archived false: %d %s", status, body)
		}
	})
}

// FuzzCheck: no payload makes Check panic or fail with anything but a client
// error.
func FuzzCheck(f *testing.F) {
	svc := NewEventTypes(storetest.OpenSQLite(f))
	createEventType(f, svc, EventType{Name: "invoice.paid", Schema: json.RawMessage(`{
		"type": "object",
		"required": ["id"],
		"properties": {
			"id": {"type": "string", "pattern": "^in_[a-z0-9]+$"},
			"amount": {"type": "number", "minimum": 0, "multipleOf": 0.01},
			"tags": {"type": "array", "uniqueItems": true, "items": {"enum": ["a", "b", 1, null]}},
			"meta": {"additionalProperties": {"type": ["string", "null"]}, "propertyNames": {"maxLength": 5}},
			"alt": {"oneOf": [{"type": "string"}, {"type": "object", "required": ["x"]}]}
		}
	}`)})
	for _, seed := range []string{
		invoiceExample, `{}`, `[`, `null`, ``, `{"id":"in_1","amount":1e999}`, `{"amount":-1e-999}`,
		strings.Repeat("[", 20000), `{"tags":["a","a"]}`, `{"meta":{"toolong":1}}`, "\xff", `{"id":"\u0000"}`,
		`{"alt":{"y":1}}`, `{"amount":0.015}`, `{"id":"in_1"} x`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		err := svc.Check(context.Background(), "invoice.paid", payload)
		if status := httpapi.StatusOf(err); err != nil && (status < 400 || status >= 500) {
			t.Errorf("Check(%q) = %v, status %d; want a client error", payload, err, status)
		}
	})
}

// FuzzEventTypeSchema: no schema or example makes the checks panic, and a
// schema they accept compiles again as stored, within the limits, so Check
// can always load it.
func FuzzEventTypeSchema(f *testing.F) {
	for _, seed := range [][2]string{
		{invoiceSchema, invoiceExample}, {`{"type":"bogus"}`, `1`}, {`{"$ref":"#"}`, `{}`}, {`{"$ref":"http://x/y"}`, ``},
		{`{"pattern":"(a+)+$"}`, `"aaaa!"`}, {`true`, `null`}, {`{"$schema":"http://json-schema.org/draft-04/schema#","maximum":3,"exclusiveMaximum":true}`, `3`},
		{`{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`, `1`}, {`{"format":"email"}`, `"x"`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, schema, example string) {
		problems := map[string]string{}
		schemaOut, _, err := checkSchemaAndExample(json.RawMessage(schema), json.RawMessage(example), problems)
		var e *apperr.Error
		if errors.As(err, &e) && e.Code == apperr.Unprocessable && e.Fields["schema"] != "" {
			return // over a limit
		} else if err != nil {
			t.Fatalf("checkSchemaAndExample(%q, %q) = %v, want problems, a limit or nothing", schema, example, err)
		}
		if len(problems) > 0 || schemaOut == nil {
			return
		}
		if _, msg, _ := prepareSchema(schemaOut, SchemaCompileTimeout); msg != "" {
			t.Errorf("schema %q was accepted but, as stored (%s), does not compile: %s", schema, schemaOut, msg)
		}
	})
}

// BenchmarkCheck measures the publishing hot path once the type is cached:
// without a schema, and with the invoice schema and its example payload.
func BenchmarkCheck(b *testing.B) {
	svc := NewEventTypes(storetest.OpenSQLite(b))
	createEventType(b, svc, EventType{Name: "user.created"})
	createEventType(b, svc, EventType{Name: "invoice.paid", Schema: json.RawMessage(invoiceSchema)})
	payload := json.RawMessage(invoiceExample)
	for _, bc := range []struct{ name, eventType string }{{"NoSchema", "user.created"}, {"Schema", "invoice.paid"}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := svc.Check(b.Context(), bc.eventType, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"Parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := svc.Check(context.Background(), bc.eventType, payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
