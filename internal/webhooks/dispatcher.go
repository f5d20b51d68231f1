package webhooks

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"

	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/lease"
	"github.com/patchbay/patchbay/internal/retry"
	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tracing"
	"github.com/patchbay/patchbay/webhook"
)

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// Dispatcher tuning.
const (
	pollInterval = 100 * time.Millisecond
	// sqliteLinger is how long a worker keeps its endpoint after its last
	// batch on SQLite: it claims again whenever a publish kicks it, so a
	// trickle of messages costs no lease, release and scan per batch, which
	// are transactions on SQLite's one writer. On PostgreSQL, where nodes
	// share the endpoints, a worker stops as soon as nothing is due, and
	// yields its endpoint after postgresShareAfter even when busy, and its
	// node scans again only yieldGap later, so that another node's scan can
	// take it: otherwise the node that leased a busy endpoint first would
	// keep it, and the other nodes idle.
	sqliteLinger       = time.Second
	postgresShareAfter = 250 * time.Millisecond
	yieldGap           = 10 * time.Millisecond
	leaseTTL           = 30 * time.Second
	maxCachedTargets   = 10_000
	batchSize          = 100
	responseBodyLimit  = 64 << 10
	// breakerThreshold consecutive failures open an endpoint's circuit: its due
	// deliveries are postponed, without spending attempts, for a cooldown that
	// doubles each time it opens again, up to breakerMaxCooldown.
	breakerThreshold   = 5
	breakerCooldown    = 30 * time.Second
	breakerMaxCooldown = 10 * time.Minute
	// successRecordEvery is how current last_success_at is kept while an
	// endpoint stays healthy: writing it for every batch would make each
	// batch update the endpoint's row as well as its deliveries.
	successRecordEvery = time.Minute
)

// Dispatcher delivers due deliveries. Every worker node runs one. Work is
// divided per endpoint: a node leases an endpoint (a row lock with an expiry
// in the endpoints table) and alone sends its deliveries, which gives each
// endpoint its own concurrency, rate limit, circuit breaker and FIFO order,
// and means each attempt is made by exactly one node. The schedule itself is
// the deliveries table (next_attempt_at), so nothing is lost with a node: its
// leases expire and another node carries on.
type Dispatcher struct {
	s      *Service
	logger *slog.Logger

	linger     time.Duration // how long an idle worker keeps its endpoint
	shareAfter time.Duration // when a busy worker yields its endpoint; 0 never
	mu         sync.Mutex
	active     map[string]chan struct{} // each running worker's kick
	// targets keeps endpoints as their last workers left them, so a new
	// worker need not read the endpoint and decrypt its secrets again. Its
	// first claim tells whether the endpoint changed since, and brings the
	// health fields up to date.
	targets map[string]target
	backoff map[string]time.Duration // current breaker cooldown per endpoint
	wg      sync.WaitGroup

	records store.GroupCommit[recordBody]
}

// NewDispatcher returns the dispatcher for s.
func (s *Service) NewDispatcher(logger *slog.Logger) *Dispatcher {
	d := &Dispatcher{s: s, logger: logger, active: map[string]chan struct{}{}, targets: map[string]target{}, backoff: map[string]time.Duration{}}
	if s.db.SharedByNodes() {
		d.shareAfter = postgresShareAfter
	} else {
		d.linger = sqliteLinger
	}
	d.records = store.GroupCommit[recordBody]{Commit: d.commitRecords, Max: maxRecordGroup}
	s.dispatcher.Store(d)
	return d
}

// Run dispatches until ctx is done, then waits for the attempts in flight to
// finish and be recorded (each bounded by the delivery timeout).
func (d *Dispatcher) Run(ctx context.Context) {
	defer d.s.brokers.Close() // after the attempts in flight
	defer d.wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-d.s.wakeCh:
		}
		if err := d.startDue(ctx); err != nil && ctx.Err() == nil {
			d.logger.Warn("find due deliveries", "error", err)
		}
		timer.Reset(pollInterval)
	}
}

