package config

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return l.Load(func(k string) string { return env[k] })
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./patchbay-data" || c.Role != RoleAll || !c.AutoMigrate ||
		c.ShutdownTimeout != 30*time.Second || c.IdempotencyTTL != 24*time.Hour || c.LogLevel != "info" {
		t.Errorf("defaults = %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "patchbay.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:1111\nrole: worker\nrate_limit: 7\nshutdown_timeout: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PATCHBAY_CONFIG": file, "PATCHBAY_ADDR": "127.0.0.1:2222", "PATCHBAY_ROLE": "api"}
	c, err := load(t, []string{"--addr", "127.0.0.1:3333"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:3333" {
		t.Errorf("addr = %s, want the flag's", c.Addr)
	}
	if c.Role != RoleAPI {
		t.Errorf("role = %s, want the environment's", c.Role)
	}
	if c.RateLimit != 7 || c.ShutdownTimeout != 5*time.Second {
		t.Errorf("rate limit %d, shutdown %s: want the file's 7 and 5s", c.RateLimit, c.ShutdownTimeout)
	}
}

func TestPublicRateLimits(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [3]RatePolicy{{60, time.Minute}, {50, time.Second}, {1000, time.Second}}
	if got := [3]RatePolicy{c.PublicRateLimitPages, c.PublicRateLimitOAuth, c.PublicRateLimitIngest}; got != want {
		t.Errorf("defaults %v, want %v", got, want)
	}
	c, err = load(t, []string{"--public-rate-limit-pages", "0", "--public-rate-limit-ingest", "5000/2s"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicRateLimitPages != (RatePolicy{}) || c.PublicRateLimitIngest != (RatePolicy{5000, 2 * time.Second}) {
		t.Errorf("pages %v, ingest %v: want off and 5000/2s", c.PublicRateLimitPages, c.PublicRateLimitIngest)
	}
}

func TestDevLowersLogLevelUnlessSet(t *testing.T) {
	t.Parallel()
	c, err := load(t, []string{"--dev"}, nil)
	if err != nil || !c.Dev || c.LogLevel != "debug" {
		t.Errorf("--dev: %+v, %v", c, err)
	}
	c, err = load(t, []string{"--dev", "--log-level", "warn"}, nil)
	if err != nil || c.LogLevel != "warn" {
		t.Errorf("--dev --log-level warn: level %s, %v", c.LogLevel, err)
	}
}

func TestBadValuesNameTheSetting(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("colour: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		env    map[string]string
		want   string
		secret bool // the value must not be repeated
	}{
		{args: []string{"--role", "boss"}, want: "--role: must be api, worker or all"},
		{env: map[string]string{"PATCHBAY_DATABASE_URL": "mysql://x"}, want: "PATCHBAY_DATABASE_URL: must start with postgres://"},
		{args: []string{"--addr", "nowhere"}, want: "--addr: must be host:port"},
		{args: []string{"--shutdown-timeout", "-1s"}, want: "--shutdown-timeout: must be a positive duration"},
		{args: []string{"--operational-webhook-url", "htps://hooks.example.com/T0/secret-token"}, want: "--operational-webhook-url: must be an absolute http:// or https:// URL", secret: true},
		{args: []string{"--operational-webhook-secret", "nope"}, want: "--operational-webhook-secret: must be a whsec_ secret", secret: true},
		{args: []string{"--public-rate-limit-pages", "60"}, want: "--public-rate-limit-pages: must be LIMIT/WINDOW"},
		{args: []string{"--public-rate-limit-oauth", "10/500ms"}, want: "--public-rate-limit-oauth: must be LIMIT/WINDOW"},
		{args: []string{"--public-rate-limit-ingest", "-1/1s"}, want: "--public-rate-limit-ingest: must be LIMIT/WINDOW"},
		{args: []string{"--oauth-pending-requests", "0"}, want: "--oauth-pending-requests: must be a positive integer"},
		{args: []string{"--oauth-default-audience", "api.example.com"}, want: "--oauth-default-audience: must be an absolute http:// or https:// URL"},
		{args: []string{"--oauth-default-audience", "https://api.example.com/#x"}, want: "--oauth-default-audience: must be an absolute http:// or https:// URL"},
		{args: []string{"--config", bad}, want: `unknown setting "colour"`},
		{args: []string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, want: "config file:"},
	} {
		_, err := load(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("args %v env %v: error %v, want one line containing %q", tc.args, tc.env, err, tc.want)
		}
		if tc.secret && err != nil && strings.Contains(err.Error(), tc.args[1]) {
			t.Errorf("args %v: error %v repeats the value, which may be a credential", tc.args, err)
		}
	}
}

// TestREADMEDocumentsEverySetting keeps the configuration reference true.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		row := "| `--" + s.name + "` | `" + EnvName(s.name) + "` | `" + fileKey(s.name) + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no configuration row starting %q", row)
		}
	}
}

func TestOnlyAChosenDebugLevelShowsTheJobQueuesDebugLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want slog.Level
	}{
		{nil, slog.LevelInfo},
		{[]string{"--dev"}, slog.LevelDebug},
		{[]string{"--log-level", "debug"}, slog.LevelDebug - 4},
		{[]string{"--dev", "--log-level", "debug"}, slog.LevelDebug - 4},
		{[]string{"--dev", "--log-level", "warn"}, slog.LevelWarn},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		l := Register(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		c, err := l.Load(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if got := c.SlogLevel(); got != tc.want {
			t.Errorf("%v: SlogLevel %v, want %v", tc.args, got, tc.want)
		}
	}
}
