package jobs

import (
	"context"
	"encoding/json"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/tracing"
)

// workMetrics count the jobs this node worked, by kind (a fixed set: the
// registered workers) and outcome.
type workMetrics struct {
	worked   *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newWorkMetrics(reg prometheus.Registerer) *workMetrics {
	m := &workMetrics{
		worked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_jobs_worked_total", Help: "Jobs this node worked, by kind and outcome (success, error).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "patchbay_job_duration_seconds", Help: "Time this node spent working a job, by kind.",
			Buckets: metrics.LatencyBuckets,
		}, []string{"kind"}),
	}
	metrics.Register(reg, m.worked, m.duration)
	return m
}

// observer is River worker middleware: a span per job worked (when tracing
// is on) and the work metrics.
func observer(m *workMetrics, tracer trace.Tracer) rivertype.WorkerMiddleware {
	return river.WorkerMiddlewareFunc(func(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
		start := time.Now()
		if tracer != nil {
			var span trace.Span
			ctx, span = tracer.Start(jobContext(ctx, job.Metadata), "job "+job.Kind, trace.WithSpanKind(trace.SpanKindConsumer),
				trace.WithAttributes(tracing.String("patchbay.job.kind", job.Kind), tracing.Int("patchbay.job.attempt", job.Attempt)))
			defer func() { tracing.End(span, err) }()
		}
		err = doInner(ctx)
		outcome := "success"
		if err != nil {
			outcome = "error"
		}
		m.worked.WithLabelValues(job.Kind, outcome).Inc()
		m.duration.WithLabelValues(job.Kind).Observe(time.Since(start).Seconds())
		return err
	})
}

// traceparentKey holds, in a job's metadata, the trace context of the span
// that enqueued it.
const traceparentKey = "traceparent"

// traceInserter is River insert middleware, installed only when tracing is
// on: a job enqueued within a sampled span carries that span's context in
// its metadata, and its work span (observer) is that span's child, so a
// request's trace shows the jobs it caused.
func traceInserter() rivertype.JobInsertMiddleware {
	return river.JobInsertMiddlewareFunc(func(ctx context.Context, many []*rivertype.JobInsertParams,
		doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
		if sc := trace.SpanContextFromContext(ctx); sc.IsSampled() {
			carrier := propagation.MapCarrier{}
			tracing.Propagator.Inject(ctx, carrier)
			for _, p := range many {
				meta := map[string]json.RawMessage{}
				if len(p.Metadata) > 0 {
					if err := json.Unmarshal(p.Metadata, &meta); err != nil {
						continue // not an object: left as it is
					}
				}
				tp, _ := json.Marshal(carrier.Get("traceparent"))
				meta[traceparentKey] = tp
				if b, err := json.Marshal(meta); err == nil {
					p.Metadata = b
				}
			}
		}
		return doInner(ctx)
	})
}

// jobContext is ctx with the enqueuing span from the job's metadata as the
// remote parent, when there is one.
func jobContext(ctx context.Context, metadata []byte) context.Context {
	var meta struct {
		Traceparent string `json:"traceparent"`
	}
	if len(metadata) == 0 || json.Unmarshal(metadata, &meta) != nil || meta.Traceparent == "" {
		return ctx
	}
	return tracing.Propagator.Extract(ctx, propagation.MapCarrier{"traceparent": meta.Traceparent})
}