// startDue leases the endpoints that have due deliveries and no owner, and
// starts a worker for each.
func (d *Dispatcher) startDue(ctx context.Context) error {
	now := d.s.db.Now() // the clock leases are written on
	due, err := endpointsDueUnleased(ctx, d.s.db, d.s.cfg.Node, now, 1000)
	if err != nil {
		return err
	}
	for _, epID := range due {
		d.mu.Lock()
		_, busy := d.active[epID]
		d.mu.Unlock()
		if busy {
			continue
		}
		ok, err := d.lease(ctx, epID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		kick := make(chan struct{}, 1)
		d.mu.Lock()
		d.active[epID] = kick
		d.mu.Unlock()
		d.wg.Go(func() {
			err := d.work(ctx, epID, kick)
			if err != nil && !errors.Is(err, errYield) && ctx.Err() == nil {
				d.logger.Warn("deliver to endpoint", "endpoint_id", epID, "error", err)
			}
			d.release(epID) // before another worker can start here
			d.mu.Lock()
			delete(d.active, epID)
			d.mu.Unlock()
			switch {
			case errors.Is(err, errYield):
				time.AfterFunc(yieldGap, d.s.wake)
			case len(kick) > 0: // new deliveries since the last claim
				d.s.wake()
			}
		})

	}
	return nil
}

// kick tells the workers of endpoints that just got deliveries to claim them,
// and wakes the scan if one of the endpoints has no worker on this node.
func (d *Dispatcher) kick(endpointIDs []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	scan := false
	for _, epID := range endpointIDs {
		kick, ok := d.active[epID]
		if !ok {
			scan = true
			continue
		}
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	if scan {
		d.s.wake()
	}
}

// endpointLease is where an endpoint's delivery worker holds its endpoint.
var endpointLease = lease.Columns{Table: "endpoints", Owner: "lease_owner", Until: "lease_until"}

// lease takes or renews this node's lease on an endpoint.
func (d *Dispatcher) lease(ctx context.Context, epID string) (bool, error) {
	// One statement, committed on its own: a transaction around it would cost
	// two more round trips on PostgreSQL.
	return endpointLease.Take(ctx, d.s.db, epID, d.s.cfg.Node, leaseTTL, true, "disabled = ?", false)
}

func (d *Dispatcher) release(epID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := endpointLease.Release(ctx, d.s.db, epID, d.s.cfg.Node); err != nil {
		d.logger.Warn("release endpoint lease", "endpoint_id", epID, "error", err)
	}
}

// target is what a worker needs to know about its endpoint.
type target struct {
	Endpoint
	keys                [][]byte // the current key, then the previous one until previousUntil
	previousUntil       *time.Time
	failingSince        *time.Time
	consecutiveFailures int
	pausedUntil         *time.Time // the circuit is open, or the endpoint asked to wait
	successRecordedAt   time.Time  // when this node last wrote last_success_at
	brokerCredentials   destinations.Credentials
}

func (d *Dispatcher) loadTarget(ctx context.Context, epID string) (target, error) {
	var t target
	var err error
	t.Endpoint, t.failingSince, t.consecutiveFailures, err = endpointGetWithHealth(ctx, d.s.db, epID)
	if err != nil {
		return t, err
	}
	sec, err := d.s.secrets(ctx, d.s.db, epID)
	if err != nil {
		return t, err
	}
	key, err := webhook.ParseSecret(sec.current)
	if err != nil {
		return t, fmt.Errorf("endpoint %s secret: %w", epID, err)
	}
	if t.CredentialsSet {
		if t.brokerCredentials, err = d.s.brokerCredentials(ctx, d.s.db, epID); err != nil {
			return t, err
		}
	}
	t.keys = [][]byte{key}
	if sec.previous != "" && sec.previousUntil != nil && time.Now().Before(*sec.previousUntil) {
		if prev, err := webhook.ParseSecret(sec.previous); err == nil {
			t.keys, t.previousUntil = append(t.keys, prev), sec.previousUntil
		}
	}
	return t, nil
}

// due is one delivery to send.
type due struct {
	id        string
	messageID string
	attempts  int
	nextAt    time.Time
	// publishedAt is when the message was published (its created_at).
	publishedAt time.Time
	eventType   string
	payload     []byte
	headers     map[string]string // a forwarded message's own headers
	// traceparent is the span context its message was published in.
	traceparent string
}

// result is the outcome of one attempt.
type result struct {
	due
	at         time.Time
	duration   time.Duration
	status     int // 0 when no response came
	body       []byte
	errText    string
	retryAfter time.Duration
	acked      bool // a broker acknowledged the message (no status)
	// transformed names the transformation version that ran (tfv_…);
	// permanent says its failure cannot be helped by retrying.
	transformed string
	permanent   bool
}

func (r result) ok() bool { return r.acked || r.status >= 200 && r.status < 300 }

// work sends an endpoint's due deliveries, batch by batch, until none has
// been due for d.linger, the circuit opens, the endpoint is disabled, or ctx
// ends.
func (d *Dispatcher) work(ctx context.Context, epID string, kick <-chan struct{}) error {
	d.mu.Lock()
	t, ok := d.targets[epID]
	d.mu.Unlock()
	if !ok {
		var err error
		if t, err = d.loadTarget(ctx, epID); err != nil {
			return err
		}
	}
	defer func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		switch {
		case t.Disabled: // a new worker must read the endpoint once it is enabled again
			delete(d.targets, epID)
			return
		case len(d.targets) >= maxCachedTargets:
			clear(d.targets) // endpoints deleted long ago are never looked up again
		}
		d.targets[epID] = t
	}()
	limiter := t.limiter()
	started := time.Now()
	// The lease is renewed in the background, so slow attempts never let it
	// lapse; if it is lost, no new batch starts.
	ctx, lost := context.WithCancel(ctx)
	defer lost()
	go d.keepLease(ctx, epID, lost)
	var idleSince time.Time
	for ctx.Err() == nil && !t.Disabled {
		fifo := t.DeliveryOrder == OrderFIFO
		limit := batchSize
		if fifo || t.consecutiveFailures >= breakerThreshold {
			limit = 1 // FIFO: one at a time; half-open: one probe before a full batch
		}
		batch, changed, err := d.claim(ctx, &t, limit)
		if err != nil {
			return err
		}
		if t.consecutiveFailures >= breakerThreshold && len(batch) > 1 {
			batch = batch[:1] // another node opened the circuit since t was loaded
		}
		if changed {
			// The endpoint was changed, on this node or another, since it was
			// loaded: send with its new settings, or not at all.
			if t, err = d.loadTarget(ctx, epID); err != nil {
				return err
			}
			limiter = t.limiter()
			continue
		}
		if len(batch) > 0 && t.pausedUntil != nil && time.Now().Before(*t.pausedUntil) {
			// Deliveries that became due while the endpoint is paused, new
			// ones included, wait with the rest instead of probing it.
			return deliveriesPostponeDue(ctx, d.s.db, t.ID)
		}
		if len(batch) == 0 {
			if idleSince.IsZero() {
				idleSince = time.Now()
			}
			if !d.wait(ctx, kick, idleSince.Add(d.linger)) {
				return nil
			}
			continue
		}
		idleSince = time.Time{}
		concurrency := d.s.cfg.MaxConcurrency
		if t.MaxConcurrency != nil {
			concurrency = *t.MaxConcurrency
		}
		if fifo {
			concurrency = 1
		}
		results := d.sendAll(ctx, t, batch, concurrency, limiter, t.consecutiveFailures)
		stop, err := d.record(ctx, &t, results)
		if err != nil || stop {
			return err
		}
		if t.consecutiveFailures == 0 {
			d.mu.Lock()
			delete(d.backoff, epID)
			d.mu.Unlock()
		}
		if d.shareAfter > 0 && time.Since(started) >= d.shareAfter {
			return errYield
		}
		if d.linger == 0 && len(batch) < limit && len(kick) == 0 {
			// The claim took all that was due and nothing was published here
			// since: claiming again would find nothing. Deliveries published
			// on other nodes or falling due later are found by the scan.
			return nil
		}
	}
	return nil
}

// errYield ends a worker that leaves its busy endpoint to other nodes' scans.
var errYield = errors.New("endpoint yielded to other nodes")

func (t target) limiter() *rate.Limiter {
	if t.RateLimit == nil {
		return nil
	}
	return rate.NewLimiter(rate.Limit(*t.RateLimit), max(1, *t.RateLimit))
}

// wait waits, after a claim found nothing, for a kick or the next poll. It
// reports whether to claim again: false after until, or when ctx ends.
func (d *Dispatcher) wait(ctx context.Context, kick <-chan struct{}, until time.Time) bool {
	wait := min(pollInterval, time.Until(until))
	if wait <= 0 {
		return false // a kick still pending makes the scan start a worker again
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-kick:
	case <-timer.C:
	}
	return true
}

// keepLease renews an endpoint's lease until ctx ends, and calls lost when it
// cannot.
func (d *Dispatcher) keepLease(ctx context.Context, epID string, lost context.CancelFunc) {
	tick := time.NewTicker(leaseTTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if ok, err := d.lease(ctx, epID); err != nil || !ok {
				lost()
				return
			}
		}
	}
}

