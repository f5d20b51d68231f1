package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// referenceDoc is the served document, decoded generically, and the Go type
// of each component schema.
func referenceDoc(t *testing.T) (object, map[string]string) {
	t.Helper()
	d := Deps{AdminAPI: true}
	rt := newRouter(d)
	addRoutes(rt, d)
	rt.finish()
	built, goNames := buildOpenAPITypes(rt.routes)
	raw, err := json.Marshal(built)
	if err != nil {
		t.Fatal(err)
	}
	var doc object
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, goNames
}

// generatedSentences are what the generator appends to every admin and
// embed operation's description; an operation needs more than them.
var generatedSentences = []string{"Requires scope `", "Requires an embed token granting `"}

// TestOpenAPIReference fails on anything the API reference lacks: an
// operation without summary, description, tag, scope or examples, or a
// schema property without a description. Its messages say what to add
// where, for routes added after it was written.
func TestOpenAPIReference(t *testing.T) {
	t.Parallel()
	doc, goNames := referenceDoc(t)
	declared := map[string]bool{}
	for _, tag := range doc["tags"].([]any) {
		tag := tag.(object)
		if tag["description"] == "" {
			t.Errorf("tag %s has no description", tag["name"])
		}
		declared[tag["name"].(string)] = true
	}
	paths := doc["paths"].(object)
	for _, path := range sortedKeys(paths) {
		item := paths[path].(object)
		for _, method := range sortedKeys(item) {
			op := item[method].(object)
			name := fmt.Sprintf("%s %s (operationId %s)", strings.ToUpper(method), path, op["operationId"])
			if s, _ := op["summary"].(string); s == "" || strings.Contains(s, "\n") {
				t.Errorf("%s: no one-line summary: set Summary on its httpapi.Op or httpapi.Endpoint", name)
			}
			desc, _ := op["description"].(string)
			own := desc
			if i := strings.Index(own, "\n\nRequires "); i >= 0 {
				own = own[:i]
			}
			for _, g := range generatedSentences {
				if strings.HasPrefix(own, g) {
					own = ""
				}
			}
			if strings.TrimSpace(own) == "" {
				t.Errorf("%s: no description: set Description on its httpapi.Op or httpapi.Endpoint (what it does, when to use it, notable errors)", name)
			}
			tags, _ := op["tags"].([]any)
			if len(tags) != 1 || tags[0] == untagged || !declared[tags[0].(string)] {
				t.Errorf("%s: tags %v: add the path's prefix to a tag in apiTags (internal/server/openapi_meta.go)", name, tags)
			}
			security, hasSecurity := op["security"].([]any)
			if !hasSecurity {
				t.Errorf("%s: no security requirement; public routes declare security: []", name)
			}
			if scope, _ := op["x-patchbay-scope"].(string); len(security) > 0 && security[0].(object)["bearer"] != nil {
				if scope == "" || !strings.Contains(desc, "Requires scope `"+scope+"`") {
					t.Errorf("%s: an admin route without x-patchbay-scope %q or a description saying it is required", name, scope)
				}
			}
			if rb, ok := op["requestBody"].(object); ok {
				if m, ok := rb["content"].(object)["application/json"].(object); ok && m["example"] == nil {
					t.Errorf("%s: its JSON request body has no example", name)
				}
			}
			for code, resp := range op["responses"].(object) {
				if !strings.HasPrefix(code, "2") {
					continue
				}
				content, _ := resp.(object)["content"].(object)
				for mediaType, m := range content {
					if m.(object)["example"] == nil && mediaType != "application/octet-stream" {
						t.Errorf("%s: its %s response (%s) has no example", name, code, mediaType)
					}
				}
			}
		}
	}
	schemas := doc["components"].(object)["schemas"].(object)
	for _, name := range sortedKeys(schemas) {
		props, _ := schemas[name].(object)["properties"].(object)
		for _, p := range sortedKeys(props) {
			if d, _ := props[p].(object)["description"].(string); d == "" {
				t.Errorf("schema %s property %s: no description: add a doc:\"…\" tag to the field of Go type %s (or of the struct it embeds)", name, p, goNames[name])
			}
		}
	}
}

