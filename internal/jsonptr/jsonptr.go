// Package jsonptr is the one implementation of RFC 6901 JSON Pointers, which
// Patchbay uses both to read untrusted documents (provider responses in syncs
// and provider calls, $ref within event schemas) and to name bad fields in
// problems. Keeping it in one place keeps the escaping order ("~1" before
// "~0" when reading) and the index rules the same everywhere.
package jsonptr

import (
	"strconv"
	"strings"
)

// Escape writes a reference token as it stands in a pointer: "~" as "~0",
// "/" as "~1".
func Escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// unescape reads a reference token back. "~1" goes first, so that "~01"
// becomes "~1" and not "/".
func unescape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
}

// Format joins unescaped reference tokens into a pointer; no tokens is "",
// the whole document.
func Format(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(Escape(t))
	}
	return b.String()
}

// Valid reports whether p is a JSON pointer: empty (the whole document), or
// "/"-separated tokens where "~" is only ever "~0" or "~1".
func Valid(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '~' && (i+1 == len(p) || p[i+1] != '0' && p[i+1] != '1') {
			return false
		}
	}
	return true
}

// Lookup follows pointer p into a document decoded by encoding/json into
// any (objects as map[string]any, arrays as []any). ok is false when a step
// is missing, an index is out of range, or the path runs into a scalar.
func Lookup(doc any, p string) (v any, ok bool) {
	if p == "" {
		return doc, true
	}
	for _, tok := range strings.Split(p, "/")[1:] {
		tok = unescape(tok)
		switch d := doc.(type) {
		case map[string]any:
			v, ok := d[tok]
			if !ok {
				return nil, false
			}
			doc = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(d) {
				return nil, false
			}
			doc = d[i]
		default:
			return nil, false
		}
	}
	return doc, true
}
