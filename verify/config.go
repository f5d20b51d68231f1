package verify

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/webhook"
)

// Scheme names how a source authenticates its requests.
type Scheme string

const (
	// SchemeStripe: "Stripe-Signature: t=<unix>,v1=<hex>", the hex HMAC-SHA256 of
	// "{t}.{body}" keyed with the endpoint secret ("whsec_…") exactly as Stripe
	// shows it. Event ID: "id" in the body.
	SchemeStripe Scheme = "stripe"
	// SchemeGitHub: "X-Hub-Signature-256: sha256=<hex>", the HMAC-SHA256 of the
	// body keyed with the webhook secret. Event ID: X-GitHub-Delivery.
	SchemeGitHub Scheme = "github"
	// SchemeShopify: "X-Shopify-Hmac-Sha256: <base64>", the HMAC-SHA256 of the
	// body keyed with the app's client secret. Event ID: X-Shopify-Webhook-Id.
	SchemeShopify Scheme = "shopify"
	// SchemeSlack: "X-Slack-Signature: v0=<hex>", the HMAC-SHA256 of
	// "v0:{X-Slack-Request-Timestamp}:{body}" keyed with the signing secret.
	// Event ID: "event_id" in the body. A url_verification request yields its
	// challenge in [Result.Challenge].
	SchemeSlack Scheme = "slack"
	// SchemeStandard: Standard Webhooks (webhook-id, webhook-timestamp,
	// webhook-signature, "whsec_<base64>" secrets), verified by package
	// [webhook]. Svix sends the same under svix-id, svix-timestamp and
	// svix-signature, which are read when the webhook-* headers are absent.
	// Event ID: webhook-id (or svix-id).
	SchemeStandard Scheme = "standard"
	// SchemeHMAC: any other provider that signs with an HMAC; see the fields of
	// [Config] marked "hmac".
	SchemeHMAC Scheme = "hmac"
	// SchemeBasic: HTTP Basic authentication with [Config.Username] and any one of
	// [Config.Secrets] as the password.
	SchemeBasic Scheme = "basic"
	// SchemeAPIKey: any one of [Config.Secrets], sent as is in [Config.Header]
	// (after [Config.Prefix]) or in the query parameter [Config.QueryParam].
	SchemeAPIKey Scheme = "api_key"
	// SchemeNone accepts every request. Only for providers that cannot
	// authenticate at all; anyone who knows the URL can post to it.
	SchemeNone Scheme = "none"
)

// DefaultTolerance is how far a signed timestamp may be from the receiver's
// clock when [Config.Tolerance] is zero: five minutes, as Stripe, Slack and
// Standard Webhooks recommend.
const DefaultTolerance = 5 * time.Minute

// maxSecrets bounds the HMACs computed for one request, which anyone can send.
// Two secrets cover a rotation.
const maxSecrets = 10

