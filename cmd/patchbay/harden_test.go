package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// openAPIDoc is the part of /openapi.json these tests walk.
type openAPIDoc struct {
	Paths map[string]map[string]struct {
		Secret     bool `json:"x-patchbay-secret"`
		Parameters []struct {
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		Responses map[string]struct {
			Content map[string]struct {
				Schema json.RawMessage `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

func fetchOpenAPI(t *testing.T, e *env) openAPIDoc {
	t.Helper()
	resp, body := e.do(t, "GET", "/openapi.json", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %s", resp.StatusCode, body)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// sortedPaths are the document's paths in order, so failures read the same
// on every run.
func (d openAPIDoc) sortedPaths() []string {
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

var openAPIParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// fill puts values into a documented path's parameters: values[name] where
// given, else a well-formed value that names nothing.
func fill(path string, values map[string]string) string {
	return openAPIParam.ReplaceAllStringFunc(path, func(m string) string {
		name := m[1 : len(m)-1]
		if v, ok := values[name]; ok {
			return v
		}
		return "x"
	})
}

// TestCursorNotText sends every list endpoint a cursor whose key holds a NUL
// or bytes that are not UTF-8. PostgreSQL answered those with an error, and
// every list with a 500; each must be a 400 naming cursor.
func TestCursorNotText(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		// One embed token reaches every embed list, more than its own
		// limit allows in a second.
		e := setup(t, d, "--embed-rate-limit", "0")
		ids := listParents(t, e)
		doc := fetchOpenAPI(t, e)
		var embedToken string
		var lists int
		for _, path := range doc.sortedPaths() {
			op, ok := doc.Paths[path]["get"]
			if !ok || !slices.ContainsFunc(op.Parameters, func(p struct {
				Name string `json:"name"`
				In   string `json:"in"`
			}) bool {
				return p.Name == "cursor" && p.In == "query"
			}) {
				continue
			}
			if strings.HasPrefix(path, "/admin/marketplace/api/") {
				continue // the review console's copies of /v1 lists, behind its session cookie (internal/console tests it)
			}
			if strings.HasPrefix(path, "/v1/hooks/") {
				continue // platforms' routes take an OAuth token: TestAutomationHooks sends them bad cursors
			}
			lists++
			for _, key := range []string{"a\x00b", "\xff", "ten_\xc3"} {
				cursor := base64.RawURLEncoding.EncodeToString([]byte("v1:" + key))
				target := fill(path, ids) + "?cursor=" + url.QueryEscape(cursor)
				resp, body := e.do(t, "GET", target, "", asEmbed(t, e, target, &embedToken)...)
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("GET %s (key %q): status %d, want 400; body %s", target, key, resp.StatusCode, body)
					continue
				}
				p := problem(t, resp, body)
				if len(p.Errors) != 1 || p.Errors[0].Field != "cursor" {
					t.Errorf("GET %s: problem %s, want one naming cursor", target, body)
				}
			}
		}
		if lists < 10 {
			t.Errorf("found only %d list endpoints in /openapi.json", lists)
		}
		if strings.Contains(e.node.Logs.String(), `"level":"ERROR"`) {
			t.Errorf("cursors caused error logs:\n%s", e.node.Logs)
		}
	})
}

// asEmbed is the header that authenticates a request to target: for the
// embed API a token of tenant acme granting every capability (minted once),
// for anything else none (the env's key).
func asEmbed(t *testing.T, e *env, target string, token *string) []string {
	t.Helper()
	if !strings.HasPrefix(target, "/embed/") {
		return nil
	}
	if *token == "" {
		minted, err := e.client.MintEmbedToken(t.Context(), client.EmbedTokenParams{TenantID: "acme", UserID: "u",
			Capabilities:   []string{"webhooks", "connections", "authorized_apps", "marketplace", "developer", "marketplace:review"},
			AllowedOrigins: []string{"https://app.acme.test"}})
		if err != nil {
			t.Fatal(err)
		}
		*token = minted.Token
	}
	return []string{"Authorization", "Bearer " + *token}
}

// listParents makes one of each resource that a list is nested under and
// returns their IDs by path parameter name.
func listParents(t *testing.T, e *env) map[string]string {
	t.Helper()
	ids := map[string]string{"tenant_id": "acme", "sync_id": "sync_01JD5X9Y7Z0000000000000000"}
	mustDo := func(method, path, body string, status int) map[string]any {
		resp, b := e.do(t, method, path, body)
		if resp.StatusCode != status && !(method == "PUT" && resp.StatusCode == http.StatusOK) { // a PUT may find it made
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		var out map[string]any
		json.Unmarshal(b, &out)
		return out
	}
	mustDo("PUT", "/v1/tenants/acme", `{"name":"Acme"}`, http.StatusCreated)
	ep := mustDo("POST", "/v1/tenants/acme/endpoints", `{"url":"https://example.com/hook"}`, http.StatusCreated)
	ids["endpoint_id"], _ = ep["id"].(string)
	src := mustDo("POST", "/v1/sources", `{"name":"stripe","verifier":{"scheme":"none"},"destination_url":"https://example.com/forward"}`, http.StatusCreated)
	ids["source_id"], _ = src["id"].(string)
	return ids
}

// noRedirects sends requests as they are and never follows a redirect.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// rawRequest sends method to the node with the escaped path exactly as
// written, dot segments and escapes included, with the env's key.
func (e *env) rawRequest(t *testing.T, method, escapedPath string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.node.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = "//" + req.URL.Host + escapedPath // sent as written, never re-escaped
	req.Header.Set("Authorization", "Bearer "+e.key)
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, escapedPath, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// dirtyVariants are forms of a clean path that ServeMux would clean and
// redirect: a dot segment, a parent segment that comes back, an empty
// segment, escaped dots, a trailing dot.
func dirtyVariants(clean string) []string {
	i := strings.LastIndex(clean, "/")
	head, last := clean[:i], clean[i+1:]
	return []string{
		head + "/./" + last,
		head + "/x/../" + last,
		head + "//" + last,
		"/" + clean,
		head + "/%2e/" + last,
		head + "/x/%2E%2E/" + last,
		clean + "/.",
		clean + "/..",
	}
}

// TestNoRouteRedirects walks every route in /openapi.json, public and admin
// (with --dev, the dev ones too), with dirty forms of its path under every
// documented method. ServeMux answered them with a redirect to the cleaned
// path, which a backend that forwards a user's path part and follows
// redirects (as Go's client and curl -L do) took to another route with its
// own API key: …/proxy/../../../api-keys read or created admin keys. Now no
// route answers 3xx; a path that is not clean is a 400 problem, and under
// …/proxy/ the proxy's own path rule decides.
func TestNoRouteRedirects(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupProxy(t, d, "--dev")
		conn := connectKey(t, e.env, "proxykey")
		ids := listParents(t, e.env)
		ids["connection_id"] = conn
		ids["path"] = "echo"
		doc := fetchOpenAPI(t, e.env)
		check := func(method, path string, wantStatus int, wantField string) {
			t.Helper()
			resp, body := e.rawRequest(t, method, path)
			if resp.StatusCode >= 300 && resp.StatusCode < 400 || resp.Header.Get("Location") != "" {
				t.Errorf("%s %s: %d, Location %q: a redirect", method, path, resp.StatusCode, resp.Header.Get("Location"))
				return
			}
			if resp.StatusCode != wantStatus {
				t.Errorf("%s %s: %d, want %d; body %s", method, path, resp.StatusCode, wantStatus, body)
				return
			}
			if method == http.MethodHead {
				return
			}
			p := problem(t, resp, body)
			if wantField != "" && (len(p.Errors) != 1 || p.Errors[0].Field != wantField) {
				t.Errorf("%s %s: problem %s, want one naming %s", method, path, body, wantField)
			}
		}
		var walked int
		for _, path := range doc.sortedPaths() {
			clean := fill(path, ids)
			methods := make([]string, 0, len(doc.Paths[path]))
			for m := range doc.Paths[path] {
				methods = append(methods, strings.ToUpper(m))
			}
			sort.Strings(methods)
			if strings.Contains(path, "/proxy/") {
				methods = []string{"GET", "POST", "DELETE"} // it takes every method; these stand for them
			}
			for _, method := range methods {
				for _, dirty := range dirtyVariants(clean) {
					walked++
					if strings.HasPrefix(dirty, "/v1/connections/"+conn+"/proxy/") {
						// Below …/proxy/ the path is the provider's: its
						// rule refuses the dot segments and lets "//" by.
						if !strings.Contains(dirty, "//echo") {
							check(method, dirty, http.StatusBadRequest, "path")
						}
						continue
					}
					check(method, dirty, http.StatusBadRequest, "")
				}
			}
		}
		if walked < 500 {
			t.Errorf("walked only %d dirty requests", walked)
		}

		proxy := "/v1/connections/" + conn + "/proxy"
		// The audit's request: a proxied path that climbs back to the
		// admin API, in every spelling the proxy's rule knows.
		for _, trick := range []string{"/../../../api-keys", "/%2e%2e/%2e%2e/%2e%2e/api-keys", "/..;/..;/..;/api-keys",
			"/..%5c..%5c..%5capi-keys", "/%252e%252e/%252e%252e/%252e%252e/api-keys", "/a/..", "/."} {
			for _, method := range []string{"GET", "POST"} {
				check(method, proxy+trick, http.StatusBadRequest, "path")
			}
		}
		if got := len(e.api.seen("api-keys")); got != 0 {
			t.Errorf("the provider was sent %d requests for api-keys", got)
		}
		// A subtree's root without its slash was a redirect to the subtree.
		check("GET", proxy, http.StatusNotFound, "")
		check("GET", "/v1/connections/"+conn+"/./proxy/echo", http.StatusBadRequest, "")
		// "//" is the provider's to judge: the proxy's rule lets it by.
		resp, body := e.rawRequest(t, "GET", proxy+"//echo")
		if resp.Header.Get("X-Patchbay-Attempts") == "" {
			t.Errorf("GET %s//echo did not reach the provider: %d %s", proxy, resp.StatusCode, body)
		}
		// The clean path still works, as the walk's baseline.
		if resp, body := e.rawRequest(t, "GET", proxy+"/echo"); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s/echo: %d %s", proxy, resp.StatusCode, body)
		}
		if strings.Contains(e.node.Logs.String(), `"level":"ERROR"`) {
			t.Errorf("dirty paths caused error logs:\n%s", e.node.Logs)
		}
	})
}

// checkLogsHoldNo fails when the node's log holds any of the secrets a flow
// used, or any of the prefixes of Patchbay's own secrets (for those the test
// never saw, such as a connect session's token in its page's path).
func checkLogsHoldNo(t *testing.T, n *node, secrets []string, prefixes ...string) {
	t.Helper()
	logs := n.Logs.String() + n.Stdout.String()
	if !strings.Contains(logs, `"msg":"request"`) {
		t.Fatalf("the log has no request lines to check:\n%s", logs)
	}
	for _, s := range slices.Concat(secrets, prefixes) {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log holds the secret %q:\n%s", s, logs)
		}
	}
}

// secretField is a JSON field name that holds a secret.
var secretField = regexp.MustCompile(`^(?:[a-z_]*_)?(?:secret|secrets|token|key|password)$`)

// secretFields lists the secret-looking fields anywhere in a schema that
// hold text, as "Schema.field", following $refs into the document's
// components.
func (d openAPIDoc) secretFields(schema json.RawMessage, in string, seen map[string]bool) []string {
	var s struct {
		Ref        string                     `json:"$ref"`
		Properties map[string]json.RawMessage `json:"properties"`
		Items      json.RawMessage            `json:"items"`
		Additional json.RawMessage            `json:"additionalProperties"`
		OneOf      []json.RawMessage          `json:"oneOf"`
	}
	if json.Unmarshal(schema, &s) != nil {
		return nil // true or false, as additionalProperties may be
	}
	var found []string
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok && !seen[name] {
		seen[name] = true
		found = append(found, d.secretFields(d.Components.Schemas[name], name, seen)...)
	}
	for name, prop := range s.Properties {
		if secretField.MatchString(name) && holdsText(prop) {
			found = append(found, in+"."+name)
		}
		found = append(found, d.secretFields(prop, in, seen)...)
	}
	for _, sub := range append(s.OneOf, s.Items, s.Additional) {
		if sub != nil {
			found = append(found, d.secretFields(sub, in, seen)...)
		}
	}
	return found
}

// holdsText reports whether a field's schema is a string or a list or map
// of strings: a boolean "secret" flag holds none.
func holdsText(schema json.RawMessage) bool {
	var s struct {
		Type       string          `json:"type"`
		Items      json.RawMessage `json:"items"`
		Additional json.RawMessage `json:"additionalProperties"`
	}
	json.Unmarshal(schema, &s)
	switch s.Type {
	case "string":
		return true
	case "array":
		return holdsText(s.Items)
	case "object":
		return s.Additional != nil && holdsText(s.Additional)
	}
	return false
}

// notSecrets are secret-looking response fields that hold no secret, and
// why.
var notSecrets = map[string]string{
	"CatalogCredentials.password": "a provider's template, such as ${secret.password}; the value is each connection's",
	"VerifyConfig.secrets":        "a source's verifier as shown: present() blanks its secrets (secret_count says how many)",
	"VerifyConfig.verify_token":   "blanked the same way",
	// The automation catalog's keys name triggers, actions, fields and the
	// product; none is a credential.
	"AutomationActionDef.key":          "an action's name",
	"AutomationAction.key":             "an action's name",
	"AutomationField.key":              "an input field's name",
	"AutomationProduct.key":            "the product's name as an identifier",
	"AutomationFilterField.key":        "a filter field's path",
	"AutomationTrigger.key":            "an event type's name",
	"AutomationTriggerSettings.key":    "an event type's name",
	"DestinationsSettings.key":         "a broker endpoint's Kafka record key template, not a credential (credentials are never returned)",
	"DestinationsSettings.routing_key": "a RabbitMQ routing key template, not a credential",
	"DestinationsSettings.stream_key":  "a Redis stream's name, not a credential",
	"DestinationsConsume.stream_key":   "the Redis stream a source consumes, not a credential",
}

// TestSecretResponsesNotCached walks /openapi.json: every operation whose
// success response has a secret-looking field is marked x-patchbay-secret,
// and every marked operation, called, answers Cache-Control: no-store (a
// source's signing secret and a new connect session's token were cacheable).
func TestSecretResponsesNotCached(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupProxy(t, d)
		conn := connectKey(t, e.env, "proxykey")
		ids := listParents(t, e.env)
		ids["connection_id"] = conn
		created := func(path, body string) string {
			resp, b := e.do(t, "POST", path, body)
			var out struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(b, &out); resp.StatusCode != http.StatusCreated || out.ID == "" {
				t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
			}
			return out.ID
		}
		// acme's, so that the developer console's token (of acme) reaches it.
		ids["app_id"] = created("/v1/oauth/apps", `{"team_id":"acme","name":"Timely","redirect_uris":["https://timely.example/cb"]}`)
		integration := created("/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)

		// What each marked operation is sent; its answer must be a success.
		// refused calls lack a credential this test does not make; their
		// refusal must carry the header too.
		ids["client_id"] = "pbc_nobody"
		calls := map[string]struct {
			body, contentType string
			refused           bool
		}{
			"POST /v1/api-keys": {body: `{"name":"another"}`},
			"POST /v1/connect/sessions": {body: `{"tenant_id":"acme","end_user_id":"u","integration_id":"` + integration +
				`","return_url":"https://saas.example/done"}`},
			"GET /v1/connections/{connection_id}/credentials":                    {},
			"POST /embed/v1/developer/apps":                                      {body: `{"name":"Dev","redirect_uris":["https://dev.example/cb"]}`},
			"PUT /embed/v1/developer/apps/{app_id}/webhook":                      {body: `{"url":"https://example.com/lifecycle"}`},
			"POST /embed/v1/developer/apps/{app_id}/webhook/rotate":              {},
			"PUT /v1/marketplace/apps/{app_id}/webhook":                          {body: `{"url":"https://example.com/lifecycle2"}`},
			"POST /v1/marketplace/apps/{app_id}/webhook/rotate":                  {},
			"POST /v1/oauth/apps":                                                {body: `{"team_id":"devteam","name":"Other","redirect_uris":["https://other.example/cb"]}`},
			"POST /v1/oauth/apps/{app_id}/secret/rotate":                         {},
			"GET /v1/sources/{source_id}/secret":                                 {},
			"POST /v1/sources":                                                   {body: `{"name":"unsigned","verifier":{"scheme":"none"}}`},
			"PATCH /v1/sources/{source_id}":                                      {body: `{"name":"renamed"}`},
			"POST /v1/sources/{source_id}/ingest-token/rotate":                   {},
			"POST /v1/tenants/{tenant_id}/endpoints":                             {body: `{"url":"https://example.com/other"}`},
			"GET /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/secret":         {},
			"POST /v1/tenants/{tenant_id}/endpoints/{endpoint_id}/secret/rotate": {},
			"POST /oauth/token":                                                  {body: "grant_type=authorization_code&code=nope&client_id=nobody", contentType: "application/x-www-form-urlencoded", refused: true},
			"POST /oauth/register":                                               {body: `{"redirect_uris":["https://agent.example/cb"]}`, contentType: "application/json", refused: true},
			"GET /oauth/register/{client_id}":                                    {refused: true},
			"PUT /oauth/register/{client_id}":                                    {body: `{"redirect_uris":["https://agent.example/cb"]}`, contentType: "application/json", refused: true},
			"POST /v1/oauth/initial-access-tokens":                               {body: `{"description":"Zapier"}`},
			"POST /v1/embed/tokens":                                              {body: `{"tenant_id":"acme","user_id":"u","capabilities":["webhooks"],"allowed_origins":["https://app.acme.test"]}`},
			"POST /embed/v1/endpoints":                                           {body: `{"url":"https://example.com/embedded"}`},
			"GET /embed/v1/endpoints/{endpoint_id}/secret":                       {},
			"POST /embed/v1/endpoints/{endpoint_id}/secret/rotate":               {},
		}
		var embedToken string
		doc := fetchOpenAPI(t, e.env)
		var marked int
		for _, path := range doc.sortedPaths() {
			for method, op := range doc.Paths[path] {
				name := strings.ToUpper(method) + " " + path
				var fields []string
				for status, resp := range op.Responses {
					if !strings.HasPrefix(status, "2") {
						continue
					}
					for _, c := range resp.Content {
						for _, f := range doc.secretFields(c.Schema, "", map[string]bool{}) {
							if notSecrets[f] == "" {
								fields = append(fields, f)
							}
						}
					}
				}
				if len(fields) > 0 && !op.Secret {
					t.Errorf("%s answers %v but is not marked x-patchbay-secret", name, fields)
				}
				if !op.Secret {
					continue
				}
				marked++
				call, ok := calls[name]
				if !ok {
					t.Errorf("%s is marked x-patchbay-secret, but this test does not call it", name)
					continue
				}
				headers := asEmbed(t, e.env, path, &embedToken)
				if call.contentType != "" {
					headers = append(headers, "Content-Type", call.contentType)
				}
				resp, body := e.do(t, strings.ToUpper(method), fill(path, ids), call.body, headers...)
				if (resp.StatusCode >= 300) != call.refused {
					t.Errorf("%s: %d %s", name, resp.StatusCode, body)
				}
				if got := resp.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("%s: Cache-Control %q, want no-store", name, got)
				}
			}
		}
		if marked < len(calls) {
			t.Errorf("only %d operations are marked x-patchbay-secret; the test calls %d", marked, len(calls))
		}
		// An idempotent replay of a secret's response keeps the header.
		for range 2 {
			resp, body := e.do(t, "POST", "/v1/api-keys", `{"name":"replayed"}`, "Idempotency-Key", "secret-replay")
			if resp.StatusCode != http.StatusCreated || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("POST /v1/api-keys with an Idempotency-Key: %d, Cache-Control %q; %s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
			}
		}
	})
}

