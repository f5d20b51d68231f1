package catalog

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Provider describes one third-party API: how a user authorizes Patchbay to
// call it, what the user must supply to connect, and what the proxy must know
// to call it well. Providers are read-only once loaded; the connect flow, the
// token vault, the refresh engine, the proxy and syncs all share one.
type Provider struct {
	// ID names the provider in connections and URLs, such as "github".
	ID          string   `json:"id" doc:"ID names the provider in connections and URLs, such as \"github\"."`
	DisplayName string   `json:"display_name" doc:"The provider's name for people."`
	Categories  []string `json:"categories" doc:"Categories the catalog lists the provider under."`
	// Logo is an https URL of an image for listings; empty when unknown.
	Logo string `json:"logo,omitempty" doc:"An https URL of an image for listings; empty when unknown."`
	// DocsURL is the provider's API documentation, for operators.
	DocsURL string `json:"docs_url" doc:"The provider's API documentation, for operators."`
	Auth    Auth   `json:"auth" doc:"How the provider authenticates users and API calls."`
	// Fields are what the end user types into the connect form: an API key, a
	// username and password, or per-connection configuration such as a
	// subdomain. Templates refer to them as ${config.name}, or ${secret.name}
	// when Secret is set.
	Fields []Field `json:"fields,omitempty" doc:"What the end user types into the connect form: an API key, a username and password, or per-connection configuration such as a subdomain. Templates refer to them as ${config.name}, or ${secret.name} when Secret is set."`
	// Verification is a cheap request that succeeds only with working
	// credentials; nil when the provider has none.
	Verification *Verification `json:"verification,omitempty" doc:"A cheap request that succeeds only with working credentials; nil when the provider has none."`
	Proxy        Proxy         `json:"proxy" doc:"How proxied calls reach the provider's API."`
	// RateLimit is nil when nothing is known beyond the standard Retry-After.
	RateLimit  *RateLimit  `json:"rate_limit,omitempty" doc:"Nil when nothing is known beyond the standard Retry-After."`
	Pagination *Pagination `json:"pagination,omitempty" doc:"How the provider's lists are paged, for syncs."`

	// Source is where the definition came from: SourceFile or SourceAPI.
	Source string `json:"-"`
}

// AuthMode is how a connection obtains its credentials.
type AuthMode string

const (
	// AuthOAuth2 is the authorization code grant: the user consents in the
	// browser and Patchbay holds the tokens.
	AuthOAuth2 AuthMode = "oauth2"
	// AuthOAuth2ClientCredentials is the client credentials grant: no user
	// consent, a token for the client itself.
	AuthOAuth2ClientCredentials AuthMode = "oauth2_client_credentials"
	// AuthAPIKey is a key the user pastes into the connect form.
	AuthAPIKey AuthMode = "api_key"
	// AuthBasic is a username and password (or token) the user supplies.
	AuthBasic AuthMode = "basic"
)

// OAuth reports whether the mode gets tokens from a token endpoint.
func (m AuthMode) OAuth() bool { return m == AuthOAuth2 || m == AuthOAuth2ClientCredentials }

// ClientAuth is how the client authenticates at the token endpoint (RFC 6749
// section 2.3.1; names from RFC 7591).
type ClientAuth string

const (
	// ClientSecretBasic sends the client ID and secret as HTTP Basic credentials.
	ClientSecretBasic ClientAuth = "client_secret_basic"
	// ClientSecretPost sends them as client_id and client_secret form fields.
	ClientSecretPost ClientAuth = "client_secret_post"
)

