package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"
	"go.yaml.in/yaml/v3"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// scrape reads a node's /metrics as metric families by name.
func scrape(t *testing.T, nodeURL string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(nodeURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// sample sums a family's samples whose labels include want: counters and
// gauges by value, histograms by their count.
func sample(families map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, found
}

// lbl builds a label set from pairs.
func lbl(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

// forbiddenLabels would let /metrics grow with the data, and show
// identifiers to whoever scrapes it.
var forbiddenLabels = []string{"tenant", "tenant_id", "endpoint", "endpoint_id", "source", "source_id", "connection", "connection_id",
	"token", "token_id", "client_id", "app_id", "message_id", "user_id"}

// TestMetricsMoveForEveryFlow: one node, every flow driven once through
// its real interface, and /metrics scraped before and after: each flow's
// metrics are there and moved, and no metric has an unbounded label.
func TestMetricsMoveForEveryFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		// Operational events (connection.created …) are jobs.
		ops := newReceiver(t, nil)
		e := setupProxy(t, d, append(append([]string{}, webhookArgs...), "--operational-webhook-url", ops.URL)...)
		ctx := t.Context()
		before := scrape(t, e.node.URL)

		// Outgoing webhooks: publish, delivered to a loopback receiver.
		rc := newReceiver(t, nil)
		if _, err := e.client.CreateEventType(ctx, client.EventType{Name: "invoice.paid"}); err != nil {
			t.Fatal(err)
		}
		mustEndpoint(t, e.env, client.EndpointParams{URL: client.Ptr(rc.URL)})
		if _, err := e.client.Publish(ctx, "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]any{"amount": 42}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the delivery", func() bool { return len(rc.requests()) == 1 })

		// Incoming webhooks: one verified Stripe event.
		const secret = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"
		src := e.createSource(t, `{"name":"Stripe","verifier":{"scheme":"stripe","secrets":["`+secret+`"]}}`)
		event := []byte(`{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{"amount":42}}}`)
		signed := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: time.Now()})
		if st, _, body := post(t, src.IngestURL, event, "Stripe-Signature", signed.Header); st != 200 {
			t.Fatalf("ingest: %d %s", st, body)
		}
		if st, _, _ := post(t, src.IngestURL, event, "Stripe-Signature", "t=1,v1=00"); st != 401 {
			t.Fatalf("badly signed ingest: %d", st)
		}

		// The proxy: a call, a call retried once, and a call that waits for
		// its connection's rate budget.
		conn := connectKey(t, e.env, "proxykey")
		if resp, body := e.proxy(t, "GET", conn, "/echo", ""); resp.StatusCode != 200 {
			t.Fatalf("proxy: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.proxy(t, "GET", conn, "/flaky/m?fail=1&retry_after=0", ""); resp.StatusCode != 200 || attempts(resp) != "2" {
			t.Fatalf("proxy retried: %d %s %s", resp.StatusCode, attempts(resp), body)
		}
		paced := connectKey(t, e.env, "proxypaced")
		for range 2 {
			if resp, body := e.proxy(t, "GET", paced, "/paced/m", ""); resp.StatusCode != 200 {
				t.Fatalf("proxy paced: %d %s", resp.StatusCode, body)
			}
		}

		// A refresh: the fake provider's first token expires within its
		// margin, so the credentials call refreshes it.
		oauthConn := e.connectOAuth(t, e.oauthIntegration(t), "user-1")
		if st, creds := e.credentials(t, oauthConn); st != 200 {
			t.Fatalf("credentials: %d %v", st, creds)
		}

		// Patchbay's OAuth provider: a client_credentials grant, a refused
		// one, and an introspection.
		if resp, body := e.do(t, "POST", "/v1/oauth/scopes", `{"name":"read:projects","description":"Read projects"}`); resp.StatusCode != 201 {
			t.Fatalf("scope: %d %s", resp.StatusCode, body)
		}
		o := &oauthEnv{env: e.env}
		app := o.createApp(t, `{"team_id":"devteam","name":"Machine","redirect_uris":["https://machine.example/cb"],"scopes":["read:projects"]}`)
		st, _, tok := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"read:projects"}}, app.ClientID, app.ClientSecret)
		if st != 200 {
			t.Fatalf("client_credentials: %d %v", st, tok)
		}
		if st, _, _ := o.tokenCall(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}}, app.ClientID, "wrong"); st != 401 {
			t.Fatalf("wrong secret: %d", st)
		}
		if m := o.introspect(t, tok["access_token"].(string)); m["active"] != true {
			t.Fatalf("introspect: %v", m)
		}

		after := scrape(t, e.node.URL)
		moved := []struct {
			name   string
			labels map[string]string
		}{
			{"patchbay_http_requests_total", lbl("route", "POST /v1/tenants/{tenant_id}/messages")},
			{"patchbay_webhook_attempts_total", lbl("endpoint_type", "unordered", "outcome", "success")},
			{"patchbay_webhook_attempt_duration_seconds", lbl("endpoint_type", "unordered")},
			{"patchbay_webhook_deliveries_total", lbl("endpoint_type", "unordered", "outcome", "succeeded")},
			{"patchbay_webhook_delivery_latency_seconds", lbl("endpoint_type", "unordered")},
			{"patchbay_inbound_events_total", lbl("scheme", "stripe", "outcome", "new")},
			{"patchbay_inbound_rejected_total", lbl("scheme", "stripe")},
			{"patchbay_proxy_requests_total", lbl("provider", "proxykey", "class", "2xx")},
			{"patchbay_proxy_request_duration_seconds", lbl("provider", "proxykey")},
			{"patchbay_proxy_retries_total", lbl("provider", "proxykey")},
			{"patchbay_proxy_rate_waits_total", lbl("provider", "proxypaced")},
			{"patchbay_proxy_rate_wait_seconds", lbl("provider", "proxypaced")},
			{"patchbay_connect_refreshes_total", lbl("provider", "fakeoauth", "outcome", "refreshed")},
			{"patchbay_oauth_grants_total", lbl("grant_type", "client_credentials", "outcome", "issued")},
			{"patchbay_oauth_grants_total", lbl("grant_type", "client_credentials", "outcome", "invalid_client")},
			{"patchbay_oauth_introspections_total", lbl("result", "active")},
			{"patchbay_jobs", nil},
		}
		for _, m := range moved {
			b, _ := sample(before, m.name, m.labels)
			a, ok := sample(after, m.name, m.labels)
			if !ok || a <= b {
				t.Errorf("%s%v: %v before, %v after (present %v); want it to move", m.name, m.labels, b, a, ok)
			}
		}
		// Gauges read from the database: present (they are sampled every
		// few seconds, so their values may lag the flows above).
		for _, name := range []string{"patchbay_webhook_backlog_deliveries", "patchbay_webhook_backlog_oldest_age_seconds",
			"patchbay_webhook_endpoints", "patchbay_connect_connections", "go_sql_open_connections", "go_sql_wait_count_total"} {
			if _, ok := after[name]; !ok {
				t.Errorf("%s is missing from /metrics", name)
			}
		}
		for name, f := range after {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					for _, bad := range forbiddenLabels {
						if l.GetName() == bad {
							t.Errorf("%s has the unbounded label %s", name, bad)
						}
					}
				}
			}
		}
		checkDeployFiles(t, after)
	})
}

