package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestInboundNoneSourceNeedsItsToken: a source with scheme none has no
// credential but its URL, so its URL carries a 256-bit ingest token, stored
// only as a hash, and its ID alone (which lists, logs and metrics show)
// reaches nothing. A wrong token is answered like an unknown source.
func TestInboundNoneSourceNeedsItsToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "0")
		src := e.createSource(t, `{"name":"Legacy CRM","verifier":{"scheme":"none"}}`)
		prefix := e.node.URL + "/in/" + src.ID + "/pbi_"
		token := strings.TrimPrefix(src.IngestURL, prefix)
		if !strings.HasPrefix(src.IngestURL, prefix) || len(token) != 43 { // 256 bits, base64url
			t.Fatalf("ingest_url %q, want %s<43 characters>", src.IngestURL, prefix)
		}
		if st, _, got := post(t, src.IngestURL, []byte(`{"n":1}`)); st != 200 {
			t.Fatalf("with its token: %d %s", st, got)
		}
		st, h, unknown := post(t, e.node.URL+"/in/src_01JDOESNOTEXIST0000000000", []byte(`{}`))
		if st != 404 || h.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("unknown source: %d %s", st, unknown)
		}
		answer := func(body string) string { // a problem without what names the request
			var p map[string]any
			json.Unmarshal([]byte(body), &p) //nolint:errcheck // compared whole
			delete(p, "request_id")
			delete(p, "instance") // the path asked for
			b, _ := json.Marshal(p)
			return string(b)
		}
		wrong := strings.TrimSuffix(src.IngestURL, token[len(token)-1:]) + "A"
		if strings.HasSuffix(src.IngestURL, "A") {
			wrong = strings.TrimSuffix(src.IngestURL, "A") + "B"
		}
		for name, u := range map[string]string{
			"its ID alone":   e.node.URL + "/in/" + src.ID,
			"a wrong token":  wrong,
			"no prefix":      e.node.URL + "/in/" + src.ID + "/" + token,
			"another source": e.node.URL + "/in/src_01JDOESNOTEXIST0000000000/pbi_" + token,
		} {
			st, _, got := post(t, u, []byte(`{"n":2}`))
			if st != 404 || answer(got) != answer(unknown) {
				t.Errorf("POST with %s: %d %s, want the unknown source's 404 %s", name, st, got, unknown)
			}
			resp, err := http.Get(u + "?challenge=x")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("GET with %s: %d, want 404", name, resp.StatusCode)
			}
		}

		// The token is shown when it is made, and never again; only its hash
		// is stored.
		for _, path := range []string{"/v1/sources/" + src.ID, "/v1/sources", "/v1/sources/" + src.ID + "/events"} {
			resp, body := e.do(t, "GET", path, "")
			if resp.StatusCode != 200 || strings.Contains(string(body), token) {
				t.Errorf("GET %s: %d %s shows the ingest token", path, resp.StatusCode, body)
			}
		}
		if _, body := e.do(t, "GET", "/v1/sources/"+src.ID, ""); !strings.Contains(string(body), `"ingest_url":null`) {
			t.Errorf("a none source's ingest_url after creation: %s, want null", body)
		}
		if seen := scanForPlaintext(t, e.opts, []string{token}); seen["sources"] != 1 {
			t.Errorf("scanned %d sources, want 1", seen["sources"])
		}

		// Rotating makes a new URL and ends the old one at once.
		resp, body := e.do(t, "POST", "/v1/sources/"+src.ID+"/ingest-token/rotate", "")
		var rotated testSource
		if err := json.Unmarshal(body, &rotated); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(rotated.IngestURL, prefix) ||
			rotated.IngestURL == src.IngestURL {
			t.Fatalf("rotate: %d %s", resp.StatusCode, body)
		}
		if st, _, _ := post(t, src.IngestURL, []byte(`{"n":3}`)); st != 404 {
			t.Errorf("the rotated-out URL: %d, want 404", st)
		}
		if st, _, _ := post(t, rotated.IngestURL, []byte(`{"n":4}`)); st != 200 {
			t.Errorf("the new URL: %d, want 200", st)
		}
		signed := e.createSource(t, `{"name":"S","verifier":{"scheme":"github","secrets":["s"]}}`)
		resp, body = e.do(t, "POST", "/v1/sources/"+signed.ID+"/ingest-token/rotate", "")
		if problem(t, resp, body); resp.StatusCode != 409 {
			t.Errorf("rotate a signed source's token: %d %s, want 409", resp.StatusCode, body)
		}
		// Becoming none makes a token, shown in the answer.
		resp, body = e.do(t, "PATCH", "/v1/sources/"+signed.ID, `{"verifier":{"scheme":"none"}}`)
		var patched testSource
		if err := json.Unmarshal(body, &patched); err != nil || resp.StatusCode != 200 ||
			!strings.HasPrefix(patched.IngestURL, e.node.URL+"/in/"+signed.ID+"/pbi_") {
			t.Fatalf("update to none: %d %s", resp.StatusCode, body)
		}
		if st, _, _ := post(t, signed.IngestURL, []byte(`{}`)); st != 404 {
			t.Errorf("by ID after becoming none: %d, want 404", st)
		}
		if st, _, _ := post(t, patched.IngestURL, []byte(`{}`)); st != 200 {
			t.Errorf("with the token made by the update: %d, want 200", st)
		}
	})
}

