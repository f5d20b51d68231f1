package safehttp

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkURLCases maps a URL to CheckURL's error message with Options{} and
// allowHTTP false ("" when accepted). FuzzCheckURL uses the URLs as seeds.
var checkURLCases = map[string]string{
	"https://example.com/hooks":                    "",
	"https://example.com":                          "",
	"https://EXAMPLE.com/":                         "",
	"HTTPS://example.com/":                         "",
	"https://example.com./hooks":                   "",
	"https://hooks.example.com:8443/a?b=c#d":       "",
	"https://my_host.example.com/":                 "",
	"https://xn--bcher-kva.example/":               "",
	"https://8.8.8.8/":                             "",
	"https://[2606:4700::1111]/":                   "",
	"https://[64:ff9b::8.8.8.8]/":                  "",
	"https://1.2.3.4.example.com/":                 "",
	"https://example.com:/":                        "", // empty port means the default
	"http://example.com/":                          "must use https",
	"ftp://example.com/":                           `must use https, not "ftp"`,
	"javascript:alert(1)":                          `must use https, not "javascript"`,
	"/relative/path":                               "must be an absolute URL",
	"//example.com/":                               "must be an absolute URL",
	"example.com":                                  "must be an absolute URL",
	"":                                             "must be an absolute URL",
	"https:example.com":                            "must have // after the scheme",
	"https:///path":                                "must have a host",
	"https://":                                     "must have a host",
	"https://user:pass@example.com/":               "must not contain user info (credentials before @)",
	"https://user@example.com/":                    "must not contain user info (credentials before @)",
	"https://@example.com/":                        "must not contain user info (credentials before @)",
	"https://example.com:0/":                       "port 0 is out of range",
	"https://example.com:65536/":                   "port 65536 is out of range",
	"https://example.com:99999999999999999999/":    "port 99999999999999999999 is out of range",
	"https://exa mple.com/":                        `is not a valid URL: invalid character " " in host name`,
	"https://example.com:https/":                   `is not a valid URL: invalid port ":https" after host`,
	"https://[::1/":                                "is not a valid URL: missing ']' in host",
	"https://exa$mple.com/":                        `host "exa$mple.com" is not a valid domain name`,
	"https://-example.com/":                        `host "-example.com" is not a valid domain name`,
	"https://example..com/":                        `host "example..com" is not a valid domain name`,
	"https://.example.com/":                        `host ".example.com" is not a valid domain name`,
	"https://" + strings.Repeat("a", 64) + ".com/": `host "` + strings.Repeat("a", 64) + `.com" is not a valid domain name`,
	"https://bücher.example/":                      `host "bücher.example" must be ASCII: write an internationalised name in Punycode (xn--…)`,
	"https://１２７。０。０。１/":                           `host "１２７。０。０。１" must be ASCII: write an internationalised name in Punycode (xn--…)`,
	"https://" + strings.Repeat("a", 2048):         "must be at most 2048 characters long",

	// IP literals, in every form that reaches loopback somewhere.
	"https://127.0.0.1/":               "host 127.0.0.1 is not allowed: loopback address",
	"https://127.0.0.1:8080/":          "host 127.0.0.1 is not allowed: loopback address",
	"https://[::1]/":                   "host ::1 is not allowed: loopback address",
	"https://[::ffff:127.0.0.1]/":      "host ::ffff:127.0.0.1 is not allowed: loopback address",
	"https://[::ffff:7f00:1]/":         "host ::ffff:7f00:1 is not allowed: loopback address",
	"https://[0:0:0:0:0:ffff:7f00:1]/": "host 0:0:0:0:0:ffff:7f00:1 is not allowed: loopback address",
	"https://[::127.0.0.1]/":           "host ::127.0.0.1 is not allowed: reserved address",
	"https://[64:ff9b::127.0.0.1]/":    "host 64:ff9b::127.0.0.1 is not allowed: loopback address in NAT64 address",
	"https://[2002:7f00:1::]/":         "host 2002:7f00:1:: is not allowed: loopback address in 6to4 address",
	"https://[fe80::1%25eth0]/":        "host must not have an IPv6 zone",
	"https://[fe80::1]/":               "host fe80::1 is not allowed: link-local address",
	"https://0.0.0.0/":                 "host 0.0.0.0 is not allowed: unspecified address",
	"https://[::]/":                    "host :: is not allowed: unspecified address",
	"https://10.0.0.1/":                "host 10.0.0.1 is not allowed: private address",
	"https://169.254.169.254/latest/":  "host 169.254.169.254 is not allowed: cloud metadata address",
	"https://[fd00:ec2::254]/":         "host fd00:ec2::254 is not allowed: cloud metadata address",
	"https://2130706433/":              `host "2130706433" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://0x7f000001/":              `host "0x7f000001" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://0x7f.1/":                  `host "0x7f.1" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://0X7F.0.0.1/":              `host "0X7F.0.0.1" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://127.1/":                   `host "127.1" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://0177.0.0.1/":              `host "0177.0.0.1" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://127.000.000.001/":         `host "127.000.000.001" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://017700000001/":            `host "017700000001" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://127.0.0.1./":              `host "127.0.0.1." is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://8.8.8.8.8/":               `host "8.8.8.8.8" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://example.0x/":              `host "example.0x" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`,
	"https://%31%32%37.0.0.1/":         `is not a valid URL: invalid URL escape "%31"`,
	"https://localhost/":               "host localhost is not allowed: loopback address",
	"https://LocalHost.:8080/":         "host LocalHost. is not allowed: loopback address",
	"https://api.localhost/":           "host api.localhost is not allowed: loopback address",
	"https://localhost.example.com/":   "",
	"https://[v1.fe80::1]/":            `is not a valid URL: invalid host: ParseAddr("v1.fe80::1"): unexpected character (at "v1.fe80::1")`,
}

