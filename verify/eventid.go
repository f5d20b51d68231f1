package verify

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// eventIDSource finds a request's event ID: the first non-empty header of
// headers, or else the value at pointer in the JSON body.
type eventIDSource struct {
	headers []string
	pointer []string // reference tokens, unescaped; nil for none
}

// newEventIDSource returns the configured source, or the scheme's default.
func newEventIDSource(c Config) eventIDSource {
	switch {
	case c.EventIDHeader != "":
		return eventIDSource{headers: []string{c.EventIDHeader}}
	case c.EventIDPointer != "":
		tokens, _ := parsePointer(c.EventIDPointer) // valid after Validate
		return eventIDSource{pointer: tokens}
	}
	switch c.Scheme {
	case SchemeStripe:
		return eventIDSource{pointer: []string{"id"}}
	case SchemeSlack:
		return eventIDSource{pointer: []string{"event_id"}}
	case SchemeGitHub:
		return eventIDSource{headers: []string{"X-GitHub-Delivery"}}
	case SchemeShopify:
		return eventIDSource{headers: []string{"X-Shopify-Webhook-Id"}}
	case SchemeStandard:
		return eventIDSource{headers: []string{"webhook-id", "svix-id"}}
	}
	return eventIDSource{}
}

func (s eventIDSource) find(h http.Header, body []byte) string {
	for _, name := range s.headers {
		if id := h.Get(name); id != "" {
			return id
		}
	}
	if s.pointer == nil {
		return ""
	}
	return lookupPointer(body, s.pointer)
}

// parsePointer splits an RFC 6901 JSON pointer into unescaped reference
// tokens. The empty pointer, which refers to the whole document, is returned
// as nil: a whole body is not an ID.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, errors.New(`must start with "/"`)
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		for j := range len(t) {
			if t[j] == '~' && (j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1')) {
				return nil, errors.New(`"~" must be followed by "0" or "1"`)
			}
		}
		// "~1" first, so that "~01" becomes "~1" and not "/".
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, nil
}

// lookupPointer returns the string, or the text of the number, at tokens in
// the JSON document body; "" if the body is not JSON or the value is missing
// or of another type. It decodes one level at a time, so only the objects and
// arrays on the path are unpacked.
func lookupPointer(body []byte, tokens []string) string {
	raw := json.RawMessage(body)
	for _, tok := range tokens {
		raw = bytes.TrimLeft(raw, " \t\r\n")
		switch {
		case len(raw) > 0 && raw[0] == '{':
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) != nil {
				return ""
			}
			raw = obj[tok]
		case len(raw) > 0 && raw[0] == '[':
			var arr []json.RawMessage
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || strconv.Itoa(i) != tok || json.Unmarshal(raw, &arr) != nil || i >= len(arr) {
				return ""
			}
			raw = arr[i]
		default:
			return ""
		}
	}
	var id string
	if json.Unmarshal(raw, &id) == nil {
		return id
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// LookupPointer returns the string, or the text of the number, at an RFC 6901
// JSON pointer such as "/data/object/customer" in a JSON body; "" if the
// body is not JSON or the value is missing or of another type. It is how
// EventIDPointer is read, offered for routing on other fields the same way.
func LookupPointer(body []byte, pointer string) (string, error) {
	tokens, err := parsePointer(pointer)
	if err != nil || tokens == nil {
		return "", fmt.Errorf("verify: JSON pointer %q: %w", pointer, cmp.Or(err, errors.New("must name a member, not the whole document")))
	}
	return lookupPointer(body, tokens), nil
}
