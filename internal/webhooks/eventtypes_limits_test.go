package webhooks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// nested is a schema nesting properties n levels deep (2n+1 levels of JSON).
func nested(n int) string {
	return strings.Repeat(`{"properties":{"a":`, n) + "{}" + strings.Repeat("}}", n)
}

// branchingRefs is n levels of anyOf between two references to the next
// level: a kilobyte that stands for 2^n subschemas, every one of which a
// value matching none is checked against.
func branchingRefs(n int) string {
	var b strings.Builder
	b.WriteString(`{"$ref":"#/$defs/d0","$defs":{`)
	for i := range n {
		fmt.Fprintf(&b, `"d%d":{"anyOf":[{"$ref":"#/$defs/d%d"},{"$ref":"#/$defs/d%d"}]},`, i, i+1, i+1)
	}
	fmt.Fprintf(&b, `"d%d":{"type":"string"}}}`, n)
	return b.String()
}

// TestSchemaLimits: a schema over a limit is refused with 422 naming the
// schema and the limit, before the compiler spends minutes on it; schemas
// of the shapes real ones have are accepted.
func TestSchemaLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		svc := NewEventTypes(d.Open(t))
		big := `{"enum":["` + strings.Repeat("x", SchemaBytesMax) + `"]}`
		for name, tc := range map[string]struct{ schema, want string }{
			// Compiling this took seconds; 4,990 levels took ten minutes.
			"nested 600 deep":      {nested(600), "64 levels"},
			"arrays 65 deep":       {`{"enum":[` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `]}`, "64 levels"},
			"over the size":        {big, "262144"},
			"branching references": {branchingRefs(14), "50000 subschemas"},
			"branching anchors":    {anchoredRefs(14), "50000 subschemas"},
		} {
			_, err := svc.Create(t.Context(), EventType{Name: "too." + strings.ReplaceAll(name, " ", "_"), Schema: json.RawMessage(tc.schema)})
			code, fields := appErr(t, err)
			if code != apperr.Unprocessable || !strings.Contains(fields["schema"], tc.want) {
				t.Errorf("%s: %s %v, want 422 naming schema and %s", name, code, fields, tc.want)
			}
		}
		tree := `{"$defs":{"node":{"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"}`
		var shared strings.Builder
		shared.WriteString(`{"$defs":{"address":{"type":"object","properties":{"line1":{"type":"string"},"city":{"type":"string"},"country":{"type":"string"}}}},"properties":{`)
		for i := range 300 {
			fmt.Fprintf(&shared, `"a%d":{"$ref":"#/$defs/address"},`, i)
		}
		shared.WriteString(`"z":{}}}`)
		for name, schema := range map[string]string{
			"invoice":                     invoiceSchema,
			"recursive tree":              tree,
			"a definition used 300 times": shared.String(),
			"nested 31 deep":              nested(31), // 63 levels of JSON
			"a small branching":           branchingRefs(6),
		} {
			if _, err := svc.Create(t.Context(), EventType{Name: "ok." + strings.ReplaceAll(name, " ", "_"), Schema: json.RawMessage(schema)}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

// TestSchemaCompileDeadline: a schema within the limits that still takes
// longer than the deadline to compile is refused as over a limit.
func TestSchemaCompileDeadline(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for range 31 {
		b.WriteString(`{"properties":{`)
		for j := range 100 {
			fmt.Fprintf(&b, `"s%d":{"type":"string"},`, j)
		}
		b.WriteString(`"a":`)
	}
	b.WriteString("{}" + strings.Repeat("}}", 31))
	if _, msg, limit := prepareSchema([]byte(b.String()), time.Millisecond); !limit || !strings.Contains(msg, "took more than 1ms") {
		t.Errorf("prepareSchema with a 1ms deadline = %q, %v; want the deadline named", msg, limit)
	}
	if sch, msg, limit := prepareSchema([]byte(b.String()), SchemaCompileTimeout); sch == nil || limit || msg != "" {
		t.Errorf("prepareSchema = %q, %v; want it compiled", msg, limit)
	}
}

// anchoredRefs is branchingRefs with each level found by its $anchor.
func anchoredRefs(n int) string {
	var b strings.Builder
	b.WriteString(`{"$ref":"#d0","$defs":{`)
	for i := range n {
		fmt.Fprintf(&b, `"d%d":{"$anchor":"d%d","anyOf":[{"$ref":"#d%d"},{"$ref":"#d%d"}]},`, i, i, i+1, i+1)
	}
	fmt.Fprintf(&b, `"d%d":{"$anchor":"d%d","type":"string"}}}`, n, n)
	return b.String()
}

// TestCheckStoredSchemaOverLimits: a schema stored before the limits does
// not hold up publishing while it compiles: Check refuses at once, naming the
// event type and the limit, and keeps refusing from its cache.
func TestCheckStoredSchemaOverLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		svc := NewEventTypes(db)
		now := db.Now()
		if _, err := db.Exec(t.Context(), `INSERT INTO event_types (name, description, schema, example, archived, created_at, updated_at)
			VALUES (?, '', ?, NULL, ?, ?, ?)`, "legacy.deep", nested(600), false, now, now); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			code, fields := appErr(t, svc.Check(t.Context(), "legacy.deep", json.RawMessage(`{"a":1}`)))
			if code != apperr.Unprocessable || !strings.Contains(fields["event_type"], "64 levels") {
				t.Errorf("Check of a type whose stored schema is over the limits: %s %v, want 422 naming event_type and the limit", code, fields)
			}
		}
		// Replacing the schema makes the type usable again.
		if _, err := svc.Update(t.Context(), "legacy.deep", EventTypePatch{Schema: json.RawMessage(`{"type":"object"}`)}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Check(t.Context(), "legacy.deep", json.RawMessage(`{"a":1}`)); err != nil {
			t.Errorf("Check after the schema was replaced: %v", err)
		}
	})
}

// FuzzSchemaLimitCheck: the checks that run before the compiler never panic,
// find the nesting depth a plain count finds, and end even on schemas whose
// references branch or loop.
func FuzzSchemaLimitCheck(f *testing.F) {
	for _, seed := range []string{invoiceSchema, nested(70), branchingRefs(20), anchoredRefs(3), `{"$ref":"#"}`, `"[{"`, `[1,[2,[3]]]`,
		`{"a":"[[[["}`, `{"$ref":"#/$defs/a~1b/0","$defs":{"a/b":[{"$ref":"#/$defs"}]}}`, `{"$dynamicRef":"#%2F"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		msg := schemaLimitProblem(raw)
		if len(raw) <= SchemaBytesMax && json.Valid(raw) {
			if deep := plainDepth(raw) > SchemaDepthMax; deep != (msg != "") {
				t.Fatalf("schemaLimitProblem(%q) = %q, but the depth is %d", raw, msg, plainDepth(raw))
			}
		}
		if msg != "" {
			return
		}
		if doc, msg := decodeJSONValue(raw); msg == "" {
			schemaExpansionProblem(doc)
		}
	})
}

// plainDepth is the nesting depth of valid JSON, counted byte by byte.
func plainDepth(raw []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}
