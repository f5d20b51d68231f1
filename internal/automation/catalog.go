// Package automation makes the SaaS's events and API one catalog for
// automation platforms (Zapier, Make, n8n) and AI agents: triggers (the
// exposed event types, with display names, filter fields and samples),
// actions (the SaaS's API operations, declared by hand or imported from its
// OpenAPI document), REST hooks and polling for platforms acting for a user
// with an OAuth token Patchbay issued, and an MCP server.
//
// The Catalog type is the contract the app generators (patchbay automation
// zapier|make|n8n) are written against; see /docs/automation.md.
package automation

import "encoding/json"

// CatalogVersion is the version of the Catalog's shape. It changes only
// when a field changes meaning or disappears; new fields do not change it.
const CatalogVersion = "1"

// Catalog is everything a platform app is generated from: who the product
// is, how a platform signs a user in, what can start a workflow (triggers)
// and what a workflow can do (actions). Lists are sorted by key, so the same
// catalog always marshals to the same bytes.
type Catalog struct {
	Version  string    `json:"version" doc:"The version of the catalog's shape; generators refuse versions they do not know."`
	Product  Product   `json:"product" doc:"The SaaS product the generated apps are for."`
	OAuth    OAuth     `json:"oauth" doc:"How a platform obtains a user's access token from Patchbay."`
	Hooks    Hooks     `json:"hooks" doc:"Patchbay's REST hook, polling and connection-test endpoints for triggers."`
	Triggers []Trigger `json:"triggers" doc:"The exposed triggers, sorted by key."`
	Actions  []Action  `json:"actions" doc:"The actions (creates, updates and searches), sorted by key."`
}

// Product names the SaaS.
type Product struct {
	// Name is the product's display name, such as Acme.
	Name string `json:"name" doc:"The product's display name, such as Acme."`
	// Key is Name folded to lower-case letters, digits and hyphens (acme),
	// for package and app identifiers (n8n-nodes-acme).
	Key         string `json:"key" doc:"The product name as lower-case letters, digits and hyphens, for package and app identifiers."`
	Description string `json:"description" doc:"One or two sentences about the product, for the platforms' listings."`
	LogoURL     string `json:"logo_url,omitempty" doc:"An absolute URL of the product's logo, when one is set." format:"uri"`
	HomepageURL string `json:"homepage_url,omitempty" doc:"The product's home page." format:"uri"`
	// APIBaseURL is the SaaS's own API, which actions call.
	APIBaseURL string `json:"api_base_url" doc:"The base URL of the SaaS's API, which every action's URL template starts with." format:"uri"`
	// PatchbayURL is Patchbay's public base URL (its OAuth issuer), where
	// the hook, poll and MCP endpoints live.
	PatchbayURL string `json:"patchbay_url" doc:"Patchbay's public base URL, the OAuth issuer." format:"uri"`
	MCPURL      string `json:"mcp_url" doc:"The URL of the MCP server (Streamable HTTP) serving this catalog to AI agents." format:"uri"`
}

// OAuth is the authorization-code flow with PKCE (S256) and rotating refresh
// tokens that the generated apps use.
type OAuth struct {
	AuthorizeURL string `json:"authorize_url" doc:"The authorization endpoint." format:"uri"`
	TokenURL     string `json:"token_url" doc:"The token endpoint (authorization_code and refresh_token grants)." format:"uri"`
	RevokeURL    string `json:"revoke_url" doc:"The revocation endpoint (RFC 7009)." format:"uri"`
	// PKCE is always S256: Patchbay accepts no other method.
	PKCE string `json:"pkce" doc:"The PKCE method, always S256." enum:"S256"`
	// Resource, when set, is the resource indicator (RFC 8707) a platform
	// sends at authorize and token so that its token is for the SaaS's API.
	Resource string `json:"resource,omitempty" doc:"The resource indicator the platform sends so its token is for the SaaS's API." format:"uri"`
	// Scopes are the scopes apps may ask for. RequiredScopes are the ones
	// a generated app asks for: the union of every trigger's and action's.
	Scopes         []Scope  `json:"scopes" doc:"Every scope in the SaaS's scope catalog, sorted by name."`
	RequiredScopes []string `json:"required_scopes" doc:"The scopes a generated app asks for: those of its triggers and actions, sorted."`
}

