package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
