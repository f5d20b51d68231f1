package transform_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/transform"
	"github.com/patchbay/patchbay/internal/transform/transformtest"
)

// BenchmarkRun measures what a trivial transformation adds to a delivery:
// one run on a 512-byte payload, with the compiled version cached as it is
// after the first delivery. It reports the p50 and p99 of single runs.
//
//	go test ./internal/transform -run '^$' -bench Run -benchtime 2000x
func BenchmarkRun(b *testing.B) {
	payload, _ := json.Marshal(map[string]string{"data": strings.Repeat("abcdefgh", 60)})
	in := transform.Input{Webhook: transform.Webhook{EventType: "bench.event", Payload: payload,
		Headers: map[string]string{"X-A": "1"}, URL: "https://example.com/hook"}, Now: time.Now()}
	for _, tc := range []struct {
		name string
		p    func(b *testing.B) transform.Program
	}{
		{"js", func(*testing.B) transform.Program {
			return transform.Program{Version: "tfv_bench_js", Language: transform.LangJavaScript, Code: []byte(`function handler(webhook) { return webhook; }`)}
		}},
		{"wasm", func(b *testing.B) transform.Program {
			return transform.Program{Version: "tfv_bench_wasm", Language: transform.LangWasm, Code: transformtest.Example(b)}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			// A second, not 50 ms: a busy machine must not fail the
			// measurement; the percentiles show what runs took.
			e := transform.NewEngine(transform.Limits{Timeout: time.Second})
			defer e.Close(context.Background())
			p := tc.p(b)
			if _, err := e.Run(b.Context(), p, in); err != nil { // compile and warm up
				b.Fatal(err)
			}
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if _, err := e.Run(b.Context(), p, in); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
		})
	}
}
