package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// setup loads the configuration a node started with only the database
// settings would have, on a fresh database of the dialect, and builds the
// node (migrating the database, as serve does by default).
func setup(t *testing.T, d storetest.Dialect) *App {
	t.Helper()
	opts := d.Options(t)
	env := map[string]string{config.EnvName("data"): opts.DataDir, config.EnvName("database-url"): opts.DatabaseURL,
		config.EnvName("shutdown-timeout"): "10s"}
	if opts.DatabaseURL != "" {
		key := make([]byte, 32)
		rand.Read(key)
		env[config.EnvName("encryption-key")] = base64.StdEncoding.EncodeToString(key)
	}
	cfg, err := config.Register(flag.NewFlagSet("test", flag.ContinueOnError)).Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(t.Context(), cfg, storetest.DiscardLogger(), "test")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// run starts a.Run on a loopback port and returns the node's URL and the
// function that stops it as SIGTERM would and returns Run's result (called
// again when the test ends).
func run(t *testing.T, a *App) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	stop := sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("Run did not return within 30 s of its context ending")
		}
	})
	t.Cleanup(func() { stop() }) //nolint:errcheck // the test checks it when it matters
	return "http://" + ln.Addr().String(), stop
}

// TestRunDrainsAndFlushesAudit: a node serves the admin API; cancelling
// Run's context stops it cleanly (nil error, the port closed), and the audit
// event of the last request is on disk when Run returns.
func TestRunDrainsAndFlushesAudit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		a := setup(t, d)
		ctx := t.Context()
		_, token, err := a.Keys.Create(ctx, auth.NewKey{Name: "test", Scopes: []string{auth.ScopeAll}})
		if err != nil {
			t.Fatal(err)
		}
		url, stop := run(t, a)
		req, _ := http.NewRequest(http.MethodPut, url+"/v1/tenants/acme", strings.NewReader(`{"name":"Acme"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT /v1/tenants/acme: %d", resp.StatusCode)
		}

		if err := stop(); err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			t.Error("the node still answers after Run returned")
		}
		var n int
		if err := a.DB.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE method = ? AND route = ?", "PUT", "/v1/tenants/{tenant_id}").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d audit events of the request when Run returned, want 1", n)
		}
	})
}

// TestBuildRegistersEveryPeriodicJob: a node built on an empty database runs
// each periodic job on start, and every one of them finds its worker in the
// registry and completes.
func TestBuildRegistersEveryPeriodicJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		a := setup(t, d)
		if !a.jobsCfg.Work || len(a.jobsCfg.Periodic) == 0 {
			t.Fatalf("a node of role %q works %v and has %d periodic jobs", a.cfg.Role, a.jobsCfg.Work, len(a.jobsCfg.Periodic))
		}
		run(t, a)
		ctx := t.Context()
		// Waiting for work to finish, not for time to pass: the leader is
		// elected and the jobs are worked as soon as River gets to them.
		deadline := time.Now().Add(60 * time.Second)
		for {
			var completed, failed int
			err := a.DB.QueryRow(ctx, "SELECT count(DISTINCT kind) FROM river_job WHERE state = ?", "completed").Scan(&completed)
			if err == nil {
				err = a.DB.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE state IN (?, ?)", "discarded", "retryable").Scan(&failed)
			}
			if err != nil {
				t.Fatal(err)
			}
			if failed > 0 {
				var kind, jobErrors string
				a.DB.QueryRow(ctx, "SELECT kind, errors FROM river_job WHERE state IN (?, ?)", "discarded", "retryable").Scan(&kind, &jobErrors) //nolint:errcheck // for the message
				t.Fatalf("a periodic job failed: %s: %s", kind, jobErrors)
			}
			if completed == len(a.jobsCfg.Periodic) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d periodic jobs completed within 60 s", completed, len(a.jobsCfg.Periodic))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
