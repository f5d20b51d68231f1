package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runBench is a bounded load generator for a running Patchbay: concurrent
// keep-alive GETs of one URL for a fixed duration or request count, whichever
// ends first. It reports the rate, the statuses and the latency percentiles.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("patchbay bench", flag.ContinueOnError)
	target := fs.String("url", "", "URL to GET, for example http://127.0.0.1:8080/v1/tenants/acme (required)")
	key := fs.String("key", "", "admin API key sent as a bearer token")
	lim := loadFlags(fs)
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{error: fmt.Errorf("unknown bench command %q: use webhooks, oauth, inbound or marketplace, or flags only", fs.Arg(0)), command: "bench"}
	}
	if *target == "" {
		return usageError{error: errors.New("bench needs --url"), command: "bench"}
	}
	if err := lim.validate(); err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodGet, *target, nil)
	if err != nil {
		return usageError{error: fmt.Errorf("--url: %w", err)}
	}
	if *key != "" {
		req.Header.Set("Authorization", "Bearer "+*key)
	}
	client := lim.client()
	res := lim.run(ctx, func(ctx context.Context, _ int) (string, error) {
		resp, err := client.Do(req.WithContext(ctx))
		if err != nil {
			return "", err
		}
		io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining to reuse the connection
		resp.Body.Close()
		return resp.Status, nil
	})
	res.report(stdout, "GET "+*target)
	return nil
}

// loadLimits bound a load run: requests in flight, how long, how many, and
// optionally at what rate.
type loadLimits struct {
	concurrency *int
	duration    *time.Duration
	requests    *int64
	rate        *float64
}

func loadFlags(fs *flag.FlagSet) loadLimits {
	return loadLimits{
		concurrency: fs.Int("concurrency", 64, "requests in flight at once"),
		duration:    fs.Duration("duration", 10*time.Second, "how long to run (at most 5m)"),
		requests:    fs.Int64("requests", 5_000_000, "stop after this many requests"),
		rate: fs.Float64("rate", 0, "requests per second to start, on a fixed schedule (latency then counts from the scheduled time, "+
			"so a server that falls behind shows it); 0 means as fast as the workers go"),
	}
}

func (l loadLimits) validate() error {
	switch {
	case *l.concurrency < 1 || *l.concurrency > 4096:
		return usageError{error: errors.New("--concurrency must be from 1 to 4096")}
	case *l.duration <= 0 || *l.duration > 5*time.Minute:
		return usageError{error: errors.New("--duration must be positive and at most 5m")}
	case *l.requests < 1:
		return usageError{error: errors.New("--requests must be positive")}
	case *l.rate < 0:
		return usageError{error: errors.New("--rate must not be negative")}
	}
	return nil
}

// client is a keep-alive client with a connection per worker.
func (l loadLimits) client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: *l.concurrency, MaxConnsPerHost: *l.concurrency, DisableCompression: true},
		Timeout:   10 * time.Second,
	}
}

// loadResult is what one run saw.
type loadResult struct {
	concurrency int
	elapsed     time.Duration
	statuses    map[string]int64
	latencies   []time.Duration // sorted
}

// run calls do from concurrency workers until the duration or the request
// count is reached. do returns the response's status line; worker is the
// calling worker's number, for loads that keep state per worker.
func (l loadLimits) run(ctx context.Context, do func(ctx context.Context, worker int) (string, error)) loadResult {
	ctx, cancel := context.WithTimeout(ctx, *l.duration)
	defer cancel()
	res := loadResult{concurrency: *l.concurrency, statuses: map[string]int64{}}
	var issued atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	schedule := l.schedule(ctx, start)
	for worker := range *l.concurrency {
		wg.Go(func() {
			local := map[string]int64{}
			var lat []time.Duration
			for ctx.Err() == nil && issued.Add(1) <= *l.requests {
				t0 := time.Now()
				if schedule != nil {
					var ok bool
					if t0, ok = <-schedule; !ok {
						break
					}
				}
				status, err := do(ctx, worker)
				if err != nil {
					if ctx.Err() == nil {
						local["error: "+err.Error()]++
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				local[status]++
			}
			mu.Lock()
			for s, n := range local {
				res.statuses[s] += n
			}
			res.latencies = append(res.latencies, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.latencies)
	return res
}

// schedule feeds the start times of a --rate run, or is nil without one.
func (l loadLimits) schedule(ctx context.Context, start time.Time) <-chan time.Time {
	if *l.rate <= 0 {
		return nil
	}
	ch := make(chan time.Time, 1)
	interval := time.Duration(float64(time.Second) / *l.rate)
	go func() {
		defer close(ch)
		for i := int64(0); i < *l.requests; i++ {
			at := start.Add(time.Duration(i) * interval)
			if d := time.Until(at); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			}
			select {
			case <-ctx.Done():
				return
			case ch <- at:
			}
		}
	}()
	return ch
}

func (r loadResult) report(w io.Writer, what string) {
	fmt.Fprintf(w, "%s\nconcurrency %d, %s\n", what, r.concurrency, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "requests %d, %.0f req/s\n", len(r.latencies), float64(len(r.latencies))/r.elapsed.Seconds())
	fmt.Fprintf(w, "latency p50 %s, p90 %s, p99 %s, max %s\n",
		percentile(r.latencies, .5), percentile(r.latencies, .9), percentile(r.latencies, .99), percentile(r.latencies, 1))
	keys := make([]string, 0, len(r.statuses))
	for s := range r.statuses {
		keys = append(keys, s)
	}
	slices.Sort(keys)
	for _, s := range keys {
		fmt.Fprintf(w, "  %s: %d\n", s, r.statuses[s])
	}
}

// runHeader starts a benchmark report: the command that made it and the
// machine it ran on.
func runHeader(w io.Writer, args []string) {
	fmt.Fprintf(w, "command: %s\n", commandLine(args))
	fmt.Fprintf(w, "machine: %d CPUs (GOMAXPROCS %d), %s/%s, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// commandLine quotes args for a shell, so a report's command can be run
// again as it stands, except that an API key given with --key is left out.
func commandLine(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		switch {
		case i > 0 && (args[i-1] == "--key" || args[i-1] == "-key"):
			a = "$KEY"
		case strings.HasPrefix(a, "--key=") || strings.HasPrefix(a, "-key="):
			a = a[:strings.Index(a, "=")+1] + "$KEY"
		case a == "" || strings.ContainsAny(a, " \t'\"$&;|<>*?()[]{}`\\!#~"):
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// nodeAdmin calls a running node's admin API, for benchmarks that set up
// their own data.
type nodeAdmin struct {
	base, key string
	http      *http.Client
}

// admin calls the admin API and decodes the answer into out.
func (n nodeAdmin) admin(ctx context.Context, method, path, body string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, n.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+n.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}
