package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
)

type sampleBase struct {
	Level int `json:"level,omitempty"`
}

type sample struct {
	sampleBase
	Name  string     `json:"name"`
	At    *time.Time `json:"at,omitempty"`
	Items []struct {
		ID string `json:"id"`
	} `json:"items,omitempty"`
	Count int               `json:"count,omitempty"`
	Tags  map[string]string `json:"tags,omitempty"`
	Inner *struct {
		On bool `json:"on"`
	} `json:"inner,omitempty"`
}

func (s sample) Valid(context.Context) map[string]string {
	if s.Name == "" {
		return map[string]string{"name": "is required"}
	}
	return nil
}

func decodeString(body string, limit int64) (sample, error) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
	return Decode[sample](r)
}

// TestDecodeTooDeep: valid JSON nested past the decoder's depth is named as
// such, not called invalid.
func TestDecodeTooDeep(t *testing.T) {
	t.Parallel()
	body := `{"name":"a","inner":` + strings.Repeat(`{"x":`, 10001) + `1` + strings.Repeat(`}`, 10002)
	_, err := decodeString(body, 1<<20)
	if apperr.CodeOf(err) != apperr.Unprocessable || !strings.Contains(err.Error(), "10,000 levels") {
		t.Fatalf("Decode of 10,001 levels: %v, want 422 naming the depth", err)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body   string
		code   apperr.Code
		fields map[string]string
	}{
		{body: `{"name":"a","count":2}`},
		{body: `{"name":"a","colour":1,"size":2}`, code: apperr.Invalid, fields: map[string]string{"colour": "unknown field", "size": "unknown field"}},
		{body: `{"name":"a","inner":{"on":true,"off":1}}`, code: apperr.Invalid, fields: map[string]string{"inner/off": "unknown field"}},
		{body: `{"name":7}`, code: apperr.Invalid, fields: map[string]string{"name": "must be a string"}},
		{body: `{"name":"a","count":"2"}`, code: apperr.Invalid, fields: map[string]string{"count": "must be an integer"}},
		{body: `{"name":"a","level":"2"}`, code: apperr.Invalid, fields: map[string]string{"level": "must be an integer"}}, // not sampleBase/level
		{body: `{"name":"a","inner":{"on":"yes"}}`, code: apperr.Invalid, fields: map[string]string{"inner/on": "must be a boolean"}},
		{body: `{"name":"a","items":[{"id":"x"},{"id":"y","extra":1}],"more":2}`, code: apperr.Invalid, fields: map[string]string{"items/1/extra": "unknown field", "more": "unknown field"}},
		{body: `{"name":"a","items":{"id":"x"}}`, code: apperr.Invalid, fields: map[string]string{"items": "must be an array"}},
		{body: `{"name":"a","items":[{"id":7}]}`, code: apperr.Invalid, fields: map[string]string{"items/0/id": "must be a string"}},
		{body: `{"name":"a","at":"yesterday"}`, code: apperr.Invalid, fields: map[string]string{"at": "must be a time in RFC 3339 format, such as 2026-11-29T10:00:00Z"}},
		{body: `{"name":"a","at":5}`, code: apperr.Invalid, fields: map[string]string{"at": "must be a time in RFC 3339 format, such as 2026-11-29T10:00:00Z"}},
		{body: `{"name":"a","at":"2026-11-29T10:00:00Z"}`},
		{body: `{"name":"a","tags":{"k":1}}`, code: apperr.Invalid, fields: map[string]string{"tags/k": "must be a string"}},
		{body: `{"name":"a\u0000b"}`, code: apperr.Invalid, fields: map[string]string{"name": `must not contain the character NUL (\u0000)`}},
		{body: `{"name":"a","tags":{"k\u0000":"v"}}`, code: apperr.Invalid, fields: map[string]string{"tags/k\x00": `must not contain the character NUL (\u0000)`}},
		{body: `{"name":"a","items":[{"id":"x"},{"id":"\u0000"}]}`, code: apperr.Invalid, fields: map[string]string{"items/1/id": `must not contain the character NUL (\u0000)`}},
		{body: "{\"name\":\"a\xff\"}", code: apperr.Invalid},
		{body: `{}`, code: apperr.Invalid, fields: map[string]string{"name": "is required"}},
		{body: `{"name":`, code: apperr.Invalid},
		{body: `null`, code: apperr.Invalid, fields: map[string]string{"name": "is required"}},
		{body: `"text"`, code: apperr.Invalid},
		{body: `{"name":"a"}{"name":"b"}`, code: apperr.Invalid},
		{body: ``, code: apperr.Invalid},
		{body: `{"name":"` + strings.Repeat("x", 100) + `"}`, code: apperr.TooLarge},
	} {
		_, err := decodeString(tc.body, 64)
		if got := apperr.CodeOf(err); got != tc.code {
			t.Errorf("Decode(%.40q) code %q (%v), want %q", tc.body, got, err, tc.code)
			continue
		}
		if tc.fields != nil {
			var e *apperr.Error
			if !asAppErr(err, &e) {
				t.Fatalf("not an *apperr.Error: %v", err)
			}
			if diff := cmp.Diff(tc.fields, e.Fields); diff != "" {
				t.Errorf("Decode(%q) fields (-want +got):\n%s", tc.body, diff)
			}
		}
	}
}

func asAppErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}

// FuzzDecode: no body makes Decode panic or fail with anything but a client
// error.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{`{"name":"a"}`, `{"name":"a","x":1}`, `[`, `{"inner":{"on":"x"}}`, `{"tags":{"a":1}}`, "\x00", `1e999`, `{"items":[{"id":1}]}`, `{"name":"\u0000"}`, "{\"name\":\"\xff\"}"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := decodeString(body, 1<<10)
		if err != nil && StatusOf(err) >= 500 {
			t.Errorf("Decode(%q) = %v, a server error", body, err)
		}
	})
}

func TestParsePage(t *testing.T) {
	t.Parallel()
	first := NewList(Page{Limit: 2}, []string{"a", "b", "c"}, func(s string) string { return s })
	if len(first.Data) != 2 || first.NextCursor == "" {
		t.Fatalf("NewList = %+v", first)
	}
	r := httptest.NewRequest(http.MethodGet, "/?limit=2&cursor="+first.NextCursor, nil)
	p, err := ParsePage(r)
	if err != nil || p.After != "b" || p.Limit != 2 {
		t.Errorf("ParsePage(next cursor) = %+v, %v; want after b, limit 2", p, err)
	}
	last := NewList(Page{Limit: 2}, []string{"c"}, func(s string) string { return s })
	if last.NextCursor != "" {
		t.Errorf("last page has a next cursor")
	}
	if empty := NewList(Page{Limit: 2}, []string(nil), func(s string) string { return s }); empty.Data == nil {
		t.Error("an empty page's data is null, want []")
	}
}

// FuzzParsePage: ParsePage refuses what it cannot use as Invalid; what it
// accepts has a limit in range and a cursor key that a store can compare as
// text (PostgreSQL errs on NUL and invalid UTF-8), and that key's own cursor
// reads back as the same key.
func FuzzParsePage(f *testing.F) {
	f.Add("20", "djE6YQ")
	f.Add("-1", "%%%")
	f.Add("", "djE6AA")  // v1:NUL
	f.Add("5", "djE6_w") // v1:0xff
	f.Fuzz(func(t *testing.T, limit, cursor string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		q := r.URL.Query()
		q.Set("limit", limit)
		q.Set("cursor", cursor)
		r.URL.RawQuery = q.Encode()
		p, err := ParsePage(r)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("ParsePage error %v is not Invalid", err)
			}
			return
		}
		if p.Limit < 1 || p.Limit > PageLimitMax {
			t.Errorf("ParsePage accepted limit %d", p.Limit)
		}
		if !IsText(p.After) {
			t.Fatalf("ParsePage accepted cursor %q, whose key %q is not text", cursor, p.After)
		}
		if p.After == "" {
			return
		}
		next := NewList(Page{Limit: 1}, []string{p.After, "more"}, func(s string) string { return s }).NextCursor
		r.URL.RawQuery = "cursor=" + next
		if again, err := ParsePage(r); err != nil || again.After != p.After {
			t.Errorf("the cursor %q made for key %q reads back as %+v, %v", next, p.After, again, err)
		}
	})
}
