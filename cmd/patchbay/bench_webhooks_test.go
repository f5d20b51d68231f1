package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestBenchWebhooks runs the load program with tiny numbers. It checks that
// the program works and reports, not how fast anything is.
func TestBenchWebhooks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		for _, batch := range []string{"1", "10"} {
			t.Run("batch"+batch, func(t *testing.T) {
				t.Parallel()
				args := []string{"patchbay", "bench", "webhooks", "--tenants", "2", "--endpoints-per-tenant", "1", "--messages", "50",
					"--batch", batch, "--publish-concurrency", "4", "--timeout", "60s"}
				if d.Name == store.Postgres {
					args = append(args, "--database-url", os.Getenv(storetest.EnvDatabaseURL))
				}
				var out, errOut bytes.Buffer
				if err := run(t.Context(), args, noEnv, nil, &out, &errOut); err != nil {
					t.Fatalf("bench webhooks: %v\nstdout:\n%s\nstderr:\n%s", err, &out, &errOut)
				}
				report := out.String()
				for _, want := range []string{
					"command: patchbay bench webhooks --tenants 2",
					"machine: ",
					"store: " + map[string]string{store.SQLite: "SQLite ", store.Postgres: "PostgreSQL postgres://"}[d.Name],
					"ceiling: 50 plain net/http POSTs",
					"published: 50 of 50 messages",
					"delivered: 50 of 50 expected unique (webhook-id, endpoint) pairs, 0 duplicates, 0 unexpected, 0 without webhook-id",
					"delivery rate: ",
					"publish-to-delivered latency (receipt − publish call start): p50 ",
					"delivery rate vs ceiling: ",
					"node: ",
					"wall: ",
				} {
					if !strings.Contains(report, want) {
						t.Errorf("report lacks %q:\n%s", want, report)
					}
				}
				if strings.Contains(report, "node log:") {
					t.Errorf("the node logged warnings:\n%s", report)
				}
			})
		}
	})
}

func TestBenchWebhooksFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch", "101"}, "--batch must be from 1 to 100"},
		{[]string{"--messages", "0"}, "--messages must be from 1"},
		{[]string{"--rate", "-1"}, "--rate must be 0 or more"},
		{[]string{"--database-url", "mysql://x"}, "--database-url must start with postgres://"},
		{[]string{"--timeout", "1h"}, "--timeout must be positive and at most 30m"},
		{[]string{"extra"}, "takes no arguments"},
		{[]string{"--endpoint-type", "sqs"}, "--endpoint-type must be http, nats"},
		{[]string{"--broker-url", "nats://x"}, "--broker-url applies only to"},
	} {
		var out, errOut bytes.Buffer
		err := run(t.Context(), append([]string{"patchbay", "bench", "webhooks"}, tc.args...), noEnv, nil, &out, &errOut)
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want a usage error containing %q", tc.args, err, tc.want)
		}
	}
	// Without "webhooks", bench is still the request-rate generator.
	err := run(t.Context(), []string{"patchbay", "bench", "--concurrency", "1"}, noEnv, nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "bench needs --url") {
		t.Errorf("bench without --url: error %v, want it to ask for --url", err)
	}
}

// TestCommandLineHidesKey: a report shows its command, never the API key in it.
func TestCommandLineHidesKey(t *testing.T) {
	got := commandLine([]string{"patchbay", "bench", "oauth", "--key", "pbk_secret", "--key=pbk_secret2", "--url", "http://x/a b"})
	want := `patchbay bench oauth --key $KEY --key=$KEY --url 'http://x/a b'`
	if got != want {
		t.Errorf("commandLine = %q, want %q", got, want)
	}
}

// TestBenchWebhooksBrokers: the benchmark with each broker endpoint type
// delivers every message through the broker (SQLite; a few messages).
func TestBenchWebhooksBrokers(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{"nats", "rabbitmq", "redis", "kafka", "mqtt"} {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			args := []string{"patchbay", "bench", "webhooks", "--endpoint-type", typ, "--tenants", "2", "--endpoints-per-tenant", "1",
				"--messages", "20", "--publish-concurrency", "4", "--timeout", "60s"}
			var out, errOut bytes.Buffer
			if err := run(t.Context(), args, noEnv, nil, &out, &errOut); err != nil {
				t.Fatalf("bench webhooks: %v\nstdout:\n%s\nstderr:\n%s", err, &out, &errOut)
			}
			for _, want := range []string{"endpoints: type " + typ, "delivered: 20 of 20 expected unique", "node: 20 attempts recorded, 0 failed"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, &out)
				}
			}
		})
	}
}