// claim reads the next deliveries to send. FIFO endpoints take only the oldest
// pending delivery, and only once it is due: later ones wait behind it. It
// reports instead whether the endpoint changed since t was loaded, and
// otherwise brings t's health and pause up to date.
func (d *Dispatcher) claim(ctx context.Context, t *target, limit int) ([]due, bool, error) {
	now := time.Now()
	fifo := t.DeliveryOrder == OrderFIFO
	if fifo {
		limit = 1
	}
	rows, err := deliveriesPending(ctx, d.s.db, t.ID, fifo, now, limit)
	if err != nil {
		return nil, false, err
	}
	var batch []due
	for _, row := range rows {
		x, payload, headers, updatedAt := row.due, row.payload, row.headers, row.endpointUpdatedAt
		t.failingSince, t.consecutiveFailures, t.pausedUntil = row.failingSince, row.consecutiveFailures, row.pausedUntil
		if headers.Valid {
			if err := json.Unmarshal([]byte(headers.String), &x.headers); err != nil {
				return nil, false, fmt.Errorf("message %s headers: %w", x.messageID, err)
			}
		}
		if !updatedAt.Equal(t.UpdatedAt) {
			return nil, true, nil
		}
		if fifo && x.nextAt.After(now) {
			break
		}
		x.payload = []byte(payload.String)
		if tp, ok := x.headers[traceparentKey]; ok {
			x.traceparent = tp
			delete(x.headers, traceparentKey)
		}
		switch {
		case !payload.Valid:
			x.payload = []byte("null") // retention removed it; the receiver still learns of the event
		case x.headers[base64BodyKey] != "":
			delete(x.headers, base64BodyKey)
			if x.payload, err = base64.StdEncoding.DecodeString(payload.String); err != nil {
				return nil, false, fmt.Errorf("message %s payload: %w", x.messageID, err)
			}
		}
		batch = append(batch, x)
	}
	return batch, false, nil
}

