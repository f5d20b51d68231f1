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
	"unicode/utf8"
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
// or of another type. Once json.Valid has vouched for the body, it walks the
// bytes to the value, skipping the rest undecoded: an event's ID is a few
// bytes in kilobytes, read on every ingest. Of duplicate members, the first
// counts.
func lookupPointer(body []byte, tokens []string) string {
	if !json.Valid(body) {
		return ""
	}
	i := skipSpace(body, 0)
	for _, tok := range tokens {
		switch body[i] {
		case '{':
			i = skipSpace(body, i+1)
			for {
				if body[i] == '}' {
					return ""
				}
				end := skipString(body, i)
				key := body[i:end]
				i = skipSpace(body, skipSpace(body, end)+1) // past the colon
				if keyIs(key, tok) {
					break
				}
				i = skipSpace(body, skipValue(body, i))
				if body[i] == ',' {
					i = skipSpace(body, i+1)
				}
			}
		case '[':
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || strconv.Itoa(n) != tok {
				return ""
			}
			i = skipSpace(body, i+1)
			for ; ; n-- {
				if body[i] == ']' {
					return ""
				}
				if n == 0 {
					break
				}
				i = skipSpace(body, skipValue(body, i))
				if body[i] == ',' {
					i = skipSpace(body, i+1)
				}
			}
		default:
			return ""
		}
	}
	return idText(body[i:skipValue(body, i)])
}

// idText is the ID a JSON string or number stands for. A string that is not
// UTF-8 comes as written between its quotes, escapes undecoded: decoding
// would make each invalid byte U+FFFD, and distinct IDs equal.
func idText(raw []byte) string {
	if raw[0] == '"' && !utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1])
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

// The skip functions walk a document json.Valid accepted: each takes the
// index where a token starts and returns the index just past it.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func skipString(b []byte, i int) int {
	for i++; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++
		}
	}
	return i + 1
}

func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
	}
	for i < len(b) && !strings.ContainsRune(",}] \t\r\n", rune(b[i])) {
		i++
	}
	return i
}

// keyIs reports whether a member name, as written (quoted, perhaps with
// escapes), is tok.
func keyIs(quoted []byte, tok string) bool {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1:len(quoted)-1]) == tok
	}
	var key string
	return json.Unmarshal(quoted, &key) == nil && key == tok
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
