package server

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// apiTag groups operations in the API reference by the path prefixes they
// live under. A new capability adds its prefixes here; TestOpenAPIReference
// fails on an operation no prefix covers.
type apiTag struct {
	name, description string
	prefixes          []string
}

// untagged is the tag of a path no apiTag covers; the reference test
// rejects it.
const untagged = "Untagged"

// embedTag is the tag of the browser components' API.
const embedTag = "Embed API"

var apiTags = []apiTag{
	{"Tenants", "The SaaS's customers. Every endpoint, message, source and connection belongs to one tenant; PUT creates a tenant the first time.",
		[]string{"/v1/tenants"}},
	{"API keys", "Admin API keys (pbk_…): scoped, optionally restricted to one tenant, each with its own rate limit.",
		[]string{"/v1/api-keys"}},
	{"Audit log", "Every change made through the admin and embed APIs, with the key or token that made it.",
		[]string{"/v1/audit-events"}},
	{"Branding", "The name, colours and logo that Patchbay's pages show, for the installation and per tenant.",
		[]string{"/v1/branding", "/v1/tenants/{tenant_id}/branding", "/assets"}},
	{"Outgoing webhooks", "Event types, customer endpoints, published messages and their deliveries: signed (Standard Webhooks), retried, logged and replayable.",
		[]string{"/v1/event-types", "/v1/tenants/{tenant_id}/endpoints", "/v1/tenants/{tenant_id}/messages", "/v1/tenants/{tenant_id}/deliveries"}},
	{"Incoming webhooks", "Sources that receive events from providers (Stripe, GitHub, Shopify, Slack or any signer), verify, deduplicate, store and forward them.",
		[]string{"/v1/sources", "/in"}},
	{"OAuth administration", "The OAuth provider's configuration: third-party apps, scopes, protected resources, login and consent requests, authorizations.",
		[]string{"/v1/oauth"}},
	{"OAuth protocol", "The OAuth 2 endpoints third-party apps and browsers call: authorization, token, revocation, introspection, device flow, dynamic registration, metadata.",
		[]string{"/oauth", "/.well-known"}},
	{"Connections", "Calls to third-party APIs for the SaaS's users: the provider catalog, integrations, the connect flow, stored connections, the proxy and polling syncs.",
		[]string{"/v1/providers", "/v1/integrations", "/v1/connect", "/v1/connections", "/v1/syncs", "/connect"}},
	{"Transformations", "Sandboxed WebAssembly transformations of payloads, their versions, tests and the endpoints and sources they are attached to.",
		[]string{"/v1/transformations"}},
	{"Marketplace", "App listings, their review and publication, categories, installations and reviews.",
		[]string{"/v1/marketplace"}},
	{"Automation", "Zapier, Make and n8n compatibility: the trigger and action catalog, REST hook subscriptions, polling, and the MCP server.",
		[]string{"/v1/automation", "/v1/tenants/{tenant_id}/automation", "/v1/hooks", "/mcp"}},
	{"Embed tokens", "Short-lived tokens the SaaS's backend mints for one user, which the browser components use instead of an API key.",
		[]string{"/v1/embed"}},
	{embedTag, "The API of the browser components (/embed/v1), called with an embed token from the SaaS's pages; see docs/embed.md.",
		[]string{"/embed/v1"}},
	{"Hosted pages", "Pages Patchbay serves to end users' browsers, each mounting one web component, and the components' bundle.",
		[]string{"/portal", "/embed/v1/patchbay.js"}},
	{"Review console", "The marketplace review console's page (/admin/marketplace), its sign-in, and its API, called with the console's session cookie; see docs/marketplace.md.",
		[]string{"/admin/marketplace"}},
	{"Operations", "Health, readiness, metrics and this reference.",
		[]string{"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"}},
	{"Development", "Routes served only with --dev: a request inbox for trying webhooks, and a login page standing in for the SaaS's.",
		[]string{"/dev", "/oauth/dev"}},
}

// tagFor is the tag of the longest prefix that covers path.
func tagFor(path string) string {
	best, bestLen := untagged, -1
	for _, t := range apiTags {
		for _, p := range t.prefixes {
			if (path == p || strings.HasPrefix(path, p+"/")) && len(p) > bestLen {
				best, bestLen = t.name, len(p)
			}
		}
	}
	return best
}

func tagList() []any {
	var out []any
	for _, t := range apiTags {
		out = append(out, object{"name": t.name, "description": t.description})
	}
	return out
}

