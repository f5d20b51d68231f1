package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runBenchMarketplace measures a running node's marketplace directory
// search: it seeds --listings published app listings with descriptions of
// realistic length through the admin API (listings it finds already there
// are kept), mints a marketplace embed token, then searches the directory
// (/embed/v1/marketplace/listings?q=…) on a fixed schedule, bounded like
// `patchbay bench`. Start the node with --rate-limit 0, or the embed
// token's own limit is what gets measured.
func runBenchMarketplace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("patchbay bench marketplace", flag.ContinueOnError)
	base := fs.String("url", "", "the node's base URL, for example http://127.0.0.1:8080 (required)")
	key := fs.String("key", "", "admin API key (required)")
	listings := fs.Int("listings", 10000, "published listings to have before searching (at most 100000)")
	seeders := fs.Int("seed-concurrency", 16, "requests in flight while seeding")
	lim := loadFlags(fs)
	fs.Lookup("concurrency").DefValue, *lim.concurrency = "32", 32
	fs.Lookup("rate").DefValue, *lim.rate = "200", 200
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if *base == "" || *key == "" {
		return usageError{error: errors.New("bench marketplace needs --url and --key")}
	}
	if *listings < 1 || *listings > 100000 || *seeders < 1 || *seeders > 256 {
		return usageError{error: errors.New("--listings must be 1 to 100000 and --seed-concurrency 1 to 256")}
	}
	if err := lim.validate(); err != nil {
		return err
	}
	*base = strings.TrimSuffix(*base, "/")
	// Seeding writes on a machine that may be busy: a longer timeout than
	// the searches'.
	b := &marketBench{nodeAdmin: nodeAdmin{base: *base, key: *key, http: &http.Client{Timeout: time.Minute}}}
	search := lim.client()
	runHeader(stdout, append([]string{"patchbay", "bench", "marketplace"}, args...))
	start := time.Now()
	made, err := b.seed(ctx, *listings, *seeders)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d listings (%d there already) in %s\n", made, *listings-made, time.Since(start).Round(time.Millisecond))
	var tok struct {
		Token string `json:"token"`
	}
	if _, err := b.admin(ctx, "POST", "/v1/embed/tokens", `{"tenant_id":"bench","user_id":"bench-user","capabilities":["marketplace"],
		"allowed_origins":["`+benchOrigin+`"],"ttl_seconds":3600}`, &tok); err != nil {
		return err
	}
	var n atomic.Int64
	res := lim.run(ctx, func(ctx context.Context, _ int) (string, error) {
		i := n.Add(1)
		q := benchWords[int(i*7919)%len(benchWords)]
		if i%3 == 0 { // two words, the second as typed so far
			w := benchWords[int(i*104729)%len(benchWords)]
			q += " " + w[:max(3, len(w)-2)]
		}
		req, err := http.NewRequestWithContext(ctx, "GET", b.base+"/embed/v1/marketplace/listings?limit=20&q="+url.QueryEscape(q), nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Origin", benchOrigin)
		resp, err := search.Do(req)
		if err != nil {
			return "", err
		}
		io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining to reuse the connection
		resp.Body.Close()
		return resp.Status, nil
	})
	res.report(stdout, "GET /embed/v1/marketplace/listings?q=… (directory search)")
	return nil
}

const benchOrigin = "https://bench.invalid"

// benchWords make the seeded descriptions and the searches.
var benchWords = strings.Fields(`invoice billing payroll calendar schedule meeting project task kanban sprint ticket support helpdesk chat
	message email newsletter campaign analytics dashboard report metric revenue subscription checkout payment refund inventory warehouse
	shipping order customer contact lead pipeline deal crm marketing social survey form signature document contract storage backup sync
	import export spreadsheet database webhook automation workflow trigger approval expense travel recruiting hiring onboarding review
	feedback translation localization accounting tax compliance security audit identity login password monitoring alert incident uptime
	deploy release build testing design prototype whiteboard notes wiki knowledge search video call recording transcript podcast`)

type marketBench struct {
	nodeAdmin
	appID string
	// iconURL is where the icon is once the first listing uploaded it (its
	// path is the hash of its bytes, so it is known before).
	iconURL string
	icon    []byte
}

