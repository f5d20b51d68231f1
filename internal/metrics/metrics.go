// Package metrics holds what the capabilities share for their Prometheus
// metrics: the buckets latencies are measured in, the status class label,
// and a collector of gauges read from the database at most once per
// interval, so a scrape never scans a hot table.
//
// Each capability owns its metrics: a small struct of vectors made in its
// constructor and registered on the node's one registry (see internal/app).
// Labels are bounded sets only (outcome, scheme, provider, grant type, status
// class), never tenant, endpoint, source, connection or token IDs: whoever
// scrapes /metrics reads them, and they would grow without bound.
package metrics

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// LatencyBuckets are for one outbound HTTP call or one request, in seconds.
var LatencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// EndToEndBuckets are for a message's way from publish to delivery, which
// includes queueing and retries, in seconds.
var EndToEndBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600}

// StatusClass is a response status as its class ("2xx" … "5xx"), or "error"
// when no response came (status 0).
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return "error"
	}
	return strconv.Itoa(status/100) + "xx"
}

// Register registers cs on reg; a nil reg registers nothing, for tests
// that build a service without a node.
func Register(reg prometheus.Registerer, cs ...prometheus.Collector) {
	if reg != nil {
		reg.MustRegister(cs...)
	}
}

// Sampled is a collector of gauges computed by a database query. A scrape
// runs Read at most once per Every; in between it answers with the last
// result, so however often Prometheus (or several) scrapes, the database
// sees one query per interval and node.
type Sampled struct {
	Descs  []*prometheus.Desc
	Every  time.Duration
	Read   func(ctx context.Context) ([]prometheus.Metric, error)
	Logger *slog.Logger

	mu   sync.Mutex
	at   time.Time
	last []prometheus.Metric
}

// SampleEveryDefault is how often a Sampled collector queries at most.
const SampleEveryDefault = 10 * time.Second

// readTimeout bounds one Read; a slow database leaves the last values.
const readTimeout = 2 * time.Second

// Describe implements prometheus.Collector.
func (s *Sampled) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range s.Descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s *Sampled) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	every := s.Every
	if every == 0 {
		every = SampleEveryDefault
	}
	if s.at.IsZero() || time.Since(s.at) >= every {
		ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
		ms, err := s.Read(ctx)
		cancel()
		if err != nil {
			if s.Logger != nil {
				s.Logger.Warn("reading metrics from the database", "error", err)
			}
		} else {
			s.last = ms
		}
		s.at = time.Now() // after a failure too: an outage is not queried on every scrape
	}
	for _, m := range s.last {
		ch <- m
	}
}
