package webhooks

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/store"
)

// deliveryMetrics are the outgoing webhooks' metrics. The endpoint type is
// its delivery order (unordered or fifo); no label names an endpoint or a
// tenant.
type deliveryMetrics struct {
	attempts        *prometheus.CounterVec
	attemptDuration *prometheus.HistogramVec
	deliveries      *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	circuitOpens    prometheus.Counter
}

func newDeliveryMetrics(db *store.DB, reg prometheus.Registerer) *deliveryMetrics {
	m := &deliveryMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_webhook_attempts_total",
			Help: "Outgoing webhook delivery attempts by endpoint type (unordered, fifo) and outcome (success, client_error, server_error, throttled, no_response).",
		}, []string{"endpoint_type", "outcome"}),
		attemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "patchbay_webhook_attempt_duration_seconds", Help: "Time from sending an outgoing webhook attempt to its response, by endpoint type.",
			Buckets: metrics.LatencyBuckets,
		}, []string{"endpoint_type"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_webhook_deliveries_total",
			Help: "Outgoing webhook deliveries that reached a final state, by endpoint type and outcome (succeeded, failed: retries exhausted).",
		}, []string{"endpoint_type", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "patchbay_webhook_delivery_latency_seconds", Help: "Time from a message's publish to its successful delivery, retries included, by endpoint type.",
			Buckets: metrics.EndToEndBuckets,
		}, []string{"endpoint_type"}),
		circuitOpens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "patchbay_webhook_circuit_opens_total", Help: "Times an endpoint's circuit breaker opened after consecutive failures.",
		}),
	}
	for _, typ := range []string{OrderUnordered, OrderFIFO} {
		for _, o := range []string{"success", "client_error", "server_error", "throttled", "no_response"} {
			m.attempts.WithLabelValues(typ, o)
		}
		m.deliveries.WithLabelValues(typ, "succeeded")
		m.deliveries.WithLabelValues(typ, "failed")
	}
	metrics.Register(reg, m.attempts, m.attemptDuration, m.deliveries, m.latency, m.circuitOpens, newBacklogCollector(db))
	return m
}

// attemptOutcome names how an attempt went.
func attemptOutcome(r result) string {
	switch {
	case r.ok():
		return "success"
	case r.status == 0:
		return "no_response"
	case r.status == http.StatusTooManyRequests:
		return "throttled"
	case r.status >= 500:
		return "server_error"
	}
	return "client_error"
}

// observe counts a committed batch of attempts.
func (d *Dispatcher) observe(t target, results []result) {
	m := d.s.metrics
	typ := t.DeliveryOrder
	if typ != OrderFIFO {
		typ = OrderUnordered
	}
	for _, r := range results {
		m.attempts.WithLabelValues(typ, attemptOutcome(r)).Inc()
		m.attemptDuration.WithLabelValues(typ).Observe(r.duration.Seconds())
		switch {
		case r.ok():
			m.deliveries.WithLabelValues(typ, "succeeded").Inc()
			if !r.publishedAt.IsZero() {
				m.latency.WithLabelValues(typ).Observe(max(0, r.at.Add(r.duration).Sub(r.publishedAt).Seconds()))
			}
		default:
			if _, again := d.nextDelay(t, r, r.attempts+1); !again {
				m.deliveries.WithLabelValues(typ, "failed").Inc()
			}
		}
	}
}

// newBacklogCollector reports the deliveries due and waiting, the age of
// the oldest, and the endpoints by state, read from the database at most
// every metrics.SampleEveryDefault: the same shared truth on every node.
func newBacklogCollector(db *store.DB) *metrics.Sampled {
	due := prometheus.NewDesc("patchbay_webhook_backlog_deliveries",
		"Pending outgoing webhook deliveries that are due now (counted up to "+backlogCountCapText+").", nil, nil)
	age := prometheus.NewDesc("patchbay_webhook_backlog_oldest_age_seconds",
		"How long the oldest due outgoing webhook delivery has been due; 0 when none is.", nil, nil)
	endpoints := prometheus.NewDesc("patchbay_webhook_endpoints",
		"Webhook endpoints by state: healthy, failing (recent failures, circuit closed), circuit_open (paused by the breaker or a 429), disabled.",
		[]string{"state"}, nil)
	return &metrics.Sampled{
		Descs: []*prometheus.Desc{due, age, endpoints},
		Read: func(ctx context.Context) ([]prometheus.Metric, error) {
			now := db.Now()
			n, oldest, err := deliveriesBacklog(ctx, db, now)
			if err != nil {
				return nil, err
			}
			states, err := endpointsByState(ctx, db, now)
			if err != nil {
				return nil, err
			}
			var ageSeconds float64
			if oldest != nil {
				ageSeconds = max(0, now.Sub(*oldest).Seconds())
			}
			out := []prometheus.Metric{
				prometheus.MustNewConstMetric(due, prometheus.GaugeValue, float64(n)),
				prometheus.MustNewConstMetric(age, prometheus.GaugeValue, ageSeconds),
			}
			for _, s := range []string{"healthy", "failing", "circuit_open", "disabled"} {
				out = append(out, prometheus.MustNewConstMetric(endpoints, prometheus.GaugeValue, float64(states[s]), s))
			}
			return out, nil
		},
	}
}

// backlogCountCap bounds the count of due deliveries, so that a huge
// backlog costs a bounded index scan; the gauge then reads the cap.
const (
	backlogCountCap     = 100_000
	backlogCountCapText = "100000"
)
