// Package gen writes the SDKs' generated parts from the OpenAPI document:
// client/zz_operations.go (Go types and a method per operation not written
// by hand) and sdk/typescript/src/generated.ts (TypeScript types and a
// method per operation). Its command is client/internal/gen/sdkgen; a test
// in each SDK fails when the committed output is not what it writes now.
package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"slices"
	"sort"
	"strings"
	"unicode"
)

type object = map[string]any

// HandWritten maps the operations client/ implements by hand to their
// methods; the generator writes none for them.
var HandWritten = map[string]string{
	"postV1EmbedTokens":                                           "MintEmbedToken",
	"getV1EmbedTokens":                                            "ListEmbedTokens",
	"deleteV1EmbedTokensEmbedTokenId":                             "RevokeEmbedToken",
	"postV1ApiKeys":                                               "CreateAPIKey",
	"getV1ApiKeys":                                                "ListAPIKeys",
	"getV1ApiKeysKeyId":                                           "APIKey",
	"patchV1ApiKeysKeyId":                                         "UpdateAPIKey",
	"deleteV1ApiKeysKeyId":                                        "RevokeAPIKey",
	"putV1TenantsTenantId":                                        "PutTenant",
	"getV1TenantsTenantId":                                        "Tenant",
	"getV1Tenants":                                                "ListTenants",
	"deleteV1TenantsTenantId":                                     "DeleteTenant",
	"getReadyz":                                                   "Ready",
	"postV1EventTypes":                                            "CreateEventType",
	"deleteV1EventTypesEventType":                                 "ArchiveEventType",
	"postV1TenantsTenantIdEndpoints":                              "CreateEndpoint",
	"getV1TenantsTenantIdEndpointsEndpointId":                     "Endpoint",
	"patchV1TenantsTenantIdEndpointsEndpointId":                   "UpdateEndpoint",
	"deleteV1TenantsTenantIdEndpointsEndpointId":                  "DeleteEndpoint",
	"getV1TenantsTenantIdEndpointsEndpointIdSecret":               "EndpointSecret",
	"postV1TenantsTenantIdEndpointsEndpointIdSecretRotate":        "RotateEndpointSecret",
	"postV1TenantsTenantIdMessages":                               "Publish",
	"postV1TenantsTenantIdMessagesBatch":                          "PublishBatch",
	"getV1TenantsTenantIdMessages":                                "ListMessages",
	"getV1TenantsTenantIdMessagesMessageId":                       "Message",
	"getV1TenantsTenantIdEndpointsEndpointIdDeliveries":           "EndpointDeliveries",
	"getV1TenantsTenantIdDeliveriesDeliveryId":                    "Delivery",
	"postV1TenantsTenantIdDeliveriesDeliveryIdResend":             "ResendDelivery",
	"postV1TenantsTenantIdEndpointsEndpointIdRecover":             "RecoverEndpoint",
	"getV1TenantsTenantIdEndpointsEndpointIdRecoveriesRecoveryId": "Recovery",
	"getV1TenantsTenantIdEndpointsEndpointIdStats":                "EndpointStats",
	"deleteV1ConnectionsConnectionIdProxyPath":                    "Proxy",
	"getV1ConnectionsConnectionIdProxyPath":                       "Proxy",
	"headV1ConnectionsConnectionIdProxyPath":                      "Proxy",
	"optionsV1ConnectionsConnectionIdProxyPath":                   "Proxy",
	"patchV1ConnectionsConnectionIdProxyPath":                     "Proxy",
	"postV1ConnectionsConnectionIdProxyPath":                      "Proxy",
	"putV1ConnectionsConnectionIdProxyPath":                       "Proxy",
	"traceV1ConnectionsConnectionIdProxyPath":                     "Proxy",
	// The OAuth protocol endpoints take form-encoded bodies.
	"postOauthToken":               "OAuthToken",
	"postOauthIntrospect":          "IntrospectOAuthToken",
	"postOauthRevoke":              "RevokeOAuthToken",
	"postOauthDeviceAuthorization": "OAuthDeviceAuthorization",
}

// handTypes are schemas hand-written methods return, generated all the same.
var handTypes = []string{"OauthTokenResponse", "OauthIntrospection", "OauthDeviceAuthResponse"}

