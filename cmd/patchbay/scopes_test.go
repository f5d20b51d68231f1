package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestKeyScopes checks scoped keys end to end: a key made with the CLI holds
// what --scope gave it and no more, the API shows scopes, refuses unknown ones
// by index, and a key cannot mint a key with more than it holds.
func TestKeyScopes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		reader := client.New(e.node.URL, createKey(t, e.opts, "--scope", "tenants:read,webhooks:read"))
		keyAdmin := client.New(e.node.URL, createKey(t, e.opts, "--scope", "keys:admin", "--scope", "tenants:write"))

		if _, _, err := e.client.PutTenant(t.Context(), "acme", client.TenantParams{Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		if _, err := reader.ListTenants(t.Context(), client.ListParams{}); err != nil {
			t.Errorf("tenants:read key listing tenants: %v", err)
		}
		_, _, err := reader.PutTenant(t.Context(), "acme", client.TenantParams{Name: "Renamed"})
		if p := apiError(t, err); p.Status != http.StatusForbidden || !strings.Contains(p.Detail, "tenants:write") {
			t.Errorf("tenants:read key writing a tenant: %v, want 403 naming tenants:write", err)
		}
		// tenants:write includes tenants:read.
		if _, err := keyAdmin.Tenant(t.Context(), "acme"); err != nil {
			t.Errorf("tenants:write key reading a tenant: %v", err)
		}
		if _, err := keyAdmin.ListAPIKeys(t.Context(), client.ListParams{}); err != nil {
			t.Errorf("keys:admin key listing keys: %v", err)
		}
		if _, err := reader.ListAPIKeys(t.Context(), client.ListParams{}); apiError(t, err).Status != http.StatusForbidden {
			t.Errorf("key without keys:admin listing keys: %v, want 403", err)
		}

		// A key cannot grant what it does not hold; "*" included.
		for _, scopes := range [][]string{{"*"}, {"tenants:read", "webhooks:read"}, {"keys:admin", "oauth:admin"}} {
			_, err := keyAdmin.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "more", Scopes: scopes})
			if p := apiError(t, err); p.Status != http.StatusForbidden {
				t.Errorf("keys:admin tenants:write key minting %v: %v, want 403", scopes, err)
			}
		}
		minted, err := keyAdmin.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "less", Scopes: []string{"tenants:read"}})
		if err != nil {
			t.Fatalf("minting a key with a scope the caller's tenants:write includes: %v", err)
		}
		if !slices.Equal(minted.Scopes, []string{"tenants:read"}) || minted.TenantID != nil {
			t.Errorf("minted key scopes %v tenant %v", minted.Scopes, minted.TenantID)
		}
		// Without scopes, a new key gets the caller's own.
		same, err := keyAdmin.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "same"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(same.Scopes, []string{"keys:admin", "tenants:write"}) {
			t.Errorf("key minted without scopes has %v, want the caller's keys:admin tenants:write", same.Scopes)
		}
		got, err := e.client.APIKey(t.Context(), minted.ID)
		if err != nil || !slices.Equal(got.Scopes, []string{"tenants:read"}) {
			t.Errorf("GET minted key: %+v, %v", got, err)
		}
		keys, err := e.client.ListAPIKeys(t.Context(), client.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if first := keys.Data[0]; !slices.Equal(first.Scopes, []string{"*"}) {
			t.Errorf("the first key (made without --scope) has %v, want *", first.Scopes)
		}

		// Bad scopes are named by index; an empty list is refused.
		for body, field := range map[string]string{
			`{"name":"x","scopes":["tenants:read","tenants:delete"]}`: "scopes/1",
			`{"name":"x","scopes":[]}`:                               "scopes",
			`{"name":"x","scopes":["webhooks:read "]}`:               "scopes/0",
			`{"name":"x","tenant_id":"no spaces"}`:                   "tenant_id",
		} {
			resp, b := e.do(t, http.MethodPost, "/v1/api-keys", body, "Content-Type", "application/json")
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("POST %s: %d, want 400", body, resp.StatusCode)
				continue
			}
			if p := problem(t, resp, b); !slices.ContainsFunc(p.Errors, func(fe client.FieldError) bool { return fe.Field == field }) {
				t.Errorf("POST %s: problem %s does not name %s", body, b, field)
			}
		}
	})
}