// TestInboundNoneSourceFromBeforeTokens: a none source made before ingest
// tokens has none. Its old URL, its ID alone, answers 404; serve names it at
// start, and rotating gives it a URL.
func TestInboundNoneSourceFromBeforeTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "0")
		src := e.createSource(t, `{"name":"Old","verifier":{"scheme":"none"}}`)
		e.node.Stop(t)
		if _, err := openRaw(t, e.opts).Exec("UPDATE sources SET ingest_token_hash = NULL"); err != nil {
			t.Fatal(err)
		}
		e.node = startNode(t, e.opts, "--rate-limit", "0")
		var warned bool
		for _, line := range strings.Split(e.node.Logs.String(), "\n") {
			warned = warned || strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, src.ID) && strings.Contains(line, "ingest-token/rotate")
		}
		if !warned {
			t.Errorf("serve did not name the source without an ingest token; logs:\n%s", e.node.Logs)
		}
		if st, _, _ := post(t, e.node.URL+"/in/"+src.ID, []byte(`{}`)); st != 404 {
			t.Errorf("by ID alone: %d, want 404", st)
		}
		resp, body := e.do(t, "POST", "/v1/sources/"+src.ID+"/ingest-token/rotate", "")
		var rotated testSource
		if err := json.Unmarshal(body, &rotated); err != nil || resp.StatusCode != 200 {
			t.Fatalf("rotate: %d %s", resp.StatusCode, body)
		}
		if st, _, _ := post(t, rotated.IngestURL, []byte(`{}`)); st != 200 {
			t.Errorf("with the new token: %d, want 200", st)
		}
	})
}

// credentialish matches what must never be in /metrics: Patchbay's IDs
// (whose labels would map an installation, and a none source's ID was once
// its credential) and its tokens and secrets.
var credentialish = regexp.MustCompile(`\b[a-z]+_[0-9A-HJKMNP-TV-Z]{26}\b|pbi_|pbk_|whsec_`)

