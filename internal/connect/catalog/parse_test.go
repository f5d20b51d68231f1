package catalog

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchbay/patchbay/providers"
)

// minimal is the smallest valid definition; tests change one thing in it.
const minimal = `id: acme
display_name: Acme
categories: [crm]
docs_url: https://developer.acme.example/docs
auth:
  mode: oauth2
  authorization_url: https://acme.example/oauth/authorize
  token_url: https://acme.example/oauth/token
  client_auth: client_secret_post
proxy:
  base_url: https://api.acme.example/v1
`

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	p, err := Parse("acme.yaml", []byte(minimal+"verification:\n  path: /me\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Provider{
		ID:          "acme",
		DisplayName: "Acme",
		Categories:  []string{"crm"},
		DocsURL:     "https://developer.acme.example/docs",
		Auth: Auth{
			Mode:             AuthOAuth2,
			AuthorizationURL: "https://acme.example/oauth/authorize",
			TokenURL:         "https://acme.example/oauth/token",
			ScopeSeparator:   " ",
			ClientAuth:       ClientSecretPost,
			Refresh:          Refresh{Margin: Duration(RefreshMarginDefault)},
		},
		Verification: &Verification{Method: "GET", Path: "/me", ExpectStatus: 200},
		Proxy: Proxy{
			BaseURL:     "https://api.acme.example/v1",
			Credentials: Credentials{In: InBearer, Value: "${secret.access_token}"},
		},
	}
	if diff := cmp.Diff(want, p, cmpopts.IgnoreUnexported(Field{})); diff != "" {
		t.Errorf("Parse() (-want +got):\n%s", diff)
	}
}

