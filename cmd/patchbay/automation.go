package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/appgen"
	"github.com/patchbay/patchbay/internal/automation"
)

// runAutomation generates a platform's app from the automation catalog. It
// reads the catalog from a running node (GET /v1/automation/catalog), so the
// app carries the URLs, branding and scopes that node really serves, or from
// a file saved from that endpoint.
func runAutomation(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{error: errors.New("automation needs a platform: zapier, n8n or make"), command: "automation"}
	}
	if isHelpArg(args[0]) {
		printHelp(stdout, "automation", nil)
		return nil
	}
	platform := args[0]
	generate, ok := appgen.Platforms[platform]
	if !ok {
		return usageError{error: fmt.Errorf("automation: unknown platform %q (zapier, n8n or make)", platform), command: "automation"}
	}
	fs := flag.NewFlagSet("patchbay automation "+platform, flag.ContinueOnError)
	out := fs.String("out", "", "write the app into `DIR` (created if missing; files already there are overwritten)")
	url := fs.String("url", "http://127.0.0.1:8080", "the Patchbay node to read the catalog from")
	key := fs.String("key", "", "an admin API `KEY` with automation:read; PATCHBAY_API_KEY when not given")
	authorEmail := fs.String("author-email", "", "the package author's `EMAIL` (n8n only: its lint requires one)")
	file := fs.String("catalog", "", "read the catalog from `FILE` (saved from GET /v1/automation/catalog) instead of a node")
	if err := parseArgs(fs, args[1:], stdout); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return usageError{error: errors.New("automation " + platform + " needs --out DIR and no other arguments"), command: "automation " + platform}
	}
	if platform == "n8n" && *authorEmail == "" {
		return usageError{error: errors.New("automation n8n needs --author-email: n8n's lint requires a community package's author email"), command: "automation n8n"}
	}
	var raw []byte
	var err error
	if *file != "" {
		raw, err = os.ReadFile(*file)
	} else {
		raw, err = fetchCatalog(ctx, *url, cmp.Or(*key, getenv("PATCHBAY_API_KEY")))
	}
	if err != nil {
		return err
	}
	var catalog automation.Catalog
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&catalog); err != nil {
		return fmt.Errorf("the catalog is not the JSON Patchbay serves: %w", err)
	}
	files, err := generate(catalog, appgen.Options{AuthorEmail: *authorEmail})
	if err != nil {
		return fmt.Errorf("automation %s: %w", platform, err)
	}
	if err := files.Write(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the %s app for %s (%d triggers, %d actions) to %s: %d files; its README.md says how to publish it\n",
		platform, catalog.Product.Name, len(catalog.Triggers), len(catalog.Actions), *out, len(files))
	return nil
}

// fetchCatalog reads the catalog from a node the operator names, like
// healthcheck: not through the outbound SSRF guard, which would refuse the
// loopback node most runs name.
func fetchCatalog(ctx context.Context, base, key string) ([]byte, error) {
	if key == "" {
		return nil, usageError{error: errors.New("reading the catalog from a node needs --key or PATCHBAY_API_KEY (or give --catalog FILE)"), command: "automation"}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/v1/automation/catalog", nil)
	if err != nil {
		return nil, usageError{error: fmt.Errorf("--url: %w", err), command: "automation"}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading the catalog: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the catalog: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading the catalog: %s answered %s: %s", req.URL, resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}
