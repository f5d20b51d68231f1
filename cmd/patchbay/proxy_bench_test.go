package main

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// BenchmarkProxyOverhead measures what the proxy adds to a provider call:
// b.N GETs of a 1 KiB JSON body from one loopback TLS upstream, first
// directly and then through a node's proxy (an API-key connection on
// SQLite, the full admin middleware chain and request log), at the same
// concurrency: 1 shows the cost of one request, 16 the throughput. It
// reports each phase's p50 and p99 latency, the added p50, and requests/s
// through the proxy. Load generator, node and upstream share the machine's
// cores.
func BenchmarkProxyOverhead(b *testing.B) {
	api := newFakeAPI(b)
	dir := b.TempDir()
	writeProxyProviders(b, dir, api.URL)
	e := setup(b, storetest.Dialect{Name: store.SQLite, Options: storetest.SQLiteOptions}, "--rate-limit", "0",
		"--providers-dir", dir, "--connect-ca-file", writeCAFile(b, api.Server), "--outbound-allow", "127.0.0.0/8")
	req, _ := http.NewRequest("PUT", e.node.URL+"/v1/tenants/acme", strings.NewReader(`{"name":"Acme"}`))
	req.Header.Set("Authorization", "Bearer "+e.key)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		b.Fatalf("tenant: %v %v", resp, err)
	}
	conn := connectKey(b, e, "proxykey")

	transport := api.Client().Transport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 16
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	get := func(url string, auth bool) func() error {
		return func() error {
			req, _ := http.NewRequest("GET", url, nil)
			if auth {
				req.Header.Set("Authorization", "Bearer "+e.key)
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || n != 1024 {
				return fmt.Errorf("%s: %d with %d bytes", url, resp.StatusCode, n)
			}
			return nil
		}
	}
	direct := get(api.URL+"/v1/static", false)
	proxied := get(e.node.URL+"/v1/connections/"+conn+"/proxy/static", true)
	for _, concurrency := range []int{1, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", concurrency), func(b *testing.B) {
			// Warm both paths' connection pools, so neither phase pays handshakes.
			loadPhase(b, 4*concurrency, concurrency, direct)
			loadPhase(b, 4*concurrency, concurrency, proxied)
			b.ResetTimer()
			directLat, _ := loadPhase(b, b.N, concurrency, direct)
			proxyLat, proxyElapsed := loadPhase(b, b.N, concurrency, proxied)
			b.StopTimer()
			b.ReportMetric(us(percentile(directLat, .50)), "direct-p50-µs")
			b.ReportMetric(us(percentile(directLat, .99)), "direct-p99-µs")
			b.ReportMetric(us(percentile(proxyLat, .50)), "proxy-p50-µs")
			b.ReportMetric(us(percentile(proxyLat, .99)), "proxy-p99-µs")
			b.ReportMetric(us(percentile(proxyLat, .50)-percentile(directLat, .50)), "added-p50-µs")
			b.ReportMetric(float64(len(proxyLat))/proxyElapsed.Seconds(), "proxy-req/s")
		})
	}
}

// loadPhase makes n calls of do from concurrency workers and
// returns the sorted latencies and the phase's duration. It stops at the
// first error.
func loadPhase(b *testing.B, n, concurrency int, do func() error) ([]time.Duration, time.Duration) {
	var next atomic.Int64
	var failed atomic.Bool
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			var lat []time.Duration
			for next.Add(1) <= int64(n) && !failed.Load() {
				t0 := time.Now()
				if err := do(); err != nil {
					failed.Store(true)
					b.Error(err)
					return
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	return all, elapsed
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
