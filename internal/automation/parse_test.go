package automation

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	for in, want := range map[string]string{"Acme": "acme", "Acme Cloud!": "acme-cloud", "  ": "app", "Ünïcode 2": "n-code-2"} {
		if got := productKey(in); got != want {
			t.Errorf("productKey(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"createProject": "create_project", "get /projects/{id}": "get_projects_id", "HTTPThing": "httpthing", "list-all_v2": "list_all_v2"} {
		if got := snakeKey(in); got != want {
			t.Errorf("snakeKey(%q) = %q, want %q", in, got, want)
		}
	}
	if got := defaultDisplayName("invoice.paid_late"); got != "Invoice Paid Late" {
		t.Errorf("defaultDisplayName = %q", got)
	}
}

func TestCheckURLTemplate(t *testing.T) {
	base := "https://api.acme.test/v1"
	for tmpl, ok := range map[string]bool{
		"https://api.acme.test/v1/projects/{id}":      true,
		"https://api.acme.test/v1":                    true,
		"https://api.acme.test/v10/projects":          false,
		"https://api.acme.test/v1/../admin":           false,
		"http://api.acme.test/v1/projects":            false,
		"https://user@api.acme.test/v1/projects":      false,
		"https://api.acme.test.evil/v1/projects":      false,
		"https://api.acme.test/v1/projects/{id":       false,
		"https://api.acme.test/v1/projects/{a b}":     false,
		"https://api.acme.test/v1/projects#frag":      false,
		"https://api.acme.test/v1/projects?fixed=yes": true,
	} {
		if msg := checkURLTemplate(tmpl, base); (msg == "") != ok {
			t.Errorf("checkURLTemplate(%q) = %q, want ok %v", tmpl, msg, ok)
		}
	}
}

func TestSchemaFilterFields(t *testing.T) {
	got := schemaFilterFields(json.RawMessage(`{"type":"object","properties":{"b":{"type":["null","integer"]},"a":{"enum":["x","y"]},
		"o":{"type":"object","properties":{"c/d":{"type":"boolean","description":"flag"}}},"arr":{"type":"array"}}}`))
	b, _ := json.Marshal(got)
	want := `[{"key":"a","pointer":"/a","label":"a","type":"string","enum":["x","y"]},{"key":"b","pointer":"/b","label":"b","type":"integer"},` +
		`{"key":"o.c/d","pointer":"/o/c~1d","label":"o c/d","help":"flag","type":"boolean"}]`
	if string(b) != want {
		t.Errorf("filter fields\n got %s\nwant %s", b, want)
	}
}

// FuzzOpenAPIImport feeds arbitrary documents to the import's parser,
// which must never panic and must produce only actions whose input schema
// is an object schema.
func FuzzOpenAPIImport(f *testing.F) {
	f.Add(`{"openapi":"3.1.0","paths":{"/p/{id}":{"post":{"operationId":"doIt","x-patchbay-action":{"search":true},"parameters":[{"name":"id","in":"path","schema":{"$ref":"#/components/schemas/S"}}],
		"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"x":{"$ref":"#/components/schemas/S"}}}}}}}}},"components":{"schemas":{"S":{"type":"string"}}}}`)
	f.Add(`{"openapi":"3.0.0","paths":{"/a":{"get":{"x-patchbay-action":true,"responses":{"200":{"$ref":"#/x"}}}}},"x":{"$ref":"#/x"}}`)
	f.Add(`{"openapi":"3","paths":{"/a":{"get":{"x-patchbay-action":true,"parameters":[{"$ref":"#/paths/~1a/get/parameters/0"}]}}}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, doc string) {
		actions, problems := actionsFromOpenAPI(json.RawMessage(doc), "https://api.acme.test")
		if len(problems) == 0 && len(actions) == 0 {
			t.Fatal("no actions and no problems")
		}
		for _, a := range actions {
			if _, msg := parseInputSchema(a.InputSchema); msg != "" && !strings.Contains(msg, "property") {
				t.Fatalf("import made input schema %s: %s", a.InputSchema, msg)
			}
			_ = a.fields()
		}
	})
}

// FuzzActionInput checks an action's input schema, URL template and the
// fields derived from them with arbitrary text: no panic, and fields only
// for properties the schema declares.
func FuzzActionInput(f *testing.F) {
	f.Add(`{"type":"object","required":["id"],"properties":{"id":{"type":"string","x-patchbay-choices":{"action":"list","value_pointer":"/id","label_pointer":"/n"}}}}`, "https://api.acme.test/x/{id}")
	f.Add(`{"properties":{"a":{"type":["null","number"],"enum":[1,"b"],"default":{"x":1}}}}`, "https://api.acme.test/{a}{b}")
	f.Fuzz(func(t *testing.T, schema, tmpl string) {
		a := ActionDef{Key: "k", DisplayName: "K", Method: "GET", URLTemplate: tmpl, InputSchema: json.RawMessage(schema), Scopes: []string{}}
		_ = checkURLTemplate(tmpl, "https://api.acme.test")
		so, msg := parseInputSchema(a.InputSchema)
		fields := a.fields()
		if msg == "" && len(fields) != len(so.order) {
			t.Fatalf("%d fields for %d properties", len(fields), len(so.order))
		}
		_ = a.check("https://api.acme.test", nil, []string{"list"})
	})
}
