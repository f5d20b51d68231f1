package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

const catalogAPI = "https://api.acme.test"

// saasOpenAPI is a SaaS's OpenAPI document with two operations marked as
// actions and one not.
const saasOpenAPI = `{
  "openapi": "3.1.0",
  "info": {"title": "Acme", "version": "1"},
  "servers": [{"url": "https://api.acme.test/v1"}],
  "security": [{"oauth": ["read:projects"]}],
  "paths": {
    "/projects": {
      "get": {"operationId": "listProjects", "summary": "Find Projects", "x-patchbay-action": true,
        "parameters": [{"name": "q", "in": "query", "description": "Text to look for", "schema": {"type": "string"}},
                       {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"example": {"data": [{"id": "prj_1", "name": "Launch"}]}}}}}},
      "post": {"operationId": "createProject", "summary": "Create Project", "description": "Creates a project.",
        "x-patchbay-action": {"idempotency": "key"}, "security": [{"oauth": ["write:projects"]}],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewProject"}}}},
        "responses": {"201": {"description": "made", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Project"}, "examples": {"one": {"value": {"id": "prj_2", "name": "Beta"}}}}}}}}
    },
    "/projects/{project_id}": {
      "delete": {"operationId": "deleteProject", "parameters": [{"name": "project_id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"204": {"description": "gone"}}}
    }
  },
  "components": {"schemas": {
    "NewProject": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "title": "Name"}, "team": {"$ref": "#/components/schemas/TeamID"}}},
    "TeamID": {"type": "string", "description": "The team", "x-patchbay-choices": {"action": "list_projects", "items_pointer": "/data", "value_pointer": "/id", "label_pointer": "/name"}},
    "Project": {"type": "object", "properties": {"id": {"type": "string"}}}
  }}
}`

func fieldErrors(t *testing.T, body []byte) []string {
	t.Helper()
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	json.Unmarshal(body, &p) //nolint:errcheck // an empty list fails the caller's check
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	slices.Sort(out)
	return out
}

