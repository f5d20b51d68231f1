package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"

	"github.com/patchbay/patchbay/internal/app"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/config"
)

// parseFlags parses a command's flags into the configuration; any problem is
// a usageError of one line. Asked for help, it prints it and returns
// flag.ErrHelp.
func parseFlags(name string, args []string, getenv func(string) string, stdout io.Writer, settings ...string) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("patchbay "+name, flag.ContinueOnError)
	loader := config.Register(fs, settings...)
	if err := parseArgs(fs, args, stdout); err != nil {
		return config.Config{}, nil, err
	}
	cfg, err := loadConfig(loader, getenv, name)
	return cfg, fs, err
}

// loadConfig builds the configuration once the flags are parsed; a bad
// setting is a usage error of the named command.
func loadConfig(loader *config.Loader, getenv func(string) string, name string) (config.Config, error) {
	cfg, err := loader.Load(getenv)
	if err != nil {
		return cfg, usageError{error: fmt.Errorf("invalid configuration: %w", err), command: name}
	}
	return cfg, nil
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, fs, err := parseFlags("serve", args, getenv, stdout)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{error: fmt.Errorf("serve takes no arguments (got %q)", fs.Args())}
	}
	logger := newLogger(stderr, cfg.SlogLevel())
	if getenv("GOGC") == "" {
		// The server's live heap is small and its garbage is per-request;
		// collecting at 3× the live heap instead of 2× costs a few MB and
		// buys about a tenth more requests per second.
		debug.SetGCPercent(200)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}

	a, err := app.New(ctx, cfg, logger, buildVersion())
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Dev {
		if err := createDevKey(ctx, a, ln.Addr().String(), stdout); err != nil {
			return err
		}
	}
	return a.Run(ctx, ln)
}

// createDevKey gives a new local installation its first admin API key, so the
// quick start works without another command. It prints to stdout, never to the
// log: a key is a secret.
func createDevKey(ctx context.Context, a *app.App, addr string, stdout io.Writer) error {
	n, err := a.Keys.Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	_, secret, err := a.Keys.Create(ctx, auth.NewKey{Name: "dev", Scopes: []string{auth.ScopeAll}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nPatchbay dev mode created an admin API key. It is shown only this once:\n\n    %s\n\nTry it:\n    curl -H 'Authorization: Bearer %s' http://%s/v1/tenants\n\n", secret, secret, addr)
	return nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("patchbay migrate", flag.ContinueOnError)
	loader := config.Register(fs, config.StoreSettings...)
	create := createFlag(fs)
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{error: fmt.Errorf("migrate takes no arguments (got %q)", fs.Args()), command: "migrate"}
	}
	cfg, err := loadConfig(loader, getenv, "migrate")
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, *create, newLogger(stderr, slog.LevelInfo), stderr)
	if err != nil {
		return err
	}
	return db.Close()
}
