package catalog

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Templates hold placeholders of the form ${namespace.name}, in two
// namespaces:
//
//   - ${config.name}: a connection's value for a field that is not secret,
//     such as a subdomain. Allowed in URLs, headers and credentials.
//   - ${secret.name}: a secret field's value, or ${secret.access_token}, the
//     connection's current OAuth access token. Allowed only in headers and
//     credentials, so secrets never appear in a URL (and so in logs).
//
// There is no escape for a literal "${": no URL or header needs one.
const (
	nsConfig = "config"
	nsSecret = "secret"
	// accessToken is the secret an OAuth connection always has.
	accessToken = "access_token"
)

// valueMax bounds one placeholder's value. Host names are shorter; paths and
// headers this long are already suspect.
const valueMax = 1024

// Values are one connection's values for placeholders.
type Values struct {
	// Config holds the values of fields that are not secret: ${config.name}.
	Config map[string]string
	// Secrets holds secret field values and, for OAuth connections,
	// access_token: ${secret.name}.
	Secrets map[string]string
}

// ExpandURL expands the ${config.name} placeholders in a URL template, such as
// https://${config.subdomain}.zendesk.com/api/v2, with a connection's values.
//
// Each value is checked and escaped for where it stands, so that no value can
// move the URL to another host or scheme: in the host, a value may hold only
// letters, digits, hyphens and dots, and the host keeps the template's fixed
// suffix (".zendesk.com"); in the path, a value is one escaped segment and
// may not be "." or ".."; in the query, it is escaped as a parameter value.
// It fails on placeholders other than ${config.name}, and on missing or empty
// values. Its errors name placeholders but never quote values.
func ExpandURL(template string, config map[string]string) (string, error) {
	t, err := parseURLTemplate(template)
	if err != nil {
		return "", err
	}
	return t.expand(config)
}

// ExpandValue expands the placeholders of a header value or credential
// template, such as "${config.email}/token" or "${secret.api_key}". Values are
// used as they are, but may not hold control characters, which could end a
// header line and start another. Errors never quote values.
func ExpandValue(template string, values Values) (string, error) {
	parts, err := splitTemplate(template)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range parts {
		if p.name == "" {
			b.WriteString(p.literal)
			continue
		}
		var v string
		switch p.ns {
		case nsConfig:
			v = values.Config[p.name]
		case nsSecret:
			v = values.Secrets[p.name]
		default:
			return "", fmt.Errorf("unknown placeholder %s: the namespaces are config and secret", p)
		}
		if v == "" {
			return "", fmt.Errorf("no value for %s", p)
		}
		if len(v) > valueMax {
			return "", fmt.Errorf("the value for %s is longer than %d bytes", p, valueMax)
		}
		b.WriteString(v)
	}
	out := b.String()
	if strings.ContainsFunc(out, isControl) {
		return "", errors.New("the expanded value holds a control character")
	}
	return out, nil
}

func isControl(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

// part is a literal piece of a template, or a placeholder when name is set.
type part struct {
	literal  string
	ns, name string
}

func (p part) String() string { return "${" + p.ns + "." + p.name + "}" }

// splitTemplate cuts a template into literals and placeholders.
func splitTemplate(s string) ([]part, error) {
	var parts []part
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			if s != "" {
				parts = append(parts, part{literal: s})
			}
			return parts, nil
		}
		if i > 0 {
			parts = append(parts, part{literal: s[:i]})
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, errors.New(`"${" without a closing "}"`)
		}
		ref := s[i+2 : i+end]
		ns, name, _ := strings.Cut(ref, ".")
		if !validName(ns) || !validName(name) {
			return nil, fmt.Errorf("placeholder ${%.40s} must be ${namespace.name}, in lowercase letters, digits and _", ref)
		}
		parts = append(parts, part{ns: ns, name: name})
		s = s[i+end+1:]
	}
}

