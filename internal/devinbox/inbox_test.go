package devinbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/webhook"
)

// finder is a SecretFinder with fixed answers that remembers what it was
// asked.
type finder struct {
	secrets []string
	err     error
	asked   []string
}

func (f *finder) SecretsForURLSuffix(_ context.Context, suffix string) ([]string, error) {
	f.asked = append(f.asked, suffix)
	return f.secrets, f.err
}

func newMux(ib *Inboxes) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /dev/inbox/{name}", HandleReceive(ib))
	mux.Handle("GET /dev/inbox/{name}", HandleShow(ib))
	mux.Handle("DELETE /dev/inbox/{name}", HandleClear(ib))
	return mux
}

// signed is a delivery as Patchbay sends it, signed with secret.
func signed(t *testing.T, path, secret, msgID, body string) *http.Request {
	t.Helper()
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(webhook.HeaderID, msgID)
	r.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	r.Header.Set(webhook.HeaderSignature, webhook.SignatureHeader([][]byte{key}, msgID, now, []byte(body)))
	return r
}

func serve(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func list(t *testing.T, h http.Handler, name string) List {
	t.Helper()
	w := serve(t, h, httptest.NewRequest(http.MethodGet, "/dev/inbox/"+name+"?format=json", nil))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET ?format=json: %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var l List
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
	return l
}

func TestInboxRecordsAndVerifies(t *testing.T) {
	t.Parallel()
	secret, other := webhook.NewSecret(), webhook.NewSecret()
	f := &finder{secrets: []string{other, secret}}
	h := newMux(New(f))

	w := serve(t, h, signed(t, "/dev/inbox/demo", secret, "msg_1", `{"type":"invoice.paid","amount":42}`))
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"ok":true}` {
		t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	if len(f.asked) != 1 || f.asked[0] != "/dev/inbox/demo" {
		t.Errorf("secrets looked up for %q, want the request path", f.asked)
	}
	serve(t, h, signed(t, "/dev/inbox/demo", webhook.NewSecret(), "msg_2", `{"n":2}`))
	serve(t, h, httptest.NewRequest(http.MethodPost, "/dev/inbox/demo", strings.NewReader("plain text")))

	l := list(t, h, "demo")
	if len(l.Data) != 3 {
		t.Fatalf("%d requests recorded, want 3", len(l.Data))
	}
	plain, forged, good := l.Data[0], l.Data[1], l.Data[2] // newest first
	if !good.SignatureValid || good.SignatureError != "" || good.Method != "POST" || good.Headers["Webhook-Id"] != "msg_1" {
		t.Errorf("signed request: %+v", good)
	}
	raw := serve(t, h, httptest.NewRequest(http.MethodGet, "/dev/inbox/demo", nil))
	if !strings.Contains(raw.Body.String(), "&#34;amount&#34;: 42") {
		t.Errorf("page lacks the pretty-printed body")
	}
	r := httptest.NewRequest(http.MethodGet, "/dev/inbox/demo", nil)
	r.Header.Set("Accept", "application/json")
	if raw := serve(t, h, r).Body.String(); !strings.Contains(raw, `"body":{"type":"invoice.paid","amount":42}`) {
		t.Errorf("JSON view %s lacks the body as raw JSON", raw)
	}
	if forged.SignatureValid || !strings.Contains(forged.SignatureError, "no matching webhook signature") {
		t.Errorf("wrongly signed request: valid %v, error %q", forged.SignatureValid, forged.SignatureError)
	}
	if plain.SignatureValid || !strings.Contains(plain.SignatureError, "missing webhook header") || plain.Body != "plain text" {
		t.Errorf("unsigned text request: %+v", plain)
	}
	if time.Since(good.ReceivedAt) > time.Minute {
		t.Errorf("received_at %v", good.ReceivedAt)
	}

	// Another inbox is separate, and without endpoints nothing verifies.
	f.secrets = nil
	serve(t, h, signed(t, "/dev/inbox/lonely", secret, "msg_3", `{}`))
	l = list(t, h, "lonely")
	if len(l.Data) != 1 || l.Data[0].SignatureValid || !strings.Contains(l.Data[0].SignatureError, "no endpoint uses this inbox") {
		t.Errorf("inbox without endpoints: %+v", l.Data)
	}
	f.err = errors.New("database is down")
	serve(t, h, signed(t, "/dev/inbox/lonely", secret, "msg_4", `{}`))
	if got := list(t, h, "lonely").Data[0]; got.SignatureValid || !strings.Contains(got.SignatureError, "database is down") {
		t.Errorf("lookup failure: %+v", got)
	}

	// DELETE clears one inbox.
	if w := serve(t, h, httptest.NewRequest(http.MethodDelete, "/dev/inbox/demo", nil)); w.Code != http.StatusNoContent {
		t.Errorf("DELETE: %d", w.Code)
	}
	if l := list(t, h, "demo"); len(l.Data) != 0 || l.Data == nil {
		t.Errorf("after DELETE: %+v, want an empty list", l.Data)
	}
	if len(list(t, h, "lonely").Data) != 2 {
		t.Error("DELETE cleared another inbox")
	}
}

func TestInboxBounded(t *testing.T) {
	t.Parallel()
	ib := New(&finder{})
	h := newMux(ib)
	for i := range MaxRequests + 5 {
		serve(t, h, httptest.NewRequest(http.MethodPost, "/dev/inbox/busy", strings.NewReader(strconv.Itoa(i))))
	}
	l := list(t, h, "busy")
	if len(l.Data) != MaxRequests {
		t.Fatalf("inbox keeps %d requests, want %d", len(l.Data), MaxRequests)
	}
	if string(mustJSON(t, l.Data[0].Body)) != strconv.Itoa(MaxRequests+4) {
		t.Errorf("newest is %v, want %d", l.Data[0].Body, MaxRequests+4)
	}
	if got := string(mustJSON(t, l.Data[MaxRequests-1].Body)); got != "5" {
		t.Errorf("oldest kept is %s, want 5 (0 to 4 dropped)", got)
	}

	// Past MaxInboxes, the inbox that received least recently goes.
	for i := range MaxInboxes {
		serve(t, h, httptest.NewRequest(http.MethodPost, "/dev/inbox/i"+strconv.Itoa(i), strings.NewReader("x")))
	}
	if len(list(t, h, "busy").Data) != 0 {
		t.Error("the stalest inbox survived MaxInboxes newer ones")
	}
	if len(list(t, h, "i0").Data) != 1 || len(ib.inboxes) != MaxInboxes {
		t.Errorf("%d inboxes kept, want %d with i0 among them", len(ib.inboxes), MaxInboxes)
	}

	// Past the byte budget, the oldest requests anywhere go.
	small := New(&finder{})
	small.maxBytes = 1000
	hs := newMux(small)
	for i := range 5 {
		serve(t, hs, httptest.NewRequest(http.MethodPost, "/dev/inbox/b"+strconv.Itoa(i%2), strings.NewReader(strings.Repeat("x", 300))))
	}
	if small.bytes > 1000 {
		t.Errorf("%d bytes kept, budget 1000", small.bytes)
	}
	if n0, n1 := len(list(t, hs, "b0").Data), len(list(t, hs, "b1").Data); n0+n1 != 3 || n0 != 2 {
		t.Errorf("kept %d in b0 and %d in b1, want the 3 newest: 2 and 1", n0, n1)
	}

	// A body over MaxBody is cut and not verified.
	serve(t, h, httptest.NewRequest(http.MethodPost, "/dev/inbox/big", strings.NewReader(strings.Repeat("y", MaxBody+10))))
	big := ib.Requests("big")
	if len(big) != 1 || len(big[0].Body) != MaxBody || !big[0].Truncated || big[0].SignatureValid ||
		!strings.Contains(big[0].SignatureError, "cut to 1 MiB") {
		t.Errorf("oversized body: %d bytes, truncated %v, error %q", len(big[0].Body), big[0].Truncated, big[0].SignatureError)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInboxPageEscapes(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	h := newMux(New(&finder{secrets: []string{secret}}))
	serve(t, h, signed(t, "/dev/inbox/demo", secret, "msg_01JDGOOD", `{"type":"<script>alert(1)</script>","n":1}`))
	hostile := httptest.NewRequest(http.MethodPost, "/dev/inbox/demo", strings.NewReader(`<script>alert(2)</script>`))
	hostile.Header.Set("X-Evil", `"><img src=x onerror=alert(3)>`)
	hostile.Header.Set(webhook.HeaderID, `<b>id</b>`)
	serve(t, h, hostile)

	w := serve(t, h, httptest.NewRequest(http.MethodGet, "/dev/inbox/demo", nil))
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if got := w.Header().Get("Content-Security-Policy"); got != "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" {
		t.Errorf("Content-Security-Policy = %q", got)
	}
	for _, bad := range []string{"<script>", "<img", "<b>id"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{
		"msg_01JDGOOD", "&lt;script&gt;alert(2)&lt;/script&gt;", "&lt;img src=x onerror=alert(3)&gt;", "&lt;b&gt;id&lt;/b&gt;",
		"✓ valid", "missing webhook header", "X-Evil",
		"&#34;n&#34;: 1", // the JSON body, pretty-printed
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "alert(2)"), strings.Index(page, "msg_01JDGOOD"); i < 0 || j < 0 || i > j {
		t.Error("page is not newest first")
	}

	empty := serve(t, h, httptest.NewRequest(http.MethodGet, "/dev/inbox/nothing", nil)).Body.String()
	if !strings.Contains(empty, "No requests yet") || !strings.Contains(empty, "/dev/inbox/nothing") {
		t.Errorf("empty inbox page:\n%s", empty)
	}
}

func TestInboxNegotiationAndNames(t *testing.T) {
	t.Parallel()
	h := newMux(New(&finder{}))
	for _, tc := range []struct {
		target, accept string
		status         int
		contentType    string
	}{
		{"/dev/inbox/demo", "application/json", 200, "application/json"},
		{"/dev/inbox/demo", "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8", 200, "text/html; charset=utf-8"},
		{"/dev/inbox/demo", "", 200, "text/html; charset=utf-8"},
		{"/dev/inbox/demo?format=html", "application/json", 200, "text/html; charset=utf-8"},
		{"/dev/inbox/demo?format=xml", "", 400, "application/problem+json"},
		{"/dev/inbox/" + strings.Repeat("a", 65), "", 400, "application/problem+json"},
		{"/dev/inbox/a%20b", "", 400, "application/problem+json"},
	} {
		r := httptest.NewRequest(http.MethodGet, tc.target, nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		w := serve(t, h, r)
		if w.Code != tc.status || w.Header().Get("Content-Type") != tc.contentType {
			t.Errorf("GET %s (Accept %q): %d %s, want %d %s", tc.target, tc.accept, w.Code, w.Header().Get("Content-Type"), tc.status, tc.contentType)
		}
	}
	if w := serve(t, h, httptest.NewRequest(http.MethodPost, "/dev/inbox/bad!name", strings.NewReader("{}"))); w.Code != http.StatusBadRequest {
		t.Errorf("POST to a bad name: %d, want 400", w.Code)
	}
}