// TestAutomationCatalog declares triggers and actions through the admin
// API (by hand and from OpenAPI), checks what is refused, and reads the
// catalog the generators are built from, twice, byte for byte.
func TestAutomationCatalog(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d, "--automation-api-url", catalogAPI)
		for _, et := range []string{
			`{"name":"project.created","description":"A project was created.","schema":{"type":"object","properties":{"id":{"type":"string"},
			  "owner":{"type":"object","properties":{"country":{"type":"string","title":"Country"}}},"tags":{"type":"array"}}},"example":{"id":"prj_1"}}`,
			`{"name":"invoice.paid","description":"An invoice was paid."}`,
		} {
			if resp, body := o.do(t, "POST", "/v1/event-types", et); resp.StatusCode != 201 {
				t.Fatalf("event type: %d %s", resp.StatusCode, body)
			}
		}
		resp, body := o.do(t, "GET", "/v1/automation/triggers/project.created", "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"available_filter_fields":[{"key":"id","pointer":"/id","label":"id","type":"string"},{"key":"owner.country","pointer":"/owner/country","label":"Country","type":"string"}]`) ||
			!strings.Contains(string(body), `"display_name":"Project Created"`) {
			t.Fatalf("trigger: %d %s", resp.StatusCode, body)
		}
		if resp, body := o.do(t, "PATCH", "/v1/automation/triggers/project.created", `{"filter_fields":["/tags"]}`); resp.StatusCode != 400 ||
			!slices.Equal(fieldErrors(t, body), []string{"filter_fields[0]"}) {
			t.Errorf("filter on an array: %d %s", resp.StatusCode, body)
		}
		if resp, body := o.do(t, "PATCH", "/v1/automation/triggers/project.created", `{"filter_fields":["/owner/country"],"display_name":"New Project"}`); resp.StatusCode != 200 {
			t.Fatalf("trigger update: %d %s", resp.StatusCode, body)
		}
		if resp, body := o.do(t, "PATCH", "/v1/automation/triggers/invoice.paid", `{"exposed":false}`); resp.StatusCode != 200 {
			t.Fatalf("hide trigger: %d %s", resp.StatusCode, body)
		}
		if resp, _ := o.do(t, "PATCH", "/v1/automation/triggers/nope.never", `{"exposed":false}`); resp.StatusCode != 404 {
			t.Errorf("unknown trigger: %d", resp.StatusCode)
		}

		// Actions by hand: what is refused names the field.
		good := `{"key":"archive_project","display_name":"Archive Project","method":"post","url_template":"https://api.acme.test/v1/projects/{project_id}/archive",
			"input_schema":{"type":"object","required":["project_id"],"properties":{"project_id":{"type":"string","title":"Project"}}},"scopes":["write:projects"]}`
		for want, bad := range map[string]string{
			"url_template":                       strings.Replace(good, "https://api.acme.test", "https://evil.test", 1),
			"input_schema":                       strings.Replace(good, `"type":"object","required"`, `"type":"object","minLength":"x","required"`, 1),
			"scopes[0]":                          strings.Replace(good, `"write:projects"`, `"delete:everything"`, 1),
			"key":                                strings.Replace(good, `"archive_project"`, `"Archive-Project"`, 1),
			"idempotency":                        strings.Replace(good, `"scopes"`, `"idempotency":"maybe","scopes"`, 1),
			"input_schema.properties.project_id": strings.Replace(good, `"title":"Project"`, `"title":"Project","x-patchbay-choices":{"action":"nope","value_pointer":"/id","label_pointer":"/name"}`, 1),
		} {
			resp, body := o.do(t, "POST", "/v1/automation/actions", bad)
			if resp.StatusCode != 400 || !slices.Contains(fieldErrors(t, body), want) {
				t.Errorf("want 400 naming %s: %d %s", want, resp.StatusCode, body)
			}
		}
		if resp, body := o.do(t, "POST", "/v1/automation/actions", strings.Replace(good, `"required":["project_id"],`, ``, 1)); resp.StatusCode != 400 ||
			!slices.Equal(fieldErrors(t, body), []string{"url_template"}) {
			t.Errorf("placeholder not required: %d %s", resp.StatusCode, body)
		}
		if resp, body := o.do(t, "POST", "/v1/automation/actions", good); resp.StatusCode != 201 || !strings.Contains(string(body), `"method":"POST"`) {
			t.Fatalf("create action: %d %s", resp.StatusCode, body)
		}
		if resp, _ := o.do(t, "POST", "/v1/automation/actions", good); resp.StatusCode != 409 {
			t.Errorf("duplicate action: %d", resp.StatusCode)
		}
		if resp, body := o.do(t, "PUT", "/v1/automation/actions/archive_project", strings.Replace(good, "Archive Project", "Archive a Project", 1)); resp.StatusCode != 200 ||
			!strings.Contains(string(body), `"display_name":"Archive a Project"`) {
			t.Errorf("replace action: %d %s", resp.StatusCode, body)
		}
		if resp, _ := o.do(t, "PUT", "/v1/automation/actions/temp_action", good); resp.StatusCode != 201 {
			t.Errorf("put a new action: %d", resp.StatusCode)
		}
		if resp, _ := o.do(t, "DELETE", "/v1/automation/actions/temp_action", ""); resp.StatusCode != 204 {
			t.Errorf("delete action: %d", resp.StatusCode)
		}
		if resp, _ := o.do(t, "DELETE", "/v1/automation/actions/temp_action", ""); resp.StatusCode != 404 {
			t.Errorf("delete again: %d", resp.StatusCode)
		}

		// From OpenAPI: the marked operations, with their schemas.
		doc, _ := json.Marshal(map[string]json.RawMessage{"document": json.RawMessage(saasOpenAPI)})
		resp, body = o.do(t, "POST", "/v1/automation/actions/import", string(doc))
		var imported struct {
			Actions []struct {
				Key, Method, URLTemplate string
				Search                   bool
				Scopes                   []string
				InputSchema              json.RawMessage `json:"input_schema"`
				OutputSample             json.RawMessage `json:"output_sample"`
				Source                   string
			} `json:"actions"`
			Created, Updated int
		}
		if err := json.Unmarshal(body, &imported); resp.StatusCode != 200 || err != nil || imported.Created != 2 || len(imported.Actions) != 2 {
			t.Fatalf("import: %d %s", resp.StatusCode, body)
		}
		create, list := imported.Actions[0], imported.Actions[1]
		if create.Key != "create_project" || create.Method != "POST" || create.Search || !slices.Equal(create.Scopes, []string{"write:projects"}) ||
			string(create.OutputSample) != `{"id":"prj_2","name":"Beta"}` || create.Source != "openapi" ||
			!strings.Contains(string(create.InputSchema), `"team":{"description":"The team","type":"string","x-patchbay-choices"`) {
			t.Errorf("imported create_project: %+v %s", create, create.InputSchema)
		}
		if list.Key != "list_projects" || !list.Search || !slices.Equal(list.Scopes, []string{"read:projects"}) ||
			string(list.InputSchema) != `{"type":"object","properties":{"q":{"description":"Text to look for","title":"q","type":"string"}}}` {
			t.Errorf("imported list_projects: %+v %s", list, list.InputSchema)
		}
		if resp, body := o.do(t, "POST", "/v1/automation/actions/import", string(doc)); resp.StatusCode != 200 || !strings.Contains(string(body), `"created":0,"updated":2`) {
			t.Errorf("import again: %d %s", resp.StatusCode, body)
		}
		badDoc, _ := json.Marshal(map[string]json.RawMessage{"document": json.RawMessage(strings.Replace(saasOpenAPI, `["write:projects"]`, `["rule:world"]`, 1))})
		if resp, body := o.do(t, "POST", "/v1/automation/actions/import", string(badDoc)); resp.StatusCode != 400 ||
			!slices.Equal(fieldErrors(t, body), []string{"actions.create_project.scopes[0]"}) {
			t.Errorf("import with an unknown scope: %d %s", resp.StatusCode, body)
		}

		// The catalog: exposed triggers, actions in key order, fields in
		// schema order, the same bytes every time.
		resp, first := o.do(t, "GET", "/v1/automation/catalog", "")
		_, second := o.do(t, "GET", "/v1/automation/catalog", "")
		if resp.StatusCode != 200 || !bytes.Equal(first, second) {
			t.Fatalf("catalog: %d, same bytes twice: %v", resp.StatusCode, bytes.Equal(first, second))
		}
		var cat struct {
			Version string
			Product struct {
				Name, Key  string
				APIBaseURL string `json:"api_base_url"`
				MCPURL     string `json:"mcp_url"`
			}
			OAuth struct {
				PKCE           string
				Resource       string
				RequiredScopes []string `json:"required_scopes"`
			}
			Hooks struct {
				SubscribeURL string `json:"subscribe_url"`
			}
			Triggers []struct {
				Key          string
				DisplayName  string `json:"display_name"`
				Sample       struct{ ID string }
				FilterFields []struct{ Key, Pointer string } `json:"filter_fields"`
			}
			Actions []struct {
				Key    string
				Fields []struct {
					Key, In  string
					Required bool
					Choices  *struct{ Action string }
				}
			}
		}
		if err := json.Unmarshal(first, &cat); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, a := range cat.Actions {
			keys = append(keys, a.Key)
		}
		if cat.Version != "1" || cat.Product.Key != "patchbay" || cat.Product.APIBaseURL != catalogAPI || cat.Product.MCPURL != o.node.URL+"/mcp" ||
			cat.OAuth.PKCE != "S256" || cat.OAuth.Resource != catalogAPI || !slices.Equal(cat.OAuth.RequiredScopes, []string{"read:projects", "write:projects"}) ||
			cat.Hooks.SubscribeURL != o.node.URL+"/v1/hooks" || !slices.Equal(keys, []string{"archive_project", "create_project", "list_projects"}) {
			t.Fatalf("catalog: %s", first)
		}
		if len(cat.Triggers) != 1 || cat.Triggers[0].Key != "project.created" || cat.Triggers[0].DisplayName != "New Project" ||
			cat.Triggers[0].Sample.ID != "msg_sample" || len(cat.Triggers[0].FilterFields) != 1 || cat.Triggers[0].FilterFields[0].Key != "owner.country" {
			t.Errorf("catalog triggers: %s", first)
		}
		f := cat.Actions[1].Fields
		if len(f) != 2 || f[0].Key != "name" || !f[0].Required || f[0].In != "body" || f[1].Key != "team" || f[1].Choices == nil || f[1].Choices.Action != "list_projects" {
			t.Errorf("create_project fields: %+v", f)
		}
		if cat.Actions[0].Fields[0].In != "path" || cat.Actions[2].Fields[0].In != "query" {
			t.Errorf("field locations: %+v %+v", cat.Actions[0].Fields, cat.Actions[2].Fields)
		}

		// A trigger's sample for a tenant: the example, then its latest event.
		if resp, body := o.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme"}`); resp.StatusCode >= 300 {
			t.Fatalf("tenant: %d %s", resp.StatusCode, body)
		}
		if resp, body := o.do(t, "GET", "/v1/tenants/acme/automation/triggers/project.created/sample", ""); resp.StatusCode != 200 ||
			!strings.Contains(string(body), `"id":"msg_sample"`) || !strings.Contains(string(body), `"data":{"id":"prj_1"}`) {
			t.Errorf("sample before events: %d %s", resp.StatusCode, body)
		}
		msg := o.publish(t, "acme", "project.created", `{"id":"prj_7"}`)
		if resp, body := o.do(t, "GET", "/v1/tenants/acme/automation/triggers/project.created/sample", ""); resp.StatusCode != 200 ||
			!strings.Contains(string(body), `"id":"`+msg+`"`) || !strings.Contains(string(body), `"data":{"id":"prj_7"}`) {
			t.Errorf("sample after an event: %d %s", resp.StatusCode, body)
		}
	})
}
