package main

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestBadConfigurationIsOneClearLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"serve", "--role", "boss"}, want: "--role: must be api, worker or all"},
		{args: []string{"serve", "--addr", "nowhere"}, want: "--addr: must be host:port"},
		{args: []string{"serve"}, env: map[string]string{"PATCHBAY_DATABASE_URL": "mysql://x"}, want: "PATCHBAY_DATABASE_URL"},
		{args: []string{"serve", "--no-such-flag"}, want: "flag provided but not defined"},
		{args: []string{"keys", "create"}, want: "--name"},
		{args: []string{"frobnicate"}, want: `unknown command "frobnicate"`},
	} {
		var out, errOut bytes.Buffer
		getenv := func(k string) string { return tc.env[k] }
		err := run(t.Context(), append([]string{"patchbay"}, tc.args...), getenv, nil, &out, &errOut)
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %v, want a one-line usage error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestDevModeCreatesOneKeyOnFirstStart(t *testing.T) {
	t.Parallel()
	opts := storetest.SQLiteOptions(t)
	n := startNode(t, opts, "--dev")
	var key string
	for _, line := range strings.Split(n.Stdout.String(), "\n") {
		if f := strings.TrimSpace(line); strings.HasPrefix(f, "pbk_") {
			key = f
		}
	}
	if key == "" {
		t.Fatalf("--dev printed no key:\n%s", n.Stdout)
	}
	if strings.Contains(n.Logs.String(), key) {
		t.Error("the dev key appears in the logs")
	}
	if _, err := client.New(n.URL, key).ListTenants(t.Context(), client.ListParams{}); err != nil {
		t.Fatalf("dev key: %v", err)
	}
	n.Stop(t)

	again := startNode(t, opts, "--dev")
	if strings.Contains(again.Stdout.String(), "pbk_") {
		t.Errorf("second --dev start printed a key again:\n%s", again.Stdout)
	}
}

func TestWorkerRoleServesNoAdminAPI(t *testing.T) {
	t.Parallel()
	opts := storetest.SQLiteOptions(t)
	key := createKey(t, opts)
	n := startNode(t, opts, "--role", "worker")
	e := &env{node: n, key: key}
	if resp, _ := e.do(t, "GET", "/v1/tenants", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("worker node /v1/tenants: %d, want 404", resp.StatusCode)
	}
	if resp, body := e.do(t, "GET", "/readyz", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("worker node /readyz: %d %s", resp.StatusCode, body)
	}
}

func TestObservability(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		for _, path := range []string{"/healthz", "/readyz"} {
			if resp, body := e.do(t, "GET", path, ""); resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
		resp, _ := e.do(t, "GET", "/v1/tenants/acme", "", "X-Request-Id", "trace-123")
		if got := resp.Header.Get("X-Request-Id"); got != "trace-123" {
			t.Errorf("X-Request-Id echoed as %q", got)
		}
		_, metrics := e.do(t, "GET", "/metrics", "")
		for _, want := range []string{
			`patchbay_http_requests_total{code="404",route="GET /v1/tenants/{tenant_id}"} 1`,
			`patchbay_http_request_duration_seconds_count{route="GET /v1/tenants/{tenant_id}"} 1`,
		} {
			if !strings.Contains(string(metrics), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		// Job counts appear once the leader has run the periodic cleanup.
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(string(metrics), `patchbay_jobs{kind="idempotency_cleanup",state="completed"} 1`) {
			if time.Now().After(deadline) {
				t.Fatalf("/metrics shows no completed idempotency_cleanup job within 30s")
			}
			time.Sleep(200 * time.Millisecond)
			_, metrics = e.do(t, "GET", "/metrics", "")
		}
		logs := e.node.Logs.String()
		if !strings.Contains(logs, `"request_id":"trace-123"`) {
			t.Error("request log lacks the request ID")
		}
		if strings.Contains(logs, e.key) || strings.Contains(logs, e.key[4:]) {
			t.Error("the API key appears in the logs")
		}
	})
}
