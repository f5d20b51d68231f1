package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set at build time by "make release" (-ldflags "-X main.version=… -X
// main.commit=… -X main.date=…"); otherwise read from the build information
// the go command records (module version, vcs.revision, vcs.time).
var version, commit, date string

// buildInfo is what "patchbay version" prints.
type buildInfo struct {
	Version, Commit, Date, Go string
	Modified                  bool
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		b.Version = cmp.Or(b.Version, info.Main.Version)
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = cmp.Or(b.Commit, s.Value)
			case "vcs.time":
				b.Date = cmp.Or(b.Date, s.Value)
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	b.Version = cmp.Or(b.Version, "(devel)")
	return b
}

// buildVersion is the short version for logs, /healthz and User-Agent:
// the module version and, when known, the commit's first 12 characters.
func buildVersion() string {
	b := readBuildInfo()
	if len(b.Commit) >= 12 && b.Version == "(devel)" {
		return b.Version + " " + b.Commit[:12]
	}
	return b.Version
}

func runVersion(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("patchbay version", flag.ContinueOnError)
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{error: errors.New("version takes no arguments"), command: "version"}
	}
	b := readBuildInfo()
	commit := cmp.Or(b.Commit, "unknown (built without version control information)")
	if b.Modified {
		commit += " (with uncommitted changes)"
	}
	fmt.Fprintf(stdout, "patchbay %s\ncommit:  %s\nbuilt:   %s\ngo:      %s\n", b.Version, commit, cmp.Or(b.Date, "unknown"), b.Go)
	return nil
}