// TestDataFilesPrivate: in a data directory the operator made 0755, the
// SQLite database, its -wal and -shm files and the encryption key file are
// readable by Patchbay's user only. SQLite made the database 0644 under the
// usual umask, and the -wal and -shm files after it. (PostgreSQL keeps no
// files of Patchbay's.)
func TestDataFilesPrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := store.Options{DataDir: dir}
	key := createKey(t, opts)
	n := startNode(t, opts)
	e := &env{opts: opts, node: n, key: key}
	if resp, body := e.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme"}`); resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT tenant: %d %s", resp.StatusCode, body)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, entry := range entries {
		info, err := entry.Info()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, entry.Name())
		if info.Mode().IsRegular() && info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want 0600", entry.Name(), info.Mode().Perm())
		}
	}
	for _, want := range []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm", "encryption.key"} {
		if !slices.Contains(names, want) {
			t.Errorf("the data directory holds %v, not %s", names, want)
		}
	}
}

// TestExistingDataFilesTightened: files an older version left readable to
// others (the database 0644, and its -wal, -shm and key file after it) are
// made private when a node opens them, and the node says so once.
func TestExistingDataFilesTightened(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := store.Options{DataDir: dir}
	createKey(t, opts)
	startNode(t, opts).Stop(t)
	files := []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm", "encryption.key"}
	for _, name := range files {
		path := filepath.Join(dir, name)
		// SQLite removes the -wal and -shm files on a clean close; an older
		// version's crashed node leaves them.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	n := startNode(t, opts)
	for _, name := range files {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v after the node opened it, want 0600", name, info.Mode().Perm())
		}
	}
	if got := strings.Count(n.Logs.String(), "made files in the data directory private"); got != 1 {
		t.Errorf("%d log lines about the files' modes, want 1:\n%s", got, n.Logs)
	}
	n.Stop(t)
	if got := strings.Count(startNode(t, opts).Logs.String(), "made files in the data directory private"); got != 0 {
		t.Errorf("a node opening private files logged %d lines about their modes, want none", got)
	}
}
