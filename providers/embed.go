// Package providers holds the provider definitions Patchbay ships, one YAML
// file per provider, in the format internal/connect/catalog reads and its
// JSON Schema (provider.schema.json there) describes. Each file names the
// documentation its URLs and limits were taken from.
package providers

import "embed"

// FS holds the definitions, at its top level.
//
//go:embed *.yaml
var FS embed.FS
