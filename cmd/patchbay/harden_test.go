package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

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
		e := setup(t, d)
		ids := listParents(t, e)
		doc := fetchOpenAPI(t, e)
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
			lists++
			for _, key := range []string{"a\x00b", "\xff", "ten_\xc3"} {
				cursor := base64.RawURLEncoding.EncodeToString([]byte("v1:" + key))
				target := fill(path, ids) + "?cursor=" + url.QueryEscape(cursor)
				resp, body := e.do(t, "GET", target, "")
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

// listParents makes one of each resource that a list is nested under and
// returns their IDs by path parameter name.
func listParents(t *testing.T, e *env) map[string]string {
	t.Helper()
	ids := map[string]string{"tenant_id": "acme", "sync_id": "sync_01JD5X9Y7Z0000000000000000"}
	mustDo := func(method, path, body string, status int) map[string]any {
		resp, b := e.do(t, method, path, body)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		var out map[string]any
		json.Unmarshal(b, &out)
		return out
	}
	mustDo("PUT", "/v1/tenants/acme", `{"name":"Acme"}`, http.StatusCreated)
	ep := mustDo("POST", "/v1/tenants/acme/endpoints", `{"url":"https://example.com/hook"}`, http.StatusCreated)
	ids["endpoint_id"], _ = ep["id"].(string)
	src := mustDo("POST", "/v1/sources", `{"name":"stripe","verifier":{"scheme":"none"}}`, http.StatusCreated)
	ids["source_id"], _ = src["id"].(string)
	return ids
}
