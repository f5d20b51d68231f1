package catalog

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpandURL(t *testing.T) {
	t.Parallel()
	const (
		zendesk = "https://${config.subdomain}.zendesk.com/api/v2"
		twilio  = "https://api.twilio.com/2010-04-01/Accounts/${config.account}/Calls.json?PageSize=${config.size}"
	)
	tests := []struct {
		name     string
		template string
		config   map[string]string
		want     string
		wantErr  string
	}{
		{"host", zendesk, map[string]string{"subdomain": "acme"}, "https://acme.zendesk.com/api/v2", ""},
		{"host lowercased", zendesk, map[string]string{"subdomain": "ACME"}, "https://acme.zendesk.com/api/v2", ""},
		{"host of several labels stays under the suffix", zendesk, map[string]string{"subdomain": "eu.acme"}, "https://eu.acme.zendesk.com/api/v2", ""},
		{"path and query escaped", twilio, map[string]string{"account": "AC/../x y", "size": "5&x=1"},
			"https://api.twilio.com/2010-04-01/Accounts/AC%2F..%2Fx%20y/Calls.json?PageSize=5%26x%3D1", ""},
		{"percent in path escaped", twilio, map[string]string{"account": "%2e%2e", "size": "1"},
			"https://api.twilio.com/2010-04-01/Accounts/%252e%252e/Calls.json?PageSize=1", ""},
		{"fixed URL", "https://api.github.com", nil, "https://api.github.com", ""},

		{"host with slash", zendesk, map[string]string{"subdomain": "evil.com/"}, "", "may hold only letters, digits, hyphens and dots"},
		{"host with user info", zendesk, map[string]string{"subdomain": "x@evil"}, "", "may hold only letters, digits, hyphens and dots"},
		{"host with port", zendesk, map[string]string{"subdomain": "evil.com:443"}, "", "may hold only letters, digits, hyphens and dots"},
		{"host with fragment", zendesk, map[string]string{"subdomain": "evil.com#"}, "", "may hold only letters, digits, hyphens and dots"},
		{"host with query", zendesk, map[string]string{"subdomain": "evil.com?"}, "", "may hold only letters, digits, hyphens and dots"},
		{"host with backslash", zendesk, map[string]string{"subdomain": `evil.com\`}, "", "may hold only letters, digits, hyphens and dots"},
		{"host with unicode", zendesk, map[string]string{"subdomain": "ｅvil"}, "", "may hold only letters, digits, hyphens and dots"},
		{"host ending in a dot", zendesk, map[string]string{"subdomain": "evil.com."}, "", "invalid host name"},
		{"host starting with a dot", zendesk, map[string]string{"subdomain": ".acme"}, "", "invalid host name"},
		{"host label with outer hyphen", zendesk, map[string]string{"subdomain": "-acme"}, "", "invalid host name"},
		{"host label too long", zendesk, map[string]string{"subdomain": strings.Repeat("a", 64)}, "", "invalid host name"},
		{"dot-dot path segment", twilio, map[string]string{"account": "..", "size": "1"}, "", "may not be . or .."},
		{"missing value", zendesk, map[string]string{}, "", "no value for ${config.subdomain}"},
		{"empty value", zendesk, map[string]string{"subdomain": ""}, "", "no value for ${config.subdomain}"},
		{"value too long", twilio, map[string]string{"account": strings.Repeat("a", 1025), "size": "1"}, "", "longer than 1024 bytes"},
		{"secret in a URL", "https://api.example.com/${secret.key}", map[string]string{"key": "k"}, "", "${secret.key} may not appear in a URL"},
		{"unknown namespace", "https://api.example.com/${env.home}", nil, "", "${env.home} may not appear in a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ExpandURL(tt.template, tt.config)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ExpandURL() = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ExpandURL() error: %v", err)
			}
			if got != tt.want {
				t.Errorf("ExpandURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestExpandURLErrorsDoNotQuoteValues matters because a config value may be
// pasted by mistake from a secret.
func TestExpandURLErrorsDoNotQuoteValues(t *testing.T) {
	t.Parallel()
	_, err := ExpandURL("https://${config.subdomain}.zendesk.com", map[string]string{"subdomain": "sk_live_secret/x"})
	if err == nil || strings.Contains(err.Error(), "sk_live_secret") {
		t.Errorf("ExpandURL() error = %v, want one that does not quote the value", err)
	}
}

func TestParseURLTemplateRefuses(t *testing.T) {
	t.Parallel()
	for template, want := range map[string]string{
		"http://api.example.com":                      "must start with https://",
		"https://${config.host}/api":                  "followed by the provider's fixed domain",
		"https://${config.host}.com/api":              "followed by the provider's fixed domain",
		"https://api.${config.host}":                  "followed by the provider's fixed domain",
		"https://${config.a}.example.com:${config.p}": "may not stand in the port",
		"https://api.example.com:8x43":                "numeric port",
		"https://user@api.example.com":                "user info",
		"https://${config.u}@api.example.com":         "user info",
		"https://api.example.com/#${config.x}":        "fragment",
		"https://api.example.com/${config.x":          `without a closing "}"`,
		"https://api.example.com/${config}":           "must be ${namespace.name}",
		"https://api.example.com/${Config.X}":         "must be ${namespace.name}",
		"https://api.exa_mple.com":                    "invalid host name",
		"https://API.example.com":                     "invalid host name",
		"https://":                                    "invalid host name",
		"https://api.example.com/%zz":                 "not expand to a valid URL",
	} {
		_, err := parseURLTemplate(template)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseURLTemplate(%q) error = %v, want one containing %q", template, err, want)
		}
	}
}

func TestParseURLTemplateHost(t *testing.T) {
	t.Parallel()
	for template, want := range map[string][2]string{
		"https://${config.shop}.myshopify.com/admin": {"", ".myshopify.com"},
		"https://x-${config.a}-y.api.example.com":    {"", "-y.api.example.com"},
		"https://api.example.com:8443/${config.id}":  {"api.example.com", ""},
	} {
		tmpl, err := parseURLTemplate(template)
		if err != nil {
			t.Fatalf("parseURLTemplate(%q): %v", template, err)
		}
		if got := [2]string{tmpl.host, tmpl.hostSuffix}; got != want {
			t.Errorf("parseURLTemplate(%q) host, suffix = %q, want %q", template, got, want)
		}
	}
}

func TestExpandValue(t *testing.T) {
	t.Parallel()
	values := Values{
		Config:  map[string]string{"email": "ops@example.com"},
		Secrets: map[string]string{"api_token": "tok en", "crlf": "a\r\nX-Evil: 1", "access_token": "at"},
	}
	tests := []struct {
		template, want, wantErr string
	}{
		{"${config.email}/token", "ops@example.com/token", ""},
		{"Token ${secret.api_token}", "Token tok en", ""},
		{"${secret.access_token}", "at", ""},
		{"2022-06-28", "2022-06-28", ""},
		{"${secret.crlf}", "", "control character"},
		{"${secret.email}", "", "no value for ${secret.email}"},
		{"${vault.x}", "", "unknown placeholder ${vault.x}"},
		{"${secret.api_token", "", "without a closing"},
	}
	for _, tt := range tests {
		got, err := ExpandValue(tt.template, values)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || !strings.Contains(gotErr, tt.wantErr) || (tt.wantErr == "") != (err == nil) {
			t.Errorf("ExpandValue(%q) = %q, %v; want %q, error containing %q", tt.template, got, err, tt.want, tt.wantErr)
		}
		if err != nil && strings.Contains(gotErr, "tok en") {
			t.Errorf("ExpandValue(%q) error %q quotes a secret", tt.template, gotErr)
		}
	}
}

// FuzzExpandURLValue fuzzes the value of placeholders in templates whose
// fixed host is known here, independently of the parser: whatever the value,
// the expansion fails or lands on that host (or under that suffix), over
// https, with no user info, and with the fixed path prefix intact.
func FuzzExpandURLValue(f *testing.F) {
	for _, seed := range []string{"acme", "evil.com/", "x@evil", "evil.com#", "a:b@c", "..", "%2f", "a/../../b", "\x00", "ACME.eu", "xn--bcher-kva", "a b", "[::1]", "127.0.0.1"} {
		f.Add(seed)
	}
	templates := []struct {
		template, host, suffix, prefix string
	}{
		{"https://${config.v}.zendesk.com/api/v2", "", ".zendesk.com", ""},
		{"https://api-${config.v}.eu.example.com/x", "", ".eu.example.com", ""},
		{"https://api.example.com/v1/${config.v}/items?q=${config.v}", "api.example.com", "", "https://api.example.com/v1/"},
		{"https://api.example.com/v1?q=${config.v}", "api.example.com", "", "https://api.example.com/v1?q="},
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, tt := range templates {
			got, err := ExpandURL(tt.template, map[string]string{"v": value})
			if err != nil {
				continue
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("ExpandURL(%q, %q) = %q, which does not parse: %v", tt.template, value, got, err)
			}
			host := u.Hostname()
			switch {
			case u.Scheme != "https" || u.User != nil || u.Port() != "" || u.Fragment != "":
				t.Errorf("ExpandURL(%q, %q) = %q: scheme, user info, port or fragment changed", tt.template, value, got)
			case tt.host != "" && host != tt.host:
				t.Errorf("ExpandURL(%q, %q) = %q: host %q, want %q", tt.template, value, got, host, tt.host)
			case tt.suffix != "" && (!strings.HasSuffix(host, tt.suffix) || len(host) == len(tt.suffix)):
				t.Errorf("ExpandURL(%q, %q) = %q: host %q is not under %q", tt.template, value, got, host, tt.suffix)
			case !strings.HasPrefix(got, tt.prefix):
				t.Errorf("ExpandURL(%q, %q) = %q: lost the prefix %q", tt.template, value, got, tt.prefix)
			}
		}
	})
}

// FuzzExpandURL fuzzes templates and values together: parsing and expanding
// never panic, and an expansion keeps the host the parsed template fixed.
func FuzzExpandURL(f *testing.F) {
	f.Add("https://${config.v}.zendesk.com/api/v2", "acme")
	f.Add("https://api.example.com/${config.v}?a=${config.v}", "x/../y")
	f.Add("https://a${config.v}b.c.example.com:443/", "evil.com/")
	f.Add("https://${config.v}${config.v}.x.example.com", "a.b")
	f.Add("https://x.example.com/${secret.v}", "k")
	f.Fuzz(func(t *testing.T, template, value string) {
		tmpl, err := parseURLTemplate(template)
		if err != nil {
			return
		}
		got, err := tmpl.expand(map[string]string{"v": value})
		if err != nil {
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("expand(%q, %q) = %q, which does not parse: %v", template, value, got, err)
		}
		if u.Scheme != "https" || u.User != nil {
			t.Errorf("expand(%q, %q) = %q: scheme or user info changed", template, value, got)
		}
		if tmpl.hostSuffix == "" && u.Hostname() != tmpl.host || tmpl.hostSuffix != "" && !strings.HasSuffix(u.Hostname(), tmpl.hostSuffix) {
			t.Errorf("expand(%q, %q) = %q: host %q left %q%q", template, value, got, u.Hostname(), tmpl.host, tmpl.hostSuffix)
		}
		if diff := cmp.Diff(tmpl.port, u.Port()); diff != "" {
			t.Errorf("expand(%q, %q) port (-want +got):\n%s", template, value, diff)
		}
	})
}
