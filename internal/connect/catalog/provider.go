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
	ID          string   `json:"id"`
	DisplayName string   `json:"display_name"`
	Categories  []string `json:"categories"`
	// Logo is an https URL of an image for listings; empty when unknown.
	Logo string `json:"logo,omitempty"`
	// DocsURL is the provider's API documentation, for operators.
	DocsURL string `json:"docs_url"`
	Auth    Auth   `json:"auth"`
	// Fields are what the end user types into the connect form: an API key, a
	// username and password, or per-connection configuration such as a
	// subdomain. Templates refer to them as ${config.name}, or ${secret.name}
	// when Secret is set.
	Fields []Field `json:"fields,omitempty"`
	// Verification is a cheap request that succeeds only with working
	// credentials; nil when the provider has none.
	Verification *Verification `json:"verification,omitempty"`
	Proxy        Proxy         `json:"proxy"`
	// RateLimit is nil when nothing is known beyond the standard Retry-After.
	RateLimit  *RateLimit  `json:"rate_limit,omitempty"`
	Pagination *Pagination `json:"pagination,omitempty"`

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
	Mode AuthMode `json:"mode"`
	// AuthorizationURL is where the user's browser is sent to consent
	// (oauth2 only).
	AuthorizationURL string `json:"authorization_url,omitempty"`
	TokenURL         string `json:"token_url,omitempty"`
	// RevocationURL is an RFC 7009 endpoint; empty when the provider has none
	// or revokes some other way.
	RevocationURL string `json:"revocation_url,omitempty"`
	// AuthorizationParams are extra query parameters for the authorization
	// request, such as Google's access_type=offline, without which no refresh
	// token is issued.
	AuthorizationParams map[string]string `json:"authorization_params,omitempty"`
	// Scopes are requested unless the integration asks for others.
	Scopes []string `json:"scopes,omitempty"`
	// ScopeSeparator joins Scopes in the scope parameter. RFC 6749 says a
	// space, but some providers (Slack, Linear, Shopify) want a comma.
	// Defaults to a space.
	ScopeSeparator string `json:"scope_separator,omitempty"`
	// PKCE sends an S256 code challenge (RFC 7636). RFC 9700 asks for it
	// wherever the provider supports it.
	PKCE       bool       `json:"pkce,omitempty"`
	ClientAuth ClientAuth `json:"client_auth,omitempty"`
	Refresh    Refresh    `json:"refresh,omitzero"`
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
	Margin Duration `json:"margin,omitzero"`
	// Rotating means each refresh returns a new refresh token and may revoke
	// the old one at once, so the new one must be stored before the old one
	// is used again, and two refreshes of one connection must never race.
	Rotating bool `json:"rotating,omitempty"`
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
	Name  string    `json:"name"`
	Label string    `json:"label"`
	Type  FieldType `json:"type"`
	// Required fields must be given unless they have a Default.
	Required bool `json:"required,omitempty"`
	// Secret fields (API keys, passwords) are stored encrypted, never shown
	// again, and usable only in credentials, never in a URL, where they
	// would end up in logs.
	Secret bool `json:"secret,omitempty"`
	// Pattern is a regular expression (RE2 syntax) the whole value must match.
	Pattern string `json:"pattern,omitempty"`
	Default string `json:"default,omitempty"`
	// Help is a short hint shown under the field.
	Help string `json:"help,omitempty"`

	pattern *regexp.Regexp
}

// Verification is a request that tells whether a connection's credentials
// work, made right after connecting and when a user asks.
type Verification struct {
	// Method defaults to GET.
	Method string `json:"method,omitempty"`
	// Path is appended to the proxy's base URL.
	Path string `json:"path"`
	// Body is sent as application/json, for APIs such as GraphQL that have
	// no cheap GET.
	Body string `json:"body,omitempty"`
	// ExpectStatus defaults to 200.
	ExpectStatus int `json:"expect_status,omitempty"`
	// ExpectBody maps JSON pointers to the values the response body must hold
	// there, for APIs that answer 200 to bad credentials: Slack says
	// {"ok": false}.
	ExpectBody map[string]any `json:"expect_body,omitempty"`
}

// Proxy is what the proxy needs to call the provider for a connection.
type Proxy struct {
	// BaseURL is a template, expanded with ExpandURL; request paths are
	// appended to it.
	BaseURL string `json:"base_url"`
	// Headers are sent with every request, such as an API version. Values
	// are templates, expanded with ExpandValue.
	Headers map[string]string `json:"headers,omitempty"`
	// Credentials say where the credentials go. For OAuth modes they default
	// to a bearer token: {in: bearer, value: "${secret.access_token}"}.
	Credentials Credentials `json:"credentials"`
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
	In       CredentialsIn `json:"in"`
	Name     string        `json:"name,omitempty"`
	Value    string        `json:"value,omitempty"`
	Username string        `json:"username,omitempty"`
	Password string        `json:"password,omitempty"`
}

// RateLimit is what is known about a provider's limits, so the proxy can pace
// requests before it is refused and wait the right time after.
type RateLimit struct {
	// Budget is nil when the provider publishes no figure.
	Budget *Budget `json:"budget,omitempty"`
	// RetryHeaders are the response headers that say when to try again, in
	// the order to consult them.
	RetryHeaders []RetryHeader `json:"retry_headers,omitempty"`
}

// Budget is a number of requests allowed per window for one connection.
type Budget struct {
	Requests int      `json:"requests"`
	Window   Duration `json:"window"`
}

// RetryHeader is a response header that says when requests may resume.
type RetryHeader struct {
	Name   string      `json:"name"`
	Format RetryFormat `json:"format"`
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
	Style PaginationStyle `json:"style"`
	// Items points at the array of results, when the body is not one.
	Items string `json:"items,omitempty"`
	// LimitParam is the query parameter for the page size.
	LimitParam string `json:"limit_param,omitempty"`
	// CursorParam takes the cursor for the next page (cursor style).
	CursorParam string `json:"cursor_param,omitempty"`
	// NextCursor points at the next page's cursor; absent or empty means
	// there are no more pages. Either it or LastItemCursor is set for the
	// cursor style.
	NextCursor string `json:"next_cursor,omitempty"`
	// LastItemCursor points, within the last item, at the value to pass as
	// the cursor (Stripe's starting_after takes the last object's ID).
	LastItemCursor string `json:"last_item_cursor,omitempty"`
	// NextLink points at the next page's URL (next_link style), which the
	// caller must check stays under the proxy's base URL.
	NextLink    string `json:"next_link,omitempty"`
	OffsetParam string `json:"offset_param,omitempty"`
	PageParam   string `json:"page_param,omitempty"`
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
