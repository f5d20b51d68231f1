package catalog

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchbay/patchbay/providers"
)

// samples are form input for the shipped providers that have required
// fields, so that every template of every shipped provider is expanded.
var samples = map[string]map[string]string{
	"salesforce": {"my_domain": "acme"},
	"shopify":    {"shop": "acme"},
	"stripe":     {"api_key": "sk_test_abc123"},
	"twilio":     {"account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token": "t0k3n"},
	"zendesk":    {"subdomain": "acme"},
}

var docsComment = regexp.MustCompile(`(?m)^# Docs relied on:\n(#   https://\S+.*\n)+`)

// TestShippedProviders checks every file in providers/ against the schema on
// its own, then through Parse, and expands every template it holds.
func TestShippedProviders(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(providers.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 20 {
		t.Errorf("%d providers shipped, want at least 20", len(names))
	}
	sch, err := providerSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := fs.ReadFile(providers.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			doc, _, problem := decodeYAML(data)
			if problem != nil {
				t.Fatalf("not YAML: %v", problem)
			}
			if err := sch.Validate(doc); err != nil {
				t.Fatalf("does not match the schema: %v", err)
			}
			p, err := Parse(name, data)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimSuffix(name, ".yaml"); p.ID != want {
				t.Errorf("id = %q, want the file's name, %q", p.ID, want)
			}
			if !docsComment.Match(data) {
				t.Errorf("has no comment naming the docs relied on (# Docs relied on:, then #   https://… lines)")
			}

			v, err := p.Values(samples[p.ID])
			if err != nil {
				t.Fatalf("Values(samples[%q]): %v; add a sample for its required fields", p.ID, err)
			}
			for _, tmpl := range []string{p.Auth.AuthorizationURL, p.Auth.TokenURL, p.Auth.RevocationURL, p.Proxy.BaseURL} {
				if tmpl == "" {
					continue
				}
				if _, err := ExpandURL(tmpl, v.Config); err != nil {
					t.Errorf("ExpandURL(%q): %v", tmpl, err)
				}
			}
			if p.Auth.Mode.OAuth() {
				v.Secrets[accessToken] = "at"
			}
			c := p.Proxy.Credentials
			for _, tmpl := range append([]string{c.Value, c.Username, c.Password}, valuesOf(p.Proxy.Headers)...) {
				if tmpl == "" {
					continue
				}
				if _, err := ExpandValue(tmpl, v); err != nil {
					t.Errorf("ExpandValue(%q): %v", tmpl, err)
				}
			}
		})
	}
}

func valuesOf(m map[string]string) []string {
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}

func TestShippedCatalog(t *testing.T) {
	t.Parallel()
	c, err := Load(providers.FS)
	if err != nil {
		t.Fatal(err)
	}
	zendesk, ok := c.Get("zendesk")
	if !ok {
		t.Fatal(`Get("zendesk") found nothing`)
	}
	v, err := zendesk.Values(map[string]string{"subdomain": "acme"})
	if err != nil {
		t.Fatal(err)
	}
	for tmpl, want := range map[string]string{
		zendesk.Auth.AuthorizationURL: "https://acme.zendesk.com/oauth/authorizations/new",
		zendesk.Auth.TokenURL:         "https://acme.zendesk.com/oauth/tokens",
		zendesk.Proxy.BaseURL:         "https://acme.zendesk.com/api/v2",
	} {
		if got, err := ExpandURL(tmpl, v.Config); err != nil || got != want {
			t.Errorf("ExpandURL(%q) = %q, %v; want %q", tmpl, got, err, want)
		}
	}
	// The connect form refuses a subdomain that would leave zendesk.com,
	// before expansion would.
	if _, err := zendesk.Values(map[string]string{"subdomain": "evil.com/"}); err == nil {
		t.Error(`Values(subdomain "evil.com/") succeeded`)
	}

	microsoft, _ := c.Get("microsoft")
	v, err = microsoft.Values(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ExpandURL(microsoft.Auth.TokenURL, v.Config); err != nil || got != "https://login.microsoftonline.com/common/oauth2/v2.0/token" {
		t.Errorf("Microsoft token URL with the default tenant = %q, %v", got, err)
	}
}

// TestShippedProvidersRoundTrip: each shipped definition, as the API shows it
// in JSON, parses back to the same provider, so an operator can fetch a
// definition, change it and send it back.
func TestShippedProvidersRoundTrip(t *testing.T) {
	t.Parallel()
	c, err := Load(providers.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.List() {
		doc, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("", doc)
		if err != nil {
			t.Errorf("%s: its JSON does not parse back: %v", p.ID, err)
			continue
		}
		back.Source = p.Source
		if diff := cmp.Diff(p, back, cmpopts.IgnoreUnexported(Field{})); diff != "" {
			t.Errorf("%s: changed by the round trip (-before +after):\n%s", p.ID, diff)
		}
	}
}
