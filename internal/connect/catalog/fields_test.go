package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
)

func TestValues(t *testing.T) {
	t.Parallel()
	p, err := Parse("acme.yaml", []byte(minimal+`fields:
  - {name: subdomain, label: Subdomain, type: text, required: true, pattern: "[a-z0-9-]+", help: "as in acme for acme.example.com"}
  - {name: region, label: Region, type: text, default: us}
  - {name: email, label: Email, type: email}
  - {name: api_key, label: API key, type: text, required: true, secret: true}
`))
	if err != nil {
		t.Fatal(err)
	}

	v, err := p.Values(map[string]string{"subdomain": "acme", "api_key": "k1"})
	if err != nil {
		t.Fatal(err)
	}
	want := Values{
		Config:  map[string]string{"subdomain": "acme", "region": "us"},
		Secrets: map[string]string{"api_key": "k1"},
	}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("Values() (-want +got):\n%s", diff)
	}

	_, err = p.Values(map[string]string{"subdomain": "evil.com/", "email": "nope", "extra": "x", "api_key": "secret\n"})
	var aerr *apperr.Error
	if !errors.As(err, &aerr) || aerr.Code != apperr.Invalid {
		t.Fatalf("Values() error = %v, want an Invalid *apperr.Error", err)
	}
	wantFields := map[string]string{
		"subdomain": "is not in the expected form: as in acme for acme.example.com",
		"email":     "must be an email address",
		"extra":     "is not a field of this provider",
		"api_key":   "must be text without control characters",
	}
	if diff := cmp.Diff(wantFields, aerr.Fields); diff != "" {
		t.Errorf("Values() problems (-want +got):\n%s", diff)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("Values() error %q quotes a value", err)
	}

	_, err = p.Values(nil)
	if !errors.As(err, &aerr) || aerr.Fields["subdomain"] != "is required" || aerr.Fields["api_key"] != "is required" {
		t.Errorf("Values(nil) error = %v, want subdomain and api_key required", err)
	}
}
