package jobs

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
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
			ctx, span = tracer.Start(ctx, "job "+job.Kind, trace.WithSpanKind(trace.SpanKindConsumer),
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
