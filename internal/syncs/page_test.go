package syncs

import (
	"bytes"
	"crypto/sha256"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/jsonptr"
)

func TestNextLink(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://api.example.com/v1/items?page=1")
	for _, tc := range []struct {
		name    string
		values  []string
		want    string
		wantErr bool
	}{
		{"GitHub style", []string{`<https://api.example.com/v1/items?page=2>; rel="next", <https://api.example.com/v1/items?page=9>; rel="last"`},
			"https://api.example.com/v1/items?page=2", false},
		{"next second", []string{`<https://api.example.com/v1/items?page=1>; rel="prev", <https://api.example.com/v1/items?page=3>; rel="next"`},
			"https://api.example.com/v1/items?page=3", false},
		{"relative and bare rel", []string{`</v1/items?page=2>;rel=next`}, "https://api.example.com/v1/items?page=2", false},
		{"several relation types, any case", []string{`<?page=4>; REL="last Next"`}, "https://api.example.com/v1/items?page=4", false},
		{"other params and a quoted comma", []string{`<https://x.example/a>; title="a, b"; rel="prev", <https://api.example.com/n>; rel="next"`},
			"https://api.example.com/n", false},
		{"second header value", []string{`<https://api.example.com/p>; rel="prev"`, `<https://api.example.com/n>; rel="next"`},
			"https://api.example.com/n", false},
		{"first rel wins", []string{`<https://api.example.com/n>; rel="prev"; rel="next"`}, "", false},
		{"no next", []string{`<https://api.example.com/v1/items?page=1>; rel="first"`}, "", false},
		{"no header", nil, "", false},
		{"not a link", []string{`https://api.example.com/n; rel="next"`}, "", true},
		{"unterminated", []string{`<https://api.example.com/n; rel="next"`}, "", true},
	} {
		got, err := nextLink(tc.values, base)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s: nextLink(%q) = %q, %v; want %q, error %v", tc.name, tc.values, got, err, tc.want, tc.wantErr)
		}
	}
}

