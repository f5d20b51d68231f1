package appgen

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/patchbay/patchbay/internal/automation"
)

// Make generates a Make custom app in the layout of Make's local development
// for apps (makecomapp.json and a folder per component): the base, an OAuth
// 2 connection, per trigger a webhook with an instant trigger on it and a
// polling trigger, per action an action or search module, and a remote
// procedure per field whose choices another action lists. The result is
// checked against Make's structure (CheckMake) before it is returned.
func Make(c automation.Catalog, opts Options) (Files, error) {
	if err := checkVersion(c); err != nil {
		return nil, err
	}
	g := makeApp{c: c, files: Files{}, connection: camel(c.Product.Key), actions: map[string]automation.Action{}}
	for _, a := range c.Actions {
		g.actions[a.Key] = a
	}
	g.components = makeComponents{Connection: map[string]makeComponent{}, Webhook: map[string]makeComponent{},
		Module: map[string]makeComponent{}, RPC: map[string]makeComponent{}, Function: map[string]makeComponent{}}

	g.general()
	g.oauthConnection()
	var triggers, actions, searches []string
	for _, t := range c.Triggers {
		triggers = append(triggers, g.trigger(t)...)
	}
	for _, a := range c.Actions {
		name, err := g.action(a)
		if err != nil {
			return nil, err
		}
		if a.Search {
			searches = append(searches, name)
		} else {
			actions = append(actions, name)
		}
	}
	var groups []any
	for _, grp := range []struct {
		label   string
		modules []string
	}{{"Triggers", triggers}, {"Actions", actions}, {"Searches", searches}} {
		if len(grp.modules) > 0 {
			groups = append(groups, obj{{"label", grp.label}, {"modules", grp.modules}})
		}
	}
	if groups == nil {
		groups = []any{}
	}
	g.files["modules/groups.json"] = jsonFile(groups)
	g.files["makecomapp.json"] = jsonFile(obj{
		{"fileVersion", 1},
		{"generalCodeFiles", obj{{"base", "general/base.iml.json"}, {"common", "general/common.json"}, {"readme", "README.md"}, {"groups", "modules/groups.json"}}},
		{"components", obj{{"connection", g.components.Connection}, {"webhook", g.components.Webhook}, {"module", g.components.Module}, {"rpc", g.components.RPC}, {"function", g.components.Function}}},
		{"origins", []any{obj{{"label", "Make"}, {"baseUrl", "https://eu1.make.com/api"}, {"appId", "-FILL-ME-"}, {"appVersion", 1}, {"apikeyFile", ".secrets/apikey"}}}},
	})
	g.files[".gitignore"] = []byte(".secrets/\n")
	g.files["README.md"] = []byte(makeReadme(c))
	if err := CheckMake(g.files); err != nil {
		return nil, fmt.Errorf("the generated Make app breaks Make's structure: %w", err)
	}
	return g.files, nil
}

type makeApp struct {
	c          automation.Catalog
	files      Files
	connection string
	actions    map[string]automation.Action
	components makeComponents
}

type makeComponents struct {
	Connection, Webhook, Module, RPC, Function map[string]makeComponent
}

// makeComponent is a component's entry in makecomapp.json.
type makeComponent struct {
	Label          string            `json:"label,omitempty"`
	Description    string            `json:"description,omitempty"`
	ConnectionType string            `json:"connectionType,omitempty"`
	WebhookType    string            `json:"webhookType,omitempty"`
	ModuleType     string            `json:"moduleType,omitempty"`
	ActionCrud     string            `json:"actionCrud,omitempty"`
	Connection     *string           `json:"connection,omitempty"`
	AltConnection  *string           `json:"altConnection,omitempty"`
	Webhook        string            `json:"webhook,omitempty"`
	CodeFiles      map[string]string `json:"codeFiles"`
}

// add writes a component's code files (code type → content) in Make's
// layout, <type>s/<name>/<name>.<file>, and records it.
func (g *makeApp) add(kind string, into map[string]makeComponent, name string, meta makeComponent, codes map[string]any) {
	meta.CodeFiles = map[string]string{}
	for codeType, content := range codes {
		dir := camelToKebab(name)
		path := fmt.Sprintf("%ss/%s/%s.%s", kind, dir, dir, makeCodeFile(kind, codeType, meta))
		meta.CodeFiles[codeType] = path
		g.files[path] = jsonFile(content)
	}
	into[name] = meta
}

