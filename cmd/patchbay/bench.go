package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// runBench is a bounded load generator for a running Patchbay: concurrent
// keep-alive GETs of one URL for a fixed duration or request count, whichever
// ends first. It reports the rate, the statuses and the latency percentiles.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("patchbay bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "", "URL to GET, for example http://127.0.0.1:8080/v1/tenants/acme (required)")
	key := fs.String("key", "", "admin API key sent as a bearer token")
	concurrency := fs.Int("concurrency", 64, "requests in flight at once")
	duration := fs.Duration("duration", 10*time.Second, "how long to run (at most 5m)")
	maxRequests := fs.Int64("requests", 5_000_000, "stop after this many requests")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	switch {
	case *target == "":
		return usageError{errors.New("bench needs --url")}
	case *concurrency < 1 || *concurrency > 4096:
		return usageError{errors.New("--concurrency must be from 1 to 4096")}
	case *duration <= 0 || *duration > 5*time.Minute:
		return usageError{errors.New("--duration must be positive and at most 5m")}
	}
	req, err := http.NewRequest(http.MethodGet, *target, nil)
	if err != nil {
		return usageError{fmt.Errorf("--url: %w", err)}
	}
	if *key != "" {
		req.Header.Set("Authorization", "Bearer "+*key)
	}
	client := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency, DisableCompression: true},
		Timeout:   10 * time.Second,
	}

	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var issued atomic.Int64
	var mu sync.Mutex
	statuses := map[string]int64{}
	var latencies []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range *concurrency {
		wg.Go(func() {
			local := map[string]int64{}
			var lat []time.Duration
			for ctx.Err() == nil && issued.Add(1) <= *maxRequests {
				t0 := time.Now()
				resp, err := client.Do(req.WithContext(ctx))
				if err != nil {
					if ctx.Err() == nil {
						local["error"]++
					}
					continue
				}
				io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining to reuse the connection
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				local[resp.Status]++
			}
			mu.Lock()
			for s, n := range local {
				statuses[s] += n
			}
			latencies = append(latencies, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(float64(len(latencies))*p))]
	}
	fmt.Fprintf(stdout, "GET %s\nconcurrency %d, %s\n", *target, *concurrency, elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "requests %d, %.0f req/s\n", len(latencies), float64(len(latencies))/elapsed.Seconds())
	fmt.Fprintf(stdout, "latency p50 %s, p90 %s, p99 %s, max %s\n", pct(.5), pct(.9), pct(.99), pct(1))
	keys := make([]string, 0, len(statuses))
	for s := range statuses {
		keys = append(keys, s)
	}
	slices.Sort(keys)
	for _, s := range keys {
		fmt.Fprintf(stdout, "  %s: %d\n", s, statuses[s])
	}
	return nil
}