// NoMethod lists the operations no SDK method covers, each with the reason:
// browsers and providers call them, not the SaaS's backend.
var NoMethod = map[string]string{
	"getOauthAuthorize":            "a browser page of the OAuth flow",
	"getOauthConsent":              "a browser page of the OAuth flow",
	"postOauthConsent":             "a browser form of the OAuth flow",
	"getOauthDevice":               "a browser page of the device flow",
	"postOauthDevice":              "a browser form of the device flow",
	"getConnectToken":              "a browser page of the connect flow",
	"postConnectSessionsSessionId": "a browser form of the connect flow",
	"getConnectCallback":           "the provider's redirect in the connect flow",
	"getConnectDone":               "a browser page of the connect flow",
	"getPortalWebhooks":            "a hosted browser page",
	"getPortalConnections":         "a hosted browser page",
	"getPortalAuthorizedApps":      "a hosted browser page",
	"getDocs":                      "the API reference page, for people",
	"getEmbedV1PatchbayJs":         "the web components' script, for browsers",
	"optionsEmbedV1Path":           "browsers' CORS preflight",
	"getInSourceId":                "called by webhook providers, not the SaaS",
	"postInSourceId":               "called by webhook providers, not the SaaS",
	"getInSourceIdIngestToken":     "called by webhook providers, not the SaaS",
	"postInSourceIdIngestToken":    "called by webhook providers, not the SaaS",
}

// renamed overrides the name the rules below give an operation.
var renamed = map[string]string{
	"getHealthz":                                 "Health",
	"getOpenapiJson":                             "OpenAPIDocument",
	"postOauthRevoke":                            "RevokeOAuthToken",
	"postOauthIntrospect":                        "IntrospectOAuthToken",
	"postOauthToken":                             "OAuthToken",
	"postOauthRegister":                          "RegisterOAuthClient",
	"getOauthRegisterClientId":                   "GetOAuthClientRegistration",
	"putOauthRegisterClientId":                   "PutOAuthClientRegistration",
	"deleteOauthRegisterClientId":                "DeleteOAuthClientRegistration",
	"postOauthDeviceAuthorization":               "OAuthDeviceAuthorization",
	"getWellKnownOauthAuthorizationServer":       "GetOAuthServerMetadata",
	"getWellKnownOauthProtectedResourceResource": "GetOAuthResourceMetadata",
	"getAssetsFile":                              "GetAsset",
}

// actions are last path segments that name what a POST does.
var actions = []string{"rotate", "revoke", "replay", "run", "accept", "reject", "resend", "recover", "test", "connect"}

// Operation is one operation of the document, as the generators see it.
type Operation struct {
	ID, Method, Path, Name, Summary, Description string
	PathParams                                   []string
	Query                                        []string
	List                                         bool // limit and cursor: a page, with an iterator
	Request                                      object
	RawRequest                                   []string
	Response                                     object // nil: no body
	RawResponse                                  bool
	Status                                       string
}

// Operations reads the document's operations, each with its SDK method
// name, sorted by name. NoMethod's are left out, HandWritten's marked.
func Operations(doc object) ([]Operation, error) {
	var ops []Operation
	paths, _ := doc["paths"].(object)
	for _, path := range sortedKeys(paths) {
		item := paths[path].(object)
		for _, method := range sortedKeys(item) {
			op := item[method].(object)
			o := Operation{ID: str(op["operationId"]), Method: strings.ToUpper(method), Path: path,
				Summary: str(op["summary"]), Description: str(op["description"])}
			if _, skip := NoMethod[o.ID]; skip {
				continue
			}
			for _, p := range list(op["parameters"]) {
				p := p.(object)
				switch p["in"] {
				case "path":
					o.PathParams = append(o.PathParams, str(p["name"]))
				case "query":
					o.Query = append(o.Query, str(p["name"]))
				}
			}
			o.List = slices.Contains(o.Query, "limit") && slices.Contains(o.Query, "cursor")
			if rb, ok := op["requestBody"].(object); ok {
				content, _ := rb["content"].(object)
				// A body that may be JSON among other media types (a provider
				// definition as YAML or JSON) is raw bytes: its schema says binary.
				if m, ok := content["application/json"].(object); ok && m["schema"].(object)["format"] != "binary" {
					o.Request, _ = m["schema"].(object)
				} else {
					o.RawRequest = sortedKeys(content)
				}
			}
			responses, _ := op["responses"].(object)
			for _, code := range sortedKeys(responses) {
				if !strings.HasPrefix(code, "2") || code == "201" && o.Status != "" {
					continue
				}
				o.Status = code
				content, _ := responses[code].(object)["content"].(object)
				if m, ok := content["application/json"].(object); ok {
					o.Response, _ = m["schema"].(object)
				} else if code != "204" {
					o.RawResponse = true
				}
			}
			o.Name = methodName(o)
			if h, ok := HandWritten[o.ID]; ok {
				o.Name = h
			}
			ops = append(ops, o)
		}
	}
	seen := map[string]string{}
	for _, o := range ops {
		if prev, ok := seen[o.Name]; ok && HandWritten[o.ID] == "" {
			return nil, fmt.Errorf("operations %s and %s both get the method name %s: add one to renamed in client/internal/gen", prev, o.ID, o.Name)
		}
		seen[o.Name] = o.ID
	}
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	return ops, nil
}

