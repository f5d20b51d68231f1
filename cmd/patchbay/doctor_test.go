package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/vault"
)

// runCLI runs one command line and returns its exit status, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := exitCode(run(t.Context(), append([]string{"patchbay"}, args...), noEnv, strings.NewReader(""), &stdout, &stderr), &stderr)
	return code, stdout.String(), stderr.String()
}

func TestAdminCommandsRefuseAMissingDatabase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		opts := d.Options(t) // a fresh, empty database or data directory
		where := storeArgs(opts)
		for _, args := range [][]string{{"keys", "list"}, {"keys", "create", "--name", "x"}, {"migrate"}} {
			code, stdout, stderr := runCLI(t, append(args, where...)...)
			if code != 1 || !strings.Contains(stderr, "holds no Patchbay database") || !strings.Contains(stderr, "--create") {
				t.Errorf("%v on an empty store: exit %d, stdout %q, stderr %q; want exit 1 naming --create", args, code, stdout, stderr)
			}
		}
		if opts.DatabaseURL == "" {
			if _, err := os.Stat(store.SQLiteFile(opts.DataDir)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused command left a database file behind: %v", err)
			}
		}

		code, _, stderr := runCLI(t, append([]string{"migrate", "--create"}, where...)...)
		if code != 0 || !strings.Contains(stderr, "Using the database ") {
			t.Fatalf("migrate --create: exit %d, stderr %q; want 0 and the database it opened", code, stderr)
		}
		code, stdout, stderr := runCLI(t, append([]string{"keys", "list"}, where...)...)
		if code != 0 || !strings.HasPrefix(stdout, "ID") {
			t.Errorf("keys list after migrate --create: exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if opts.DatabaseURL == "" {
			abs, _ := filepath.Abs(store.SQLiteFile(opts.DataDir))
			if !strings.Contains(stderr, "Using the database "+abs) {
				t.Errorf("keys list stderr %q does not name %s", stderr, abs)
			}
		} else if strings.Contains(stderr, "postgres@") || !strings.Contains(stderr, "Using the database postgres://") {
			t.Errorf("keys list stderr %q: want the PostgreSQL URL without its user", stderr)
		}
	})
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		opts := d.Options(t)
		args := append([]string{"doctor", "--public-url", "https://pb.example.com", "--oauth-login-url", "https://app.example.com/login"}, serveArgs(opts)...)

		code, stdout, _ := runCLI(t, args...)
		if code != 1 || !strings.Contains(stdout, "FAIL  database") || !strings.Contains(stdout, "fix: ") {
			t.Errorf("doctor on an empty store: exit %d, want 1 with a database failure and a fix:\n%s", code, stdout)
		}

		// A running node with a webhook endpoint: its secret is sealed.
		c := client.New(startNode(t, opts).URL, createKey(t, opts))
		if _, _, err := c.PutTenant(t.Context(), "acme", client.TenantParams{}); err != nil {
			t.Fatal(err)
		}
		url := "https://hooks.example.com/in"
		if _, err := c.CreateEndpoint(t.Context(), "acme", client.EndpointParams{URL: &url}); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, args...)
		for _, want := range []string{"ok    database", "ok    migrations      the schema is current", "ok    encryption key  opens a sealed value (endpoints.secret)", "ok    clock", "0 failed, 0 warnings"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("doctor on a working installation lacks %q (exit %d):\n%s%s", want, code, stdout, stderr)
			}
		}
		if code != 0 {
			t.Errorf("doctor on a working installation: exit %d", code)
		}

		wrongKey := append(slices.Clone(args), "--encryption-key", vault.NewKey())
		code, stdout, _ = runCLI(t, wrongKey...)
		if code != 1 || !strings.Contains(stdout, "FAIL  encryption key  cannot open endpoints.secret") {
			t.Errorf("doctor with the wrong key: exit %d, want 1 and an encryption key failure:\n%s", code, stdout)
		}

		code, stdout, _ = runCLI(t, append(slices.Clone(args), "--outbound-allow", "0.0.0.0/0")...)
		if code != 1 || !strings.Contains(stdout, "FAIL  outbound") {
			t.Errorf("doctor with --outbound-allow 0.0.0.0/0: exit %d, want 1 and an outbound failure:\n%s", code, stdout)
		}
	})
}

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	n := startNode(t, storetest.SQLiteOptions(t))
	if code, stdout, stderr := runCLI(t, "healthcheck", "--url", n.URL+"/healthz"); code != 0 || !strings.Contains(stdout, "200") {
		t.Errorf("healthcheck of a running node: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "healthcheck", "--url", n.URL+"/no-such-page"); code != 1 || !strings.Contains(stderr, "404") {
		t.Errorf("healthcheck of a 404: exit %d, stderr %q; want 1 naming the status", code, stderr)
	}
	n.Stop(t)
	if code, _, stderr := runCLI(t, "healthcheck", "--url", n.URL+"/healthz", "--timeout", "2s"); code != 1 || !strings.Contains(stderr, "unhealthy") {
		t.Errorf("healthcheck of a stopped node: exit %d, stderr %q; want 1", code, stderr)
	}
	if strings.Contains(n.Logs.String(), `"path":"/healthz"`) {
		t.Error("a /healthz request was logged at info level")
	}
}

func TestLocalHealthURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"":               "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/healthz",
		":9000":          "http://127.0.0.1:9000/healthz",
		"[::]:9000":      "http://127.0.0.1:9000/healthz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/healthz",
		"[::1]:8080":     "http://[::1]:8080/healthz",
		"localhost:8080": "http://localhost:8080/healthz",
	} {
		if got := localHealthURL(addr); got != want {
			t.Errorf("localHealthURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