// Auth is how a connection is authorized. The URL fields are templates that
// may hold ${config.name} placeholders; expand them with ExpandURL.
type Auth struct {
	Mode AuthMode `json:"mode" doc:"How the provider authenticates API calls." enum:"oauth2,oauth2_client_credentials,api_key,basic"`
	// AuthorizationURL is where the user's browser is sent to consent
	// (oauth2 only).
	AuthorizationURL string `json:"authorization_url,omitempty" format:"uri" doc:"Where the user's browser is sent to consent (oauth2 only)."`
	TokenURL         string `json:"token_url,omitempty" doc:"The provider's OAuth token endpoint." format:"uri"`
	// RevocationURL is an RFC 7009 endpoint; empty when the provider has none
	// or revokes some other way.
	RevocationURL string `json:"revocation_url,omitempty" format:"uri" doc:"An RFC 7009 endpoint; empty when the provider has none or revokes some other way."`
	// AuthorizationParams are extra query parameters for the authorization
	// request, such as Google's access_type=offline, without which no refresh
	// token is issued.
	AuthorizationParams map[string]string `json:"authorization_params,omitempty" doc:"Extra query parameters for the authorization request, such as Google's access_type=offline, without which no refresh token is issued."`
	// Scopes are requested unless the integration asks for others.
	Scopes []string `json:"scopes,omitempty" doc:"Requested unless the integration asks for others."`
	// ScopeDescriptions say in plain language what each scope gives, for
	// the connect page; a scope without one is shown by its name.
	ScopeDescriptions map[string]string `json:"scope_descriptions,omitempty" doc:"What each scope lets the SaaS do, in plain language, shown on the connect page; a scope without one is shown by its name."`
	// ScopeSeparator joins Scopes in the scope parameter. RFC 6749 says a
	// space, but some providers (Slack, Linear, Shopify) want a comma.
	// Defaults to a space.
	ScopeSeparator string `json:"scope_separator,omitempty" doc:"Joins Scopes in the scope parameter. RFC 6749 says a space, but some providers (Slack, Linear, Shopify) want a comma. Defaults to a space."`
	// PKCE sends an S256 code challenge (RFC 7636). RFC 9700 asks for it
	// wherever the provider supports it.
	PKCE       bool       `json:"pkce,omitempty" doc:"Sends an S256 code challenge (RFC 7636). RFC 9700 asks for it wherever the provider supports it."`
	ClientAuth ClientAuth `json:"client_auth,omitempty" doc:"How the client authenticates at the token endpoint." enum:"client_secret_basic,client_secret_post"`
	Refresh    Refresh    `json:"refresh,omitzero" doc:"How and when access tokens are refreshed."`
}

// RefreshMarginDefault is how long before expiry a token is refreshed when
// the definition does not say.
const RefreshMarginDefault = 5 * time.Minute

// Refresh says how the refresh engine treats a provider's tokens. Tokens whose
// response carries no expires_in are never refreshed.
type Refresh struct {
	// Margin is how long before expiry to refresh, so a request in flight
	// never carries a token that expires on the way. Defaults to
	// RefreshMarginDefault.
	Margin Duration `json:"margin,omitzero" doc:"How long before expiry to refresh, so a request in flight never carries a token that expires on the way. Defaults to RefreshMarginDefault."`
	// Rotating means each refresh returns a new refresh token and may revoke
	// the old one at once, so the new one must be stored before the old one
	// is used again, and two refreshes of one connection must never race.
	Rotating bool `json:"rotating,omitempty" doc:"Means each refresh returns a new refresh token and may revoke the old one at once, so the new one must be stored before the old one is used again, and two refreshes of one connection must never race."`
}

// FieldType says how the connect form asks for a field and checks it.
type FieldType string

const (
	FieldText  FieldType = "text"
	FieldEmail FieldType = "email"
)

// Field is one value the end user supplies when connecting.
type Field struct {
	// Name is how templates refer to the field: ${config.subdomain}.
	Name  string    `json:"name" doc:"How templates refer to the field: ${config.subdomain}."`
	Label string    `json:"label" doc:"The label the connect form shows."`
	Type  FieldType `json:"type" doc:"How the form asks for the value and checks it." enum:"text,email"`
	// Required fields must be given unless they have a Default.
	Required bool `json:"required,omitempty" doc:"Fields must be given unless they have a Default."`
	// Secret fields (API keys, passwords) are stored encrypted, never shown
	// again, and usable only in credentials, never in a URL, where they
	// would end up in logs.
	Secret bool `json:"secret,omitempty" doc:"Fields (API keys, passwords) are stored encrypted, never shown again, and usable only in credentials, never in a URL, where they would end up in logs."`
	// Pattern is a regular expression (RE2 syntax) the whole value must match.
	Pattern string `json:"pattern,omitempty" doc:"A regular expression (RE2 syntax) the whole value must match."`
	Default string `json:"default,omitempty" doc:"The value the form starts with."`
	// Help is a short hint shown under the field.
	Help string `json:"help,omitempty" doc:"A short hint shown under the field."`

	pattern *regexp.Regexp
}