// Scope is one permission from the SaaS's scope catalog.
type Scope struct {
	Name        string `json:"name" doc:"The scope, such as read:projects."`
	Description string `json:"description" doc:"What the scope allows, as the consent screen shows it."`
	AccessLevel string `json:"access_level" doc:"What kind of access the scope gives." enum:"read,write,admin"`
}

// Hooks are the endpoints triggers use, all under Product.PatchbayURL and
// all authorized with the user's access token (Authorization: Bearer).
type Hooks struct {
	// SubscribeURL takes POST {"target_url","trigger","filter"} and answers
	// 201 (or 200 for an existing identical subscription) with {"id",…}.
	SubscribeURL string `json:"subscribe_url" doc:"POST here to subscribe: {target_url, trigger, filter}; the answer's id unsubscribes." format:"uri"`
	// UnsubscribeURL is a template with {id}: DELETE answers 204.
	UnsubscribeURL string `json:"unsubscribe_url" doc:"DELETE this template, with {id} replaced, to unsubscribe." format:"uri"`
	// PollURL is a template with {trigger}: GET answers {"data":[events],
	// "next_cursor"}, newest first; ?limit= and ?cursor= page.
	PollURL string `json:"poll_url" doc:"GET this template, with {trigger} replaced, for recent events newest first (limit, cursor)." format:"uri"`
	// MeURL answers GET with the user and team, for connection tests.
	MeURL string `json:"me_url" doc:"GET for the connected user and team, the platforms' connection test." format:"uri"`
	// Scope is the scope that subscribing and polling need.
	Scope string `json:"scope" doc:"The scope the hook and poll endpoints require."`
}

// Trigger is an exposed event type.
type Trigger struct {
	// Key is the event type's name, such as invoice.paid.
	Key         string `json:"key" doc:"The event type's name, such as invoice.paid; the trigger value of subscriptions and polls."`
	DisplayName string `json:"display_name" doc:"The name platforms show, such as New paid invoice."`
	Description string `json:"description" doc:"What the trigger fires on."`
	// Schema is the event type's JSON Schema for the payload (data) of its
	// events; {} when the type has none.
	Schema json.RawMessage `json:"schema" doc:"The JSON Schema of the event's data; {} when the type has none."`
	// Sample is one event as a subscriber receives it (see Event).
	Sample Event `json:"sample" doc:"One event as deliveries and polls give it, for the platforms' test step."`
	// FilterFields are the payload fields a user may filter on when
	// subscribing; a subscription's filter maps their keys to values.
	FilterFields []FilterField `json:"filter_fields" doc:"The payload fields a subscriber may filter on."`
}

// Event is one event as REST hooks deliver it (the body of each delivery)
// and polls list it.
type Event struct {
	ID        string          `json:"id" doc:"The event's ID, stable across deliveries and polls, for deduplication."`
	Type      string          `json:"type" doc:"The event type (the trigger's key)."`
	Timestamp string          `json:"timestamp" doc:"When the event was published, RFC 3339 UTC."`
	Data      json.RawMessage `json:"data" doc:"The event's payload, matching the trigger's schema."`
}

// FilterField is a payload field subscribers may filter on: a delivery goes
// out only when the event's value at Pointer equals the filter's value.
type FilterField struct {
	// Key is what the subscription's filter object uses; it is the field's
	// path with dots (customer.country).
	Key     string `json:"key" doc:"The filter's key, the field's path joined by dots, such as customer.country."`
	Pointer string `json:"pointer" doc:"The JSON Pointer (RFC 6901) of the field in the event's data."`
	Label   string `json:"label" doc:"The field's label, from the schema's title or its key."`
	Help    string `json:"help,omitempty" doc:"Help text, from the schema's description."`
	// Type is string, integer, number or boolean: only scalar fields filter.
	Type string   `json:"type" doc:"The field's JSON type." enum:"string,integer,number,boolean"`
	Enum []string `json:"enum,omitempty" doc:"The values the field may take, when the schema fixes them."`
}

