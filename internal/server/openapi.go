package server

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// handleOpenAPI serves an OpenAPI 3.1 document built from the router's routes
// and the Go types of their bodies, so it cannot fall behind the code.
func handleOpenAPI(rt *router) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "This API's OpenAPI 3.1 document",
		Description: "This document: every route with its parameters, bodies, examples and required scope. " +
			"/docs renders it for people; SDK types are generated from it.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, doc := rt.document()
			w.Header().Set("Content-Type", "application/json")
			w.Write(doc) //nolint:errcheck // the client may be gone; nothing to do
		}),
	}
}

// document is the OpenAPI document of the router's routes, built at the
// first request (every route is registered by then), decoded and encoded.
func (rt *router) document() (object, []byte) {
	rt.docOnce.Do(func() {
		var err error
		rt.docJSON, err = json.Marshal(buildOpenAPI(rt.routes))
		if err != nil {
			panic("openapi: " + err.Error())
		}
		// The decoded copy holds only JSON types, as a client sees them.
		if err := json.Unmarshal(rt.docJSON, &rt.docObject); err != nil {
			panic("openapi: " + err.Error())
		}
	})
	return rt.docObject, rt.docJSON
}

type object = map[string]any

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func buildOpenAPI(routes []route) object {
	doc, _ := buildOpenAPITypes(routes)
	return doc
}

// buildOpenAPITypes builds the document and says which Go type each
// component schema was made from.
func buildOpenAPITypes(routes []route) (object, map[string]string) {
	schemas := &schemaSet{defs: object{}, goNames: map[string]string{}}
	problem := schemas.ref(reflect.TypeFor[httpapi.Problem]())
	paths := object{}
	for _, rt := range routes {
		methods, path := rt.operations()
		item, _ := paths[path].(object)
		if item == nil {
			item = object{}
			paths[path] = item
		}
		for _, method := range methods {
			item[strings.ToLower(method)] = operation(rt, method, path, schemas, problem)
		}
	}
	addExamples(paths, schemas.defs)
	return object{
		"openapi": "3.1.0",
		"info": object{
			"title":       "Patchbay admin API",
			"version":     "1",
			"description": "The SaaS's integration backbone. Admin calls carry Authorization: Bearer pbk_…",
		},
		"servers": []any{object{"url": "/", "description": "The Patchbay node serving this document"}},
		"paths":   paths,
		"tags":    tagList(),
		"components": object{
			"schemas": schemas.defs,
			"securitySchemes": object{
				"bearer": object{"type": "http", "scheme": "bearer", "description": scopesDescription()},
				"embedToken": object{"type": "http", "scheme": "bearer", "description": "An embed token (pbe_…) that the SaaS's backend minted with POST /v1/embed/tokens for one user; " +
					"/embed/v1 routes (tag Embed API) take it, never an API key, and each names in x-patchbay-capability what the token must grant " +
					"(webhooks, webhooks:read, connections, authorized_apps; any: every token)."},
				"consoleSession": object{"type": "apiKey", "in": "cookie", "name": "patchbay_console", "description": "The review console's session " +
					"(__Host-patchbay_console over https), set by POST /admin/marketplace/session for an admin API key; changes also carry " +
					"its CSRF token in X-CSRF-Token. Routes under /admin/marketplace/api (tag console) take it, for the console's own page."},
			},
		},
	}, schemas.goNames
}

// scopesDescription describes the bearer scheme and lists every scope a key
// may hold, which operations name in their security requirement.
func scopesDescription() string {
	var b strings.Builder
	b.WriteString("An admin API key (pbk_…). Each operation names the scope it needs in its security requirement and in x-patchbay-scope. The scopes:\n")
	for _, s := range auth.Scopes {
		fmt.Fprintf(&b, "\n- `%s`: %s", s.Name, s.Description)
		if len(s.Implies) > 0 {
			fmt.Fprintf(&b, " (includes %s)", strings.Join(s.Implies, ", "))
		}
	}
	return b.String()
}

// anyMethod are the methods OpenAPI can describe, under which a route
// pattern without a method (it matches them all) is documented.
var anyMethod = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

// operations are the methods and the OpenAPI path a route is documented
// under: a wildcard such as {path...} is written {path}.
func (r route) operations() (methods []string, path string) {
	method, path, ok := strings.Cut(r.pattern, " ")
	if !ok {
		return anyMethod, strings.ReplaceAll(r.pattern, "...}", "}")
	}
	return []string{method}, strings.ReplaceAll(path, "...}", "}")
}

