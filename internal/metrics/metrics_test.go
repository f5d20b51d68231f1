package metrics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestSampledReadsAtMostOncePerInterval: scrapes within Every answer the
// last values without a query; after Every, Read runs again; a failed Read
// keeps the last values and is not retried on every scrape.
func TestSampledReadsAtMostOncePerInterval(t *testing.T) {
	desc := prometheus.NewDesc("test_gauge", "A test gauge.", nil, nil)
	reads, value := 0, 1.0
	var fail error
	s := &Sampled{Descs: []*prometheus.Desc{desc}, Every: 50 * time.Millisecond,
		Read: func(context.Context) ([]prometheus.Metric, error) {
			reads++
			if fail != nil {
				return nil, fail
			}
			return []prometheus.Metric{prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, value)}, nil
		}}
	if got := testutil.ToFloat64(s); got != 1 || reads != 1 {
		t.Fatalf("first scrape: %v after %d reads", got, reads)
	}
	value = 2
	if got := testutil.ToFloat64(s); got != 1 || reads != 1 {
		t.Errorf("scrape within the interval: %v after %d reads, want the cached 1 after 1", got, reads)
	}
	time.Sleep(60 * time.Millisecond)
	if got := testutil.ToFloat64(s); got != 2 || reads != 2 {
		t.Errorf("scrape after the interval: %v after %d reads, want 2 after 2", got, reads)
	}
	fail, value = errors.New("database away"), 3
	time.Sleep(60 * time.Millisecond)
	if got := testutil.ToFloat64(s); got != 2 || reads != 3 {
		t.Errorf("scrape with a failing read: %v after %d reads, want the last 2 after 3", got, reads)
	}
	if got := testutil.ToFloat64(s); got != 2 || reads != 3 {
		t.Errorf("scrape right after a failed read: %d reads, want no new one", reads)
	}
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]string{0: "error", 200: "2xx", 301: "3xx", 404: "4xx", 503: "5xx", 999: "error"} {
		if got := StatusClass(status); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", status, got, want)
		}
	}
}
