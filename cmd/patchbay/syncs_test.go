package main

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// fakeRecordsAPI is a provider's paginated list API on loopback TLS, whose
// records a test changes between sync runs. The same records are served in
// each pagination style: /api/cursor (a next cursor in the body, three per
// page), /api/after (the last record's ID as the cursor), /api/link (RFC
// 8288 Link headers), /api/page (page numbers), /api/offset (offset and
// limit), /api/incremental (records changed after ?since=), /api/loop (a
// cursor that never moves on) and /api/huge (a page too large).
type fakeRecordsAPI struct {
	*httptest.Server
	caFile string

	mu      sync.Mutex
	records map[string]map[string]any
	// failPage makes page failPage of any list answer failWith: "500",
	// "badjson", or "429once" (one 429, then the page). Zero fails nothing.
	failPage int
	failWith string
	requests []*url.URL // every list request, in order
}

const syncAPIKey = "key_sync_7a6b5c"

func newFakeRecordsAPI(t *testing.T, n int) *fakeRecordsAPI {
	t.Helper()
	f := &fakeRecordsAPI{records: map[string]map[string]any{}}
	for i := 1; i <= n; i++ {
		f.put(fmt.Sprintf("r%02d", i), fmt.Sprintf("name %d", i), 100+i)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/key-check", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != syncAPIKey {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		io.WriteString(w, `{"ok": true}`)
	})
	mux.HandleFunc("GET /api/{style}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != syncAPIKey {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.requests = append(f.requests, r.URL)
		all := f.sortedLocked()
		q := r.URL.Query()
		page, body, header := 1, any(nil), http.Header{}
		switch r.PathValue("style") {
		case "cursor": // cursor = index of the first record, as text
			start, _ := strconv.Atoi(q.Get("cursor"))
			page = start/3 + 1
			end := min(start+3, len(all))
			next := ""
			if end < len(all) {
				next = strconv.Itoa(end)
			}
			body = map[string]any{"data": all[start:end], "next": next}
		case "link", "page": // the same, with and without Link headers
			page, _ = strconv.Atoi(q.Get("page"))
			page = max(page, 1)
			per, _ := strconv.Atoi(q.Get("per_page"))
			start, end := min((page-1)*per, len(all)), min(page*per, len(all))
			if end < len(all) && r.PathValue("style") == "link" {
				header.Set("Link", fmt.Sprintf(`<%s/api/link?page=%d&per_page=%d>; rel="next", </api/link?page=1>; rel="first"`, f.URL, page+1, per))
			}
			body = all[start:end]
		case "after": // Stripe's style: the next page starts after the last ID
			var rest []map[string]any
			for _, rec := range all {
				if rec["id"].(string) > q.Get("after") {
					rest = append(rest, rec)
				}
			}
			page = (len(all)-len(rest))/3 + 1
			body = map[string]any{"data": rest[:min(3, len(rest))]}
		case "offset":
			offset, _ := strconv.Atoi(q.Get("offset"))
			limit, _ := strconv.Atoi(q.Get("limit"))
			page = offset/max(limit, 1) + 1
			body = map[string]any{"items": all[min(offset, len(all)):min(offset+limit, len(all))]}
		case "incremental":
			since, _ := strconv.Atoi(q.Get("since"))
			var changed []map[string]any // null when empty, as some APIs answer
			for _, rec := range all {
				if rec["updated"].(int) > since {
					changed = append(changed, rec)
				}
			}
			body = map[string]any{"data": changed, "next": ""}
		case "loop":
			body = map[string]any{"data": all[:1], "next": "same"}
		case "huge": // over the 8 MiB a page may have
			body = map[string]any{"data": []any{map[string]any{"id": "big", "blob": strings.Repeat("x", 9<<20)}}}
		default:
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if page == f.failPage {
			if f.failWith == "429once" { // a rate limit, which the proxy engine waits out
				f.failPage = 0
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			if f.failWith == "500" {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			io.WriteString(w, `{"data": [`)
			return
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	})
	f.Server = httptest.NewTLSServer(mux)
	t.Cleanup(f.Close)
	f.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(f.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeRecordsAPI) put(id, name string, updated int) {
	f.records[id] = map[string]any{"id": id, "name": name, "updated": updated}
}

func (f *fakeRecordsAPI) sortedLocked() []map[string]any {
	out := make([]map[string]any, 0, len(f.records))
	for _, r := range f.records {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["id"].(string) < out[j]["id"].(string) })
	return out
}

func (f *fakeRecordsAPI) change(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// queries returns the query strings of the requests to a path, in order.
func (f *fakeRecordsAPI) queries(path string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []url.Values
	for _, u := range f.requests {
		if u.Path == path {
			out = append(out, u.Query())
		}
	}
	return out
}

// providersDir defines the fake API as an API-key provider whose catalog
// pagination is the cursor style.
func (f *fakeRecordsAPI) providersDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	def := `id: fakesync
display_name: Fake Sync
categories: [testing]
docs_url: https://example.com/docs
auth:
  mode: api_key
fields:
  - {name: api_key, label: API key, type: text, required: true, secret: true}
verification:
  path: /key-check
proxy:
  base_url: URL/api
  credentials: {in: header, name: X-Api-Key, value: "${secret.api_key}"}
pagination:
  style: cursor
  cursor_param: cursor
  next_cursor: /next
  items: /data
`
	if err := os.WriteFile(filepath.Join(dir, "fakesync.yaml"), []byte(strings.ReplaceAll(def, "URL", f.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

type syncEnv struct {
	*env
	api    *fakeRecordsAPI
	hooks  *receiver
	connID string
}

// setupSyncs starts a node that trusts the fake API, with a tenant, an
// endpoint that takes the sync messages, and an API-key connection.
func setupSyncs(t *testing.T, d storetest.Dialect) *syncEnv {
	t.Helper()
	api := newFakeRecordsAPI(t, 7)
	e := setupWebhooks(t, d, "--providers-dir", api.providersDir(t), "--connect-ca-file", api.caFile)
	hooks := newReceiver(t, nil)
	mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(hooks.URL)})
	ce := &connectEnv{env: e}
	in := ce.createJSON(t, "/v1/integrations", `{"provider_id":"fakesync","name":"Sync"}`)
	sess := ce.createJSON(t, "/v1/connect/sessions", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+in["id"].(string)+
		`","return_url":"https://saas.example/done"}`)
	cookies, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: cookies, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	action, csrf, _ := openPage(t, browser, sess["url"].(string))
	resp, body := submit(t, browser, e.node.URL, action, url.Values{"csrf_token": {csrf}, "api_key": {syncAPIKey}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 303 || loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return &syncEnv{env: e, api: api, hooks: hooks, connID: loc.Query().Get("connection_id")}
}

type syncRun struct {
	ID                                   string
	Status, Reason, Error                string
	Pages                                int
	Created, Updated, Deleted, Unchanged int
}

type syncMessage struct {
	Type, SyncID, RecordID string
	Data                   map[string]any
}

// createSync creates a paused sync (so only the test's run calls run it)
// and returns its ID.
func (e *syncEnv) createSync(t *testing.T, fields string) string {
	t.Helper()
	resp, body := e.do(t, "POST", "/v1/syncs", `{"connection_id":"`+e.connID+`","paused":true,`+fields+`}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create sync %s: %d %s", fields, resp.StatusCode, body)
	}
	var sy struct{ ID string }
	json.Unmarshal(body, &sy)
	return sy.ID
}

// run starts a run of the sync and waits for it to end.
func (e *syncEnv) run(t *testing.T, syncID string) syncRun {
	t.Helper()
	before := e.runs(t, syncID)
	if resp, body := e.do(t, "POST", "/v1/syncs/"+syncID+"/run", ""); resp.StatusCode != 202 {
		t.Fatalf("run %s: %d %s", syncID, resp.StatusCode, body)
	}
	var got syncRun
	waitFor(t, 30*time.Second, "the run of "+syncID, func() bool {
		runs := e.runs(t, syncID)
		if len(runs) > len(before) && runs[0].Status != "running" {
			got = runs[0]
			return true
		}
		return false
	})
	return got
}

func (e *syncEnv) runs(t *testing.T, syncID string) []syncRun {
	t.Helper()
	resp, body := e.do(t, "GET", "/v1/syncs/"+syncID+"/runs?limit=100", "")
	if resp.StatusCode != 200 {
		t.Fatalf("runs: %d %s", resp.StatusCode, body)
	}
	var list struct{ Data []syncRun }
	json.Unmarshal(body, &list)
	return list.Data
}

func (e *syncEnv) sync(t *testing.T, syncID string) map[string]any {
	t.Helper()
	resp, body := e.do(t, "GET", "/v1/syncs/"+syncID, "")
	if resp.StatusCode != 200 {
		t.Fatalf("get sync: %d %s", resp.StatusCode, body)
	}
	var out map[string]any
	json.Unmarshal(body, &out)
	return out
}

// messages returns the sync messages the endpoint got for one sync.
func (e *syncEnv) messages(syncID string) []syncMessage {
	var out []syncMessage
	for _, r := range e.hooks.requests() {
		var m struct {
			Type     string         `json:"type"`
			SyncID   string         `json:"sync_id"`
			RecordID string         `json:"record_id"`
			Data     map[string]any `json:"data"`
		}
		if json.Unmarshal(r.Body, &m) == nil && m.SyncID == syncID {
			out = append(out, syncMessage{Type: m.Type, SyncID: m.SyncID, RecordID: m.RecordID, Data: m.Data})
		}
	}
	return out
}

// waitMessages waits until the endpoint has n messages of the sync, then
// gives stragglers a moment to show that there are no more.
func (e *syncEnv) waitMessages(t *testing.T, syncID string, n int) []syncMessage {
	t.Helper()
	waitFor(t, 15*time.Second, fmt.Sprintf("%d messages of %s", n, syncID), func() bool { return len(e.messages(syncID)) >= n })
	time.Sleep(300 * time.Millisecond)
	msgs := e.messages(syncID)
	if len(msgs) != n {
		t.Fatalf("%d messages of %s, want %d: %+v", len(msgs), syncID, n, msgs)
	}
	return msgs
}

// summary is "type record" per message, sorted.
func summary(msgs []syncMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Type+" "+m.RecordID)
	}
	slices.Sort(out)
	return out
}

func wantRun(t *testing.T, what string, got syncRun, status string, pages, created, updated, deleted, unchanged int) {
	t.Helper()
	if got.Status != status || got.Pages != pages || got.Created != created || got.Updated != updated || got.Deleted != deleted || got.Unchanged != unchanged {
		t.Errorf("%s: run %+v, want %s with %d pages, %d created, %d updated, %d deleted, %d unchanged",
			what, got, status, pages, created, updated, deleted, unchanged)
	}
}

// TestSyncPagination: a full sync over each pagination style creates every
// record across pages, then sends exactly the changes (2 updated, 1 deleted,
// 1 created), and nothing for a run that finds nothing new.
func TestSyncPagination(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupSyncs(t, d)
		syncs := map[string]string{
			// The catalog's pagination and records pointer.
			"cursor": e.createSync(t, `"request":{"path":"/cursor"},"record_id":"id","interval_seconds":60`),
			"link": e.createSync(t, `"request":{"path":"/link"},"records":"","record_id":"/id",
				"pagination":{"style":"link_header","limit_param":"per_page","limit":3}`),
			"offset": e.createSync(t, `"request":{"path":"/offset"},"records":"/items","record_id":"id",
				"pagination":{"style":"offset","offset_param":"offset","limit_param":"limit","limit":3}`),
			"page": e.createSync(t, `"request":{"path":"/page"},"records":"","record_id":"id",
				"pagination":{"style":"page","page_param":"page","limit_param":"per_page","limit":3}`),
			"after": e.createSync(t, `"request":{"path":"/after"},"record_id":"id",
				"pagination":{"style":"cursor","cursor_param":"after","last_item_cursor":"/id"}`),
		}
		// The last-item cursor, offsets and page numbers learn of the end from
		// an empty page (a short page is no proof: providers cap page sizes).
		pages := map[string]int{"cursor": 3, "link": 3, "offset": 4, "page": 4, "after": 4}
		if sy := e.sync(t, syncs["cursor"]); sy["records"] != "/data" || sy["pagination"].(map[string]any)["cursor_param"] != "cursor" {
			t.Errorf("the catalog's defaults were not applied: %v", sy)
		}
		for _, name := range []string{"sync.record.created", "sync.record.updated", "sync.record.deleted"} {
			resp, body := e.do(t, "GET", "/v1/event-types/"+name, "")
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"description":"A `) || !strings.Contains(string(body), `"record_id"`) {
				t.Errorf("event type %s in the catalogue: %d %s", name, resp.StatusCode, body)
			}
		}
		for style, id := range syncs {
			wantRun(t, style+" first run", e.run(t, id), "succeeded", pages[style], 7, 0, 0, 0)
			msgs := e.waitMessages(t, id, 7)
			for _, m := range msgs {
				if m.Type != "sync.record.created" || m.Data["id"] != m.RecordID {
					t.Errorf("%s: message %+v", style, m)
				}
			}
		}
		if qs := e.api.queries("/api/link"); len(qs) != 3 || qs[2].Get("page") != "3" || qs[0].Get("per_page") != "3" {
			t.Errorf("link requests: %v", qs)
		}
		if qs := e.api.queries("/api/offset"); len(qs) != 4 || qs[1].Get("offset") != "3" || qs[2].Get("offset") != "6" || qs[3].Get("offset") != "7" {
			t.Errorf("offset requests: %v", qs)
		}
		if qs := e.api.queries("/api/page"); len(qs) != 4 || qs[0].Get("page") != "1" || qs[3].Get("page") != "4" {
			t.Errorf("page requests: %v", qs)
		}
		if qs := e.api.queries("/api/after"); len(qs) != 4 || qs[0].Has("after") || qs[3].Get("after") != "r07" {
			t.Errorf("last-item cursor requests: %v", qs)
		}

		e.api.change(func() {
			e.api.put("r02", "renamed 2", 200)
			e.api.put("r05", "renamed 5", 200)
			delete(e.api.records, "r03")
			e.api.put("r08", "name 8", 108)
		})
		before := time.Now().UTC()
		want := []string{"sync.record.created r08", "sync.record.deleted r03", "sync.record.updated r02", "sync.record.updated r05"}
		for style, id := range syncs {
			wantRun(t, style+" after changes", e.run(t, id), "succeeded", pages[style], 1, 2, 1, 4)
			msgs := e.waitMessages(t, id, 11)[7:]
			if diff := strings.Join(summary(msgs), ", "); diff != strings.Join(want, ", ") {
				t.Errorf("%s: messages after changes: %s, want %s", style, diff, want)
			}
			for _, m := range msgs {
				if m.RecordID == "r03" && m.Data["name"] != "name 3" {
					t.Errorf("%s: the delete of r03 carries %v, want its last data", style, m.Data)
				}
				if m.RecordID == "r02" && m.Data["name"] != "renamed 2" {
					t.Errorf("%s: the update of r02 carries %v", style, m.Data)
				}
			}
		}

		// records?changed_since returns what changed, deletes included.
		resp, body := e.do(t, "GET", "/v1/syncs/"+syncs["cursor"]+"/records?limit=2&changed_since="+before.Format(time.RFC3339Nano), "")
		var page struct {
			Data []struct {
				ID          string         `json:"id"`
				Data        map[string]any `json:"data"`
				Hash        string         `json:"hash"`
				FirstSeenAt *time.Time     `json:"first_seen_at"`
				UpdatedAt   *time.Time     `json:"updated_at"`
				DeletedAt   *time.Time     `json:"deleted_at"`
			}
			NextCursor string `json:"next_cursor"`
		}
		json.Unmarshal(body, &page)
		if resp.StatusCode != 200 || len(page.Data) != 2 || page.NextCursor == "" || page.Data[0].ID != "r02" || page.Data[1].ID != "r03" ||
			page.Data[1].DeletedAt == nil || page.Data[0].DeletedAt != nil || len(page.Data[0].Hash) != 64 || page.Data[0].FirstSeenAt == nil {
			t.Fatalf("changed records, page 1: %d %s", resp.StatusCode, body)
		}
		_, body = e.do(t, "GET", "/v1/syncs/"+syncs["cursor"]+"/records?limit=2&changed_since="+before.Format(time.RFC3339Nano)+"&cursor="+page.NextCursor, "")
		page.NextCursor = "" // absent on the last page
		json.Unmarshal(body, &page)
		if len(page.Data) != 2 || page.Data[0].ID != "r05" || page.Data[1].ID != "r08" || page.NextCursor != "" {
			t.Errorf("changed records, page 2: %s", body)
		}
		if _, body := e.do(t, "GET", "/v1/syncs/"+syncs["cursor"]+"/records?limit=100", ""); strings.Count(string(body), `"hash"`) != 8 {
			t.Errorf("all records: %s", body)
		}
		if resp, body := e.do(t, "GET", "/v1/syncs/"+syncs["cursor"]+"/records?changed_since=yesterday", ""); resp.StatusCode != 400 ||
			!strings.Contains(string(body), "changed_since") {
			t.Errorf("a bad changed_since: %d %s", resp.StatusCode, body)
		}

		// Nothing changed: nothing sent.
		for style, id := range syncs {
			wantRun(t, style+" unchanged", e.run(t, id), "succeeded", pages[style], 0, 0, 0, 7)
		}
		time.Sleep(500 * time.Millisecond)
		for style, id := range syncs {
			if n := len(e.messages(id)); n != 11 {
				t.Errorf("%s: %d messages after an unchanged run, want still 11", style, n)
			}
		}

		// Resumed, the sync runs by its schedule: the periodic job claims it.
		if resp, body := e.do(t, "PATCH", "/v1/syncs/"+syncs["cursor"], `{"paused":false}`); resp.StatusCode != 200 {
			t.Fatalf("resume: %d %s", resp.StatusCode, body)
		}
		waitFor(t, 40*time.Second, "a scheduled run", func() bool {
			runs := e.runs(t, syncs["cursor"])
			return runs[0].Reason == "schedule" && runs[0].Status == "succeeded"
		})
		if sy := e.sync(t, syncs["cursor"]); sy["running"] != false || sy["consecutive_failures"] != float64(0) {
			t.Errorf("after a scheduled run: %v", sy)
		}
	})
}

// TestSyncFailures: a run that fails mid-way records its error, deletes
// nothing and keeps the cursor; the next run completes with the right
// messages. A looping paginator, a page over the size limit and a
// connection that needs the user are failures too, the last without calling
// the provider.
func TestSyncFailures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupSyncs(t, d)
		full := e.createSync(t, `"request":{"path":"/cursor"},"record_id":"id"`)
		incr := e.createSync(t, `"request":{"path":"/incremental","query":{"kind":"all"}},"record_id":"id","mode":"incremental",
			"incremental":{"param":"since","field":"updated"}`)
		wantRun(t, "full, first", e.run(t, full), "succeeded", 3, 7, 0, 0, 0)
		wantRun(t, "incremental, first", e.run(t, incr), "succeeded", 1, 7, 0, 0, 0)
		e.waitMessages(t, full, 7)
		e.waitMessages(t, incr, 7)
		if qs := e.api.queries("/api/incremental"); len(qs) != 1 || qs[0].Has("since") || qs[0].Get("kind") != "all" {
			t.Errorf("the first incremental request: %v", qs)
		}
		if sy := e.sync(t, incr); sy["cursor"] != "107" {
			t.Errorf("incremental cursor %v, want the largest updated, 107", sy["cursor"])
		}

		// Page 2 fails: page 1's change is real and kept, nothing is deleted,
		// and the cursor stays.
		e.api.change(func() {
			e.api.put("r01", "renamed 1", 300)
			e.api.put("r06", "renamed 6", 301)
			delete(e.api.records, "r07")
			e.api.failPage, e.api.failWith = 2, "500"
		})
		run := e.run(t, full)
		wantRun(t, "full, failing", run, "failed", 1, 0, 1, 0, 2)
		if !strings.Contains(run.Error, "page 2") || !strings.Contains(run.Error, "500") {
			t.Errorf("error %q does not name the page and status", run.Error)
		}
		sy := e.sync(t, full)
		next, _ := time.Parse(time.RFC3339Nano, sy["next_run_at"].(string))
		if sy["consecutive_failures"] != float64(1) || !strings.Contains(sy["last_error"].(string), "500") ||
			time.Until(next) > 31*time.Second || time.Until(next) < 5*time.Second {
			t.Errorf("sync after a failure: %v (next run in %s, want the first backoff, 15 to 30 s)", sy, time.Until(next))
		}
		_, body := e.do(t, "GET", "/v1/syncs/"+full+"/records?limit=100", "")
		if strings.Contains(string(body), `"deleted_at":"`) {
			t.Errorf("a failed run deleted records: %s", body)
		}
		e.api.change(func() { e.api.failPage, e.api.failWith = 1, "badjson" })
		run = e.run(t, incr)
		if run.Status != "failed" || !strings.Contains(run.Error, "not JSON") || e.sync(t, incr)["cursor"] != "107" {
			t.Errorf("incremental run on broken JSON: %+v, cursor %v", run, e.sync(t, incr)["cursor"])
		}

		e.api.change(func() { e.api.failPage = 0 })
		wantRun(t, "full, fixed", e.run(t, full), "succeeded", 2, 0, 1, 1, 5)
		msgs := e.waitMessages(t, full, 10)[7:]
		if got := strings.Join(summary(msgs), ", "); got != "sync.record.deleted r07, sync.record.updated r01, sync.record.updated r06" {
			t.Errorf("messages over the failed and the fixed run: %s", got)
		}
		if sy := e.sync(t, full); sy["consecutive_failures"] != float64(0) || sy["last_error"] != nil {
			t.Errorf("sync after recovering: %v", sy)
		}

		wantRun(t, "incremental, fixed", e.run(t, incr), "succeeded", 1, 0, 2, 0, 0)
		qs := e.api.queries("/api/incremental")
		if got := qs[len(qs)-1].Get("since"); got != "107" {
			t.Errorf("incremental run sent since=%q, want the previous run's largest updated, 107", got)
		}
		if sy := e.sync(t, incr); sy["cursor"] != "301" {
			t.Errorf("incremental cursor %v, want 301", sy["cursor"])
		}
		msgs = e.waitMessages(t, incr, 9)[7:]
		if got := strings.Join(summary(msgs), ", "); got != "sync.record.updated r01, sync.record.updated r06" {
			t.Errorf("incremental messages: %s (incremental runs never delete)", got)
		}
		wantRun(t, "incremental, nothing new", e.run(t, incr), "succeeded", 1, 0, 0, 0, 0)
		if qs := e.api.queries("/api/incremental"); qs[len(qs)-1].Get("since") != "301" {
			t.Errorf("incremental run sent %v, want since=301", qs[len(qs)-1])
		}

		// A rate limit on the way is waited out, as for any proxied call.
		e.api.change(func() { e.api.failPage, e.api.failWith = 2, "429once" })
		calls := len(e.api.queries("/api/cursor"))
		wantRun(t, "full, rate limited once", e.run(t, full), "succeeded", 2, 0, 0, 0, 6)
		if n := len(e.api.queries("/api/cursor")) - calls; n != 3 {
			t.Errorf("%d requests for 2 pages and one 429, want 3", n)
		}

		// A full run whose provider lists nothing at all deletes nothing.
		var saved map[string]map[string]any
		e.api.change(func() { saved, e.api.records = e.api.records, map[string]map[string]any{} })
		if run := e.run(t, full); run.Status != "failed" || !strings.Contains(run.Error, "listed no records") {
			t.Errorf("a full run that finds nothing: %+v, want it failed", run)
		}
		if _, body := e.do(t, "GET", "/v1/syncs/"+full+"/records?limit=100", ""); strings.Count(string(body), `"deleted_at":null`) != 6 { // r07 went in the fixed run
			t.Errorf("records after a run that found nothing: %s", body)
		}
		e.api.change(func() { e.api.records = saved })

		loop := e.createSync(t, `"request":{"path":"/loop"},"record_id":"id"`)
		if run := e.run(t, loop); run.Status != "failed" || !strings.Contains(run.Error, "repeats") || run.Pages != 2 {
			t.Errorf("a looping paginator: %+v", run)
		}
		huge := e.createSync(t, `"request":{"path":"/huge"},"record_id":"id"`)
		if run := e.run(t, huge); run.Status != "failed" || !strings.Contains(run.Error, "larger than 8388608 bytes") || run.Pages != 0 {
			t.Errorf("a page over the size limit: %+v", run)
		}

		// A connection that needs the user: a clear error, no provider call,
		// and no retry before the interval.
		db := openRaw(t, e.opts)
		if _, err := db.ExecContext(t.Context(), "UPDATE connections SET status = 'needs_reauth'"); err != nil {
			t.Fatal(err)
		}
		calls = len(e.api.queries("/api/cursor"))
		run = e.run(t, full)
		if run.Status != "failed" || !strings.Contains(run.Error, "needs the user to connect again") {
			t.Errorf("run on a needs_reauth connection: %+v", run)
		}
		if n := len(e.api.queries("/api/cursor")); n != calls {
			t.Errorf("a run on a needs_reauth connection called the provider %d times", n-calls)
		}
		sy = e.sync(t, full)
		next, _ = time.Parse(time.RFC3339Nano, sy["next_run_at"].(string))
		if time.Until(next) < 50*time.Minute {
			t.Errorf("a needs_reauth sync retries in %s, want its interval (an hour)", time.Until(next))
		}
	})
}

