package catalog

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Authorize adds the provider's headers (Proxy.Headers) and a connection's
// credentials, placed as Proxy.Credentials says, to req. The proxy and the
// connections service's verification request both send what a definition
// describes, so the rule lives with the definition.
func (p *Provider) Authorize(req *http.Request, values Values) error {
	for name, tmpl := range p.Proxy.Headers {
		v, err := ExpandValue(tmpl, values)
		if err != nil {
			return fmt.Errorf("header %s: %w", name, err)
		}
		req.Header.Set(name, v)
	}
	c := p.Proxy.Credentials
	expand := func(tmpl string) (string, error) {
		if tmpl == "" {
			return "", nil
		}
		return ExpandValue(tmpl, values)
	}
	switch c.In {
	case InBasic:
		user, err := expand(c.Username)
		if err != nil {
			return fmt.Errorf("credentials username: %w", err)
		}
		pass, err := expand(c.Password)
		if err != nil {
			return fmt.Errorf("credentials password: %w", err)
		}
		req.SetBasicAuth(user, pass)
		return nil
	}
	val, err := expand(c.Value)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	switch c.In {
	case InBearer:
		req.Header.Set("Authorization", "Bearer "+val)
	case InHeader:
		req.Header.Set(c.Name, val)
	case InQuery:
		req.URL.RawQuery = withParam(req.URL.RawQuery, c.Name, val)
	}
	return nil
}

// withParam sets one query parameter and leaves the rest of the raw query
// exactly as it was: the caller's order and encoding are the provider's
// business. A caller's own value for the parameter is dropped.
func withParam(rawQuery, name, val string) string {
	var kept []string
	for pair := range strings.SplitSeq(rawQuery, "&") {
		key, _, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); pair == "" || err == nil && k == name {
			continue
		}
		kept = append(kept, pair)
	}
	return strings.Join(append(kept, url.QueryEscape(name)+"="+url.QueryEscape(val)), "&")
}