// camelToKebab is a component name as Make's tooling names its folder
// (createProject → create-project).
func camelToKebab(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// makeCodeFile is a code's file name in Make's local layout.
func makeCodeFile(kind, codeType string, meta makeComponent) string {
	switch {
	case codeType == "communication" && kind == "connection" && meta.ConnectionType == "oauth":
		return "oauth-communication.iml.json"
	case codeType == "common":
		return "common.json"
	case codeType == "staticParams":
		return "static-params.iml.json"
	case codeType == "mappableParams":
		return "mappable-params.iml.json"
	case codeType == "scopeList":
		return "scope-list.iml.json"
	case codeType == "defaultScope":
		return "default-scope.iml.json"
	case codeType == "installSpec":
		return "install-spec.iml.json"
	case codeType == "installDirectives":
		return "install-directives.iml.json"
	case codeType == "requiredScope":
		return "required-scope.iml.json"
	}
	return codeType + ".iml.json"
}

func (g *makeApp) general() {
	g.files["general/base.iml.json"] = jsonFile(obj{
		{"baseUrl", g.c.Product.PatchbayURL},
		{"headers", obj{{"Authorization", "Bearer {{connection.accessToken}}"}}},
		{"response", obj{{"error", obj{{"message", "[{{statusCode}}] {{ifempty(body.detail, body.title)}}"}}}}},
		{"log", obj{{"sanitize", []string{"request.headers.authorization"}}}},
	})
	// The OAuth client's ID and secret: set them in Make's Common data.
	g.files["general/common.json"] = jsonFile(obj{{"clientId", ""}, {"clientSecret", ""}})
}

func (g *makeApp) oauthConnection() {
	o := g.c.OAuth
	withResource := func(o2 obj) obj {
		if g.c.OAuth.Resource != "" {
			o2 = append(o2, kv{"resource", g.c.OAuth.Resource})
		}
		return o2
	}
	tokens := obj{
		{"data", obj{{"accessToken", "{{body.access_token}}"}, {"refreshToken", "{{body.refresh_token}}"}}},
		{"expires", "{{addSeconds(now, body.expires_in)}}"},
	}
	sanitize := obj{{"sanitize", []string{"request.body.client_secret", "request.body.refresh_token", "response.body.access_token", "response.body.refresh_token"}}}
	scopes := obj{}
	for _, s := range o.Scopes {
		scopes = append(scopes, kv{s.Name, s.Description})
	}
	g.add("connection", g.components.Connection, g.connection, makeComponent{Label: g.c.Product.Name, ConnectionType: "oauth"}, map[string]any{
		"communication": obj{
			{"authorize", obj{
				{"url", o.AuthorizeURL},
				{"qs", withResource(obj{{"client_id", "{{common.clientId}}"}, {"redirect_uri", "{{oauth.localRedirectUri}}"}, {"response_type", "code"}, {"scope", "{{join(oauth.scope, ' ')}}"}})},
				{"response", obj{{"temp", obj{{"code", "{{query.code}}"}}}}},
			}},
			{"token", obj{
				{"url", o.TokenURL}, {"method", "POST"}, {"type", "urlencoded"},
				{"body", withResource(obj{{"grant_type", "authorization_code"}, {"code", "{{temp.code}}"}, {"redirect_uri", "{{oauth.localRedirectUri}}"}, {"client_id", "{{common.clientId}}"}, {"client_secret", "{{common.clientSecret}}"}})},
				{"response", tokens}, {"log", sanitize},
			}},
			{"refresh", obj{
				{"condition", "{{connection.refreshToken}}"},
				{"url", o.TokenURL}, {"method", "POST"}, {"type", "urlencoded"},
				{"body", withResource(obj{{"grant_type", "refresh_token"}, {"refresh_token", "{{connection.refreshToken}}"}, {"client_id", "{{common.clientId}}"}, {"client_secret", "{{common.clientSecret}}"}})},
				{"response", tokens}, {"log", sanitize},
			}},
			{"info", obj{
				{"url", g.c.Hooks.MeURL},
				{"headers", obj{{"Authorization", "Bearer {{connection.accessToken}}"}}},
				{"response", obj{{"uid", "{{body.user_id}}"}, {"metadata", obj{{"type", "text"}, {"value", "{{ifempty(body.label, body.user_id)}}"}}}}},
			}},
			{"invalidate", obj{
				{"url", o.RevokeURL}, {"method", "POST"}, {"type", "urlencoded"},
				{"body", obj{{"token", "{{connection.refreshToken}}"}, {"client_id", "{{common.clientId}}"}, {"client_secret", "{{common.clientSecret}}"}}},
				{"log", sanitize},
			}},
		},
		"params":            []any{},
		"common":            obj{},
		"scopeList":         scopes,
		"defaultScope":      o.RequiredScopes,
		"installSpec":       []any{},
		"installDirectives": []any{},
	})
}

// trigger adds a webhook, an instant trigger on it and a polling trigger.
func (g *makeApp) trigger(t automation.Trigger) []string {
	webhook := camel(t.Key)
	conn := g.connection
	var params []any
	filter := obj{}
	for _, f := range t.FilterFields {
		name := camel(f.Key)
		p := obj{{"name", name}, {"label", f.Label}, {"type", makeType(f.Type, f.Enum)}, {"required", false}}
		if f.Help != "" {
			p = append(p, kv{"help", f.Help})
		}
		if len(f.Enum) > 0 {
			p = append(p, kv{"options", makeOptions(f.Enum)})
		}
		params = append(params, p)
		filter = append(filter, kv{f.Key, "{{parameters." + name + "}}"})
	}
	if params == nil {
		params = []any{}
	}
	scope := []string{}
	if g.c.Hooks.Scope != "" {
		scope = []string{g.c.Hooks.Scope}
	}
	event := obj{
		{"id", "{{headers.`webhook-id`}}"},
		{"type", t.Key},
		{"timestamp", "{{parseDate(headers.`webhook-timestamp`, 'X')}}"},
		{"data", "{{body}}"},
	}
	g.add("webhook", g.components.Webhook, webhook, makeComponent{Label: t.DisplayName, WebhookType: "web", Connection: &conn}, map[string]any{
		"communication": obj{{"output", event}},
		"params":        params,
		"attach": obj{
			{"url", g.c.Hooks.SubscribeURL}, {"method", "POST"},
			{"body", obj{{"target_url", "{{webhook.url}}"}, {"trigger", t.Key}, {"filter", filter}}},
			{"response", obj{{"data", obj{{"externalHookId", "{{body.id}}"}}}}},
		},
		"detach": obj{
			{"url", strings.ReplaceAll(g.c.Hooks.UnsubscribeURL, "{id}", "{{webhook.externalHookId}}")}, {"method", "DELETE"},
		},
		"requiredScope": scope,
	})
	outputs := eventInterface(t)
	instant := "watch" + pascal(t.Key)
	g.add("module", g.components.Module, instant, makeComponent{Label: "Watch " + t.DisplayName, Description: sentence(t.Description), ModuleType: "instant_trigger", Webhook: webhook}, map[string]any{
		"communication":  obj{{"output", "{{body}}"}},
		"staticParams":   []any{},
		"mappableParams": []any{},
		"interface":      outputs,
		"samples":        t.Sample,
	})
	pollURL := strings.ReplaceAll(g.c.Hooks.PollURL, "{trigger}", t.Key)
	poll := "poll" + pascal(t.Key)
	g.add("module", g.components.Module, poll, makeComponent{Label: "Search new " + t.DisplayName, Description: sentence("Lists recent " + t.Key + " events, newest first, for scenarios that run on a schedule"), ModuleType: "trigger", Connection: &conn}, map[string]any{
		"communication": obj{
			{"url", pollURL}, {"method", "GET"},
			{"qs", obj{{"limit", "{{min(parameters.limit, 100)}}"}}},
			{"pagination", obj{{"qs", obj{{"cursor", "{{body.next_cursor}}"}}}, {"condition", "{{body.next_cursor}}"}}},
			{"response", obj{
				{"limit", "{{parameters.limit}}"},
				{"iterate", "{{body.data}}"},
				{"output", "{{item}}"},
				{"trigger", obj{{"id", "{{item.id}}"}, {"date", "{{item.timestamp}}"}, {"type", "date"}, {"order", "desc"}}},
			}},
		},
		"epoch": obj{
			{"url", pollURL}, {"method", "GET"}, {"qs", obj{{"limit", 100}}},
			{"response", obj{{"iterate", "{{body.data}}"}, {"output", obj{{"label", "{{item.type}} {{item.timestamp}}"}, {"date", "{{item.timestamp}}"}}}}},
		},
		"staticParams":   []any{obj{{"name", "limit"}, {"label", "Limit"}, {"type", "uinteger"}, {"default", 10}, {"required", true}, {"help", "The most events a run returns."}}},
		"mappableParams": []any{},
		"interface":      outputs,
		"samples":        t.Sample,
		"scope":          scope,
	})
	return []string{instant, poll}
}

// action adds an action or search module and the remote procedures its
// fields' dynamic choices need.
func (g *makeApp) action(a automation.Action) (string, error) {
	name := camel(a.Key)
	conn := g.connection
	url := a.URLTemplate
	qs, body := obj{}, obj{}
	var params []any
	for _, f := range a.Fields {
		ref := "{{parameters." + f.Key + "}}"
		switch f.In {
		case "path":
			url = strings.ReplaceAll(url, "{"+f.Key+"}", "{{encodeURL(parameters."+f.Key+")}}")
		case "query":
			qs = append(qs, kv{f.Key, ref})
		default:
			body = append(body, kv{f.Key, ref})
		}
		p := obj{{"name", f.Key}, {"label", f.Label}, {"type", makeType(f.Type, f.Enum)}, {"required", f.Required}}
		if f.Help != "" {
			p = append(p, kv{"help", f.Help})
		}
		switch {
		case f.Choices != nil:
			source, ok := g.actions[f.Choices.Action]
			if !ok {
				return "", fmt.Errorf("action %s: field %s takes its choices from %q, which is not an action", a.Key, f.Key, f.Choices.Action)
			}
			p = obj{{"name", f.Key}, {"label", f.Label}, {"type", "select"}, {"required", f.Required}, {"options", "rpc://" + g.choicesRPC(source, *f.Choices)}}
		case len(f.Enum) > 0:
			p = append(p, kv{"options", makeOptions(f.Enum)})
		}
		if len(f.Default) > 0 {
			p = append(p, kv{"default", f.Default})
		}
		params = append(params, p)
	}
	if params == nil {
		params = []any{}
	}
	comm := obj{{"url", url}, {"method", a.Method}}
	if a.Idempotency == "key" {
		comm = append(comm, kv{"headers", obj{{"Idempotency-Key", "{{uuid}}"}}})
	}
	if len(qs) > 0 {
		comm = append(comm, kv{"qs", qs})
	}
	if len(body) > 0 {
		comm = append(comm, kv{"body", body}, kv{"type", "json"})
	}
	moduleType, crud := "action", crudOf(a.Method)
	response := obj{{"output", "{{body}}"}}
	sample := a.OutputSample
	if a.Search {
		moduleType, crud = "search", ""
		if iterate := searchIterate(a.OutputSample); iterate != "" {
			response = obj{{"iterate", iterate}, {"output", "{{item}}"}}
		}
		if s, err := json.Marshal(searchSample(a.OutputSample)); err == nil {
			sample = s
		}
	}
	comm = append(comm, kv{"response", response})
	if len(sample) == 0 {
		sample = json.RawMessage("{}")
	}
	g.add("module", g.components.Module, name, makeComponent{Label: a.DisplayName, Description: sentence(a.Description), ModuleType: moduleType, ActionCrud: crud, Connection: &conn}, map[string]any{
		"communication":  comm,
		"staticParams":   []any{},
		"mappableParams": params,
		"interface":      sampleInterface(sample),
		"samples":        sample,
		"scope":          a.Scopes,
	})
	return name, nil
}

// choicesRPC adds (once) the remote procedure that lists a field's choices
// from another action, and returns its name.
func (g *makeApp) choicesRPC(source automation.Action, ch automation.DynamicChoices) string {
	name := "list" + pascal(source.Key) + "Choices"
	if _, ok := g.components.RPC[name]; ok {
		return name
	}
	conn := g.connection
	g.add("rpc", g.components.RPC, name, makeComponent{Label: "Choices from " + source.DisplayName, Connection: &conn}, map[string]any{
		"communication": obj{
			{"url", source.URLTemplate}, {"method", source.Method},
			{"response", obj{
				{"iterate", imlPath("body", ch.ItemsPointer)},
				{"output", obj{{"label", imlPath("item", ch.LabelPointer)}, {"value", imlPath("item", ch.ValuePointer)}}},
			}},
		},
		"params": []any{},
	})
	return name
}

// imlPath is a JSON Pointer as an IML expression on root (body, item).
func imlPath(root, pointer string) string {
	path := root
	if pointer != "" {
		for _, seg := range strings.Split(pointer, "/")[1:] {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
			if identifier.MatchString(seg) {
				path += "." + seg
			} else {
				path += ".`" + strings.ReplaceAll(seg, "`", "") + "`"
			}
		}
	}
	return "{{" + path + "}}"
}

// searchIterate is where a search's results are in its answer: an array,
// or one under data; empty when the answer is a single record.
func searchIterate(sample json.RawMessage) string {
	var v any
	if json.Unmarshal(sample, &v) == nil {
		if m, ok := v.(map[string]any); ok {
			if _, ok := m["data"].([]any); ok {
				return "{{body.data}}"
			}
			return ""
		}
	}
	return "{{body}}"
}

func crudOf(method string) string {
	switch method {
	case "POST":
		return "create"
	case "PUT", "PATCH":
		return "update"
	case "DELETE":
		return "delete"
	}
	return "read"
}

// makeType is a JSON type as a Make parameter type.
func makeType(typ string, enum []string) string {
	if len(enum) > 0 {
		return "select"
	}
	switch typ {
	case "integer":
		return "integer"
	case "number":
		return "number"
	case "boolean":
		return "boolean"
	case "object", "array":
		return "any"
	}
	return "text"
}

func makeOptions(enum []string) []any {
	out := make([]any, len(enum))
	for i, e := range enum {
		out[i] = obj{{"label", e}, {"value", e}}
	}
	return out
}

// eventInterface is what a trigger outputs: the event's envelope and, under
// data, the fields of its schema.
func eventInterface(t automation.Trigger) []any {
	data := obj{{"name", "data"}, {"label", "Data"}, {"type", "collection"}}
	if spec := schemaInterface(t.Schema); len(spec) > 0 {
		data = append(data, kv{"spec", spec})
	}
	return []any{
		obj{{"name", "id"}, {"label", "Event ID"}, {"type", "text"}},
		obj{{"name", "type"}, {"label", "Event type"}, {"type", "text"}},
		obj{{"name", "timestamp"}, {"label", "Published at"}, {"type", "date"}},
		data,
	}
}

// schemaInterface is a JSON Schema's top-level properties as Make output
// fields.
func schemaInterface(schema json.RawMessage) []any {
	var s struct {
		Properties map[string]struct {
			Type  any    `json:"type"`
			Title string `json:"title"`
		} `json:"properties"`
	}
	if json.Unmarshal(schema, &s) != nil {
		return nil
	}
	var out []any
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name]
		typ, _ := p.Type.(string)
		label := p.Title
		if label == "" {
			label = name
		}
		out = append(out, obj{{"name", name}, {"label", label}, {"type", makeType(typ, nil)}})
	}
	return out
}