// fieldSchema is the schema of a struct field: its type's, with the field's
// doc (description), enum ("a,b,c"), format and example tags.
func (s *schemaSet) fieldSchema(f reflect.StructField) object {
	schema := s.schema(f.Type)
	if d := f.Tag.Get("doc"); d != "" {
		schema["description"] = d
	}
	// enum and format apply to the string itself: inside a nullable's
	// oneOf, or to an array's items.
	target := schema
	if one, ok := schema["oneOf"].([]any); ok {
		target = one[0].(object)
	}
	if items, ok := target["items"].(object); ok && target["type"] == "array" {
		target = items
	}
	if _, isRef := target["$ref"]; isRef && (f.Tag.Get("enum") != "" || f.Tag.Get("format") != "") {
		panic("openapi: field " + f.Name + " has enum or format tags on a struct type")
	}
	if e := f.Tag.Get("enum"); e != "" {
		var values []any
		for _, v := range strings.Split(e, ",") {
			values = append(values, v)
		}
		target["enum"] = values
	}
	if fm := f.Tag.Get("format"); fm != "" {
		target["format"] = fm
	}
	if ex, ok := f.Tag.Lookup("example"); ok {
		var v any
		if err := json.Unmarshal([]byte(ex), &v); err != nil || target["type"] == "string" {
			v = ex // a plain string, for a string field
		}
		schema["examples"] = []any{v}
	}
	return schema
}

// addExamples adds an example request and success response to every JSON
// body, built from the schemas (and the examples their fields declare), so
// they cannot disagree with the types. TestOpenAPIExamplesValid checks them.
func addExamples(paths object, defs object) {
	for _, item := range paths {
		for _, op := range item.(object) {
			op := op.(object)
			if rb, ok := op["requestBody"].(object); ok {
				exampleContent(rb["content"].(object), defs)
			}
			for code, resp := range op["responses"].(object) {
				if !strings.HasPrefix(code, "2") {
					continue
				}
				if content, ok := resp.(object)["content"].(object); ok {
					exampleContent(content, defs)
				}
			}
		}
	}
}

func exampleContent(content object, defs object) {
	for mediaType, m := range content {
		m := m.(object)
		schema, _ := m["schema"].(object)
		switch {
		case mediaType == "application/json" && len(schema) == 1 && schema["type"] == "object":
			m["example"] = object{"openapi": "3.1.0", "info": object{"title": "Patchbay admin API", "version": "1"}, "paths": object{}}
		case mediaType == "application/json":
			m["example"] = exampleOf(schema, defs, "", 0)
		case mediaType == "text/plain":
			m["example"] = "# HELP patchbay_http_requests_total HTTP requests by route and status class.\n# TYPE patchbay_http_requests_total counter\n"
		}
	}
}

// exampleTime is the one instant examples show.
const exampleTime = "2026-12-08T09:30:00Z"

// exampleOf builds a value that schema accepts: a field's declared example,
// else the first of its enum, else one by its format, type and name.
func exampleOf(schema object, defs object, name string, depth int) any {
	if ref, ok := schema["$ref"].(string); ok {
		def, _ := defs[strings.TrimPrefix(ref, "#/components/schemas/")].(object)
		if ex, ok := schema["examples"].([]any); ok && len(ex) > 0 {
			return ex[0]
		}
		if depth > 8 { // a recursive type: stop where null is allowed
			return nil
		}
		return exampleOf(def, defs, name, depth+1)
	}
	if ex, ok := schema["examples"].([]any); ok && len(ex) > 0 {
		return ex[0]
	}
	if one, ok := schema["oneOf"].([]any); ok {
		return exampleOf(one[0].(object), defs, name, depth)
	}
	if enum, ok := schema["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	switch schema["type"] {
	case "string":
		return exampleString(schema, name)
	case "integer":
		switch {
		case name == "limit":
			return 20
		case strings.HasSuffix(name, "seconds") || strings.HasSuffix(name, "_ms"):
			return 30
		}
		return 1
	case "number":
		return 0.5
	case "boolean":
		return true
	case "array":
		items, _ := schema["items"].(object)
		return []any{exampleOf(items, defs, strings.TrimSuffix(name, "s"), depth)}
	case "object":
		out := object{}
		props, _ := schema["properties"].(object)
		for _, k := range sortedKeys(props) {
			out[k] = exampleOf(props[k].(object), defs, k, depth)
		}
		if add, ok := schema["additionalProperties"].(object); ok && len(props) == 0 {
			out["key"] = exampleOf(add, defs, "value", depth)
		}
		return out
	}
	return object{"order_id": "ord_1042", "total": 4200} // any JSON
}

func exampleString(schema object, name string) string {
	switch schema["format"] {
	case "date-time":
		return exampleTime
	case "uri":
		return "https://example.com/webhooks/patchbay"
	case "email":
		return "dev@example.com"
	case "binary":
		return ""
	}
	switch {
	case name == "tenant_id":
		return "acme" // tenants have the SaaS's own IDs
	case name == "id" || strings.HasSuffix(name, "_id"):
		return strings.TrimSuffix(name, "id") + "01JEXAMPLE0000000000000000"
	case strings.HasSuffix(name, "_at"):
		return exampleTime
	case strings.Contains(name, "url"):
		return "https://example.com/callback"
	case name == "name" || strings.HasSuffix(name, "_name"):
		return "Acme Inc."
	case name == "description":
		return "What this is for."
	}
	return "example"
}

func sortedKeys(m object) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
