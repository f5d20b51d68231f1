package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbay/patchbay/internal/store"
)

// Collector reports how many jobs there are by kind and state, read from
// River's table at scrape time so every node reports the same shared truth.
type Collector struct {
	db     *store.DB
	logger *slog.Logger
	desc   *prometheus.Desc
}

// NewCollector returns the job count collector.
func NewCollector(db *store.DB, logger *slog.Logger) *Collector {
	return &Collector{
		db:     db,
		logger: logger,
		desc: prometheus.NewDesc("patchbay_jobs", "Jobs in the queue table by kind and state (available, scheduled, running, retryable, completed, cancelled, discarded).",
			[]string{"kind", "state"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := jobsCountByKindState(ctx, c.db)
	if err != nil {
		c.logger.Warn("count jobs for metrics", "error", err)
		return
	}
	for _, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, n.count, n.kind, n.state)
	}
}
