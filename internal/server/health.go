package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// Health is the body of /healthz and /readyz.
type Health struct {
	Status  string `json:"status" doc:"Always ok when the process serves requests." enum:"ok"`
	Version string `json:"version,omitempty" doc:"The running version."`
}

// handleHealthz says the process is up; it touches nothing else, so a slow
// database never gets a live node restarted.
func handleHealthz(version string) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Health]{
		Summary:     "Liveness: the process is serving",
		Description: "Answers 200 while the process serves HTTP, without touching the database: for liveness probes. Use /readyz for readiness.",
		Do: func(*http.Request, httpapi.NoBody) (Health, error) {
			return Health{Status: "ok", Version: version}, nil
		},
	})
}

// handleReadyz says the node can do work: its database answers.
func handleReadyz(db *store.DB) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Health]{
		Summary:     "Readiness: the database answers (503 when it does not)",
		Description: "Answers 200 when the database answers and 503 when it does not: for load balancers' readiness checks.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Health, error) {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := db.Ping(ctx); err != nil {
				return Health{}, &apperr.Error{Code: apperr.Unavailable, Message: "the database does not answer", Err: err}
			}
			return Health{Status: "ready"}, nil
		},
	})
}

func handleMetrics(reg *prometheus.Registry) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Prometheus metrics of this node and of the shared database",
		Description: "Prometheus text format: HTTP requests and latencies by route; outgoing webhook attempts, outcomes, " +
			"publish-to-delivery latency, backlog and endpoints by state; incoming webhooks by scheme and outcome; proxy calls, " +
			"retries and rate-budget waits by provider; token refreshes and connections by status; OAuth grants and " +
			"introspections; jobs; database pools; the Go runtime. No label names a tenant, endpoint, source, key or token. " +
			"Served on --metrics-addr instead when that is set (then 404 here). The list is in docs/operations.md.",
		Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	}
}
