package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/clientip"
	"github.com/patchbay/patchbay/internal/console"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/idempotency"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/syncs"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/vault"
)

func testDeps(t testing.TB) Deps {
	t.Helper()
	db := storetest.OpenSQLite(t)
	v, err := vault.New(make([]byte, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return Deps{
		Logger:      storetest.DiscardLogger(),
		DB:          db,
		Keys:        auth.NewKeys(db),
		Tenants:     tenants.NewService(db, nil),
		Idempotency: idempotency.NewKeys(db, v, storetest.DiscardLogger(), time.Hour),
		Audit:       audit.NewLog(db, storetest.DiscardLogger()),
		Limiter:     ratelimit.NewMemory(),
		RateLimit:   ratelimit.Policy{Limit: 1000, Window: time.Second},
		Metrics:     prometheus.NewRegistry(),
		BodyLimit:   1 << 20,
		AdminAPI:    true,
		Console:     console.NewService(db, auth.NewKeys(db)),
	}
}

// TestOpenAPIComplete checks the document against the router both ways: every
// registered route is documented with its parameters and responses, and every
// documented operation is served by a route.
func TestOpenAPIComplete(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	rt := newRouter(d)
	addRoutes(rt, d)
	rt.finish()
	srv := httptest.NewServer(observe(d.Logger, newHTTPMetrics(d.Metrics), nil, d.BodyLimit, clientip.Resolver{}, rt))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Summary     string `json:"summary"`
			Parameters  []struct {
				Name, In string
			} `json:"parameters"`
			RequestBody *struct{}          `json:"requestBody"`
			Responses   map[string]any     `json:"responses"`
			Security    []map[string][]any `json:"security"`
			Scope       string             `json:"x-patchbay-scope"`
			Capability  string             `json:"x-patchbay-capability"`
			Tags        []string           `json:"tags"`
			TenantKeys  *bool              `json:"x-patchbay-tenant-keys"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	raw := json.NewDecoder(resp.Body)
	if err := raw.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}

	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, r := range rt.routes {
		methods, path := r.operations()
		for _, method := range methods {
			if !documented[method+" "+path] {
				t.Errorf("route %s is missing from /openapi.json as %s %s", r.pattern, method, path)
				continue
			}
			delete(documented, method+" "+path)
			op := doc.Paths[path][strings.ToLower(method)]
			if op.Summary == "" || op.OperationID == "" || len(op.Responses) < 2 {
				t.Errorf("%s: summary %q, operationId %q, %d responses", r.pattern, op.Summary, op.OperationID, len(op.Responses))
			}
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				found := false
				for _, p := range op.Parameters {
					found = found || (p.In == "path" && p.Name == m[1])
				}
				if !found {
					t.Errorf("%s: path parameter %s undocumented", r.pattern, m[1])
				}
			}
			takesBody := r.endpoint.Request != nil || len(r.endpoint.RawRequest) > 0
			if takesBody != (op.RequestBody != nil) {
				t.Errorf("%s: request body documented %v, handler takes one %v", r.pattern, op.RequestBody != nil, takesBody)
			}
			if needs := r.admin || r.capability != "" || r.console; needs != (len(op.Security) > 0) {
				t.Errorf("%s: security documented %v, route needs a key or token %v", r.pattern, len(op.Security) > 0, needs)
			}
			if limited := r.admin || r.limited || r.capability != "" || r.console; limited != (op.Responses["429"] != nil) {
				t.Errorf("%s: 429 documented %v, route rate-limited %v", r.pattern, op.Responses["429"] != nil, limited)
			}
			if r.capability != "" {
				if _, ok := op.Security[0]["embedToken"]; !ok || op.Capability != r.capability || !slices.Contains(op.Tags, embedTag) {
					t.Errorf("%s: security %v, x-patchbay-capability %q, tags %v: want embedToken, %q and the embed tag",
						r.pattern, op.Security, op.Capability, op.Tags, r.capability)
				}
			}
			if r.admin {
				scopes := op.Security[0]["bearer"]
				if len(scopes) != 1 || scopes[0] != r.access.Scope || op.Scope != r.access.Scope || !auth.KnownScope(op.Scope) {
					t.Errorf("%s: security scopes %v, x-patchbay-scope %q, want the route's scope %q", r.pattern, scopes, op.Scope, r.access.Scope)
				}
				if op.TenantKeys == nil || *op.TenantKeys == r.access.Installation {
					t.Errorf("%s: x-patchbay-tenant-keys %v, route is installation-only %v", r.pattern, op.TenantKeys, r.access.Installation)
				}
			}
			if r.console {
				if _, ok := op.Security[0]["consoleSession"]; !ok || op.Scope != r.access.Scope || !slices.Contains(op.Tags, "Review console") {
					t.Errorf("%s: security %v, x-patchbay-scope %q, tags %v: want consoleSession, %q and the console tag", r.pattern, op.Security, op.Scope, op.Tags, r.access.Scope)
				}
			}
			if _, ok := op.Responses["503"]; (r.admin || r.capability != "" || r.console) && !ok {
				t.Errorf("%s: the 503 of a database outage is undocumented", r.pattern)
			}
		}
	}
	for op := range documented {
		t.Errorf("/openapi.json documents %s, which no route serves", op)
	}

	// Every $ref resolves.
	body, _ := json.Marshal(doc)
	for _, m := range regexp.MustCompile(`"\$ref":"#/components/schemas/(\w+)"`).FindAllStringSubmatch(string(body), -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}

	// The routes really are served: a documented admin route answers 401, not
	// the router's "no route" 404.
	for _, r := range rt.routes {
		methods, path := r.operations()
		path = regexp.MustCompile(`\{\w+\}`).ReplaceAllString(path, "x")
		for _, method := range methods {
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if (r.admin || r.capability != "" || r.console) && resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s without a key or token: %d, want 401", method, r.pattern, resp.StatusCode)
			}
		}
	}
}

// TestRouteWithoutScopePanics checks that an admin route registered without a
// scope, or with one not in the vocabulary, stops the server from starting.
func TestRouteWithoutScopePanics(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	for _, access := range []auth.Access{{}, auth.TenantAccess("webhooks:delete"), auth.InstallationAccess("")} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering a route with access %+v did not panic", access)
				}
			}()
			newRouter(d).admin("GET /v1/unguarded", access, httpapi.Endpoint{Handler: http.NotFoundHandler()})
		}()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering a forwarded route with access %+v did not panic", access)
				}
			}()
			newRouter(d).forwarded("/v1/unguarded/{path...}", access, httpapi.Endpoint{Handler: http.NotFoundHandler()})
		}()
	}
}

// TestEmbedRouteWithoutCapabilityPanics: an embed route must name a
// capability tokens can hold.
func TestEmbedRouteWithoutCapabilityPanics(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	for _, capability := range []string{"", "webhooks:admin", "embed"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering an embed route with capability %q did not panic", capability)
				}
			}()
			newRouter(d).embed("GET /embed/v1/unguarded", capability, httpapi.Endpoint{Handler: http.NotFoundHandler()})
		}()
	}
}

func TestSchemaName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    any
		want string
	}{
		{tenants.Tenant{}, "TenantsTenant"},
		{auth.CreatedKey{}, "AuthCreatedKey"},
		// Syncs moved out of connect; their components keep their names.
		{syncs.Sync{}, "ConnectSync"},
		{syncs.SyncParams{}, "ConnectSyncParams"},
	} {
		if got := schemaName(reflect.TypeOf(tc.v)); got != tc.want {
			t.Errorf("schemaName(%T) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestSchemaNameGeneric(t *testing.T) {
	t.Parallel()
	got := schemaName(reflect.TypeFor[httpapi.List[tenants.Tenant]]())
	if got != "HttpapiListTenantsTenant" {
		t.Errorf("schemaName(List[Tenant]) = %q", got)
	}
	if got := schemaName(reflect.TypeFor[httpapi.List[syncs.SyncRun]]()); got != "HttpapiListConnectSyncRun" {
		t.Errorf("schemaName(List[SyncRun]) = %q, want the name it was published under", got)
	}
}

// TestOperationDocumentsTypedFacts: what an httpapi.Op says of its bodies
// reaches the document: an optional body is not required, and a PUT that may
// create lists its 201 beside its 200, with the same schema.
func TestOperationDocumentsTypedFacts(t *testing.T) {
	t.Parallel()
	type thing struct {
		Name string `json:"name"`
	}
	e := httpapi.Handle(httpapi.Op[thing, httpapi.Upsert[thing]]{
		Summary: "Put a thing", OptionalBody: true,
		Do: func(*http.Request, thing) (httpapi.Upsert[thing], error) { return httpapi.Upsert[thing]{}, nil },
	})
	schemas := &schemaSet{defs: object{}}
	op := operation(route{pattern: "PUT /things/{name}", endpoint: e}, "PUT", "/things/{name}", schemas, object{})
	if required := op["requestBody"].(object)["required"]; required != false {
		t.Errorf("optional body documented required: %v", required)
	}
	responses := op["responses"].(object)
	ok, created := responses["200"].(object), responses["201"].(object)
	if created == nil || created["description"] != "Created" || !reflect.DeepEqual(ok["content"], created["content"]) {
		t.Errorf("201 documented as %v beside 200 %v, want the same content", created, ok)
	}
}