// TestOpenAPIExamplesValid checks every example in the document, those the
// fields declare and those built from them, against its schema.
func TestOpenAPIExamplesValid(t *testing.T) {
	t.Parallel()
	doc, goNames := referenceDoc(t)
	schemas := doc["components"].(object)["schemas"].(object)
	checked := 0
	paths := doc["paths"].(object)
	for _, path := range sortedKeys(paths) {
		for method, op := range paths[path].(object) {
			op := op.(object)
			var bodies []object
			if rb, ok := op["requestBody"].(object); ok {
				bodies = append(bodies, rb)
			}
			for _, resp := range op["responses"].(object) {
				bodies = append(bodies, resp.(object))
			}
			for _, b := range bodies {
				content, _ := b["content"].(object)
				for mediaType, m := range content {
					m := m.(object)
					if ex, ok := m["example"]; ok && strings.HasSuffix(mediaType, "json") {
						checked++
						if err := validate(m["schema"].(object), ex, schemas, "example"); err != nil {
							t.Errorf("%s %s (%s): %v", strings.ToUpper(method), path, mediaType, err)
						}
					}
				}
			}
		}
	}
	for _, name := range sortedKeys(schemas) {
		props, _ := schemas[name].(object)["properties"].(object)
		for p, s := range props {
			s := s.(object)
			for _, ex := range asSlice(s["examples"]) {
				checked++
				if err := validate(s, ex, schemas, p); err != nil {
					t.Errorf("schema %s (Go type %s): its example tag: %v", name, goNames[name], err)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("checked only %d examples", checked)
	}
}

// TestValidateRejects: the validator the examples are checked with finds
// what is wrong, so TestOpenAPIExamplesValid can fail.
func TestValidateRejects(t *testing.T) {
	t.Parallel()
	defs := object{"T": object{"type": "object", "additionalProperties": false, "required": []any{"a"},
		"properties": object{"a": object{"type": "integer"}, "s": object{"type": "string", "enum": []any{"x", "y"}}, "at": object{"type": "string", "format": "date-time"}}}}
	ref := object{"$ref": "#/components/schemas/T"}
	for _, bad := range []any{
		"x",
		object{},
		object{"a": 1.5},
		object{"a": 1, "b": 2},
		object{"a": 1, "s": "z"},
		object{"a": 1, "at": "yesterday"},
	} {
		if err := validate(ref, bad, defs, "v"); err == nil {
			t.Errorf("validate accepted %v", bad)
		}
	}
	if err := validate(ref, object{"a": float64(2), "s": "y", "at": exampleTime}, defs, "v"); err != nil {
		t.Errorf("validate rejected a valid value: %v", err)
	}
	if err := validate(object{"oneOf": []any{ref, object{"type": "null"}}}, nil, defs, "v"); err != nil {
		t.Errorf("validate rejected null for a nullable: %v", err)
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// validate checks v against the JSON Schema subset the generator writes.
func validate(schema object, v any, defs object, at string) error {
	if ref, ok := schema["$ref"].(string); ok {
		def, ok := defs[strings.TrimPrefix(ref, "#/components/schemas/")].(object)
		if !ok {
			return fmt.Errorf("%s: unresolved %s", at, ref)
		}
		return validate(def, v, defs, at)
	}
	if one, ok := schema["oneOf"].([]any); ok {
		var errs []string
		for _, s := range one {
			err := validate(s.(object), v, defs, at)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("%s: matches none of oneOf: %s", at, strings.Join(errs, "; "))
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, enum)
	}
	switch schema["type"] {
	case nil:
		return nil // any JSON
	case "null":
		if v != nil {
			return fmt.Errorf("%s: %v is not null", at, v)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %v (%T) is not a string", at, v, v)
		}
		switch schema["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return fmt.Errorf("%s: %q is not a date-time", at, s)
			}
		case "uri":
			if u, err := url.Parse(s); s != "" && (err != nil || u.Scheme == "") {
				return fmt.Errorf("%s: %q is not an absolute URI", at, s)
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return fmt.Errorf("%s: %v is not an integer", at, v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("%s: %v is not a number", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %v is not a boolean", at, v)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an array", at, v)
		}
		items, _ := schema["items"].(object)
		for i, e := range a {
			if err := validate(items, e, defs, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "object":
		o, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an object", at, v)
		}
		props, _ := schema["properties"].(object)
		for _, r := range asSlice(schema["required"]) {
			if _, ok := o[r.(string)]; !ok {
				return fmt.Errorf("%s: lacks the required %s", at, r)
			}
		}
		for k, e := range o {
			s, ok := props[k].(object)
			if !ok {
				if add, ok := schema["additionalProperties"].(object); ok {
					s = add
				} else if schema["additionalProperties"] == false {
					return fmt.Errorf("%s: has %s, which the schema does not allow", at, k)
				} else {
					continue
				}
			}
			if err := validate(s, e, defs, at+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}