// sendAll sends a batch within the endpoint's concurrency and rate limit. It
// stops starting attempts once failures in a row reach the breaker threshold,
// so the rest of the batch stays pending with its attempts unspent.
func (d *Dispatcher) sendAll(ctx context.Context, t target, batch []due, concurrency int, limiter *rate.Limiter, failures int) []result {
	results := make([]result, len(batch))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	var streak atomic.Int64
	streak.Store(int64(min(failures, breakerThreshold-1))) // a half-open probe always goes out
	sent := 0
	for i, x := range batch {
		if limiter != nil && limiter.Wait(ctx) != nil {
			break // shutting down: the rest stay pending
		}
		sem <- struct{}{}
		if streak.Load() >= breakerThreshold {
			<-sem
			break
		}
		sent++
		wg.Go(func() {
			defer func() { <-sem }()
			r := d.attempt(ctx, t, x)
			results[i] = r
			switch {
			case r.ok():
				streak.Store(0)
			case r.status != http.StatusTooManyRequests:
				streak.Add(1)
			}
		})
	}
	wg.Wait()
	return results[:sent]
}

// send makes one attempt, through the sender of the endpoint's type.
func (d *Dispatcher) send(ctx context.Context, t target, x due) result {
	if d.s.tracer == nil {
		return d.senderFor(t).send(ctx, t, x)
	}
	ctx, span := d.s.tracer.Start(attemptContext(ctx, x), "webhooks.attempt", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(tracing.String("messaging.message.id", x.messageID), tracing.String("patchbay.delivery.id", x.id),
			tracing.String("patchbay.endpoint.id", t.ID), tracing.String("patchbay.endpoint.type", cmp.Or(t.Type, "http")),
			tracing.Int("patchbay.attempt", x.attempts+1)))
	r := d.senderFor(t).send(ctx, t, x)
	if r.status != 0 {
		span.SetAttributes(tracing.Int("http.response.status_code", r.status))
	}
	var err error
	if !r.ok() {
		err = errors.New(cmp.Or(r.errText, "the receiver answered "+strconv.Itoa(r.status)))
	}
	tracing.End(span, err)
	return r
}

