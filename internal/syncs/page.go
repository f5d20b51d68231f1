package syncs

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/jsonptr"
)

// This file reads what a provider's list endpoint answers: the records in a
// page, their IDs and content hashes, and where the next page is. All of it
// is untrusted input.

// recordIDMax bounds a record ID; longer ones fail the run rather than bloat
// the primary key.
const recordIDMax = 512

// decodeJSON decodes a document keeping numbers as written, so that a
// record's hash and stored data do not depend on float rounding.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("data after the JSON value")
	}
	return doc, nil
}

// canonicalJSON encodes a decoded document with object keys sorted, no
// insignificant whitespace, no HTML escaping, and numbers as the provider
// wrote them: two responses that differ only in key order or spacing give
// the same bytes, and so the same hash.
func canonicalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// contentHash is the SHA-256 of a record's canonical JSON.
func contentHash(canonical []byte) []byte {
	h := sha256.Sum256(canonical)
	return h[:]
}

// record is one item of a page, ready to compare with what is stored.
type record struct {
	id   string
	data []byte // canonical JSON
	hash []byte
	doc  any
}

// extractRecords finds the array at recordsPointer in a page and reads each
// item's ID: idField is a JSON pointer within the item when it starts with
// "/", else the name of one of its fields. IDs must be strings or numbers.
func extractRecords(doc any, recordsPointer, idField string) ([]record, error) {
	v, ok := jsonptr.Lookup(doc, recordsPointer)
	if !ok {
		return nil, fmt.Errorf("the response has no records at %q", recordsPointer)
	}
	items, ok := v.([]any)
	if v == nil {
		ok = true // some APIs write an empty list as null
	}
	if !ok {
		return nil, fmt.Errorf("the records at %q are not an array", recordsPointer)
	}
	idPointer := fieldPointer(idField)
	out := make([]record, 0, len(items))
	for i, item := range items {
		raw, ok := jsonptr.Lookup(item, idPointer)
		if !ok {
			return nil, fmt.Errorf("record %d has no ID at %q", i, idField)
		}
		id, ok := scalarString(raw)
		if !ok || id == "" || len(id) > recordIDMax {
			return nil, fmt.Errorf("record %d's ID at %q is not a string or number of 1 to %d bytes", i, idField, recordIDMax)
		}
		data, err := canonicalJSON(item)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		out = append(out, record{id: id, data: data, hash: contentHash(data), doc: item})
	}
	return out, nil
}

// fieldPointer turns a record field reference, a JSON pointer or a field
// name, into a pointer.
func fieldPointer(f string) string {
	if strings.HasPrefix(f, "/") {
		return f
	}
	return "/" + jsonptr.Escape(f)
}

// scalarString turns a JSON string or number into the text a query
// parameter or record ID takes.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// cursorValue is an incremental cursor seen in a record or response.
type cursorValue struct {
	text   string
	number bool
}

// after reports whether c comes after o: numerically when both are numbers,
// else as text, which orders ISO 8601 UTC timestamps correctly.
func (c cursorValue) after(o cursorValue) bool {
	if c.number && o.number {
		a, errA := strconv.ParseFloat(c.text, 64)
		b, errB := strconv.ParseFloat(o.text, 64)
		if errA == nil && errB == nil {
			return a > b
		}
	}
	return c.text > o.text
}

func newCursorValue(v any) (cursorValue, bool) {
	s, ok := scalarString(v)
	if !ok || s == "" {
		return cursorValue{}, false
	}
	_, isNumber := v.(json.Number)
	return cursorValue{text: s, number: isNumber}, true
}

// nextLink returns the target of the rel="next" link in RFC 8288 Link header
// values, resolved against base; "" when there is none. Parameters may be
// quoted or bare, in any case, and rel may list several relation types.
func nextLink(values []string, base *url.URL) (string, error) {
	for _, v := range values {
		for len(v) > 0 {
			v = strings.TrimLeft(v, " \t,")
			if v == "" {
				break
			}
			if v[0] != '<' {
				return "", errors.New("malformed Link header")
			}
			end := strings.IndexByte(v, '>')
			if end < 0 {
				return "", errors.New("malformed Link header")
			}
			target := v[1:end]
			v = v[end+1:]
			var rels string
			for {
				v = strings.TrimLeft(v, " \t")
				if !strings.HasPrefix(v, ";") {
					break
				}
				var name, value string
				name, value, v = linkParam(v[1:])
				if strings.EqualFold(name, "rel") && rels == "" {
					rels = value
				}
			}
			for _, rel := range strings.Fields(rels) {
				if strings.EqualFold(rel, "next") {
					u, err := base.Parse(target)
					if err != nil { // err quotes the link, which may hold a credential
						return "", errors.New("the next link is not a URL")
					}
					return u.String(), nil
				}
			}
		}
	}
	return "", nil
}

// linkParam reads one `name=value` or `name="quoted value"` (or a bare name)
// from s and returns the rest.
func linkParam(s string) (name, value, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, "=;,")
	if i < 0 {
		return strings.TrimSpace(s), "", ""
	}
	name = strings.TrimSpace(s[:i])
	if s[i] != '=' {
		return name, "", s[i:]
	}
	s = strings.TrimLeft(s[i+1:], " \t")
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for j := 1; j < len(s); j++ {
			switch c := s[j]; {
			case c == '\\' && j+1 < len(s):
				j++
				b.WriteByte(s[j])
			case c == '"':
				return name, b.String(), s[j+1:]
			default:
				b.WriteByte(c)
			}
		}
		return name, b.String(), ""
	}
	j := strings.IndexAny(s, ";,")
	if j < 0 {
		return name, strings.TrimSpace(s), ""
	}
	return name, strings.TrimSpace(s[:j]), s[j:]
}