// checkDeployFiles: every metric the Grafana dashboard and the alerting
// rules use is one a real node exports, so they cannot rot unnoticed.
func checkDeployFiles(t *testing.T, families map[string]*dto.MetricFamily) {
	t.Helper()
	root := filepath.Join("..", "..", "deploy")
	for _, file := range []string{filepath.Join(root, "grafana", "patchbay.json"), filepath.Join(root, "prometheus", "alerts.yml")} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		exprs, err := deployExprs(file, b)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(exprs) == 0 {
			t.Fatalf("%s has no expressions", file)
		}
		for _, expr := range exprs {
			names := metricNames(expr)
			if len(names) == 0 {
				t.Errorf("%s: expression %q names no metric", file, expr)
			}
			for _, n := range names {
				if !exported(families, n) {
					t.Errorf("%s: %q uses %s, which the node does not export", file, expr, n)
				}
			}
		}
	}
}

// exported reports whether name is a family of families, or a histogram's
// _bucket, _sum or _count series.
func exported(families map[string]*dto.MetricFamily, name string) bool {
	if _, ok := families[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if f, ok := families[strings.TrimSuffix(name, suffix)]; ok && strings.HasSuffix(name, suffix) && f.GetType() == dto.MetricType_HISTOGRAM {
			return true
		}
	}
	return false
}

// deployExprs returns the PromQL expressions of a Grafana dashboard (its
// panels' targets) or of a Prometheus rules file.
func deployExprs(file string, b []byte) ([]string, error) {
	var doc any
	if strings.HasSuffix(file, ".json") {
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, err
		}
	} else {
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, err
		}
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "expr" {
					exprs = append(exprs, s)
				} else {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return exprs, nil
}

// metricName finds the series names in a PromQL expression: Patchbay's
// own, and the Go client's process and database pool metrics.
var metricName = regexp.MustCompile(`\b(?:patchbay|go_sql|process|go)_[a-zA-Z0-9_]+`)

func metricNames(expr string) []string { return metricName.FindAllString(expr, -1) }