// validName reports whether s is a field or namespace name, as the schema's
// field name pattern has it.
func validName(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// position is where a placeholder stands in a URL, which decides how its
// value is checked and escaped.
type position int

const (
	inHost position = iota + 1
	inPath
	inQuery
)

// urlTemplate is a parsed URL template.
type urlTemplate struct {
	parts []part
	pos   []position // for each placeholder part
	// host is the whole host when it has no placeholder; otherwise
	// hostSuffix is the fixed text after its last placeholder.
	host, hostSuffix string
	port             string
}

// parseURLTemplate checks a URL template and finds where each placeholder
// stands. A template is an https URL without user info or fragment whose
// placeholders are all ${config.name}, in the host, the path or the query.
// A placeholder in the host must be followed by a fixed suffix of at least
// two labels (".zendesk.com", not ".com"), so that the provider's domain, not
// the user, decides where requests go; a provider whose whole host varies
// (a self-managed GitLab) is defined by the operator, with its host written
// out.
func parseURLTemplate(s string) (*urlTemplate, error) {
	const scheme = "https://"
	if !strings.HasPrefix(s, scheme) {
		return nil, errors.New("must start with https://")
	}
	parts, err := splitTemplate(s[len(scheme):])
	if err != nil {
		return nil, err
	}
	t := &urlTemplate{parts: append([]part{{literal: scheme}}, parts...)}
	t.pos = make([]position, len(t.parts))
	const (
		host = iota
		port
		path
		query
	)
	state := host
	var hostText strings.Builder // host literals since the last placeholder
	hostPlaceholder := false
	for i := 1; i < len(t.parts); i++ {
		p := t.parts[i]
		if p.name != "" {
			if p.ns != nsConfig {
				return nil, fmt.Errorf("%s may not appear in a URL: only ${config.name} placeholders may", p)
			}
			switch state {
			case host:
				t.pos[i] = inHost
				hostPlaceholder = true
				hostText.Reset()
			case port:
				return nil, fmt.Errorf("%s may not stand in the port", p)
			case path:
				t.pos[i] = inPath
			case query:
				t.pos[i] = inQuery
			}
			continue
		}
		for j := 0; j < len(p.literal); j++ {
			c := p.literal[j]
			switch {
			case c == '#':
				return nil, errors.New("must not have a fragment")
			case state <= port && c == '@':
				return nil, errors.New("must not have user info")
			case state <= port && c == '/':
				state = path
			case state <= path && c == '?':
				state = query
			case state == host && c == ':':
				state = port
			case state == host:
				hostText.WriteByte(c)
			case state == port:
				if c < '0' || c > '9' {
					return nil, errors.New("must have a numeric port")
				}
				t.port += string(c)
			}
		}
	}
	if hostPlaceholder {
		// The suffix may finish the placeholder's label ("-eu.example.com");
		// what follows that label is the provider's domain.
		t.hostSuffix = strings.ToLower(hostText.String())
		_, domain, ok := strings.Cut(t.hostSuffix, ".")
		if !ok || !strings.Contains(domain, ".") || !validHost(domain) {
			return nil, errors.New("a placeholder in the host must be followed by the provider's fixed domain, such as .example.com")
		}
	} else {
		t.host = strings.ToLower(hostText.String())
	}
	// Expanding with a harmless value checks what the state machine does not:
	// the literals' escaping and that the host is a host name.
	sample := map[string]string{}
	for _, p := range t.parts {
		if p.name != "" {
			sample[p.name] = "x"
		}
	}
	if _, err := t.expand(sample); err != nil {
		return nil, err
	}
	return t, nil
}

// expand fills in a parsed template; see ExpandURL.
func (t *urlTemplate) expand(config map[string]string) (string, error) {
	var b strings.Builder
	for i, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.literal)
			continue
		}
		v := config[p.name]
		switch {
		case v == "":
			return "", fmt.Errorf("no value for %s", p)
		case len(v) > valueMax:
			return "", fmt.Errorf("the value for %s is longer than %d bytes", p, valueMax)
		}
		switch t.pos[i] {
		case inHost:
			if !hostChars(v) {
				return "", fmt.Errorf("the value for %s stands in the host name, so it may hold only letters, digits, hyphens and dots", p)
			}
			b.WriteString(strings.ToLower(v))
		case inPath:
			if v == "." || v == ".." {
				return "", fmt.Errorf("the value for %s stands in the path, so it may not be . or ..", p)
			}
			b.WriteString(url.PathEscape(v))
		case inQuery:
			b.WriteString(url.QueryEscape(v))
		}
	}
	out := b.String()
	// The checks above should make these impossible; they are repeated on
	// the result because a mistake here would send credentials elsewhere.
	u, err := url.Parse(out)
	switch {
	case err != nil:
		return "", errors.New("does not expand to a valid URL")
	case u.Scheme != "https" || u.Opaque != "" || u.User != nil || u.Fragment != "" || u.Port() != t.port:
		return "", errors.New("expands to a URL with another scheme, port, user info or fragment")
	case !validHost(u.Hostname()):
		return "", errors.New("expands to an invalid host name: each dot-separated label must be 1 to 63 letters, digits and inner hyphens")
	case t.hostSuffix == "" && u.Hostname() != t.host,
		t.hostSuffix != "" && !strings.HasSuffix(u.Hostname(), t.hostSuffix):
		return "", errors.New("expands to a URL on another host")
	}
	return out, nil
}

func hostChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validHost reports whether s is a lowercase DNS name of valid labels.
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