// describe says why an attempt got no response, without the URL (which may
// hold credentials in its query).
func describe(err error, timeout time.Duration) string {
	var refused *safehttp.RefusedError
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case errors.As(err, &refused):
		return "refused by the SSRF guard: " + refused.Error()
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no response within " + timeout.String()
	case errors.As(err, &urlErr):
		return urlErr.Err.Error()
	}
	return err.Error()
}

// nextDelay is when a failed delivery is tried again, or false when its
// schedule is exhausted.
func (d *Dispatcher) nextDelay(t target, r result, attempts int) (time.Duration, bool) {
	schedule := d.s.cfg.RetrySchedule
	if t.RetrySchedule != nil {
		schedule = make([]time.Duration, len(t.RetrySchedule))
		for i, s := range t.RetrySchedule {
			schedule[i] = time.Duration(s) * time.Second
		}
	}
	if attempts > len(schedule) {
		return 0, false
	}
	delay := retry.Spread(schedule[attempts-1], d.s.cfg.Jitter)
	if r.retryAfter > 0 {
		delay = min(r.retryAfter, d.s.cfg.RetryAfterMax)
	}
	if r.status == http.StatusTooManyRequests {
		delay = max(delay, d.s.cfg.TooManyRequestsFloor)
	}
	return delay, true
}

// record writes a batch's attempts and outcomes, updates the endpoint's
// health (kept in t too), and opens the circuit after breakerThreshold
// consecutive failures (429s, which ask for patience rather than report a
// fault, do not count). Batches of all endpoints are committed together. It
// reports whether the worker should stop.
func (d *Dispatcher) record(ctx context.Context, t *target, results []result) (bool, error) {
	failures := t.consecutiveFailures
	for _, r := range results {
		switch {
		case r.ok():
			failures = 0
		case r.status != http.StatusTooManyRequests:
			failures++
		}
	}
	openCircuit := failures >= breakerThreshold
	// The body runs again, alone, if the transaction it shares fails, so it
	// sets these afresh and t and the cooldown change only after the commit.
	var (
		stop              bool
		failingSince      *time.Time
		cooldown          time.Duration
		successRecordedAt time.Time
	)
	body := func(ctx context.Context, tx *store.Tx) error {
		now := tx.Now()
		stop, failingSince, cooldown, successRecordedAt = false, t.failingSince, 0, t.successRecordedAt
		anyOK, gone, postponeUntil, err := d.writeResults(ctx, tx, *t, results)
		if err != nil {
			return err
		}
		switch {
		case anyOK:
			failingSince = nil
			if t.failingSince == nil && failures == t.consecutiveFailures && now.Sub(t.successRecordedAt) < successRecordEvery {
				break // healthy before and after, and last_success_at recent enough
			}
			if err := endpointRecordSuccess(ctx, tx, t.ID, failures); err != nil {
				return err
			}
			successRecordedAt = now
		case len(results) > 0:
			if failingSince == nil {
				failingSince = &now
			}
			if err := endpointRecordFailure(ctx, tx, t.ID, failures); err != nil {
				return err
			}
		}
		switch {
		case gone:
			stop = true
			if d.s.onGone != nil {
				if err := d.s.onGone(ctx, tx, t.ID); err != nil {
					return err
				}
			}
			return d.s.disable(ctx, tx, t.Endpoint, "the endpoint answered 410 Gone")
		case failingSince != nil && now.Sub(*failingSince) >= d.s.cfg.DisableAfter:
			stop = true
			return d.s.disable(ctx, tx, t.Endpoint, fmt.Sprintf("no successful delivery since %s", failingSince.Format(time.RFC3339)))
		case openCircuit:
			cooldown = d.cooldown(t.ID)
			postponeUntil = now.Add(cooldown)
		}
		if !postponeUntil.IsZero() {
			stop = true
			if err := endpointPause(ctx, tx, t.ID, postponeUntil); err != nil {
				return err
			}
			return deliveriesPostponeDue(ctx, tx, t.ID)
		}
		return nil
	}
	// Attempts already made are recorded even if the node is stopping or the
	// lease was just lost: otherwise they would be sent again.
	if err := d.records.Submit(context.WithoutCancel(ctx), body); err != nil {
		return false, err
	}
	t.failingSince, t.consecutiveFailures, t.successRecordedAt = failingSince, failures, successRecordedAt
	d.observe(*t, results)
	if cooldown > 0 {
		d.s.metrics.circuitOpens.Inc()
		d.mu.Lock()
		d.backoff[t.ID] = cooldown
		d.mu.Unlock()
	}
	return stop, nil
}

