package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/clientip"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tracing"
)

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "patchbay_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observe is the outermost middleware: it gives each request an ID and an
// Info record, caps the body, turns panics into 500 problems, and when the
// response is done writes one log line and the metrics. The line shows the
// path that rt.loggedPath gives, without credentials.
//
// With a tracer, each request is a server span, the child of the caller's
// traceparent when it sent one, named by its route once the route is known.
func observe(logger *slog.Logger, m *httpMetrics, tracer trace.Tracer, bodyLimit int64, clients clientip.Resolver, rt *router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &httpapi.Info{ID: httpapi.NewRequestID(r), Start: time.Now(), ClientIP: clients.Of(r)}
		w.Header().Set(httpapi.RequestIDHeader, info.ID)
		ctx := httpapi.WithInfo(r.Context(), info)
		var span trace.Span
		if tracer != nil {
			ctx = tracing.Propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
			ctx, span = tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(tracing.String("http.request.method", r.Method), tracing.String("patchbay.request.id", info.ID)))
		}
		r = r.WithContext(ctx)
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, bodyLimit)
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				if !sw.wrote {
					httpapi.Error(sw, r, err)
				} else {
					info.Err = err
				}
			}
			finish(logger, m, rt, r, info, sw)
			if span != nil {
				endRequestSpan(span, info, sw)
			}
		}()
		rt.ServeHTTP(sw, r)
	})
}

// probeRoutes are polled by machines; their successful requests are logged
// only at debug level, so they do not drown the log.
var probeRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

func finish(logger *slog.Logger, m *httpMetrics, rt *router, r *http.Request, info *httpapi.Info, sw *statusWriter) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	elapsed := time.Since(info.Start)
	routeLabel := info.Route
	if routeLabel == "" {
		routeLabel = "unmatched"
	}
	m.requests.WithLabelValues(routeLabel, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(routeLabel).Observe(elapsed.Seconds())

	level := slog.LevelInfo
	if probeRoutes[info.Route] && status < http.StatusInternalServerError {
		level = slog.LevelDebug // polled every few seconds by load balancers and Prometheus
	}
	attrs := []slog.Attr{
		slog.String("request_id", info.ID),
		slog.String("method", r.Method),
		slog.String("client_ip", info.ClientIP.String()),
		slog.String("path", rt.loggedPath(r, info.Route)), // never the query: it may carry secrets
		slog.String("route", info.Route),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
	}
	if info.APIKeyID != "" {
		attrs = append(attrs, slog.String("api_key_id", info.APIKeyID))
	}
	if info.Err != nil {
		var appErr *apperr.Error
		if apperr.CodeOf(info.Err) == apperr.Internal {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", info.Err.Error()))
		} else if errors.As(info.Err, &appErr) {
			attrs = append(attrs, slog.String("problem", appErr.Message))
		}
	}
	logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (s *statusWriter) WriteHeader(status int) {
	if !s.wrote {
		s.status, s.wrote = status, true
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	s.wrote = true
	n, err := s.ResponseWriter.Write(p)
	s.bytes += int64(n)
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// endRequestSpan names a request's span by its route and ends it, an error
// when the answer was a 5xx.
func endRequestSpan(span trace.Span, info *httpapi.Info, sw *statusWriter) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	route := info.Route
	if route == "" {
		route = "unmatched"
	}
	span.SetName(route)
	span.SetAttributes(tracing.String("http.route", route), tracing.Int("http.response.status_code", status))
	var err error
	if status >= http.StatusInternalServerError {
		err = info.Err
		if err == nil {
			err = errors.New(http.StatusText(status))
		}
	}
	tracing.End(span, err)
}