// TestSyncValidation: bad input is a 4xx problem naming each bad field.
func TestSyncValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupSyncs(t, d)
		for _, tc := range []struct {
			body   string
			status int
			fields []string
		}{
			{`{"connection_id":"conn_0196d6f0a0a07c3c9a0b6a3e4f5a6b7c","request":{"path":"/x"},"record_id":"id"}`, 400, []string{"connection_id"}},
			{`{"connection_id":"CONN","request":{"path":"/cursor"},"records":"data","record_id":"/a~2","interval_seconds":10}`, 400,
				[]string{"interval_seconds", "record_id", "records"}},
			{`{"connection_id":"CONN","request":{"path":"cursor","method":"PUT"},"record_id":"id","mode":"incremental"}`, 400,
				[]string{"incremental", "request/method", "request/path"}},
			{`{"connection_id":"CONN","request":{"path":"/x"},"record_id":"id","pagination":{"style":"cursor","next_cursor":"x~"}}`, 400,
				[]string{"pagination/cursor_param", "pagination/next_cursor"}},
			{`{"connection_id":"CONN","request":{"path":"/x"},"record_id":"id","mode":"incremental","incremental":{"param":"since","field":"a","pointer":"/b"}}`, 400,
				[]string{"incremental/field"}},
			{`{"connection_id":"CONN","request":{"path":"/x"},"record_id":"id","interval_seconds":"often"}`, 400, []string{"interval_seconds"}},
			{`{"connection_id":"CONN","request":{"path":"/x"},"record_id":"id","surprise":1}`, 400, []string{"surprise"}},
			{`{"connection_id":"CONN"}`, 400, []string{"record_id", "request"}},
		} {
			body := strings.ReplaceAll(tc.body, "CONN", e.connID)
			resp, b := e.do(t, "POST", "/v1/syncs", body)
			if resp.StatusCode != tc.status {
				t.Errorf("POST %s: %d %s, want %d", body, resp.StatusCode, b, tc.status)
				continue
			}
			var fields []string
			for _, f := range problem(t, resp, b).Errors {
				fields = append(fields, f.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("POST %s: fields %v, want %v (%s)", body, fields, tc.fields, b)
			}
		}
		id := e.createSync(t, `"request":{"path":"/cursor"},"record_id":"id"`)
		if resp, b := e.do(t, "PATCH", "/v1/syncs/"+id, `{"interval_seconds":5}`); resp.StatusCode != 400 || !strings.Contains(string(b), "interval_seconds") {
			t.Errorf("patch to a short interval: %d %s", resp.StatusCode, b)
		}
		if resp, _ := e.do(t, "GET", "/v1/syncs/nope", ""); resp.StatusCode != 400 {
			t.Errorf("a malformed sync ID: %d, want 400", resp.StatusCode)
		}
		if _, b := e.do(t, "GET", "/v1/syncs?connection_id="+e.connID, ""); !strings.Contains(string(b), id) {
			t.Errorf("list by connection: %s", b)
		}
		if _, b := e.do(t, "GET", "/v1/syncs?tenant_id=other", ""); strings.Contains(string(b), id) {
			t.Errorf("list by another tenant: %s", b)
		}
		incr := e.createSync(t, `"request":{"path":"/incremental"},"record_id":"id","mode":"incremental","incremental":{"param":"since","field":"updated"}`)
		if resp, b := e.do(t, "PATCH", "/v1/syncs/"+incr, `{"mode":"full"}`); resp.StatusCode != 200 || strings.Contains(string(b), `"incremental"`) {
			t.Errorf("patch to full mode: %d %s", resp.StatusCode, b)
		}
		if resp, _ := e.do(t, "DELETE", "/v1/syncs/"+id, ""); resp.StatusCode != 204 {
			t.Errorf("delete: %d", resp.StatusCode)
		}
		if resp, _ := e.do(t, "POST", "/v1/syncs/"+id+"/run", ""); resp.StatusCode != 404 {
			t.Errorf("run a deleted sync: %d, want 404", resp.StatusCode)
		}
	})
}

