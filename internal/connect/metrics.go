package connect

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/store"
)

// refreshMetrics count token refreshes by provider (the catalog's IDs) and
// outcome, never by connection or tenant.
type refreshMetrics struct {
	refreshes *prometheus.CounterVec
}

func newRefreshMetrics(db *store.DB, reg prometheus.Registerer) *refreshMetrics {
	m := &refreshMetrics{
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_connect_refreshes_total",
			Help: "Token refreshes asked of providers, by provider and outcome: refreshed, refused (invalid_grant: the connection needs re-authorization), failed (transient), expired (nothing to refresh with).",
		}, []string{"provider", "outcome"}),
	}
	connections := prometheus.NewDesc("patchbay_connect_connections",
		"Connections by status: active, needs_reauth (the user must connect again).", []string{"status"}, nil)
	gauges := &metrics.Sampled{
		Descs: []*prometheus.Desc{connections},
		Read: func(ctx context.Context) ([]prometheus.Metric, error) {
			counts, err := connectionsCountByStatus(ctx, db)
			if err != nil {
				return nil, err
			}
			var out []prometheus.Metric
			for _, st := range []string{StatusActive, StatusNeedsReauth} {
				out = append(out, prometheus.MustNewConstMetric(connections, prometheus.GaugeValue, float64(counts[st]), st))
			}
			return out, nil
		},
	}
	metrics.Register(reg, m.refreshes, gauges)
	return m
}
