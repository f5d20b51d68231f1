// Command sdkgen writes the SDKs' generated files from the OpenAPI document
// Patchbay serves. Run it from the repository's root after changing a route:
//
//	go run ./client/internal/gen/sdkgen
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/patchbay/patchbay/client/internal/gen"
	"github.com/patchbay/patchbay/internal/server"
)

func main() {
	goOut := flag.String("go", "client/zz_operations.go", "the Go SDK's generated file")
	tsOut := flag.String("ts", "sdk/typescript/src/generated.ts", "the TypeScript SDK's generated file")
	flag.Parse()
	if err := run(*goOut, *tsOut); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func run(goOut, tsOut string) error {
	doc, err := server.OpenAPIDocument()
	if err != nil {
		return err
	}
	goSrc, tsSrc, err := gen.Generate(doc)
	if err != nil {
		return err
	}
	if err := os.WriteFile(goOut, goSrc, 0o644); err != nil {
		return err
	}
	return os.WriteFile(tsOut, tsSrc, 0o644)
}