// TestMetricsCarryNoIdentifiers scrapes /metrics after a full inbound flow
// (sources of several schemes, forwarding, routing, rejections, a
// handshake) and finds no ID, token or secret in it.
func TestMetricsCarryNoIdentifiers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "0")
		if resp, body := e.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme"}`); resp.StatusCode != 201 {
			t.Fatalf("tenant: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do(t, "POST", "/v1/event-types", `{"name":"crm.updated"}`); resp.StatusCode != 201 {
			t.Fatalf("event type: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do(t, "POST", "/v1/tenants/acme/endpoints", `{"url":"https://acme.example/hooks"}`); resp.StatusCode != 201 {
			t.Fatalf("endpoint: %d %s", resp.StatusCode, body)
		}
		none := e.createSource(t, `{"name":"CRM","verifier":{"scheme":"none"},"destination_url":"https://saas.example/in",`+
			`"route":{"event_type":"crm.updated","tenant_id":"acme"}}`)
		keyed := e.createSource(t, `{"name":"Keyed","verifier":{"scheme":"api_key","header":"X-Key","secrets":["k-secret-1"],"handshake":"echo"}}`)
		for i := range 3 {
			if st, _, got := post(t, none.IngestURL, []byte(`{"id":"`+string(rune('a'+i))+`"}`)); st != 200 {
				t.Fatalf("none event: %d %s", st, got)
			}
		}
		post(t, e.node.URL+"/in/"+none.ID, []byte(`{}`))
		post(t, keyed.IngestURL, []byte(`{}`), "X-Key", "wrong")
		post(t, keyed.IngestURL, []byte(`{}`), "X-Key", "k-secret-1")
		if resp, err := http.Get(keyed.IngestURL + "?challenge=abc"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("echo handshake: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		deadline := time.Now().Add(10 * time.Second)
		for { // the routed messages are published by jobs
			_, body := e.do(t, "GET", "/v1/tenants/acme/messages", "")
			if strings.Count(string(body), `"event_type":"crm.updated"`) == 3 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}

		resp, body := e.do(t, "GET", "/metrics", "")
		metrics := string(body)
		if resp.StatusCode != 200 || !strings.Contains(metrics, `patchbay_inbound_events_total{outcome="new",scheme="none"} 3`) ||
			!strings.Contains(metrics, `patchbay_inbound_rejected_total{reason="`) ||
			!strings.Contains(metrics, `patchbay_inbound_events_total{outcome="challenge",scheme="api_key"} 1`) {
			t.Fatalf("metrics: %d\n%s", resp.StatusCode, grepLines(metrics, "patchbay_inbound"))
		}
		_, keys := e.do(t, "GET", "/v1/api-keys", "")
		for _, s := range append(credentialish.FindAllString(string(keys), -1), none.ID, keyed.ID, e.key, "k-secret-1",
			strings.TrimPrefix(none.IngestURL, e.node.URL+"/in/"+none.ID+"/")) {
			if strings.Contains(metrics, s) {
				t.Errorf("metrics show %q", s)
			}
		}
		if found := credentialish.FindAllString(metrics, -1); len(found) > 0 {
			t.Errorf("metrics show identifiers %v", found)
		}
	})
}

func grepLines(text, substr string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestMetricsPrivateListener: with --metrics-addr, /metrics is served there
// alone, and the main listener answers 404 for it.
func TestMetricsPrivateListener(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		opts := d.Options(t)
		n := startNode(t, opts, "--metrics-addr", "127.0.0.1:0")
		var metricsAddr string
		for _, line := range strings.Split(n.Logs.String(), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "metrics listening" {
				metricsAddr = l.Addr
			}
		}
		if metricsAddr == "" {
			t.Fatalf("no metrics listener in the logs:\n%s", n.Logs)
		}
		get := func(u string) (int, string) {
			t.Helper()
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if st, _ := get(n.URL + "/healthz"); st != 200 {
			t.Errorf("main /healthz: %d", st)
		}
		if st, body := get(n.URL + "/metrics"); st != 404 || strings.Contains(body, "patchbay_") {
			t.Errorf("main /metrics: %d %.200s, want 404", st, body)
		}
		if st, body := get("http://" + metricsAddr + "/metrics"); st != 200 || !strings.Contains(body, `patchbay_http_requests_total{code="200",route="GET /healthz"}`) {
			t.Errorf("private /metrics: %d %.300s", st, body)
		}
		for _, path := range []string{"/healthz", "/v1/sources", "/in/src_01JDOESNOTEXIST0000000000"} {
			if st, _ := get("http://" + metricsAddr + path); st != 404 {
				t.Errorf("private listener %s: %d, want 404", path, st)
			}
		}
	})
}
