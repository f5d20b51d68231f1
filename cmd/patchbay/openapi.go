package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/patchbay/patchbay/internal/server"
)

// runOpenAPI prints the OpenAPI document every node serves at /openapi.json
// (the admin API on, development routes off), without opening a database:
// for the linter, the SDK generators and offline readers.
func runOpenAPI(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("patchbay openapi", flag.ContinueOnError)
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{error: fmt.Errorf("openapi takes no arguments (got %q)", fs.Args()), command: "openapi"}
	}
	doc, err := server.OpenAPIDocument()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", doc)
	return err
}
