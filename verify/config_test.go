package verify_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/verify"
	"github.com/patchbay/patchbay/webhook"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-value"
	hmacConfig := func(edit func(c *verify.Config)) verify.Config {
		c := verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{secret}, Header: "X-Sig"}
		edit(&c)
		return c
	}
	for name, tc := range map[string]struct {
		cfg  verify.Config
		want map[string]string // nil means valid
	}{
		"stripe":            {cfg: verify.Config{Scheme: verify.SchemeStripe, Secrets: []string{"whsec_a", "whsec_b"}, Tolerance: time.Minute}},
		"none":              {cfg: verify.Config{Scheme: verify.SchemeNone}},
		"standard":          {cfg: verify.Config{Scheme: verify.SchemeStandard, Secrets: []string{webhook.NewSecret()}}},
		"hmac with pointer": {cfg: hmacConfig(func(c *verify.Config) { c.EventIDPointer = "/data/0/a~1b~0c" })},
		"api_key in query":  {cfg: verify.Config{Scheme: verify.SchemeAPIKey, Secrets: []string{secret}, QueryParam: "key"}},
		"basic":             {cfg: verify.Config{Scheme: verify.SchemeBasic, Secrets: []string{secret}, Username: "u"}},

		"zero":           {cfg: verify.Config{}, want: map[string]string{"scheme": `unknown scheme ""; want one of api_key, basic, github, hmac, none, shopify, slack, standard, stripe`}},
		"unknown scheme": {cfg: verify.Config{Scheme: "paypal"}, want: map[string]string{"scheme": `unknown scheme "paypal"; want one of api_key, basic, github, hmac, none, shopify, slack, standard, stripe`}},
		"no secrets":     {cfg: verify.Config{Scheme: verify.SchemeGitHub}, want: map[string]string{"secrets": "at least one required"}},
		"too many secrets": {
			cfg:  verify.Config{Scheme: verify.SchemeGitHub, Secrets: strings.Split(strings.Repeat("s,", 11), ",")},
			want: map[string]string{"secrets": "12 given, at most 10 allowed"},
		},
		"bad secrets": {
			cfg:  verify.Config{Scheme: verify.SchemeShopify, Secrets: []string{secret, "", secret + "\n"}},
			want: map[string]string{"secrets[1]": "empty", "secrets[2]": "has leading or trailing white space"},
		},
		"standard secret not base64": {
			cfg:  verify.Config{Scheme: verify.SchemeStandard, Secrets: []string{webhook.NewSecret(), "whsec_" + secret}},
			want: map[string]string{"secrets[1]": "secret is not base64 (illegal base64 data at input byte 6): invalid signing secret"},
		},
		"fields another scheme uses": {
			cfg: verify.Config{Scheme: verify.SchemeGitHub, Secrets: []string{secret}, Tolerance: time.Minute, Header: "X-Sig", Username: "u"},
			want: map[string]string{
				"tolerance_seconds": `not used by scheme "github"`, "header": `not used by scheme "github"`, "username": `not used by scheme "github"`,
			},
		},
		"secrets for none": {cfg: verify.Config{Scheme: verify.SchemeNone, Secrets: []string{secret}}, want: map[string]string{"secrets": `not used by scheme "none"`}},
		"negative tolerance": {
			cfg:  verify.Config{Scheme: verify.SchemeSlack, Secrets: []string{secret}, Tolerance: -time.Second},
			want: map[string]string{"tolerance_seconds": "must not be negative"},
		},
		"fractional tolerance": {
			cfg:  verify.Config{Scheme: verify.SchemeSlack, Secrets: []string{secret}, Tolerance: 1500 * time.Millisecond},
			want: map[string]string{"tolerance_seconds": "must be whole seconds"},
		},
		"hmac without header": {
			cfg:  hmacConfig(func(c *verify.Config) { c.Header = "" }),
			want: map[string]string{"header": "required"},
		},
		"hmac with bad names": {
			cfg: hmacConfig(func(c *verify.Config) {
				c.Header, c.Algorithm, c.Encoding = "X Sig", "md5", "base32"
			}),
			want: map[string]string{"header": "not a valid header name", "algorithm": `want "sha256", "sha1" or "sha512"`, "encoding": `want "hex" or "base64"`},
		},
		"hmac template without body": {
			cfg:  hmacConfig(func(c *verify.Config) { c.SignedContent = "{timestamp}"; c.TimestampHeader = "X-Ts" }),
			want: map[string]string{"signed_content": `must contain "{body}" exactly once`},
		},
		"hmac template with body twice": {
			cfg:  hmacConfig(func(c *verify.Config) { c.SignedContent = "{body}{body}" }),
			want: map[string]string{"signed_content": `must contain "{body}" exactly once`},
		},
		"hmac template with unknown placeholder": {
			cfg:  hmacConfig(func(c *verify.Config) { c.SignedContent = "{id}.{body}" }),
			want: map[string]string{"signed_content": `only "{body}" and "{timestamp}" may be in braces`},
		},
		"hmac timestamp not in template": {
			cfg:  hmacConfig(func(c *verify.Config) { c.TimestampHeader = "X-Ts" }),
			want: map[string]string{"signed_content": `must contain "{timestamp}" when timestamp_header is set`},
		},
		"hmac template timestamp without header": {
			cfg:  hmacConfig(func(c *verify.Config) { c.SignedContent = "{timestamp}.{body}" }),
			want: map[string]string{"signed_content": `uses "{timestamp}" but timestamp_header is not set`},
		},
		"hmac tolerance without timestamp": {
			cfg:  hmacConfig(func(c *verify.Config) { c.Tolerance = time.Minute }),
			want: map[string]string{"tolerance_seconds": "needs timestamp_header"},
		},
		"basic without username": {
			cfg:  verify.Config{Scheme: verify.SchemeBasic, Secrets: []string{secret}},
			want: map[string]string{"username": "required"},
		},
		"basic username with colon": {
			cfg:  verify.Config{Scheme: verify.SchemeBasic, Secrets: []string{secret}, Username: "a:b"},
			want: map[string]string{"username": `must not contain ":" (RFC 7617)`},
		},
		"api_key in neither": {
			cfg:  verify.Config{Scheme: verify.SchemeAPIKey, Secrets: []string{secret}},
			want: map[string]string{"header": "set exactly one of header and query_param"},
		},
		"api_key in both": {
			cfg:  verify.Config{Scheme: verify.SchemeAPIKey, Secrets: []string{secret}, Header: "X-Key", QueryParam: "key"},
			want: map[string]string{"header": "set exactly one of header and query_param"},
		},
		"both event ID sources": {
			cfg:  verify.Config{Scheme: verify.SchemeNone, EventIDHeader: "X-Id", EventIDPointer: "/id"},
			want: map[string]string{"event_id_pointer": "set event_id_header or event_id_pointer, not both"},
		},
		"pointer without slash": {
			cfg:  verify.Config{Scheme: verify.SchemeNone, EventIDPointer: "id"},
			want: map[string]string{"event_id_pointer": `must start with "/"`},
		},
		"pointer with bad escape": {
			cfg:  verify.Config{Scheme: verify.SchemeNone, EventIDPointer: "/a~2"},
			want: map[string]string{"event_id_pointer": `"~" must be followed by "0" or "1"`},
		},
		"pointer ending in tilde": {
			cfg:  verify.Config{Scheme: verify.SchemeNone, EventIDPointer: "/a~"},
			want: map[string]string{"event_id_pointer": `"~" must be followed by "0" or "1"`},
		},
		"bad event ID header": {
			cfg:  verify.Config{Scheme: verify.SchemeNone, EventIDHeader: "X-Id:"},
			want: map[string]string{"event_id_header": "not a valid header name"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			var got map[string]string
			if ce, ok := errors.AsType[*verify.ConfigError](err); ok {
				got = ce.Fields
			} else if err != nil {
				t.Fatalf("Validate = %v, want a *ConfigError", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate fields (-want +got):\n%s", diff)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("Validate error %q quotes a secret", err)
			}
			// New refuses exactly what Validate refuses.
			if v, newErr := verify.New(tc.cfg); (newErr == nil) != (err == nil) || (v == nil) == (newErr == nil) {
				t.Errorf("New = %v, %v; Validate = %v", v, newErr, err)
			}
		})
	}
}

