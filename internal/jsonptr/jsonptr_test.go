package jsonptr

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestEscapeAndFormat(t *testing.T) {
	t.Parallel()
	for tok, want := range map[string]string{"a": "a", "a/b": "a~1b", "m~n": "m~0n", "~1": "~01", "": ""} {
		if got := Escape(tok); got != want {
			t.Errorf("Escape(%q) = %q, want %q", tok, got, want)
		}
	}
	if got := Format([]string{"items", "0", "a/b", "~"}); got != "/items/0/a~1b/~0" {
		t.Errorf("Format = %q", got)
	}
	if got := Format(nil); got != "" {
		t.Errorf("Format(nil) = %q, want the whole document", got)
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{"": true, "/": true, "/a/0/b~0~1": true, "a": false, "/a~": false, "/a~2": false, "/~01": true} {
		if got := Valid(p); got != want {
			t.Errorf("Valid(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	var doc any
	if err := json.Unmarshal([]byte(`{"a/b": {"m~n": [10, {"": "empty"}]}, "x": null, "s": "text"}`), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		p    string
		want any
		ok   bool
	}{
		{"", doc, true},
		{"/a~1b/m~0n/0", 10.0, true},
		{"/a~1b/m~0n/1/", "empty", true},
		{"/x", nil, true},
		{"/a~1b/m~0n/2", nil, false},
		{"/a~1b/m~0n/-1", nil, false},
		{"/a~1b/m~0n/first", nil, false},
		{"/s/0", nil, false},
		{"/missing", nil, false},
		{"/a/b", nil, false}, // "/" inside a token must be written "~1"
	} {
		got, ok := Lookup(doc, tt.p)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tt.p, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzPointer: a pointer Format writes is Valid, and Lookup follows it back
// to the value stored under those tokens.
func FuzzPointer(f *testing.F) {
	f.Add("a", "b/c")
	f.Add("~01", "")
	f.Add("~", "/~1")
	f.Fuzz(func(t *testing.T, a, b string) {
		p := Format([]string{a, b})
		if !Valid(p) {
			t.Fatalf("Format(%q, %q) = %q, not Valid", a, b, p)
		}
		doc := map[string]any{a: map[string]any{b: "found"}}
		if got, ok := Lookup(doc, p); !ok || got != "found" {
			t.Fatalf("Lookup(%q) = %v, %v; want found", p, got, ok)
		}
		tokens := strings.Split(p, "/")[1:]
		for i := range tokens {
			tokens[i] = unescape(tokens[i])
		}
		if !slices.Equal(tokens, []string{a, b}) {
			t.Fatalf("tokens of %q read back as %q, want %q", p, tokens, []string{a, b})
		}
	})
}
