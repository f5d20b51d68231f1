package main

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/cli from the current output")

// TestHelpAndExitCodes runs command lines that need no database and compares
// their standard output, standard error and exit status with golden files
// (go test ./cmd/patchbay -run TestHelpAndExitCodes -update rewrites them).
func TestHelpAndExitCodes(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"",
		"help",
		"--help",
		"help help",
		"help serve",
		"serve --help",
		"serve -h",
		"migrate --help",
		"keys",
		"keys --help",
		"help keys",
		"keys create --help",
		"help keys create",
		"keys list -h",
		"keys revoke --help",
		"keys rotate-kek --help",
		"keys frobnicate",
		"doctor --help",
		"healthcheck --help",
		"automation",
		"automation --help",
		"help automation zapier",
		"automation n8n --help",
		"automation make -h",
		"automation ifttt --out x",
		"automation zapier",
		"bench --help",
		"bench webhooks --help",
		"bench oauth --help",
		"bench inbound --help",
		"bench frobnicate",
		"openapi --help",
		"openapi extra",
		"version --help",
		"version extra",
		"frobnicate",
		"help frobnicate",
		"serve --no-such-flag",
		"keys create --no-such-flag",
		"serve --role boss",
		"migrate extra",
	} {
		t.Run(strings.ReplaceAll(cmp.Or(line, "no-args"), " ", "_"), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			args := append([]string{"patchbay"}, strings.Fields(line)...)
			code := exitCode(run(t.Context(), args, noEnv, nil, &stdout, &stderr), &stderr)
			got := fmt.Sprintf("$ patchbay %s\nexit status %d\n--- stdout\n%s--- stderr\n%s", line, code, stdout.String(), stderr.String())
			golden := filepath.Join("testdata", "cli", strings.ReplaceAll(cmp.Or(line, "no-args"), " ", "_")+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := gocmp.Diff(string(want), got); diff != "" {
				t.Errorf("patchbay %s (-want +got):\n%s", line, diff)
			}
		})
	}
}

// TestEveryCommandHasHelp checks that each command in the table answers
// --help on stdout with exit 0, starting with its own summary, and that each
// flag in that help has a description.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		var stdout, stderr bytes.Buffer
		args := append(append([]string{"patchbay"}, strings.Fields(c.name)...), "--help")
		if code := exitCode(run(t.Context(), args, noEnv, nil, &stdout, &stderr), &stderr); code != 0 || stderr.Len() > 0 {
			t.Errorf("%s --help: exit %d, stderr %q", c.name, code, stderr.String())
		}
		if want := "patchbay " + c.name + ": " + c.summary + "\n"; !strings.HasPrefix(stdout.String(), want) {
			t.Errorf("%s --help starts %q, want %q", c.name, firstLine(stdout.String()), want)
		}
		lines := strings.Split(stdout.String(), "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "  --") && (i+1 == len(lines) || !strings.HasPrefix(lines[i+1], "      ")) {
				t.Errorf("%s --help: flag %q has no description", c.name, strings.TrimSpace(l))
			}
			if strings.Contains(l, "patchbay keys rotate-kek") && strings.HasPrefix(l, "  --") {
				t.Errorf("%s --help: a placeholder taken from the description: %q", c.name, l)
			}
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"patchbay", "version"}, noEnv, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^patchbay \S+\ncommit:  .+\nbuilt:   .+\ngo:      go1\.\d+`)
	if !want.MatchString(out.String()) {
		t.Errorf("version printed %q, want version, commit, build date and Go version", out.String())
	}
}
