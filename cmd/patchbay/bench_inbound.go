package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// runBenchInbound measures a running node's ingest URL: Stripe-style signed
// events of a fixed size, each with its own event ID, sent by concurrent
// workers or at a fixed rate. It creates its own source through the admin
// API.
func runBenchInbound(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("patchbay bench inbound", flag.ContinueOnError)
	base := fs.String("url", "", "the node's base URL, for example http://127.0.0.1:8080 (required)")
	key := fs.String("key", "", "admin API key (required)")
	size := fs.Int("payload-bytes", 2048, "size of each event's JSON body")
	lim := loadFlags(fs)
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if *base == "" || *key == "" {
		return usageError{error: errors.New("bench inbound needs --url and --key")}
	}
	if *size < 100 || *size > 1<<20 {
		return usageError{error: errors.New("--payload-bytes must be from 100 to 1048576")}
	}
	if err := lim.validate(); err != nil {
		return err
	}
	b := nodeAdmin{base: strings.TrimSuffix(*base, "/"), key: *key, http: lim.client()}
	runHeader(stdout, append([]string{"patchbay", "bench", "inbound"}, args...))

	var raw [24]byte
	rand.Read(raw[:])
	secret := "whsec_" + hex.EncodeToString(raw[:])
	var src struct {
		IngestURL string `json:"ingest_url"`
	}
	if _, err := b.admin(ctx, "POST", "/v1/sources", `{"name":"Benchmark","verifier":{"scheme":"stripe","secrets":["`+secret+`"]}}`, &src); err != nil {
		return err
	}
	var seq atomic.Int64
	padding := strings.Repeat("x", *size)
	res := lim.run(ctx, func(ctx context.Context, _ int) (string, error) {
		n := seq.Add(1)
		head := `{"id":"evt_bench_` + strconv.FormatInt(n, 10) + `","object":"event","type":"invoice.paid","data":{"padding":"`
		body := head + padding[:max(0, *size-len(head)-3)] + `"}}`
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "." + body))
		req, err := http.NewRequestWithContext(ctx, "POST", src.IngestURL, strings.NewReader(body))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", "t="+ts+",v1="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := b.http.Do(req)
		if err != nil {
			return "", err
		}
		io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining to reuse the connection
		resp.Body.Close()
		return resp.Status, nil
	})
	res.report(stdout, fmt.Sprintf("POST %s (Stripe-signed, %d B bodies)", src.IngestURL, *size))
	return nil
}