// TestSyncManyDeletes: a full run's deletions, more than one transaction's
// worth, all happen, each with its message.
func TestSyncManyDeletes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupSyncs(t, d)
		e.api.change(func() {
			for i := 8; i <= 1101; i++ {
				e.api.put(fmt.Sprintf("r%04d", i), fmt.Sprintf("name %d", i), 100+i)
			}
		})
		id := e.createSync(t, `"request":{"path":"/link"},"records":"","record_id":"id",
			"pagination":{"style":"link_header","limit_param":"per_page","limit":100}`)
		wantRun(t, "first run", e.run(t, id), "succeeded", 12, 1101, 0, 0, 0)
		e.api.change(func() {
			for i := 8; i <= 1101; i++ {
				delete(e.api.records, fmt.Sprintf("r%04d", i))
			}
		})
		wantRun(t, "after deleting all but 7", e.run(t, id), "succeeded", 1, 0, 0, 1094, 7)
		msgs := e.waitMessages(t, id, 1101+1094)
		deleted := map[string]bool{}
		for _, m := range msgs { // delivered concurrently: not in order
			if m.Type == "sync.record.deleted" {
				deleted[m.RecordID] = true
			}
		}
		if len(deleted) != 1094 {
			t.Errorf("%d distinct records deleted by message, want 1094", len(deleted))
		}
	})
}
