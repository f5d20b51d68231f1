// tools/automation holds npm packages only; this file keeps their node_modules (some ship Go
// sources) out of the main module's ./... pattern.
module github.com/patchbay/patchbay/tools/automation

go 1.26
