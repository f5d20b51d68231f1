package main

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		for _, authz := range []string{"", "Bearer", "Basic dXNlcjpwYXNz", "Bearer pbk_not-a-real-key", "Bearer " + e.key + "x"} {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.node.URL+"/v1/tenants", nil)
			if authz != "" {
				req.Header.Set("Authorization", authz)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("Authorization %q: status %d, want 401", authz, resp.StatusCode)
				continue
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("Authorization %q: WWW-Authenticate = %q, want a Bearer challenge", authz, resp.Header.Get("WWW-Authenticate"))
			}
			if p := problem(t, resp, body.Bytes()); !strings.HasSuffix(p.Type, "/unauthorized") {
				t.Errorf("problem type %q, want …/unauthorized", p.Type)
			}
			if strings.Contains(body.String(), e.key) {
				t.Error("the 401 body echoes the key")
			}
		}

		// Keys made through the API work at once; revoked ones stop at once.
		created, err := e.client.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "second"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(created.Key, "pbk_") || len(created.Key) < len("pbk_")+43 {
			t.Errorf("new key %q is not pbk_ + 256 bits", created.Key)
		}
		second := client.New(e.node.URL, created.Key)
		if _, err := second.ListTenants(t.Context(), client.ListParams{}); err != nil {
			t.Fatalf("new key: %v", err)
		}
		if _, err := e.client.RevokeAPIKey(t.Context(), created.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := second.ListTenants(t.Context(), client.ListParams{}); apiError(t, err).Status != http.StatusUnauthorized {
			t.Errorf("revoked key: %v, want 401", err)
		}
		keys, err := e.client.ListAPIKeys(t.Context(), client.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if len(keys.Data) != 2 || keys.Data[1].RevokedAt == nil || keys.Data[0].RevokedAt != nil {
			t.Errorf("keys after revoking the second: %+v", keys.Data)
		}
		for _, k := range keys.Data {
			shown := strings.TrimSuffix(strings.TrimPrefix(k.Hint, "pbk_"), "…")
			if len(shown) > 8 {
				t.Errorf("hint %q shows more than 8 characters of the key", k.Hint)
			}
		}

		// A key revoked by the CLI, in another process, stops working within
		// the cache's few seconds.
		var out bytes.Buffer
		cliKey := createKey(t, e.opts)
		cli := client.New(e.node.URL, cliKey)
		if _, err := cli.ListTenants(t.Context(), client.ListParams{}); err != nil {
			t.Fatal(err)
		}
		all, err := e.client.ListAPIKeys(t.Context(), client.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		cliID := all.Data[len(all.Data)-1].ID
		args := append([]string{"patchbay", "keys", "revoke", cliID}, storeArgs(e.opts)...)
		if err := run(t.Context(), args, noEnv, nil, &out, &out); err != nil {
			t.Fatalf("keys revoke: %v: %s", err, out.String())
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := cli.ListTenants(t.Context(), client.ListParams{})
			if err != nil && apiError(t, err).Status == http.StatusUnauthorized {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("key revoked by the CLI still works after 10s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		out.Reset()
		args = append([]string{"patchbay", "keys", "list"}, storeArgs(e.opts)...)
		if err := run(t.Context(), args, noEnv, nil, &out, &out); err != nil {
			t.Fatal(err)
		}
		if strings.Count(out.String(), "key_") != 3 {
			t.Errorf("keys list shows %d keys, want 3:\n%s", strings.Count(out.String(), "key_"), out.String())
		}
	})
}

func TestTenants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		ctx := t.Context()
		c := e.client

		got, created, err := c.PutTenant(ctx, "acme", client.TenantParams{Name: "Acme", Metadata: map[string]string{"plan": "pro"}})
		if err != nil || !created {
			t.Fatalf("first put: created %v, %v", created, err)
		}
		if got.ID != "acme" || got.Name != "Acme" || got.Metadata["plan"] != "pro" || got.CreatedAt.IsZero() {
			t.Errorf("put returned %+v", got)
		}
		updated, created, err := c.PutTenant(ctx, "acme", client.TenantParams{Name: "Acme Inc."})
		if err != nil || created {
			t.Fatalf("second put: created %v, %v", created, err)
		}
		if updated.Name != "Acme Inc." || len(updated.Metadata) != 0 || !updated.CreatedAt.Equal(got.CreatedAt) || !updated.UpdatedAt.After(got.UpdatedAt) {
			t.Errorf("update returned %+v after %+v", updated, got)
		}
		fetched, err := c.Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(updated, fetched); diff != "" {
			t.Errorf("get after put (-put +get):\n%s", diff)
		}

		// Pagination: 25 more tenants, pages of 10, in ID order, each once.
		var want []string
		for i := range 25 {
			id := fmt.Sprintf("t-%02d", i)
			want = append(want, id)
			if _, _, err := c.PutTenant(ctx, id, client.TenantParams{}); err != nil {
				t.Fatal(err)
			}
		}
		want = append([]string{"acme"}, want...)
		var seen []string
		p := client.ListParams{Limit: 10}
		pages := 0
		for {
			page, err := c.ListTenants(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, tn := range page.Data {
				seen = append(seen, tn.ID)
			}
			if page.NextCursor == "" {
				break
			}
			p.Cursor = page.NextCursor
		}
		if pages != 3 {
			t.Errorf("26 tenants in pages of 10 took %d pages, want 3", pages)
		}
		if diff := cmp.Diff(want, seen); diff != "" {
			t.Errorf("listed tenants (-want +got):\n%s", diff)
		}
		var iterated []string
		for tn, err := range c.AllTenants(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			iterated = append(iterated, tn.ID)
		}
		if !slices.Equal(want, iterated) {
			t.Errorf("AllTenants = %v", iterated)
		}

		if err := c.DeleteTenant(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Tenant(ctx, "acme"); !client.IsNotFound(err) {
			t.Errorf("get after delete: %v, want 404", err)
		}
		if err := c.DeleteTenant(ctx, "acme"); !client.IsNotFound(err) {
			t.Errorf("second delete: %v, want 404", err)
		}
		// The purge job removes the row; then the ID can be used again.
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, created, err := c.PutTenant(ctx, "acme", client.TenantParams{Name: "Again"})
			if err == nil && created {
				break
			}
			if err != nil && apiError(t, err).Status != http.StatusConflict {
				t.Fatalf("put while purging: %v, want 409 or 201", err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("tenant not purged within 20s: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func TestBadInputGetsProblems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--body-limit", "2048")
		for _, tc := range []struct {
			name, method, path, body string
			status                   int
			fields                   []string // named in errors
			detail                   string   // in detail
		}{
			{name: "malformed JSON", method: "PUT", path: "/v1/tenants/a", body: `{"name": "x",`, status: 400, detail: "not valid JSON"},
			{name: "not an object", method: "PUT", path: "/v1/tenants/a", body: `[1,2]`, status: 400, detail: "JSON object"},
			{name: "empty body", method: "PUT", path: "/v1/tenants/a", body: ``, status: 400, detail: "empty"},
			{name: "trailing data", method: "PUT", path: "/v1/tenants/a", body: `{"name":"x"} {}`, status: 400, detail: "after"},
			{name: "unknown fields", method: "PUT", path: "/v1/tenants/a", body: `{"name":"x","colour":"red","size":1}`, status: 400, fields: []string{"colour", "size"}},
			{name: "wrong type", method: "PUT", path: "/v1/tenants/a", body: `{"name": 5}`, status: 400, fields: []string{"name"}},
			{name: "oversize body", method: "PUT", path: "/v1/tenants/a", body: `{"name":"` + strings.Repeat("x", 4096) + `"}`, status: 413},
			{name: "bad tenant ID", method: "GET", path: "/v1/tenants/bad%20id", status: 400, fields: []string{"tenant_id"}},
			{name: "too long tenant ID", method: "GET", path: "/v1/tenants/" + strings.Repeat("a", 129), status: 400, fields: []string{"tenant_id"}},
			{name: "bad key ID", method: "GET", path: "/v1/api-keys/key_nope", status: 400, fields: []string{"key_id"}},
			{name: "unknown key", method: "GET", path: "/v1/api-keys/key_01JD5X9Y7Z0000000000000000", status: 404},
			{name: "bad metadata", method: "PUT", path: "/v1/tenants/a", body: `{"metadata":{"":"x"}}`, status: 400, fields: []string{"metadata"}},
			{name: "bad limit", method: "GET", path: "/v1/tenants?limit=1000", status: 400, fields: []string{"limit"}},
			{name: "bad cursor", method: "GET", path: "/v1/tenants?cursor=!!", status: 400, fields: []string{"cursor"}},
			{name: "missing key name", method: "POST", path: "/v1/api-keys", body: `{}`, status: 400, fields: []string{"name"}},
			{name: "unknown route", method: "GET", path: "/v1/nothing", status: 404},
			{name: "wrong method", method: "PATCH", path: "/v1/tenants/a", body: `{}`, status: 405},
			// PostgreSQL answers such text with an error: these were 500s there.
			{name: "NUL in a query parameter", method: "GET", path: "/v1/tenants/a/messages?event_type=a%00b", status: 400, detail: `query parameter "event_type" must be UTF-8`},
			{name: "query parameter not UTF-8", method: "GET", path: "/v1/connections?tenant_id=%ff", status: 400, detail: `query parameter "tenant_id" must be UTF-8`},
			{name: "body not UTF-8", method: "PUT", path: "/v1/tenants/a", body: "{\"name\":\"\xff\"}", status: 400, detail: "not valid UTF-8"},
			{name: "NUL in a string", method: "PUT", path: "/v1/tenants/a", body: `{"name":"a\u0000"}`, status: 400, fields: []string{"name"}},
		} {
			resp, body := e.do(t, tc.method, tc.path, tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("%s: status %d, want %d; body %s", tc.name, resp.StatusCode, tc.status, body)
				continue
			}
			p := problem(t, resp, body)
			var named []string
			for _, f := range p.Errors {
				named = append(named, f.Field)
			}
			if tc.fields != nil && !slices.Equal(tc.fields, named) {
				t.Errorf("%s: problem names fields %v, want %v", tc.name, named, tc.fields)
			}
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("%s: detail %q, want it to contain %q", tc.name, p.Detail, tc.detail)
			}
			if p.RequestID == "" || p.RequestID != resp.Header.Get("X-Request-Id") {
				t.Errorf("%s: problem request_id %q, header %q", tc.name, p.RequestID, resp.Header.Get("X-Request-Id"))
			}
			if tc.status == 405 && resp.Header.Get("Allow") == "" {
				t.Errorf("%s: 405 without Allow", tc.name)
			}
		}
		if strings.Contains(e.node.Logs.String(), `"level":"ERROR"`) {
			t.Errorf("bad input caused error logs:\n%s", e.node.Logs)
		}
	})
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)

		first, firstBody := e.do(t, "POST", "/v1/api-keys", `{"name":"idem"}`, "Idempotency-Key", "k-1")
		if first.StatusCode != http.StatusCreated {
			t.Fatalf("first: %d %s", first.StatusCode, firstBody)
		}
		again, againBody := e.do(t, "POST", "/v1/api-keys", `{"name":"idem"}`, "Idempotency-Key", "k-1")
		if again.StatusCode != first.StatusCode || !bytes.Equal(againBody, firstBody) ||
			again.Header.Get("Content-Type") != first.Header.Get("Content-Type") || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %d %s (replayed %q), want %d %s", again.StatusCode, againBody, again.Header.Get("Idempotent-Replayed"), first.StatusCode, firstBody)
		}

		other, otherBody := e.do(t, "POST", "/v1/api-keys", `{"name":"different"}`, "Idempotency-Key", "k-1")
		if other.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("same key, different body: %d %s, want 422", other.StatusCode, otherBody)
		}
		otherPath, _ := e.do(t, "PUT", "/v1/tenants/x", `{"name":"idem"}`, "Idempotency-Key", "k-1")
		if otherPath.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("same key, different method and path: %d, want 422", otherPath.StatusCode)
		}

		// Errors are stored and replayed too.
		bad, badBody := e.do(t, "POST", "/v1/api-keys", `{"name":""}`, "Idempotency-Key", "k-err")
		badAgain, badAgainBody := e.do(t, "POST", "/v1/api-keys", `{"name":""}`, "Idempotency-Key", "k-err")
		if bad.StatusCode != 400 || badAgain.StatusCode != 400 || !bytes.Equal(badBody, badAgainBody) {
			t.Errorf("error replay: %d %s then %d %s", bad.StatusCode, badBody, badAgain.StatusCode, badAgainBody)
		}

		// Many concurrent requests with one key: exactly one runs.
		before := countKeys(t, e)
		var wg sync.WaitGroup
		statuses := make([]int, 12)
		bodies := make([][]byte, 12)
		for i := range statuses {
			wg.Go(func() {
				resp, body := e.do(t, "POST", "/v1/api-keys", `{"name":"race"}`, "Idempotency-Key", "k-race")
				statuses[i], bodies[i] = resp.StatusCode, body
			})
		}
		wg.Wait()
		if n := countKeys(t, e) - before; n != 1 {
			t.Errorf("12 concurrent requests with one Idempotency-Key created %d keys, want 1", n)
		}
		var created []byte
		for i, s := range statuses {
			switch s {
			case http.StatusCreated:
				if created != nil && !bytes.Equal(created, bodies[i]) {
					t.Errorf("two different 201 bodies for one key:\n%s\n%s", created, bodies[i])
				}
				created = bodies[i]
			case http.StatusConflict:
			default:
				t.Errorf("concurrent request: status %d %s, want 201 or 409", s, bodies[i])
			}
		}

		// Keys are scoped per API key: another key may reuse the string.
		second, err := e.client.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "scoped"})
		if err != nil {
			t.Fatal(err)
		}
		other2 := &env{node: e.node, key: second.Key}
		resp, body := other2.do(t, "POST", "/v1/api-keys", `{"name":"different"}`, "Idempotency-Key", "k-1")
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("another API key reusing k-1: %d %s, want 201", resp.StatusCode, body)
		}
	})
}

func countKeys(t *testing.T, e *env) int {
	t.Helper()
	n := 0
	p := client.ListParams{Limit: 100}
	list, err := e.client.ListAPIKeys(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	n += len(list.Data)
	if list.NextCursor != "" {
		t.Fatal("more than 100 keys")
	}
	return n
}