func TestCheckURL(t *testing.T) {
	t.Parallel()

	for raw, want := range checkURLCases {
		got := ""
		if err := (Options{}).CheckURL(raw, false); err != nil {
			got = err.Error()
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CheckURL(%.80q) (-want +got):\n%s", raw, diff)
		}
	}
}

func TestCheckURLOptions(t *testing.T) {
	t.Parallel()

	private := Options{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, tt := range []struct {
		name      string
		opts      Options
		raw       string
		allowHTTP bool
		want      string
	}{
		{"http allowed", Options{}, "http://example.com/", true, ""},
		{"ftp with http allowed", Options{}, "ftp://example.com/", true, `must use https or http, not "ftp"`},
		{"loopback allowed", Options{AllowLoopback: true}, "http://127.0.0.1:8080/", true, ""},
		{"v6 loopback allowed", Options{AllowLoopback: true}, "http://[::1]:8080/", true, ""},
		{"localhost allowed", Options{AllowLoopback: true}, "http://localhost:8080/", true, ""},
		{"localhost with only v4 loopback allowed", Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, "https://localhost/", false, "host localhost is not allowed: loopback address"},
		{"private allowed", private, "https://10.1.2.3/", false, ""},
		{"private mapped allowed", private, "https://[::ffff:10.1.2.3]/", false, ""},
		{"other private refused", private, "https://192.168.1.1/", false, "host 192.168.1.1 is not allowed: private address"},
		{"ambiguous refused though allowed", private, "https://167772161/", false, `host "167772161" is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1`},
	} {
		got := ""
		if err := tt.opts.CheckURL(tt.raw, tt.allowHTTP); err != nil {
			got = err.Error()
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: CheckURL(%q) (-want +got):\n%s", tt.name, tt.raw, diff)
		}
	}
}

func TestCheckURLRefusedError(t *testing.T) {
	t.Parallel()

	err := Options{}.CheckURL("https://[::ffff:169.254.169.254]/", false)
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("CheckURL error %v is not a *RefusedError", err)
	}
	if want := netip.MustParseAddr("::ffff:169.254.169.254"); refused.Addr != want || refused.Reason != "cloud metadata address" {
		t.Errorf("refused = %+v, want %s: cloud metadata address", refused, want)
	}
}

func FuzzCheckURL(f *testing.F) {
	for raw := range checkURLCases {
		f.Add(raw, false)
		f.Add(raw, true)
	}
	f.Fuzz(func(t *testing.T, raw string, allowHTTP bool) {
		err := Options{}.CheckURL(raw, allowHTTP)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("CheckURL(%q) returned an empty error message", raw)
			}
			return
		}
		if len(raw) > MaxURLLength {
			t.Fatalf("CheckURL accepted a %d-byte URL", len(raw))
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("CheckURL accepted %q, which url.Parse refuses: %v", raw, err)
		}
		if u.Scheme != "https" && !(allowHTTP && u.Scheme == "http") {
			t.Fatalf("CheckURL(%q, %t) accepted scheme %q", raw, allowHTTP, u.Scheme)
		}
		if u.User != nil || u.Host == "" || u.Opaque != "" {
			t.Fatalf("CheckURL accepted %q with user %v, host %q, opaque %q", raw, u.User, u.Host, u.Opaque)
		}
		host := u.Hostname()
		if a, err := netip.ParseAddr(host); err == nil {
			if reason, special := Classify(a); special {
				t.Fatalf("CheckURL accepted %q, whose host is a %s", raw, reason)
			}
			return
		}
		for i := 0; i < len(host); i++ {
			if c := host[i]; c >= 0x80 || c == '%' || c == ':' {
				t.Fatalf("CheckURL accepted %q, whose host %q has %q", raw, host, c)
			}
		}
		if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
			t.Fatalf("CheckURL accepted %q", raw)
		}
	})
}
