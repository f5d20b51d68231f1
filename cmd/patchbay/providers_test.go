package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestProviderCatalog: the built-in catalog is served, an operator's
// directory adds to it and replaces by ID, and a bad file stops the server
// naming the file.
func TestProviderCatalog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	own := `id: stripe
display_name: Stripe (our proxy)
categories: [payments]
docs_url: https://docs.stripe.com/api
auth:
  mode: api_key
fields:
  - name: api_key
    label: Key
    type: text
    required: true
    secret: true
proxy:
  base_url: https://stripe-proxy.example.com/v1
  credentials:
    in: bearer
    value: ${secret.api_key}
`
	if err := os.WriteFile(filepath.Join(dir, "stripe.yaml"), []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	e := setup(t, storetest.Dialects(t)[0], "--providers-dir", dir)
	resp, body := e.do(t, "GET", "/v1/providers", "")
	var list struct {
		Data []struct {
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 || len(list.Data) < 20 {
		t.Fatalf("catalog: %d %.300s", resp.StatusCode, body)
	}
	for _, p := range list.Data {
		if p.ID == "stripe" && p.DisplayName != "Stripe (our proxy)" {
			t.Errorf("the operator's stripe.yaml did not replace the built-in: %q", p.DisplayName)
		}
	}
	resp, body = e.do(t, "GET", "/v1/providers/github", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"https://github.com/login/oauth/authorize"`) {
		t.Errorf("github: %d %.300s", resp.StatusCode, body)
	}
	if resp, body := e.do(t, "GET", "/v1/providers/nope", ""); resp.StatusCode != 404 {
		t.Errorf("unknown provider: %d %s", resp.StatusCode, body)
	}

	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "broken.yaml"), []byte("id: broken\nauth:\n  mode: telepathy\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := storetest.SQLiteOptions(t)
	var out, errOut syncBuffer
	err := run(t.Context(), append([]string{"patchbay", "serve", "--addr", "127.0.0.1:0", "--providers-dir", bad}, serveArgs(opts)...),
		noEnv, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Errorf("serve with a bad provider file: %v, want an error naming broken.yaml", err)
	}
}

// TestProviderAPI: operators add, replace and delete provider definitions
// through the API; a definition is checked like a file, overrides a file's
// until deleted, cannot be pulled from under an integration, and reaches a
// second node on the same database.
func TestProviderAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		other := startNode(t, e.opts)
		def := `id: acmecrm
display_name: Acme CRM
categories: [crm]
docs_url: https://developer.acmecrm.example/docs
auth:
  mode: oauth2
  authorization_url: https://${config.subdomain}.acmecrm.example/oauth/authorize
  token_url: https://${config.subdomain}.acmecrm.example/oauth/token
  scopes: [contacts.read]
  client_auth: client_secret_post
  pkce: true
fields:
  - {name: subdomain, label: Subdomain, type: text, required: true, pattern: "[a-z0-9-]+"}
proxy:
  base_url: https://${config.subdomain}.acmecrm.example/api/v2
`
		get := func(base, id string) (int, catalogView) {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), "GET", base+"/v1/providers/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+e.key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var v catalogView
			json.NewDecoder(resp.Body).Decode(&v)
			return resp.StatusCode, v
		}

		resp, body := e.do(t, "PUT", "/v1/providers/acmecrm", def, "Content-Type", "application/yaml")
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"source":"api"`) {
			t.Fatalf("add a provider: %d %s", resp.StatusCode, body)
		}
		if status, v := get(e.node.URL, "acmecrm"); status != 200 || v.DisplayName != "Acme CRM" || v.Source != "api" {
			t.Errorf("GET the new provider: %d %+v", status, v)
		}
		resp, body = e.do(t, "PUT", "/v1/providers/acmecrm", strings.Replace(def, "Acme CRM", "Acme CRM v2", 1))
		if resp.StatusCode != 200 {
			t.Errorf("replace a provider: %d %s", resp.StatusCode, body)
		}
		// The other node reloads within five seconds.
		waitFor(t, 10*time.Second, "the other node to load the new definition", func() bool {
			_, v := get(other.URL, "acmecrm")
			return v.DisplayName == "Acme CRM v2"
		})

		// The SDK sends a definition as it is, YAML included.
		if v, err := e.client.PutProvider(t.Context(), "acmecrm", "application/yaml", []byte(strings.Replace(def, "Acme CRM", "Acme CRM v3", 1))); err != nil || v.DisplayName != "Acme CRM v3" {
			t.Errorf("replace a provider through the SDK: %+v, %v", v, err)
		}

		// Bad definitions: every bad field named by its JSON pointer.
		bad := strings.NewReplacer("mode: oauth2", "mode: telepathy", "docs_url: https://developer.acmecrm.example/docs\n", "").Replace(def)
		resp, body = e.do(t, "PUT", "/v1/providers/acmecrm", bad)
		p := problem(t, resp, body)
		fields := map[string]string{}
		for _, f := range p.Errors {
			fields[f.Field] = f.Detail
		}
		if resp.StatusCode != 400 || fields["/auth/mode"] == "" || fields["definition"] == "" && fields["/docs_url"] == "" {
			t.Errorf("bad definition: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do(t, "PUT", "/v1/providers/other", def)
		if p := problem(t, resp, body); resp.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "/id" {
			t.Errorf("ID differing from the URL: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do(t, "PUT", "/v1/providers/acmecrm", "{not yaml: [")
		if problem(t, resp, body); resp.StatusCode != 400 {
			t.Errorf("unparsable definition: %d %s", resp.StatusCode, body)
		}

		// An integration pins a provider that only the API defines.
		resp, body = e.do(t, "POST", "/v1/integrations", `{"provider_id":"acmecrm","name":"Acme","client_id":"c","client_secret":"s"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("integration: %d %s", resp.StatusCode, body)
		}
		var in struct{ ID string }
		json.Unmarshal(body, &in)
		if resp, body := e.do(t, "DELETE", "/v1/providers/acmecrm", ""); resp.StatusCode != 409 || !strings.Contains(string(body), in.ID) {
			t.Errorf("delete a provider an integration uses: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do(t, "DELETE", "/v1/integrations/"+in.ID, ""); resp.StatusCode != 204 {
			t.Fatalf("delete integration: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do(t, "DELETE", "/v1/providers/acmecrm", ""); resp.StatusCode != 204 {
			t.Errorf("delete provider: %d %s", resp.StatusCode, body)
		}
		if status, _ := get(e.node.URL, "acmecrm"); status != 404 {
			t.Errorf("GET a deleted provider: %d", status)
		}
		if resp, body := e.do(t, "DELETE", "/v1/providers/acmecrm", ""); resp.StatusCode != 404 {
			t.Errorf("delete it again: %d %s", resp.StatusCode, body)
		}

		// Overriding a shipped provider, and falling back to the file.
		_, github := get(e.node.URL, "github")
		github.DisplayName = "GitHub Enterprise"
		github.Proxy.BaseURL = "https://github.example.com/api/v3"
		override, _ := json.Marshal(github.Provider)
		if resp, body := e.do(t, "PUT", "/v1/providers/github", string(override), "Content-Type", "application/json"); resp.StatusCode != 201 {
			t.Fatalf("override github: %d %s", resp.StatusCode, body)
		}
		if _, v := get(e.node.URL, "github"); v.DisplayName != "GitHub Enterprise" || v.Source != "api" {
			t.Errorf("overridden github: %+v", v)
		}
		if resp, body := e.do(t, "DELETE", "/v1/providers/github", ""); resp.StatusCode != 204 {
			t.Errorf("delete the override: %d %s", resp.StatusCode, body)
		}
		if _, v := get(e.node.URL, "github"); v.DisplayName != "GitHub" || v.Source != "file" {
			t.Errorf("github after deleting the override: %+v", v)
		}
		if resp, body := e.do(t, "DELETE", "/v1/providers/github", ""); resp.StatusCode != 409 {
			t.Errorf("delete a file's definition: %d %s", resp.StatusCode, body)
		}
	})
}

// catalogView is a provider as the API shows it.
type catalogView struct {
	catalog.Provider
	Source string `json:"source"`
}