// sampleInterface describes a sample answer's top-level fields.
func sampleInterface(sample json.RawMessage) []any {
	var m map[string]any
	if json.Unmarshal(sample, &m) != nil {
		return []any{}
	}
	out := []any{}
	for _, name := range sortedKeys(m) {
		typ := "text"
		switch m[name].(type) {
		case float64:
			typ = "number"
		case bool:
			typ = "boolean"
		case map[string]any:
			typ = "collection"
		case []any:
			typ = "array"
		}
		out = append(out, obj{{"name", name}, {"label", name}, {"type", typ}})
	}
	return out
}

func makeReadme(c automation.Catalog) string {
	return fmt.Sprintf(`# %[1]s for Make

A Make custom app generated by Patchbay from %[1]s's automation catalog (%[2]d triggers, %[3]d actions),
in the layout of Make's local development for apps (`+"`makecomapp.json`"+`). Regenerate it with
`+"`patchbay automation make --out DIR`"+` when event types or actions change; do not edit by hand.

- **Connection:** OAuth 2 against Patchbay (%[4]s). Register the Make app in Patchbay as a
  confidential OAuth client with the redirect URI `+"`https://www.make.com/oauth/cb/app`"+` and the
  scopes %[5]s, then put its client ID and secret in `+"`general/common.json`"+` (Make's Common data).
- **Triggers:** per event type, an instant trigger on a webhook that Make attaches through
  Patchbay's REST hooks (and detaches when the scenario is off), and a polling trigger for scenarios
  on a schedule.
- **Actions and searches:** one module per action, calling %[6]s with the user's token; fields whose
  choices another action lists use a remote procedure.

## Deploying to Make

1. Install Make's Apps SDK extension for Visual Studio Code and create the app in Make (Custom Apps →
   Create a new app); note its ID.
2. In `+"`makecomapp.json`"+`, set `+"`origins[0].appId`"+` (and `+"`baseUrl`"+` for your Make zone), put a Make
   API token in `+"`.secrets/apikey`"+`, open this folder in VS Code and run "Deploy to Make" on
   `+"`makecomapp.json`"+`.
3. Try each module in a scenario. To publish the app for everyone, request Make's review: it checks
   names, labels and help texts against Make's best practices, that connections validate with the
   info call, that triggers have epochs, and asks for test credentials.
`, c.Product.Name, len(c.Triggers), len(c.Actions), c.Product.PatchbayURL, strings.Join(c.OAuth.RequiredScopes, ", "), c.Product.APIBaseURL)
}
