// Command patchbay is the Patchbay server and its admin tools in one binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the module's build information.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "patchbay: %v\n", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is bad configuration or a bad command line: exit status 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

const usage = `Patchbay: the integrations backbone for SaaS products.

Usage:
  patchbay serve [flags]              run the API and job workers
  patchbay migrate [flags]            apply database migrations and exit
  patchbay keys create --name NAME    create an admin API key (printed on the last line)
  patchbay keys list                  list admin API keys
  patchbay keys revoke KEY_ID         revoke an admin API key
  patchbay keys rotate-kek            reseal stored secrets under --encryption-key (old key in --encryption-key-previous)
  patchbay bench [flags]              measure a running server's request rate
  patchbay bench webhooks [flags]     measure outgoing webhook delivery on loopback (own node and receivers)
  patchbay bench oauth [flags]        measure a running server's OAuth token and introspection rates
  patchbay bench inbound [flags]      measure a running server's incoming-webhook ingest rate and latency
  patchbay version                    print the version

Run "patchbay COMMAND -h" for a command's flags.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command given")}
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stderr)
	case "keys":
		return runKeys(ctx, rest, getenv, stdout, stderr)
	case "bench":
		if len(rest) > 0 && rest[0] == "webhooks" {
			return runBenchWebhooks(ctx, rest[1:], getenv, stdout, stderr)
		}
		if len(rest) > 0 && rest[0] == "oauth" {
			return runBenchOAuth(ctx, rest[1:], stdout, stderr)
		}
		if len(rest) > 0 && rest[0] == "inbound" {
			return runBenchInbound(ctx, rest[1:], stdout, stderr)
		}
		return runBench(ctx, rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "patchbay", buildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