// Config describes how one source authenticates its requests: a scheme and
// its secrets, plus the fields that scheme uses. Fields a scheme does not use
// must be left empty, so that a mistaken configuration is reported by
// [Config.Validate] rather than silently ignored.
//
// Config marshals to JSON with snake_case names, with Tolerance as whole
// seconds in "tolerance_seconds". The JSON includes the secrets, so store it
// encrypted and never return it in a list.
type Config struct {
	// Scheme is required.
	Scheme Scheme `json:"scheme" doc:"Required."`

	// Secrets are the accepted signing secrets, passwords (basic) or keys
	// (api_key), used as the key bytes exactly as given except for standard,
	// whose "whsec_<base64>" secrets are decoded. A request is accepted if it
	// matches any of them, so during a rotation list the old and the new secret,
	// and drop the old one when the provider has switched. Required (at most 10)
	// for every scheme but none.
	Secrets []string `json:"secrets,omitempty" doc:"The accepted signing secrets, passwords (basic) or keys (api_key), used as the key bytes exactly as given except for standard, whose \"whsec_<base64>\" secrets are decoded. A request is accepted if it matches any of them, so during a rotation list the old and the new secret, and drop the old one when the provider has switched. Required (at most 10) for every scheme but none."`

	// Tolerance is how far a signed timestamp may be from the receiver's clock,
	// in either direction; zero means DefaultTolerance. It must be whole seconds,
	// since timestamps are. For stripe, slack, standard, and hmac with a
	// TimestampHeader.
	Tolerance time.Duration `json:"-"`

	// Header is the header with the signature (hmac) or the key (api_key).
	Header string `json:"header,omitempty" doc:"The header with the signature (hmac) or the key (api_key)."`
	// Prefix precedes the signature (hmac: "sha256=") or key (api_key:
	// "Bearer ") in Header, and must be present.
	Prefix string `json:"prefix,omitempty" doc:"Prefix precedes the signature (hmac: \"sha256=\") or key (api_key: \"Bearer \") in Header, and must be present."`
	// Algorithm is the HMAC hash (hmac): "sha256" (the default), "sha1" or
	// "sha512".
	Algorithm string `json:"algorithm,omitempty" doc:"The HMAC hash (hmac): \"sha256\" (the default), \"sha1\" or \"sha512\"."`
	// Encoding is how the signature is written (hmac): "hex" (the default, either
	// case) or "base64" (standard, padded).
	Encoding string `json:"encoding,omitempty" doc:"How the signature is written (hmac): \"hex\" (the default, either case) or \"base64\" (standard, padded)."`
	// SignedContent is what is signed (hmac): a template with "{body}" once, for
	// the raw body, and "{timestamp}" for the text of TimestampHeader if that is
	// set, such as "{timestamp}.{body}". Other text is literal; braces are not
	// allowed in it. Empty means "{body}".
	SignedContent string `json:"signed_content,omitempty" doc:"What is signed (hmac): a template with \"{body}\" once, for the raw body, and \"{timestamp}\" for the text of TimestampHeader if that is set, such as \"{timestamp}.{body}\". Other text is literal; braces are not allowed in it. Empty means \"{body}\"."`
	// TimestampHeader carries the signing time in decimal Unix seconds (hmac).
	// When set, SignedContent must include "{timestamp}" and the time is checked
	// against Tolerance; a timestamp that is not signed would prove nothing.
	TimestampHeader string `json:"timestamp_header,omitempty" doc:"TimestampHeader carries the signing time in decimal Unix seconds (hmac). When set, SignedContent must include \"{timestamp}\" and the time is checked against Tolerance; a timestamp that is not signed would prove nothing."`

	// Username is the required user name (basic).
	Username string `json:"username,omitempty" doc:"The required user name (basic)."`
	// QueryParam is the query parameter with the key (api_key), for providers
	// that can only be given a URL. Set it or Header, not both.
	QueryParam string `json:"query_param,omitempty" doc:"The query parameter with the key (api_key), for providers that can only be given a URL. Set it or Header, not both."`

	// EventIDHeader names the header whose value is [Result.EventID], replacing
	// the scheme's default. Set it or EventIDPointer, not both.
	EventIDHeader string `json:"event_id_header,omitempty" doc:"EventIDHeader names the header whose value is [Result.EventID], replacing the scheme's default. Set it or EventIDPointer, not both."`
	// EventIDPointer is an RFC 6901 JSON pointer, such as "/data/id", to the
	// string or number in a JSON body that is [Result.EventID], replacing the
	// scheme's default.
	EventIDPointer string `json:"event_id_pointer,omitempty" doc:"An RFC 6901 JSON pointer, such as \"/data/id\", to the string or number in a JSON body that is [Result.EventID], replacing the scheme's default."`

	// Handshake is how the source answers a provider that checks the URL with
	// a GET request before it sends events; empty for none. See
	// [Verifier.Handshake].
	Handshake Handshake `json:"handshake,omitempty" doc:"How the source answers a provider that checks the URL with a GET request before it sends events; empty for none. See [Verifier.Handshake]."`
	// VerifyToken is the token the provider must send (handshake "meta"): the
	// "Verify token" typed into the provider's dashboard.
	VerifyToken string `json:"verify_token,omitempty" doc:"The token the provider must send (handshake \"meta\"): the \"Verify token\" typed into the provider's dashboard."`
}