func TestConfigErrorMessage(t *testing.T) {
	t.Parallel()
	err := verify.Config{Scheme: verify.SchemeBasic, Header: "X"}.Validate()
	const want = `verify: invalid config: header: not used by scheme "basic"; secrets: at least one required; username: required`
	if err == nil || err.Error() != want {
		t.Errorf("Validate = %v, want %s", err, want)
	}
}

func TestConfigJSON(t *testing.T) {
	t.Parallel()
	cfg := verify.Config{
		Scheme: verify.SchemeHMAC, Secrets: []string{"a", "b"}, Tolerance: 90 * time.Second,
		Header: "X-Sig", Prefix: "sha256=", Algorithm: "sha256", Encoding: "hex",
		SignedContent: "{timestamp}.{body}", TimestampHeader: "X-Ts", EventIDPointer: "/id",
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"scheme":"hmac","secrets":["a","b"],"header":"X-Sig","prefix":"sha256=","algorithm":"sha256","encoding":"hex",` +
		`"signed_content":"{timestamp}.{body}","timestamp_header":"X-Ts","event_id_pointer":"/id","tolerance_seconds":90}`
	if diff := cmp.Diff(want, string(data)); diff != "" {
		t.Errorf("Marshal (-want +got):\n%s", diff)
	}
	var back verify.Config
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cfg, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	// Zero fields are left out, and a pointer marshals the same as a value.
	data, err = json.Marshal(&verify.Config{Scheme: verify.SchemeNone})
	if err != nil || string(data) != `{"scheme":"none"}` {
		t.Errorf("Marshal(&none) = %s, %v", data, err)
	}

	for _, bad := range []string{`{"tolerance_seconds":"5m"}`, `{"tolerance_seconds":9223372037}`, `{"scheme":1}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

func TestEventIDPointer(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		pointer, body, want string
	}{
		"top-level string":   {"/id", `{"id":"evt_1"}`, "evt_1"},
		"nested":             {"/data/object/id", `{"data":{"object":{"id":"in_1"}}}`, "in_1"},
		"array index":        {"/events/1/id", `{"events":[{"id":"a"},{"id":"b"}]}`, "b"},
		"number":             {"/id", `{"id":820982911946154508}`, "820982911946154508"},
		"escaped slash":      {"/a~1b", `{"a/b":"x"}`, "x"},
		"escaped tilde":      {"/a~0b", `{"a~b":"y"}`, "y"},
		"~01 is ~1":          {"/~01", `{"~1":"z","/":"wrong"}`, "z"},
		"empty key":          {"/", `{"":"e"}`, "e"},
		"white space":        {"/a/b", " {\n\"a\" : { \"b\" : \"w\" } }", "w"},
		"missing":            {"/id", `{"ID":"x"}`, ""},
		"object":             {"/id", `{"id":{"v":1}}`, ""},
		"boolean":            {"/id", `{"id":true}`, ""},
		"null":               {"/id", `{"id":null}`, ""},
		"index out of range": {"/2", `["a","b"]`, ""},
		"index with zero":    {"/01", `["a","b"]`, ""},
		"index -":            {"/-", `["a","b"]`, ""},
		"through a string":   {"/id/x", `{"id":"evt"}`, ""},
		"not JSON":           {"/id", `id=evt_1`, ""},
		"truncated JSON":     {"/id", `{"id":"evt_1"`, ""},
		"empty body":         {"/id", ``, ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, verify.Config{Scheme: verify.SchemeNone, EventIDPointer: tc.pointer})
			res, err := v.Verify(verify.Request{Body: []byte(tc.body)})
			if err != nil {
				t.Fatal(err)
			}
			if res.EventID != tc.want {
				t.Errorf("EventID = %q, want %q", res.EventID, tc.want)
			}
		})
	}
}

// TestEventIDOverride checks that a configured source replaces the scheme's
// default.
func TestEventIDOverride(t *testing.T) {
	t.Parallel()
	const secret = "whsec_override"
	body := stripeEvent("evt_default")
	req := verify.Request{
		Header: map[string][]string{"Stripe-Signature": {stripeHeader(secret, testNow, body)}, "Idempotency-Key": {"idem-1"}},
		Body:   body, Now: testNow,
	}
	for name, tc := range map[string]struct {
		cfg  verify.Config
		want string
	}{
		"default": {verify.Config{}, "evt_default"},
		"header":  {verify.Config{EventIDHeader: "Idempotency-Key"}, "idem-1"},
		"pointer": {verify.Config{EventIDPointer: "/data/object/id"}, "in_1"},
		"absent":  {verify.Config{EventIDHeader: "X-Nothing"}, ""},
	} {
		tc.cfg.Scheme, tc.cfg.Secrets = verify.SchemeStripe, []string{secret}
		res, err := newVerifier(t, tc.cfg).Verify(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.EventID != tc.want {
			t.Errorf("%s: EventID = %q, want %q", name, res.EventID, tc.want)
		}
	}
}