// Action is one operation of the SaaS's API.
type Action struct {
	Key         string `json:"key" doc:"The action's key: lower-case letters, digits and underscores, such as create_project."`
	DisplayName string `json:"display_name" doc:"The name platforms show, such as Create Project."`
	Description string `json:"description" doc:"What the action does."`
	// Search actions find records (Zapier searches, Make search modules,
	// n8n get/getAll operations); they should not change anything.
	Search bool   `json:"search" doc:"Whether the action finds records rather than changing them."`
	Method string `json:"method" doc:"The HTTP method." enum:"GET,POST,PUT,PATCH,DELETE"`
	// URLTemplate is an absolute URL on Product.APIBaseURL whose {name}
	// placeholders are filled from input fields of the same name; those
	// fields are not sent in the body. Other fields go in the JSON body
	// (POST, PUT, PATCH) or the query string (GET, DELETE).
	URLTemplate string `json:"url_template" doc:"The URL on the SaaS's API; {name} placeholders are filled from input fields of that name." format:"uri"`
	// InputSchema is a JSON Schema (type object) of the input; each
	// property may carry title (label), description (help), default,
	// examples, enum and x-patchbay-choices (DynamicChoices).
	InputSchema json.RawMessage `json:"input_schema" doc:"The JSON Schema of the input, an object; titles are labels, descriptions help."`
	// Fields is InputSchema's top-level properties flattened, in the
	// schema's property order, for generators that want a field list.
	Fields       []Field         `json:"fields" doc:"The input's top-level fields in order, derived from input_schema."`
	OutputSample json.RawMessage `json:"output_sample,omitempty" doc:"A sample of the action's JSON answer."`
	// Scopes are the OAuth scopes the API call needs; a client that lacks
	// one does not see the action (MCP) and the platform app asks for it.
	Scopes []string `json:"scopes" doc:"The scopes the call needs."`
	// Idempotency says how a retried call is made safe: none, or key (the
	// call carries an Idempotency-Key header unique per attempt group).
	Idempotency string `json:"idempotency" doc:"How retries are made safe: none, or key (send an Idempotency-Key header)." enum:"none,key"`
}

// Field is one input field of an action.
type Field struct {
	Key      string `json:"key" doc:"The property's name."`
	Label    string `json:"label" doc:"The label, from the property's title or its key."`
	Help     string `json:"help,omitempty" doc:"Help text, from the property's description."`
	Type     string `json:"type" doc:"The JSON type." enum:"string,integer,number,boolean,object,array"`
	Required bool   `json:"required" doc:"Whether the schema requires the field."`
	// In is where the value goes: path (a URL template placeholder), query
	// or body.
	In      string          `json:"in" doc:"Where the value is sent." enum:"path,query,body"`
	Enum    []string        `json:"enum,omitempty" doc:"Fixed choices, when the schema gives them."`
	Default json.RawMessage `json:"default,omitempty" doc:"The default value, when the schema gives one."`
	// Choices, when set, are dynamic: another (search) action lists them.
	Choices *DynamicChoices `json:"choices,omitempty" doc:"Choices listed by another action, when the field takes a record's ID."`
}

// DynamicChoices names the action whose answer lists a field's choices:
// call it with no input, take the array at ItemsPointer (empty: the answer
// itself), and from each item the value at ValuePointer and the label at
// LabelPointer. In an input schema it is the property's x-patchbay-choices.
type DynamicChoices struct {
	Action       string `json:"action" doc:"The key of the action that lists the choices."`
	ItemsPointer string `json:"items_pointer,omitempty" doc:"JSON Pointer of the array of items in that action's answer; empty for the answer itself."`
	ValuePointer string `json:"value_pointer" doc:"JSON Pointer of the value in each item, such as /id."`
	LabelPointer string `json:"label_pointer" doc:"JSON Pointer of the label in each item, such as /name."`
}
