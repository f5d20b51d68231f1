package auth

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/apperr"
)

func TestScopeGrants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		held []string
		need string
		want bool
	}{
		{[]string{"*"}, "keys:admin", true},
		{[]string{"webhooks:admin"}, "webhooks:read", true},
		{[]string{"webhooks:write"}, "webhooks:admin", false},
		{[]string{"webhooks:read"}, "webhooks:write", false},
		{[]string{"connections:credentials"}, "connections:read", true},
		{[]string{"connections:credentials"}, "connections:write", false},
		{[]string{"connections:write"}, "connections:credentials", false},
		{[]string{"connections:admin"}, "connections:credentials", true},
		{[]string{"oauth:admin", "tenants:read"}, "tenants:read", true},
		{[]string{"keys:admin"}, "*", false},
		{[]string{"webhooks:admin"}, "inbound:read", false},
		{nil, "tenants:read", false},
	} {
		if got := grants(tc.held, tc.need); got != tc.want {
			t.Errorf("grants(%v, %s) = %v, want %v", tc.held, tc.need, got, tc.want)
		}
	}
}

func TestKeyCovers(t *testing.T) {
	t.Parallel()
	acme, other := "acme", "other"
	for _, tc := range []struct {
		key    Key
		scopes []string
		tenant *string
		ok     bool
	}{
		{Key{Scopes: []string{"*"}}, []string{"*"}, nil, true},
		{Key{Scopes: []string{"*"}}, []string{"oauth:read"}, &acme, true},
		{Key{Scopes: []string{"keys:admin", "webhooks:write"}}, []string{"webhooks:read", "keys:admin"}, nil, true},
		{Key{Scopes: []string{"keys:admin", "webhooks:write"}}, []string{"webhooks:admin"}, nil, false},
		{Key{Scopes: []string{"keys:admin"}}, []string{"*"}, nil, false},
		{Key{Scopes: []string{"*"}, TenantID: &acme}, []string{"webhooks:read"}, &acme, true},
		{Key{Scopes: []string{"*"}, TenantID: &acme}, []string{"webhooks:read"}, nil, false},
		{Key{Scopes: []string{"*"}, TenantID: &acme}, []string{"webhooks:read"}, &other, false},
	} {
		err := tc.key.Covers(tc.scopes, tc.tenant)
		if (err == nil) != tc.ok || err != nil && apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%+v covering %v tenant %v: %v, want ok %v", tc.key, tc.scopes, tc.tenant, err, tc.ok)
		}
	}
}

// TestScopesVocabulary keeps the declared vocabulary well formed: each scope
// is described and implies only scopes that exist.
func TestScopesVocabulary(t *testing.T) {
	t.Parallel()
	for _, s := range Scopes {
		if s.Description == "" {
			t.Errorf("%s has no description", s.Name)
		}
		for _, i := range s.Implies {
			if !KnownScope(i) {
				t.Errorf("%s implies unknown scope %s", s.Name, i)
			}
		}
	}
}

// FuzzScopes feeds arbitrary scope lists to the validation keys are made
// with: it must not panic, and a list it accepts must survive being stored
// (joined into one column and split again) unchanged and grant no more than
// its members, "*" only when listed.
func FuzzScopes(f *testing.F) {
	f.Add("webhooks:read\x00tenants:write")
	f.Add("*")
	f.Add("keys:admin\x00 connections:read")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		scopes := strings.Split(s, "\x00")
		if len(validScopes(scopes)) > 0 {
			return
		}
		if got := splitScopes(joinScopes(scopes)); !slices.Equal(got, scopes) {
			t.Fatalf("accepted scopes %q are stored as %q", scopes, got)
		}
		if grants(scopes, ScopeAll) != slices.Contains(scopes, ScopeAll) {
			t.Fatalf("scopes %q grant * = %v", scopes, grants(scopes, ScopeAll))
		}
	})
}

// TestREADMEListsEveryScope keeps the README's scope table true to the
// vocabulary.
func TestREADMEListsEveryScope(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Scopes {
		if row := "| `" + s.Name + "` | " + s.Description + " |"; !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no scope row starting %q", row)
		}
	}
}
