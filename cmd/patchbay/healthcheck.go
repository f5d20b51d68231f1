package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/config"
)

// runHealthcheck asks a node's /healthz, for container health checks: the
// image has the binary and nothing else. It calls a URL the operator gives
// (normally loopback), so it does not go through the outbound SSRF guard,
// which would refuse loopback.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("patchbay healthcheck", flag.ContinueOnError)
	url := fs.String("url", localHealthURL(getenv(config.EnvName("addr"))), "the node's health URL; the default is /healthz on PATCHBAY_ADDR's port over loopback")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 || *timeout <= 0 {
		return usageError{error: errors.New("healthcheck takes only --url and a positive --timeout"), command: "healthcheck"}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return usageError{error: fmt.Errorf("--url: %w", err), command: "healthcheck"}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintf(stdout, "healthy: %s answered %s\n", *url, resp.Status)
	return nil
}

// localHealthURL is the /healthz of a node on this machine listening on addr
// (PATCHBAY_ADDR; empty means serve's default), reached over loopback when
// addr listens on every interface.
func localHealthURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = "127.0.0.1", "8080"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}