// seed makes sure n published listings exist, and answers how many it made.
func (b *marketBench) seed(ctx context.Context, n, workers int) (int, error) {
	if status, err := b.admin(ctx, "PUT", "/v1/tenants/bench", `{"name":"Benchmark"}`, nil); err != nil && status != http.StatusOK {
		return 0, err
	}
	if status, err := b.admin(ctx, "POST", "/v1/oauth/scopes", `{"name":"bench:read","description":"Benchmark reads"}`, nil); err != nil && status != http.StatusConflict {
		return 0, err
	}
	if _, err := b.admin(ctx, "PUT", "/v1/marketplace/categories/bench", `{"name":"Benchmark"}`, nil); err != nil {
		return 0, err
	}
	var app struct{ ID string }
	if _, err := b.admin(ctx, "POST", "/v1/oauth/apps", `{"team_id":"bench","name":"Benchmark","redirect_uris":["https://bench.invalid/cb"],"scopes":["bench:read"]}`, &app); err != nil {
		return 0, err
	}
	b.appID = app.ID
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		return 0, err
	}
	b.icon = img.Bytes()
	sum := sha256.Sum256(b.icon)
	b.iconURL = "/assets/" + hex.EncodeToString(sum[:]) + ".png"
	var made atomic.Int64
	var firstErr error
	var once sync.Once
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				created, err := b.listing(ctx, i)
				if err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				if created {
					made.Add(1)
				}
			}
		})
	}
	// The first listing uploads the icon every listing shows.
	created, err := b.listing(ctx, 0)
	if err != nil {
		close(jobs)
		return 0, err
	}
	if created {
		made.Add(1)
	}
	for i := 1; i < n && ctx.Err() == nil; i++ {
		if firstErr != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return int(made.Load()), errors.Join(firstErr, ctx.Err())
}

// listing creates and publishes listing i, unless its slug exists.
func (b *marketBench) listing(ctx context.Context, i int) (bool, error) {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	words := func(k int) string {
		w := make([]string, k)
		for j := range w {
			w[j] = benchWords[r.IntN(len(benchWords))]
		}
		return strings.Join(w, " ")
	}
	var desc strings.Builder
	for p := range 3 + r.IntN(3) { // 3 to 5 paragraphs of 40 to 80 words: 1 to 3 KB
		if p > 0 {
			desc.WriteString("\n\n")
		}
		fmt.Fprintf(&desc, "**%s** %s.", words(2), words(40+r.IntN(40)))
	}
	name := strings.ToUpper(words(1)[:1]) + words(2)[1:]
	body := fmt.Sprintf(`{"kind":"app","slug":"bench-%06d","app_id":%q,"developer_name":"Bench Co","name":%q,"tagline":%q,"description":%q,
		"categories":["bench"],"tags":[%q,%q],"privacy_url":"https://bench.invalid/privacy","terms_url":"https://bench.invalid/terms",
		"support_email":"help@bench.invalid","scope_justifications":{"bench:read":"To read what the benchmark needs"}%s}`,
		i, b.appID, name, words(6), desc.String(), benchWords[i%len(benchWords)], benchWords[(i+1)%len(benchWords)], b.iconField(i))
	var l struct{ ID string }
	status, err := b.admin(ctx, "POST", "/v1/marketplace/listings", body, &l)
	if status == http.StatusConflict {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if i == 0 {
		if err := b.uploadIcon(ctx, l.ID); err != nil {
			return false, err
		}
		if _, err := b.admin(ctx, "PATCH", "/v1/marketplace/listings/"+l.ID, `{"icon_url":"`+b.iconURL+`"}`, nil); err != nil {
			return false, err
		}
	}
	for _, action := range []string{"submit", "approve", "publish"} {
		// A busy machine may time a transition out after it committed: a
		// retry then finds it done (409).
		for try := 0; ; try++ {
			status, err := b.admin(ctx, "POST", "/v1/marketplace/listings/"+l.ID+"/transitions", `{"action":"`+action+`"}`, nil)
			if err == nil || status == http.StatusConflict && try > 0 {
				break
			}
			if status != 0 || try == 2 {
				return false, err
			}
		}
	}
	return true, nil
}

// iconField names the icon in every listing but the first, which uploads
// it.
func (b *marketBench) iconField(i int) string {
	if i == 0 {
		return ""
	}
	return `,"icon_url":"` + b.iconURL + `"`
}

func (b *marketBench) uploadIcon(ctx context.Context, listingID string) error {
	req, err := http.NewRequestWithContext(ctx, "POST", b.base+"/v1/marketplace/listings/"+listingID+"/images", bytes.NewReader(b.icon))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+b.key)
	req.Header.Set("Content-Type", "image/png")
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("upload icon: %s: %s", resp.Status, raw)
	}
	if !strings.Contains(string(raw), b.iconURL) {
		return fmt.Errorf("upload icon: stored at %s, not at %s", raw, b.iconURL)
	}
	return nil
}
