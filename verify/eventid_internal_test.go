package verify

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"unicode/utf8"
)

// referenceLookup is lookupPointer the slow, obvious way, with the standard
// library's decoder and the same rules (the first of duplicate members).
func referenceLookup(body []byte, tokens []string) string {
	if !json.Valid(body) {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	skip := func() bool { var v json.RawMessage; return dec.Decode(&v) == nil }
	for _, tok := range tokens {
		open, err := dec.Token()
		if err != nil {
			return ""
		}
		switch open {
		case json.Delim('{'):
			for {
				if !dec.More() {
					return ""
				}
				key, _ := dec.Token()
				if key == tok {
					break
				}
				if !skip() {
					return ""
				}
			}
		case json.Delim('['):
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || strconv.Itoa(n) != tok {
				return ""
			}
			for ; n > 0; n-- {
				if !dec.More() || !skip() {
					return ""
				}
			}
			if !dec.More() {
				return ""
			}
		default:
			return ""
		}
	}
	var raw json.RawMessage
	if dec.Decode(&raw) != nil {
		return ""
	}
	if raw[0] == '"' && !utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]) // as written: decoding would merge distinct IDs
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return string(raw)
	}
	return ""
}

// FuzzLookupPointer: the byte walk finds what the standard decoder finds.
func FuzzLookupPointer(f *testing.F) {
	f.Add("/id", []byte(`{"id":"evt_1","data":{"id":"x"}}`))
	f.Add("/event_id", []byte(` { "token" : "t", "event" : {"text":"a\"}b", "n":[1,{"x":"]"}]}, "event_id" : "Ev1" } `))
	f.Add("/a/1/b", []byte(`{"a":[{"b":1},{"b":-2.5e3}]}`))
	f.Add("/k\"", []byte(`{"k\u0022":"esc","k\"":"second"}`))
	f.Add("/x", []byte(`{"x":true}`))
	f.Add("/id", []byte("{\"id\":\"evt_\xff\\u00e9\"}"))
	f.Fuzz(func(t *testing.T, pointer string, body []byte) {
		tokens, err := parsePointer(pointer)
		if err != nil || tokens == nil {
			return
		}
		if got, want := lookupPointer(body, tokens), referenceLookup(body, tokens); got != want {
			t.Fatalf("lookupPointer(%q, %q) = %q, the decoder finds %q", body, pointer, got, want)
		}
	})
}