// Verification is a request that tells whether a connection's credentials
// work, made right after connecting and when a user asks.
type Verification struct {
	// Method defaults to GET.
	Method string `json:"method,omitempty" doc:"Defaults to GET."`
	// Path is appended to the proxy's base URL.
	Path string `json:"path" doc:"Appended to the proxy's base URL."`
	// Body is sent as application/json, for APIs such as GraphQL that have
	// no cheap GET.
	Body string `json:"body,omitempty" doc:"Sent as application/json, for APIs such as GraphQL that have no cheap GET."`
	// ExpectStatus defaults to 200.
	ExpectStatus int `json:"expect_status,omitempty" doc:"Defaults to 200."`
	// ExpectBody maps JSON pointers to the values the response body must hold
	// there, for APIs that answer 200 to bad credentials: Slack says
	// {"ok": false}.
	ExpectBody map[string]any `json:"expect_body,omitempty" doc:"Maps JSON pointers to the values the response body must hold there, for APIs that answer 200 to bad credentials: Slack says {\"ok\": false}."`
}

// Proxy is what the proxy needs to call the provider for a connection.
type Proxy struct {
	// BaseURL is a template, expanded with ExpandURL; request paths are
	// appended to it.
	BaseURL string `json:"base_url" doc:"A template, expanded with ExpandURL; request paths are appended to it."`
	// Headers are sent with every request, such as an API version. Values
	// are templates, expanded with ExpandValue.
	Headers map[string]string `json:"headers,omitempty" doc:"Sent with every request, such as an API version. Values are templates, expanded with ExpandValue."`
	// Credentials say where the credentials go. For OAuth modes they default
	// to a bearer token: {in: bearer, value: "${secret.access_token}"}.
	Credentials Credentials `json:"credentials" doc:"Say where the credentials go. For OAuth modes they default to a bearer token: {in: bearer, value: \"${secret.access_token}\"}."`
}

// CredentialsIn is where the proxy puts a connection's credentials.
type CredentialsIn string

const (
	// InBearer sends Authorization: Bearer <Value>.
	InBearer CredentialsIn = "bearer"
	// InHeader sends <Name>: <Value>.
	InHeader CredentialsIn = "header"
	// InBasic sends HTTP Basic credentials made of Username and Password.
	InBasic CredentialsIn = "basic"
	// InQuery adds the query parameter <Name>=<Value>. Avoid it where the
	// provider offers anything else: URLs end up in logs.
	InQuery CredentialsIn = "query"
)

// Credentials say how the proxy authenticates requests. Value, Username and
// Password are templates expanded with ExpandValue; ${secret.access_token} is
// the connection's current OAuth access token.
type Credentials struct {
	In       CredentialsIn `json:"in" doc:"Where the credential goes in each proxied request." enum:"bearer,header,basic,query"`
	Name     string        `json:"name,omitempty" doc:"The header or query parameter that carries the credential."`
	Value    string        `json:"value,omitempty" doc:"A template of the value sent, filled from the connection's values."`
	Username string        `json:"username,omitempty" doc:"A template of the basic-auth user name."`
	Password string        `json:"password,omitempty" doc:"A template of the basic-auth password."`
}

// RateLimit is what is known about a provider's limits, so the proxy can pace
// requests before it is refused and wait the right time after.
type RateLimit struct {
	// Budget is nil when the provider publishes no figure.
	Budget *Budget `json:"budget,omitempty" doc:"Nil when the provider publishes no figure."`
	// RetryHeaders are the response headers that say when to try again, in
	// the order to consult them.
	RetryHeaders []RetryHeader `json:"retry_headers,omitempty" doc:"The response headers that say when to try again, in the order to consult them."`
}

// Budget is a number of requests allowed per window for one connection.
type Budget struct {
	Requests int      `json:"requests" doc:"Allowed in each window."`
	Window   Duration `json:"window" doc:"The window's length, as a Go duration such as 1m."`
}