// schemeFields lists, per scheme, the fields beyond "scheme" and the event ID
// fields that it uses; setting any other is a configuration error.
var schemeFields = map[Scheme][]string{
	SchemeStripe:   {"secrets", "tolerance_seconds"},
	SchemeGitHub:   {"secrets"},
	SchemeShopify:  {"secrets"},
	SchemeSlack:    {"secrets", "tolerance_seconds"},
	SchemeStandard: {"secrets", "tolerance_seconds"},
	SchemeHMAC:     {"secrets", "tolerance_seconds", "header", "prefix", "algorithm", "encoding", "signed_content", "timestamp_header"},
	SchemeBasic:    {"secrets", "username"},
	SchemeAPIKey:   {"secrets", "header", "prefix", "query_param"},
	SchemeNone:     {},
}

// ConfigError reports every problem found in a [Config], keyed by the field's
// JSON name (such as "secrets[1]" or "header"), so that an API can return them
// as field errors. The problems never include a secret.
type ConfigError struct {
	Fields map[string]string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("verify: invalid config")
	for i, field := range slices.Sorted(maps.Keys(e.Fields)) {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s: %s", sep, field, e.Fields[field])
	}
	return b.String()
}

// Validate reports whether c is complete and consistent, with a *ConfigError
// naming each field at fault. [New] calls it; an API that stores configs can
// call it on input.
func (c Config) Validate() error { return c.validate(false) }

// validate is Validate; loading accepts a crc handshake that could sign
// events, which older versions stored, and [Verifier.Handshake] refuses it.
func (c Config) validate(loading bool) error {
	problems := map[string]string{}
	uses, ok := schemeFields[c.Scheme]
	if !ok {
		problems["scheme"] = fmt.Sprintf("unknown scheme %q; want one of %s", c.Scheme, strings.Join(schemeNames(), ", "))
		return &ConfigError{problems}
	}
	for field, set := range map[string]bool{
		"secrets":           len(c.Secrets) > 0,
		"tolerance_seconds": c.Tolerance != 0,
		"header":            c.Header != "",
		"prefix":            c.Prefix != "",
		"algorithm":         c.Algorithm != "",
		"encoding":          c.Encoding != "",
		"signed_content":    c.SignedContent != "",
		"timestamp_header":  c.TimestampHeader != "",
		"username":          c.Username != "",
		"query_param":       c.QueryParam != "",
	} {
		if set && !slices.Contains(uses, field) {
			problems[field] = fmt.Sprintf("not used by scheme %q", c.Scheme)
		}
	}

	c.validateSecrets(problems)
	if c.Tolerance < 0 {
		problems["tolerance_seconds"] = "must not be negative"
	} else if c.Tolerance%time.Second != 0 {
		problems["tolerance_seconds"] = "must be whole seconds"
	}
	for field, name := range map[string]string{"header": c.Header, "timestamp_header": c.TimestampHeader, "event_id_header": c.EventIDHeader} {
		if name != "" && !isToken(name) {
			problems[field] = "not a valid header name"
		}
	}

	switch c.Scheme {
	case SchemeHMAC:
		c.validateHMAC(problems)
	case SchemeBasic:
		switch {
		case c.Username == "":
			problems["username"] = "required"
		case strings.Contains(c.Username, ":"):
			problems["username"] = `must not contain ":" (RFC 7617)`
		}
	case SchemeAPIKey:
		if (c.Header == "") == (c.QueryParam == "") {
			problems["header"] = "set exactly one of header and query_param"
		}
	}

	c.validateHandshake(problems, loading)
	if c.EventIDHeader != "" && c.EventIDPointer != "" {
		problems["event_id_pointer"] = "set event_id_header or event_id_pointer, not both"
	} else if _, err := parsePointer(c.EventIDPointer); err != nil {
		problems["event_id_pointer"] = err.Error()
	}

	if len(problems) > 0 {
		return &ConfigError{problems}
	}
	return nil
}

