package httpapi

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/patchbay/patchbay/internal/apperr"
)

func TestParsePageCursor(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	good := enc("v1:ten_01")
	r := httptest.NewRequest("GET", "/v1/tenants?cursor="+good, nil)
	if p, err := ParsePage(r); err != nil || p.After != "ten_01" {
		t.Errorf("ParsePage(%s) = %+v, %v; want After ten_01", good, p, err)
	}
	for _, cursor := range []string{
		"!!",
		enc("ten_01"),    // no version
		enc("v1:"),       // no key
		enc("v1:a\x00b"), // PostgreSQL refuses NUL in text
		enc("v1:\xff"),   // and invalid UTF-8
		enc("v1:\xc3"),   // a cut multi-byte sequence
	} {
		r := httptest.NewRequest("GET", "/v1/tenants?cursor="+url.QueryEscape(cursor), nil)
		_, err := ParsePage(r)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Fields["cursor"] == "" {
			t.Errorf("ParsePage(cursor %q) = %v; want an Invalid error naming cursor", cursor, err)
		}
	}
}
