package proxy

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/metrics"
)

// proxyMetrics are labelled by provider (the catalog's IDs, a set the
// operator bounds), never by connection or tenant.
type proxyMetrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	retries   *prometheus.CounterVec
	waits     *prometheus.CounterVec
	waitTimes *prometheus.HistogramVec
}

func newProxyMetrics(reg prometheus.Registerer) *proxyMetrics {
	m := &proxyMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_proxy_requests_total",
			Help: "Proxied requests to providers by provider and result: the final response's status class (2xx … 5xx), error (no response) or queue_timeout (refused: the rate budget had no room in time).",
		}, []string{"provider", "class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "patchbay_proxy_request_duration_seconds", Help: "Time a proxied request took until the provider's final response headers, retries and waits included, by provider.",
			Buckets: metrics.LatencyBuckets,
		}, []string{"provider"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_proxy_retries_total", Help: "Proxied requests sent again after a failure or a retryable status, by provider.",
		}, []string{"provider"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_proxy_rate_waits_total", Help: "Proxied requests that waited for their connection's rate budget, by provider.",
		}, []string{"provider"}),
		waitTimes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "patchbay_proxy_rate_wait_seconds", Help: "Time proxied requests waited for their connection's rate budget, by provider (only requests that waited).",
			Buckets: metrics.LatencyBuckets,
		}, []string{"provider"}),
	}
	metrics.Register(reg, m.requests, m.duration, m.retries, m.waits, m.waitTimes)
	return m
}

// observe counts one proxied request; out holds what happened before a
// failure too.
func (m *proxyMetrics) observe(out *Response, resp *Response, err error, elapsed time.Duration) {
	provider := out.provider
	if provider == "" {
		provider = "unknown" // refused before its connection was found
	}
	class := "error"
	switch {
	case err == nil && resp != nil && resp.Response != nil:
		class = metrics.StatusClass(resp.StatusCode)
	case apperr.CodeOf(err) == apperr.QuotaExceeded:
		class = "queue_timeout"
	}
	m.requests.WithLabelValues(provider, class).Inc()
	if out.Attempts > 0 {
		m.duration.WithLabelValues(provider).Observe(elapsed.Seconds())
	}
	if out.Attempts > 1 {
		m.retries.WithLabelValues(provider).Add(float64(out.Attempts - 1))
	}
	if out.QueueWait > 0 {
		m.waits.WithLabelValues(provider).Inc()
		m.waitTimes.WithLabelValues(provider).Observe(out.QueueWait.Seconds())
	}
}