func (c Config) validateSecrets(problems map[string]string) {
	switch {
	case c.Scheme == SchemeNone:
		return
	case len(c.Secrets) == 0:
		problems["secrets"] = "at least one required"
		return
	case len(c.Secrets) > maxSecrets:
		problems["secrets"] = fmt.Sprintf("%d given, at most %d allowed", len(c.Secrets), maxSecrets)
		return
	}
	for i, s := range c.Secrets {
		field := fmt.Sprintf("secrets[%d]", i)
		switch {
		case s == "":
			problems[field] = "empty"
		case strings.TrimSpace(s) != s:
			// Almost always a paste accident, and it would never match.
			problems[field] = "has leading or trailing white space"
		case c.Scheme == SchemeStandard:
			if _, err := webhook.ParseSecret(s); err != nil {
				problems[field] = strings.TrimPrefix(err.Error(), "webhook: ")
			}
		}
	}
}

func (c Config) validateHMAC(problems map[string]string) {
	if c.Header == "" {
		problems["header"] = "required"
	}
	if _, ok := hashes[c.Algorithm]; !ok {
		problems["algorithm"] = `want "sha256", "sha1" or "sha512"`
	}
	if _, ok := decoders[c.Encoding]; !ok {
		problems["encoding"] = `want "hex" or "base64"`
	}
	tmpl := cmp.Or(c.SignedContent, "{body}")
	hasTimestamp := strings.Contains(tmpl, "{timestamp}")
	rest := strings.NewReplacer("{body}", "", "{timestamp}", "").Replace(tmpl)
	switch {
	case strings.Count(tmpl, "{body}") != 1:
		problems["signed_content"] = `must contain "{body}" exactly once`
	case strings.ContainsAny(rest, "{}"):
		problems["signed_content"] = `only "{body}" and "{timestamp}" may be in braces`
	case hasTimestamp && c.TimestampHeader == "":
		problems["signed_content"] = `uses "{timestamp}" but timestamp_header is not set`
	case !hasTimestamp && c.TimestampHeader != "":
		problems["signed_content"] = `must contain "{timestamp}" when timestamp_header is set`
	}
	if c.Tolerance != 0 && c.TimestampHeader == "" {
		problems["tolerance_seconds"] = "needs timestamp_header"
	}
}

// MarshalJSON writes Tolerance as "tolerance_seconds", since nanoseconds (the
// encoding of time.Duration) would be a trap for API users.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config // without these methods
	return json.Marshal(struct {
		plain
		ToleranceSeconds int64 `json:"tolerance_seconds,omitempty"`
	}{plain(c), int64(c.Tolerance / time.Second)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Config) UnmarshalJSON(data []byte) error {
	type plain Config
	var v struct {
		plain
		ToleranceSeconds int64 `json:"tolerance_seconds,omitempty"`
	}
	// Unknown keys are refused, as a misspelt field would otherwise be
	// silently ignored and the source verified other than meant.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	if v.ToleranceSeconds > maxSeconds || v.ToleranceSeconds < -maxSeconds {
		return fmt.Errorf("verify: tolerance_seconds %d out of range", v.ToleranceSeconds)
	}
	*c = Config(v.plain)
	c.Tolerance = time.Duration(v.ToleranceSeconds) * time.Second
	return nil
}

func schemeNames() []string {
	var names []string
	for s := range schemeFields {
		names = append(names, string(s))
	}
	slices.Sort(names)
	return names
}

// isToken reports whether s is a valid header name (RFC 9110 token), so that a
// typo is reported now rather than as a missing header on every request.
func isToken(s string) bool {
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return s != ""
}