// RetryHeader is a response header that says when requests may resume.
type RetryHeader struct {
	Name   string      `json:"name" doc:"The response header that says when to retry."`
	Format RetryFormat `json:"format" doc:"How the header's value is written." enum:"seconds,epoch_seconds,epoch_millis,http_date"`
}

// RetryFormat is how a RetryHeader's value is written.
type RetryFormat string

const (
	// RetrySeconds is a delay in seconds from now, as Retry-After usually is.
	RetrySeconds RetryFormat = "seconds"
	// RetryEpochSeconds is a Unix time in seconds, as GitHub's X-RateLimit-Reset.
	RetryEpochSeconds RetryFormat = "epoch_seconds"
	// RetryEpochMillis is a Unix time in milliseconds.
	RetryEpochMillis RetryFormat = "epoch_millis"
	// RetryHTTPDate is an HTTP-date, the other form Retry-After may take.
	RetryHTTPDate RetryFormat = "http_date"
)

// PaginationStyle is how a provider's list endpoints page.
type PaginationStyle string

const (
	// PaginateCursor passes an opaque cursor from one response to the next
	// request.
	PaginateCursor PaginationStyle = "cursor"
	// PaginateLinkHeader follows the RFC 8288 Link header with rel="next".
	PaginateLinkHeader PaginationStyle = "link_header"
	// PaginateNextLink follows a URL found in the response body.
	PaginateNextLink PaginationStyle = "next_link"
	// PaginateOffset counts items skipped.
	PaginateOffset PaginationStyle = "offset"
	// PaginatePage counts pages.
	PaginatePage PaginationStyle = "page"
)

// Pagination says how to walk a provider's list endpoints. Pointers are JSON
// pointers (RFC 6901) into the response body. It describes the common case;
// endpoints that page differently need code of their own.
type Pagination struct {
	Style PaginationStyle `json:"style" doc:"How the provider's lists are paged." enum:"cursor,link_header,next_link,offset,page"`
	// Items points at the array of results, when the body is not one.
	Items string `json:"items,omitempty" doc:"Points at the array of results, when the body is not one."`
	// LimitParam is the query parameter for the page size.
	LimitParam string `json:"limit_param,omitempty" doc:"The query parameter for the page size."`
	// CursorParam takes the cursor for the next page (cursor style).
	CursorParam string `json:"cursor_param,omitempty" doc:"Takes the cursor for the next page (cursor style)."`
	// NextCursor points at the next page's cursor; absent or empty means
	// there are no more pages. Either it or LastItemCursor is set for the
	// cursor style.
	NextCursor string `json:"next_cursor,omitempty" doc:"Points at the next page's cursor; absent or empty means there are no more pages. Either it or LastItemCursor is set for the cursor style."`
	// LastItemCursor points, within the last item, at the value to pass as
	// the cursor (Stripe's starting_after takes the last object's ID).
	LastItemCursor string `json:"last_item_cursor,omitempty" doc:"Points, within the last item, at the value to pass as the cursor (Stripe's starting_after takes the last object's ID)."`
	// NextLink points at the next page's URL (next_link style), which the
	// caller must check stays under the proxy's base URL.
	NextLink    string `json:"next_link,omitempty" doc:"Points at the next page's URL (next_link style), which the caller must check stays under the proxy's base URL."`
	OffsetParam string `json:"offset_param,omitempty" doc:"The query parameter carrying the offset, for the offset style."`
	PageParam   string `json:"page_param,omitempty" doc:"The query parameter carrying the page number or cursor."`
}

// Duration is a time.Duration written as a string such as "5m" or "1h".
type Duration time.Duration

// MarshalJSON writes the duration in the largest whole unit, the form a
// definition takes, so that a definition read from the API can be sent back.
func (d Duration) MarshalJSON() ([]byte, error) {
	v := time.Duration(d)
	for _, u := range []struct {
		unit   time.Duration
		suffix string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if v%u.unit == 0 {
			return json.Marshal(fmt.Sprint(int64(v/u.unit), u.suffix))
		}
	}
	return json.Marshal(fmt.Sprint(v.Milliseconds(), "ms"))
}

// OpenAPISchema tells the API reference that a Duration is a string.
func (Duration) OpenAPISchema() map[string]any {
	return map[string]any{"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$", "example": "5m"}
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration: %w", err)
	}
	*d = Duration(v)
	return nil
}