// recordBody writes one worker's batch in a transaction shared with others.
type recordBody func(ctx context.Context, tx *store.Tx) error

// maxRecordGroup bounds the batches committed in one transaction.
const maxRecordGroup = 64

func (d *Dispatcher) commitRecords(ctx context.Context, bodies []recordBody) error {
	return d.s.db.WithTx(ctx, func(tx *store.Tx) error {
		for _, body := range bodies {
			if err := body(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeResults records a batch's attempts and updates its deliveries: one
// INSERT for all attempts, one UPDATE per status code for the successes, and
// one UPDATE per failure, since each has its own next attempt time. The
// UPDATEs are planned on each run: the deliveries table grows fast, and a
// plan cached while it was small would scan all of it. It reports
// whether any attempt succeeded, whether the endpoint answered 410 Gone, and
// until when a 429 asks the whole endpoint to wait.
func (d *Dispatcher) writeResults(ctx context.Context, tx *store.Tx, t target, results []result) (anyOK, gone bool, postponeUntil time.Time, err error) {
	now := tx.Now()
	attempts := make([]any, 0, attemptColumns*len(results))
	succeeded := map[int][]result{}
	for _, r := range results {
		var code any
		if r.status != 0 {
			code = r.status
		}
		attempts = append(attempts, id.New("att"), r.id, t.ID, r.at.UTC(), r.duration.Milliseconds(), code, r.ok(),
			store.Nullable(r.errText), r.body, d.s.cfg.Node, store.Nullable(r.transformed))
		if r.ok() {
			anyOK = true
			succeeded[r.status] = append(succeeded[r.status], r)
			continue
		}
		tries := r.attempts + 1
		status, next := StatusFailed, (*time.Time)(nil)
		if delay, ok := d.nextDelay(t, r, tries); ok && !r.permanent {
			at := now.Add(delay)
			status, next = StatusPending, &at
		}
		if r.status == http.StatusTooManyRequests && next != nil && next.After(postponeUntil) {
			postponeUntil = *next // the receiver asked the whole endpoint to slow down
		}
		gone = gone || r.status == http.StatusGone
		if err := deliveryRecordAttempt(ctx, tx, r.id, status, tries, next, r.at.UTC(), code); err != nil {
			return false, false, time.Time{}, err
		}
	}
	if err := attemptsInsert(ctx, tx, attempts); err != nil {
		return false, false, time.Time{}, err
	}
	for _, code := range slices.Sorted(maps.Keys(succeeded)) {
		if err := deliveriesRecordSuccess(ctx, tx, code, succeeded[code]); err != nil {
			return false, false, time.Time{}, err
		}
	}
	return anyOK, gone, postponeUntil, nil
}

// cooldown is how long an endpoint's circuit stays open if it opens now:
// breakerCooldown, doubled each time it opens again, up to breakerMaxCooldown.
func (d *Dispatcher) cooldown(epID string) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.backoff[epID]; c > 0 {
		return min(2*c, breakerMaxCooldown)
	}
	return breakerCooldown
}
