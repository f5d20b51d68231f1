package webhooks

import (
	"cmp"
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/jobs"
	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tracing"
	"github.com/patchbay/patchbay/internal/vault"
)

// Config tunes delivery. Zero values mean the defaults below.
type Config struct {
	// RetrySchedule is the delay before each retry after the first attempt.
	RetrySchedule []time.Duration
	// Jitter spreads each delay by up to this fraction either way.
	Jitter float64
	// Timeout bounds one delivery attempt.
	Timeout time.Duration
	// RetryAfterMax bounds how long a receiver's Retry-After may postpone a
	// delivery.
	RetryAfterMax time.Duration
	// TooManyRequestsFloor is the least wait after a 429, Retry-After or not.
	TooManyRequestsFloor time.Duration
	// DisableAfter disables an endpoint that has failed without a success
	// for this long.
	DisableAfter time.Duration
	// SecretOverlap is how long a rotated-out secret keeps signing.
	SecretOverlap time.Duration
	// MaxConcurrency is the default number of deliveries in flight per endpoint.
	MaxConcurrency int
	// AllowHTTP accepts http:// endpoint URLs, not only https://.
	AllowHTTP bool
	// Retention is how long message payloads and response bodies are kept.
	Retention time.Duration
	// Node names this process in attempt records and endpoint leases.
	Node string
	// OperationalURL receives operational events such as endpoint.disabled;
	// empty sends none.
	OperationalURL string
	// OperationalSecret (whsec_…) signs operational events when set.
	OperationalSecret string
	// Metrics is the registry the delivery metrics are registered on; nil
	// registers none (they are still counted).
	Metrics prometheus.Registerer
	// Tracer makes spans for publishes and delivery attempts; nil makes
	// none. A message published within a sampled span keeps its context,
	// and its attempts' spans are that span's children.
	Tracer trace.TracerProvider
	// Traceparent sends each attempt's traceparent header to the receiver.
	Traceparent bool
}

// Defaults.
var (
	RetryScheduleDefault = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
)

const (
	JitterDefault               = 0.2
	TimeoutDefault              = 15 * time.Second
	RetryAfterMaxDefault        = time.Hour
	TooManyRequestsFloorDefault = 30 * time.Second
	DisableAfterDefault         = 5 * 24 * time.Hour
	SecretOverlapDefault        = 24 * time.Hour
	MaxConcurrencyDefault       = 16
	RetentionDefault            = 30 * 24 * time.Hour
)

func (c Config) withDefaults() Config {
	if len(c.RetrySchedule) == 0 {
		c.RetrySchedule = RetryScheduleDefault
	}
	if c.Jitter == 0 {
		c.Jitter = JitterDefault
	}
	c.Timeout = cmp.Or(c.Timeout, TimeoutDefault)
	c.RetryAfterMax = cmp.Or(c.RetryAfterMax, RetryAfterMaxDefault)
	c.TooManyRequestsFloor = cmp.Or(c.TooManyRequestsFloor, TooManyRequestsFloorDefault)
	c.DisableAfter = cmp.Or(c.DisableAfter, DisableAfterDefault)
	c.SecretOverlap = cmp.Or(c.SecretOverlap, SecretOverlapDefault)
	c.MaxConcurrency = cmp.Or(c.MaxConcurrency, MaxConcurrencyDefault)
	c.Retention = cmp.Or(c.Retention, RetentionDefault)
	return c
}

// Service is the outgoing webhooks capability.
type Service struct {
	db         *store.DB
	vault      *vault.Vault
	cfg        Config
	client     *http.Client
	urlOptions safehttp.Options
	// onGone, when set, learns of a 410 Gone in the dispatcher's transaction.
	onGone     func(ctx context.Context, tx *store.Tx, endpointID string) error
	brokers    *destinations.Pool // this node's broker connections
	eventTypes *EventTypes
	transforms Transformer // runs endpoints' transformations; nil for none
	jobs       jobs.Inserter
	publish    store.GroupCommit[*publishReq]

	wakeCh     chan struct{}
	dispatcher atomic.Pointer[Dispatcher] // this node's, if it runs one
	metrics    *deliveryMetrics
	tracer     trace.Tracer // nil when tracing is off
}

// NewService returns the webhooks service. Deliveries go out through the
// SSRF-guarded client that outbound describes, with the delivery timeout.
func NewService(db *store.DB, v *vault.Vault, eventTypes *EventTypes, outbound safehttp.Options, jobs jobs.Inserter, cfg Config) *Service {
	cfg = cfg.withDefaults()
	outbound.Timeout = cfg.Timeout
	s := &Service{db: db, vault: v, cfg: cfg, client: outbound.Client(), urlOptions: outbound,
		brokers: destinations.NewPool(outbound), eventTypes: eventTypes, jobs: jobs,
		wakeCh: make(chan struct{}, 1), metrics: newDeliveryMetrics(db, cfg.Metrics)}
	if cfg.Tracer != nil {
		s.tracer = tracing.Tracer(cfg.Tracer)
	}
	s.publish = store.GroupCommit[*publishReq]{Commit: s.commitPublish, Max: maxPublishGroup,
		Weight: func(r *publishReq) int { return len(r.in) }}
	return s
}

// delivered tells this node's dispatcher that endpoints have new deliveries.
func (s *Service) delivered(endpointIDs []string) {
	if d := s.dispatcher.Load(); d != nil {
		d.kick(endpointIDs)
	}
}

// wake tells this node's dispatcher that deliveries may be due now.
func (s *Service) wake() {
	select {
	case s.wakeCh <- struct{}{}:
	default:
	}
}

// Outbound is the SSRF policy deliveries go out under, for other
// capabilities that connect where a tenant chose (inbound's broker
// consumers).
func (s *Service) Outbound() safehttp.Options { return s.urlOptions }