// operation documents the route under one method.
func operation(rt route, method, path string, schemas *schemaSet, problem object) object {
	op := object{
		"operationId": operationID(method, path),
		"summary":     rt.endpoint.Summary,
		"tags":        []any{tagFor(path)},
		"security":    []any{}, // public unless a key or token is needed below
	}
	description := rt.endpoint.Description
	if rt.admin {
		description = strings.TrimSpace(description + "\n\nRequires scope `" + rt.access.Scope + "`.")
	}
	if rt.capability != "" {
		description = strings.TrimSpace(description + "\n\nRequires an embed token granting `" + rt.capability + "`.")
	}
	if description != "" {
		op["description"] = description
	}
	if rt.endpoint.Secret {
		op["x-patchbay-secret"] = true // its responses carry a secret and are never cached
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		params = append(params, object{"name": m[1], "in": "path", "required": true, "schema": object{"type": "string"}})
	}
	for _, q := range rt.endpoint.Query {
		params = append(params, object{"name": q.Name, "in": "query", "description": q.Description, "schema": object{"type": "string"}})
	}
	switch {
	case rt.forwarded:
		params = append(params, object{"name": "Idempotency-Key", "in": "header",
			"description": "passed on as it is; lets Patchbay retry a POST or PATCH", "schema": object{"type": "string"}})
	case (rt.admin || rt.capability != "") && method != http.MethodGet:
		params = append(params, object{"name": "Idempotency-Key", "in": "header",
			"description": "makes the request safe to retry: a retry gets the first response", "schema": object{"type": "string", "maxLength": 255}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if types := rt.endpoint.RawRequest; len(types) > 0 {
		content := object{}
		for _, t := range types {
			content[t] = object{"schema": object{"type": "string", "format": "binary"}}
		}
		op["requestBody"] = object{"required": true, "content": content}
	}
	if rt.endpoint.Request != nil {
		op["requestBody"] = object{"required": !rt.endpoint.OptionalBody, "content": object{
			"application/json": object{"schema": schemas.ref(reflect.TypeOf(rt.endpoint.Request))}}}
	}
	status := rt.endpoint.Status
	if status == 0 {
		status = http.StatusOK
	}
	success := object{"description": http.StatusText(status)}
	switch {
	case rt.endpoint.Response != nil:
		success["content"] = object{"application/json": object{"schema": schemas.ref(reflect.TypeOf(rt.endpoint.Response))}}
	case path == "/metrics":
		success["content"] = object{"text/plain": object{"schema": object{"type": "string"}}}
	case path == "/openapi.json":
		success["content"] = object{"application/json": object{"schema": object{"type": "object"}}}
	}
	problemResponse := func(desc string) object {
		return object{"description": desc, "content": object{"application/problem+json": object{"schema": problem}}}
	}
	responses := object{strconv.Itoa(status): success, "default": problemResponse("An error, as RFC 9457 problem details")}
	if rt.endpoint.MayCreate {
		created := maps.Clone(success)
		created["description"] = http.StatusText(http.StatusCreated)
		responses[strconv.Itoa(http.StatusCreated)] = created
	}
	if rt.admin {
		responses["401"] = problemResponse("Missing or invalid API key")
		responses["429"] = problemResponse("Rate limit exceeded; see Retry-After")
		responses["503"] = problemResponse("The database is unavailable for the moment; retry after Retry-After with the same Idempotency-Key")
		responses["403"] = problemResponse("The API key lacks the scope in x-patchbay-scope, or is restricted to a tenant and the route reaches none")
		op["security"] = []any{object{"bearer": []any{rt.access.Scope}}}
		op["x-patchbay-scope"] = rt.access.Scope
		// Keys restricted to a tenant may call the route, reaching only
		// their tenant's objects; other tenants' answer 404.
		op["x-patchbay-tenant-keys"] = !rt.access.Installation
	}
	if rt.capability != "" {
		responses["401"] = problemResponse("Missing, invalid, expired or revoked embed token; the problem type ends with token_invalid, token_expired or token_revoked")
		responses["403"] = problemResponse("The embed token does not grant the capability in x-patchbay-capability (capability_missing), or the page's Origin is not one of the token's (origin_not_allowed)")
		responses["429"] = problemResponse("Rate limit exceeded, for the token or the client address; see Retry-After")
		responses["503"] = problemResponse("The database is unavailable for the moment; retry after Retry-After")
		op["security"] = []any{object{"embedToken": []any{}}}
		op["x-patchbay-capability"] = rt.capability
	}
	if rt.console {
		responses["401"] = problemResponse("No live console session (session_invalid): the cookie is missing or expired, the operator signed out, or the key was revoked")
		responses["403"] = problemResponse("The session's key lacks the scope in x-patchbay-scope, or a change lacks the session's CSRF token (csrf_failed)")
		responses["429"] = problemResponse("Rate limit exceeded; see Retry-After")
		responses["503"] = problemResponse("The database is unavailable for the moment; retry after Retry-After")
		op["security"] = []any{object{"consoleSession": []any{}}}
		op["x-patchbay-scope"] = rt.access.Scope
	}
	if rt.limited {
		responses["429"] = object{"description": "Too many requests from this client address (a page for browsers' pages, a problem otherwise); see Retry-After"}
	}
	op["responses"] = responses
	return op
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '-' || r == '_' || r == '.' }) {
		part = strings.Trim(part, "{}")
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// schemaSet turns Go types into JSON Schemas, named struct types into
// components shared by reference.
type schemaSet struct {
	defs object
	// goNames maps a component name to its Go type, for the messages of the
	// tests that find undocumented fields.
	goNames map[string]string
}

var timeType = reflect.TypeFor[time.Time]()
var rawType = reflect.TypeFor[json.RawMessage]()

// schemaOwner is a type whose JSON is not what its Go kind suggests (a
// duration written as "5m"), which says its schema itself.
type schemaOwner interface{ OpenAPISchema() map[string]any }

var schemaOwnerType = reflect.TypeFor[schemaOwner]()

func (s *schemaSet) ref(t reflect.Type) object {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType {
		return s.schema(t)
	}
	name := schemaName(t)
	if _, ok := s.defs[name]; !ok {
		s.defs[name] = object{} // placeholder: stops recursion
		if s.goNames == nil {
			s.goNames = map[string]string{}
		}
		s.goNames[name] = t.String()
		s.defs[name] = s.structSchema(t)
	}
	return object{"$ref": "#/components/schemas/" + name}
}

func (s *schemaSet) schema(t reflect.Type) object {
	switch {
	case t == timeType:
		return object{"type": "string", "format": "date-time"}
	case t == rawType:
		return object{}
	case t.Implements(schemaOwnerType):
		return object(reflect.Zero(t).Interface().(schemaOwner).OpenAPISchema())
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := s.ref(t.Elem())
		return object{"oneOf": []any{inner, object{"type": "null"}}}
	case reflect.String:
		return object{"type": "string"}
	case reflect.Bool:
		return object{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return object{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return object{"type": "number"}
	case reflect.Slice, reflect.Array:
		return object{"type": "array", "items": s.ref(t.Elem())}
	case reflect.Map:
		return object{"type": "object", "additionalProperties": s.ref(t.Elem())}
	case reflect.Struct:
		return s.ref(t)
	}
	return object{}
}

func (s *schemaSet) structSchema(t reflect.Type) object {
	props := object{}
	var required []string
	s.addFields(t, props, &required)
	schema := object{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		schema["required"] = required
	}
	return schema
}

func (s *schemaSet) addFields(t reflect.Type, props object, required *[]string) {
	for f := range t.Fields() {
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			s.goNames["embedded "+f.Type.String()] = f.Type.String()
			s.addFields(f.Type, props, required) // embedded fields are promoted in JSON
			continue
		}
		name, ok := httpapi.JSONName(f)
		if !ok {
			continue
		}
		props[name] = s.fieldSchema(f)
		if !strings.Contains(f.Tag.Get("json"), "omitempty") {
			*required = append(*required, name)
		}
	}
}

// schemaName names a type by its package and name: tenants.putRequest →
// TenantsPutRequest, httpapi.List[…/tenants.Tenant] → HttpapiListTenantsTenant.
func schemaName(t reflect.Type) string {
	full := t.Name()
	if pkg := t.PkgPath(); pkg != "" {
		full = pkg[strings.LastIndex(pkg, "/")+1:] + "." + full
	}
	full = importPath.ReplaceAllString(full, "") // generic arguments' import paths
	full = qualifier.ReplaceAllStringFunc(full, func(q string) string {
		if to, ok := publishedAs[strings.TrimSuffix(q, ".")]; ok {
			return to + "."
		}
		return q
	})
	var b strings.Builder
	for _, part := range strings.FieldsFunc(full, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

var importPath = regexp.MustCompile(`[^\[\],]*/`)

// qualifier is a package name before a type's, such as "syncs." in
// "httpapi.List[syncs.Sync]".
var qualifier = regexp.MustCompile(`\w+\.`)

// publishedAs maps a package whose types moved from another to the package
// they were first documented under. Component names are what clients
// generated from the document call the types, so a move inside the code
// must not rename them.
var publishedAs = map[string]string{"syncs": "connect"}

// OpenAPIDocument is the document every node serves at /openapi.json (the
// admin API on, development routes off), built without a database: for
// `patchbay openapi`, the linter and the SDK generators.
func OpenAPIDocument() ([]byte, error) {
	d := Deps{AdminAPI: true}
	rt := newRouter(d)
	addRoutes(rt, d)
	rt.finish()
	return json.MarshalIndent(buildOpenAPI(rt.routes), "", "  ")
}