// methodName names an operation by its method and path: List, Get,
// Create, Put, Update, Delete or an action, then the path's words, each
// collection followed by an ID singular; /embed/v1 operations say Embed.
func methodName(o Operation) string {
	if n, ok := renamed[o.ID]; ok {
		return n
	}
	segs := strings.FieldsFunc(o.Path, func(r rune) bool { return r == '/' })
	prefix := ""
	switch {
	case len(segs) > 1 && segs[0] == "embed" && segs[1] == "v1":
		segs, prefix = segs[2:], "Embed"
	case len(segs) > 0 && segs[0] == "v1":
		segs = segs[1:]
	}
	type word struct {
		text  string
		param bool
	}
	var words []word
	for _, s := range segs {
		words = append(words, word{s, strings.HasPrefix(s, "{")})
	}
	lastStatic := -1
	for i, w := range words {
		if !w.param {
			lastStatic = i
		}
	}
	endsWithParam := len(words) > 0 && words[len(words)-1].param
	verb := ""
	action := ""
	if !endsWithParam && lastStatic >= 0 && o.Method == "POST" && slices.Contains(actions, words[lastStatic].text) {
		action = words[lastStatic].text
		words = words[:lastStatic]
	}
	var b strings.Builder
	for i, w := range words {
		if w.param {
			continue
		}
		name := camel(w.text)
		followedByParam := i+1 < len(words) && words[i+1].param
		if followedByParam || (i == len(words)-1 && o.Method == "POST" && action == "") {
			name = singular(name)
		}
		b.WriteString(name)
	}
	switch {
	case action != "":
		verb = camel(action)
	case o.Method == "GET" && o.List:
		verb = "List"
	case o.Method == "GET":
		verb = "Get"
	case o.Method == "POST" && endsWithParam:
		verb = "Post"
	case o.Method == "POST":
		verb = "Create"
	case o.Method == "PUT":
		verb = "Put"
	case o.Method == "PATCH":
		verb = "Update"
	case o.Method == "DELETE":
		verb = "Delete"
	default:
		verb = camel(strings.ToLower(o.Method))
	}
	return verb + prefix + b.String()
}

func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies"):
		return strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "ss"):
		return s
	case strings.HasSuffix(s, "s"):
		return strings.TrimSuffix(s, "s")
	}
	return s
}

// camel turns "api-keys" or "tenant_id" into "APIKeys" or "TenantID".
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == '{' || r == '}' }) {
		b.WriteString(initialism(strings.ToUpper(part[:1]) + part[1:]))
	}
	return b.String()
}

var initialisms = map[string]string{"Id": "ID", "Api": "API", "Url": "URL", "Uri": "URI", "Uris": "URIs", "Urls": "URLs", "Oauth": "OAuth",
	"Ms": "MS", "Http": "HTTP", "Json": "JSON", "Ip": "IP", "Iss": "ISS", "Tos": "TOS", "Ids": "IDs", "Js": "JS", "Sha": "SHA"}

func initialism(s string) string {
	if to, ok := initialisms[s]; ok {
		return to
	}
	return s
}

// lowerFirst makes a Go name a TypeScript method name: APIKey → apiKey.
func lowerFirst(s string) string {
	if rest, ok := strings.CutPrefix(s, "OAuth"); ok {
		return "oauth" + rest
	}
	r := []rune(s)
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	switch {
	case i == 0:
		return s
	case i == 1 || i == len(r):
		return strings.ToLower(string(r[:i])) + string(r[i:])
	}
	return strings.ToLower(string(r[:i-1])) + string(r[i-1:])
}

func str(v any) string { s, _ := v.(string); return s }

func list(v any) []any { l, _ := v.([]any); return l }

func sortedKeys(m object) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func refName(s object) string {
	ref, _ := s["$ref"].(string)
	return strings.TrimPrefix(ref, "#/components/schemas/")
}

// listItem is the item schema of an httpapi.List schema, or nil.
func listItem(schemas object, name string) object {
	if !strings.HasPrefix(name, "HttpapiList") {
		return nil
	}
	s, _ := schemas[name].(object)
	props, _ := s["properties"].(object)
	data, _ := props["data"].(object)
	items, _ := data["items"].(object)
	return items
}

// Generate writes both SDKs' generated files from the document.
func Generate(docJSON []byte) (goSrc, tsSrc []byte, err error) {
	var doc object
	if err := json.Unmarshal(docJSON, &doc); err != nil {
		return nil, nil, err
	}
	ops, err := Operations(doc)
	if err != nil {
		return nil, nil, err
	}
	components, _ := doc["components"].(object)
	schemas, _ := components["schemas"].(object)
	raw := writeGo(ops, schemas)
	goSrc, err = format.Source(raw)
	if err != nil {
		return raw, nil, fmt.Errorf("format the Go source: %w", err)
	}
	return goSrc, writeTS(ops, schemas), nil
}

// comment writes text as Go comment lines of about 80 columns.
func comment(b *bytes.Buffer, indent, text string) {
	line := indent + "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 100 && line != indent+"//" {
			b.WriteString(line + "\n")
			line = indent + "//"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}