func TestParseFull(t *testing.T) {
	t.Parallel()
	p, err := Parse("acme.yaml", []byte(strings.ReplaceAll(minimal, "https://api.acme.example/v1", "https://${config.subdomain}.acme.example/v1")+`fields:
  - {name: subdomain, label: Subdomain, type: text, required: true, pattern: "[a-z]+"}
rate_limit:
  budget: {requests: 100, window: 10s}
  retry_headers:
    - {name: X-RateLimit-Reset, format: epoch_millis}
pagination:
  style: cursor
  cursor_param: page[after]
  next_cursor: /meta/after
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := time.Duration(p.RateLimit.Budget.Window), 10*time.Second; got != want {
		t.Errorf("budget window = %v, want %v", got, want)
	}
	v, err := p.Values(map[string]string{"subdomain": "eu"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ExpandURL(p.Proxy.BaseURL, v.Config)
	if want := "https://eu.acme.example/v1"; err != nil || got != want {
		t.Errorf("ExpandURL(base URL) = %q, %v; want %q", got, err, want)
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	replace := func(old, new string) string {
		if !strings.Contains(minimal, old) {
			t.Fatalf("minimal has no %q", old)
		}
		return strings.Replace(minimal, old, new, 1)
	}
	tests := []struct {
		name string
		def  string
		want []Problem // compared by path and message; lines where given
	}{
		{"not YAML", "id: [", []Problem{{Message: "not valid YAML: line 1: did not find expected node content"}}},
		{"empty", "", []Problem{{Message: "is empty"}}},
		{"not a mapping", "- a\n", []Problem{{Message: "got array, want object"}}},
		{"missing and unknown properties", "id: acme\ncolour: red\n", []Problem{
			{Path: "/auth", Message: "is required"},
			{Path: "/categories", Message: "is required"},
			{Path: "/colour", Line: 2, Message: "is not a known property"},
			{Path: "/display_name", Message: "is required"},
			{Path: "/docs_url", Message: "is required"},
			{Path: "/proxy", Message: "is required"},
		}},
		{"bad id", replace("id: acme", "id: Acme!"), []Problem{{Path: "/id", Line: 1, Message: "must be 1 to 63 lowercase letters, digits, _ and -, starting with a letter or digit"}}},
		{"bad mode", replace("mode: oauth2", "mode: saml"), []Problem{{Path: "/auth/mode", Line: 6, Message: `value must be one of 'oauth2', 'oauth2_client_credentials', 'api_key', 'basic'`}}},
		{"oauth2 without token URL", replace("  token_url: https://acme.example/oauth/token\n", ""), []Problem{{Path: "/auth/token_url", Line: 5, Message: "is required"}}},
		{"http URL", replace("https://api.acme.example/v1", "http://api.acme.example/v1"), []Problem{{Path: "/proxy/base_url", Line: 11, Message: "must be an https URL without spaces or fragment"}}},
		{"api key with OAuth fields", replace("mode: oauth2", "mode: api_key"), []Problem{
			{Path: "/auth/authorization_url", Line: 7, Message: "is not allowed here"},
			{Path: "/auth/client_auth", Line: 9, Message: "is not allowed here"},
			{Path: "/auth/token_url", Line: 8, Message: "is not allowed here"},
			{Path: "/proxy/credentials", Line: 10, Message: "is required"},
		}},
		{"reserved authorization parameter", replace("  client_auth:", "  authorization_params: {state: x}\n  client_auth:"), []Problem{
			{Path: "/auth/authorization_params/state", Line: 9, Message: "is not allowed here"},
		}},
		{"placeholder naming no field", replace("https://api.acme.example/v1", "https://${config.subdomain}.acme.example/v1"), []Problem{
			{Path: "/proxy/base_url", Line: 11, Message: "${config.subdomain} names no field"},
		}},
		{"whole host from the user", replace("https://api.acme.example/v1", "https://${config.host}/v1") + "fields: [{name: host, label: Host, type: text, required: true}]\n", []Problem{
			{Path: "/proxy/base_url", Line: 11, Message: "a placeholder in the host must be followed by the provider's fixed domain, such as .example.com"},
		}},
		{"secret in a URL", replace("https://api.acme.example/v1", "https://api.acme.example/v1?key=${config.key}") + "fields: [{name: key, label: Key, type: text, required: true, secret: true}]\n", []Problem{
			{Path: "/proxy/base_url", Line: 11, Message: "${config.key} names a secret field, and secrets may not appear in URLs"},
		}},
		{"optional field in a URL", replace("https://api.acme.example/v1", "https://api.acme.example/${config.v}") + "fields: [{name: v, label: Version, type: text}]\n", []Problem{
			{Path: "/proxy/base_url", Line: 11, Message: "${config.v} names a field that is neither required nor has a default"},
		}},
		{"secret through config namespace in a header", minimal + "  headers: {X-Key: '${config.key}'}\nfields: [{name: key, label: Key, type: text, required: true, secret: true}]\n", []Problem{
			{Path: "/proxy/headers/X-Key", Line: 12, Message: "${config.key}: secret fields are ${secret.name} and others ${config.name}"},
		}},
		{"bad header name", minimal + "  headers: {\"X A\": x}\n", []Problem{
			{Path: "/proxy/headers/X A", Line: 12, Message: "is not an allowed name"},
		}},
		{"authorization header", minimal + "  headers: {authorization: x}\n", []Problem{
			{Path: "/proxy/headers/authorization", Line: 12, Message: "is set by the proxy; use credentials for authentication"},
		}},
		{"header with a newline", minimal + "  headers: {X-A: \"a\\nb\"}\n", []Problem{
			{Path: "/proxy/headers/X-A", Line: 12, Message: "must not hold control characters such as line breaks"},
		}},
		{"bad field pattern and default", minimal + "fields: [{name: a, label: A, type: text, pattern: '(', default: x}, {name: a, label: B, type: email}]\n", []Problem{
			{Path: "/fields/0/pattern", Line: 12, Message: "is not a valid regular expression: error parsing regexp: missing closing ): `^(?:()$`"},
			{Path: "/fields/1/name", Line: 12, Message: "is used by another field"},
		}},
		{"cursor without a next cursor", minimal + "pagination: {style: cursor, cursor_param: after}\n", []Problem{
			{Path: "/pagination", Line: 12, Message: "the cursor style needs either next_cursor or last_item_cursor"},
		}},
		{"anchors", minimal + "categories: &c [crm]\n", []Problem{{Path: "/categories", Line: 12, Message: "is defined twice"}}},
		{"alias", strings.Replace(minimal, "categories: [crm]", "categories: &c [crm]\ndisplay: *c", 1), []Problem{{Path: "/display", Line: 4, Message: "aliases (*name) are not supported: write the value out"}}},
		{"custom tag", replace("display_name: Acme", "display_name: !secret Acme"), []Problem{{Path: "/display_name", Line: 2, Message: "tags are not supported"}}},
		{"duration", minimal + "rate_limit: {budget: {requests: 1, window: 1d}}\n", []Problem{{Path: "/rate_limit/budget/window", Line: 12, Message: "must be a duration such as 500ms, 30s, 5m or 1h"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("acme.yaml", []byte(tt.def))
			var derr *DefinitionError
			if !errors.As(err, &derr) {
				t.Fatalf("Parse() error = %v, want a *DefinitionError", err)
			}
			if derr.File != "acme.yaml" {
				t.Errorf("File = %q, want acme.yaml", derr.File)
			}
			got := derr.Problems
			// A missing value has its parent's line, which these cases leave
			// unchecked by giving none.
			want := slices.Clone(tt.want)
			for i := range want {
				for _, g := range got {
					if want[i].Line == 0 && g.Path == want[i].Path {
						want[i].Line = g.Line
					}
				}
			}
			byPath := cmpopts.SortSlices(func(a, b Problem) bool { return a.Path < b.Path })
			if diff := cmp.Diff(want, got, byPath); diff != "" {
				t.Errorf("Parse() problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefinitionErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := Parse("acme.yaml", []byte(strings.Replace(minimal, "mode: oauth2", "mode: saml", 1)))
	want := "acme.yaml: /auth/mode (line 6): value must be one of 'oauth2', 'oauth2_client_credentials', 'api_key', 'basic'"
	if err == nil || err.Error() != want {
		t.Errorf("Parse() error = %v, want %s", err, want)
	}
}

func TestParseTooLarge(t *testing.T) {
	t.Parallel()
	_, err := Parse("big.yaml", []byte(minimal+"# "+strings.Repeat("x", definitionMax)+"\n"))
	if err == nil || !strings.Contains(err.Error(), "is larger than 256 KiB") {
		t.Errorf("Parse() error = %v, want one about size", err)
	}
}

// FuzzParse feeds arbitrary bytes to the parser, as an operator's file or an
// API request would: it must not panic, must fail only with a
// *DefinitionError, and what it accepts must have the defaults filled in.
func FuzzParse(f *testing.F) {
	names, _ := fs.Glob(providers.FS, "*.yaml")
	for _, name := range names {
		data, err := fs.ReadFile(providers.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte(minimal + "fields: [{name: s, label: S, type: text, required: true}]\n"))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("{id: x, display_name: y}"))
	f.Add([]byte("- [[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]"))
	f.Add([]byte("id: !!binary aGk=\n"))
	f.Add([]byte("x: 1e999\ny: 0x7fffffffffffffffff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			var derr *DefinitionError
			if !errors.As(err, &derr) {
				t.Fatalf("Parse() error = %v (%T), want a *DefinitionError", err, err)
			}
			return
		}
		if p.Auth.Mode.OAuth() && (p.Auth.ScopeSeparator == "" || p.Proxy.Credentials.In == "") {
			t.Errorf("Parse() accepted %q without filling in defaults: %+v", data, p)
		}
		if _, err := parseURLTemplate(p.Proxy.BaseURL); err != nil {
			t.Errorf("Parse() accepted base URL %q: %v", p.Proxy.BaseURL, err)
		}
	})
}
