// Command patchbay is the Patchbay server and its admin tools in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError is bad configuration or a bad command line: exit status 2.
// command, when set, is the command whose help the message points to.
type usageError struct {
	error
	command string
}

func (e usageError) Unwrap() error { return e.error }

// exitCode reports err on stderr and returns the process's exit status: 0
// for success, 2 for a usage error (with a pointer to the help), 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "patchbay: %v\n", err)
	var usage usageError
	if errors.As(err, &usage) {
		topic := "patchbay help"
		if usage.command != "" {
			topic += " " + usage.command
		}
		fmt.Fprintf(stderr, "Run %q for usage.\n", topic)
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args[1:], getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) { // help was asked for and printed
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return usageError{error: errors.New("no command given")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "keys":
		return runKeys(ctx, rest, getenv, stdout, stderr)
	case "doctor":
		return runDoctor(ctx, rest, getenv, stdout)
	case "healthcheck":
		return runHealthcheck(ctx, rest, getenv, stdout)
	case "automation":
		return runAutomation(ctx, rest, getenv, stdout)
	case "bench":
		if len(rest) > 0 {
			switch rest[0] {
			case "webhooks":
				return runBenchWebhooks(ctx, rest[1:], getenv, stdout, stderr)
			case "oauth":
				return runBenchOAuth(ctx, rest[1:], stdout, stderr)
			case "inbound":
				return runBenchInbound(ctx, rest[1:], stdout, stderr)
			case "marketplace":
				return runBenchMarketplace(ctx, rest[1:], stdout, stderr)
			}
		}
		return runBench(ctx, rest, stdout, stderr)
	case "openapi":
		return runOpenAPI(rest, stdout)
	case "version", "--version":
		return runVersion(rest, stdout)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && isHelpArg(rest[0]) {
			printHelp(stdout, "help", nil)
			return nil
		}
		return runHelp(func(args []string) error { return dispatch(ctx, args, getenv, stdout, stderr) }, rest, stdout)
	}
	return usageError{error: fmt.Errorf("unknown command %q", cmd)}
}