func FuzzNextLink(f *testing.F) {
	for _, s := range []string{
		`<https://a.example/x?p=2>; rel="next"`, `</x>;rel=next, <y>; rel="last"`, `<a>; title="q\"uo,te"; rel=next`,
		`<`, `<>`, `;;;`, `<a>;rel`, `<a>; rel="`, `<a>, , <b>; rel=next`,
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://api.example.com/v1/items")
	f.Fuzz(func(t *testing.T, header string) {
		got, err := nextLink([]string{header}, base)
		if err != nil && got != "" {
			t.Fatalf("nextLink(%q) = %q with error %v", header, got, err)
		}
		if got != "" {
			if _, err := url.Parse(got); err != nil {
				t.Fatalf("nextLink(%q) = %q, not a URL", header, got)
			}
		}
	})
}

func TestContentHash(t *testing.T) {
	t.Parallel()
	a, err := decodeJSON([]byte(`{"b": [1, 2.50, {"z": true, "a": null}], "a": "x<y>&", "n": 12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := decodeJSON([]byte("{\"n\":12345678901234567890,\"a\":\"x<y>&\",\n \"b\":[1,2.50,{\"a\":null,\"z\":true}]}"))
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := canonicalJSON(a)
	cb, _ := canonicalJSON(b)
	// Keys sorted, no spaces, no HTML escapes, numbers as written.
	want := `{"a":"x<y>&","b":[1,2.50,{"a":null,"z":true}],"n":12345678901234567890}`
	if diff := cmp.Diff(want, string(ca)); diff != "" {
		t.Errorf("canonical JSON (-want +got):\n%s", diff)
	}
	if string(ca) != string(cb) {
		t.Errorf("key order and spacing changed the canonical form: %s vs %s", ca, cb)
	}
	if sum := sha256.Sum256([]byte(want)); !bytes.Equal(contentHash(ca), sum[:]) {
		t.Errorf("hash %x is not the SHA-256 of the canonical JSON", contentHash(ca))
	}
	c, _ := decodeJSON([]byte(`{"a":"x<y>&","b":[1,2.5,{"a":null,"z":true}],"n":12345678901234567890}`))
	cc, _ := canonicalJSON(c)
	if bytes.Equal(contentHash(cc), contentHash(ca)) {
		t.Error("a changed value kept its hash")
	}
	if _, err := decodeJSON([]byte(`{"a":1} {"b":2}`)); err == nil {
		t.Error("two JSON values decoded as one")
	}
}

func TestExtractRecords(t *testing.T) {
	t.Parallel()
	doc, _ := decodeJSON([]byte(`{"data": {"items": [{"id": "a", "n": 1}, {"id": 7, "meta": {"key/x": "k"}}]}}`))
	recs, err := extractRecords(doc, "/data/items", "id")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.id)
	}
	if diff := cmp.Diff([]string{"a", "7"}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if string(recs[0].data) != `{"id":"a","n":1}` {
		t.Errorf("data %s", recs[0].data)
	}
	for _, tc := range []struct{ records, id, want string }{
		{"/data/nope", "id", `no records at "/data/nope"`},
		{"/data", "id", "not an array"},
		{"/data/items", "n", "record 1 has no ID"},
		{"/data/items", "/meta/key~1x", "record 0 has no ID"},
	} {
		if _, err := extractRecords(doc, tc.records, tc.id); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("extractRecords(%q, %q) = %v, want an error with %q", tc.records, tc.id, err, tc.want)
		}
	}
	empty, _ := decodeJSON([]byte(`{"data": null}`))
	if recs, err := extractRecords(empty, "/data", "id"); err != nil || len(recs) != 0 {
		t.Errorf("null records: %v, %v; want none", recs, err)
	}
	arr, _ := decodeJSON([]byte(`[{"id": {"nested": 1}}]`))
	if _, err := extractRecords(arr, "", "id"); err == nil {
		t.Error("an object ID was accepted")
	}
}

func FuzzExtractRecords(f *testing.F) {
	f.Add(`{"data":[{"id":"a"},{"id":2}]}`, "/data", "id")
	f.Add(`[{"x":{"y":"1"}}]`, "", "/x/y")
	f.Add(`{"a/b":[[1]]}`, "/a~1b", "/0")
	f.Add(`{"d":[{"id":1e400}]}`, "/d", "id")
	f.Fuzz(func(t *testing.T, body, recordsPointer, idField string) {
		if !jsonptr.Valid(recordsPointer) || fieldProblem(idField) != "" {
			return
		}
		doc, err := decodeJSON([]byte(body))
		if err != nil {
			return
		}
		recs, err := extractRecords(doc, recordsPointer, idField)
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.id == "" || len(r.id) > recordIDMax {
				t.Fatalf("record ID %q out of bounds", r.id)
			}
			// The stored form is canonical: reading it back gives it again.
			again, err := decodeJSON(r.data)
			if err != nil {
				t.Fatalf("canonical data %s does not decode: %v", r.data, err)
			}
			if c, _ := canonicalJSON(again); string(c) != string(r.data) {
				t.Fatalf("canonical JSON is not stable: %s then %s", r.data, c)
			}
		}
	})
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n        int
		interval time.Duration
		lo, hi   time.Duration
	}{
		{1, time.Hour, 15 * time.Second, 30 * time.Second},
		{3, time.Hour, time.Minute, 2 * time.Minute},
		{10, time.Hour, 30 * time.Minute, time.Hour},
		{1000, time.Hour, 30 * time.Minute, time.Hour},
		{5, time.Minute, 30 * time.Second, time.Minute},
	} {
		for range 20 {
			if d := retryDelay(tc.n, tc.interval); d < tc.lo || d > tc.hi {
				t.Errorf("retryDelay(%d, %s) = %s, want %s to %s", tc.n, tc.interval, d, tc.lo, tc.hi)
			}
		}
	}
}

func TestCursorValueAfter(t *testing.T) {
	t.Parallel()
	num := func(s string) cursorValue { return cursorValue{text: s, number: true} }
	str := func(s string) cursorValue { return cursorValue{text: s} }
	for _, tc := range []struct {
		a, b cursorValue
		want bool
	}{
		{num("10"), num("9"), true},
		{num("9"), num("10"), false},
		{str("2026-01-02T00:00:00Z"), str("2026-01-01T23:59:59Z"), true},
		{str("b"), num("10"), true},
	} {
		if got := tc.a.after(tc.b); got != tc.want {
			t.Errorf("%v.after(%v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
