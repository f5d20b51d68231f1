package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// buildBinary builds the patchbay binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "patchbay")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is `patchbay serve` as a child process.
type proc struct {
	cmd *exec.Cmd
	url string
}

func startProc(t *testing.T, bin string, opts store.Options, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, serveArgs(opts)...)
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Env = append(os.Environ(), "PATCHBAY_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if a := listeningAddr(sc.Text()); a != "" && !sent {
				addr <- a
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-addr:
		return &proc{cmd: cmd, url: "http://" + a}
	case <-time.After(60 * time.Second):
		t.Fatal("patchbay serve did not listen within 60s")
	}
	return nil
}

// TestCrashLosesNoAcknowledgedJob enqueues jobs through the API (tenant
// deletions, whose purge jobs commit with the deletion), kills the server
// with SIGKILL, restarts it, and checks that every acknowledged job runs.
// The first node has the api role, so its jobs are certainly still pending
// when it dies; the second works jobs and is killed while they run.
func TestCrashLosesNoAcknowledgedJob(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		opts := d.Options(t)
		key := createKey(t, opts)
		const n = 200

		apiOnly := startProc(t, bin, opts, "--role", "api", "--rate-limit", "0")
		c := client.New(apiOnly.url, key)
		for i := range n {
			id := fmt.Sprintf("crash-%03d", i)
			if _, _, err := c.PutTenant(t.Context(), id, client.TenantParams{}); err != nil {
				t.Fatal(err)
			}
		}
		acked := 0
		for i := range n / 2 {
			if err := c.DeleteTenant(t.Context(), fmt.Sprintf("crash-%03d", i)); err != nil {
				t.Fatal(err)
			}
			acked++
		}
		apiOnly.cmd.Process.Signal(syscall.SIGKILL)
		apiOnly.cmd.Wait()

		// A worker node starts on the backlog; more deletions arrive while it
		// works, and it is killed mid-stream.
		full := startProc(t, bin, opts, "--rate-limit", "0")
		c = client.New(full.url, key)
		for i := n / 2; i < n; i++ {
			if err := c.DeleteTenant(t.Context(), fmt.Sprintf("crash-%03d", i)); err != nil {
				t.Fatal(err)
			}
			acked++
		}
		full.cmd.Process.Signal(syscall.SIGKILL)
		full.cmd.Wait()

		// Jobs that were running when a node died are rescued after
		// --job-rescue-after; River's rescuer looks every 30 seconds.
		again := startProc(t, bin, opts, "--job-rescue-after", "3s")
		db := openRaw(t, opts)
		deadline := time.Now().Add(120 * time.Second)
		for {
			var left, done int
			if err := db.QueryRow("SELECT count(*) FROM tenants").Scan(&left); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow("SELECT count(*) FROM river_job WHERE kind = 'tenant_purge' AND state = 'completed'").Scan(&done); err != nil {
				t.Fatal(err)
			}
			if left == 0 && done == acked {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after restart: %d tenants left, %d of %d acknowledged purge jobs completed", left, done, acked)
			}
			time.Sleep(100 * time.Millisecond)
		}

		// The job counts are on /metrics too.
		resp, err := http.Get(again.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := fmt.Sprintf(`patchbay_jobs{kind="tenant_purge",state="completed"} %d`, acked)
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}

		// SIGTERM drains and exits cleanly.
		again.cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan error, 1)
		go func() { exited <- again.cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v", err)
			}
		case <-time.After(45 * time.Second):
			t.Error("no exit within 45s of SIGTERM")
		}
	})
}

// openRaw opens the store's database for checks the API does not expose.
func openRaw(t *testing.T, opts store.Options) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.SQL()
}

// TestWebhookCrashDeliversEveryAcceptedMessage kills the server with SIGKILL
// during a burst of 10,000 messages, restarts it, and checks that every
// message it accepted (answered 202) reaches the receiver at least once,
// counted by webhook-id.
func TestWebhookCrashDeliversEveryAcceptedMessage(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		opts := d.Options(t)
		key := createKey(t, opts)
		rc := newReceiver(t, nil)
		first := startProc(t, bin, opts, webhookArgs...)
		c := client.New(first.url, key)
		ctx := t.Context()
		if _, _, err := c.PutTenant(ctx, "acme", client.TenantParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateEventType(ctx, client.EventType{Name: "invoice.paid"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateEndpoint(ctx, "acme", client.EndpointParams{URL: client.Ptr(rc.URL)}); err != nil {
			t.Fatal(err)
		}

		const total, batchSize, publishers = 10_000, 100, 4
		var mu sync.Mutex
		accepted := map[string]bool{}
		var sent atomic.Int64
		killed := make(chan struct{})
		var wg sync.WaitGroup
		for range publishers {
			wg.Go(func() {
				for sent.Add(batchSize) <= total {
					batch := make([]client.MessageParams, batchSize)
					for i := range batch {
						batch[i] = client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"i": i}}
					}
					msgs, err := c.PublishBatch(ctx, "acme", batch)
					if err != nil {
						select {
						case <-killed:
							return // the server died mid-request: not accepted
						default:
							t.Errorf("publish before the kill: %v", err)
							return
						}
					}
					mu.Lock()
					for _, m := range msgs {
						accepted[m.ID] = true
					}
					mu.Unlock()
				}
			})
		}
		waitFor(t, 60*time.Second, "half the burst accepted", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(accepted) >= total/2
		})
		close(killed)
		first.cmd.Process.Signal(syscall.SIGKILL)
		first.cmd.Wait()
		wg.Wait()
		mu.Lock()
		n := len(accepted)
		mu.Unlock()
		t.Logf("%d messages accepted before SIGKILL; %d delivered before it", n, len(rc.requests()))

		// The dead node's endpoint lease runs out (30 s) and the new node
		// carries on.
		startProc(t, bin, opts, webhookArgs...)
		waitFor(t, 120*time.Second, "every accepted message delivered", func() bool {
			got := map[string]bool{}
			for _, r := range rc.requests() {
				got[r.Header.Get("webhook-id")] = true
			}
			for id := range accepted {
				if !got[id] {
					return false
				}
			}
			return true
		})
		t.Logf("all %d accepted messages delivered after the restart (%d requests in all)", n, len(rc.requests()))
	})
}
