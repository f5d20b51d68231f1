package proxy

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect/catalog"
)

// bucketSweep is how often idle buckets are looked for and dropped.
const bucketSweep = time.Minute

// buckets pace each connection's proxied requests within its provider's
// declared budget, so that the provider is not driven to refuse them: a
// token bucket per connection, in which a request without a token waits
// its turn (bursts queue and go out spread over time) instead of failing.
//
// The buckets live in this process. With several API nodes a connection
// gets the whole budget on each node: dividing it would need the number of
// live nodes, which nodes do not track, and a budget divided by a guessed
// count would waste most of it on the usual one or two nodes. The
// provider's 429 with its retry headers, which the proxy honours, remains
// the authority; an operator who runs many nodes against a tight budget can
// lower it in their own definition of the provider (--providers-dir).
//
// The zero value is ready to use.
type buckets struct {
	mu    sync.Mutex
	m     map[string]*bucket
	swept time.Time
}

type bucket struct {
	lim    *rate.Limiter
	budget catalog.Budget
	// refill is how long an empty bucket takes to fill: a bucket unused for
	// that long is full, the same as a new one, so dropping it loses nothing.
	refill time.Duration
	// idleFrom is when the last reservation is due.
	idleFrom time.Time
}

// newBucket sizes a bucket for budget B per window W. The burst is a tenth
// of B (at least 1) and the rate (B − burst + 1) per W, so no interval of
// length W ever holds more than B requests, however they arrive: the burst
// plus the tokens that drip in before the interval ends. Providers count in
// fixed or sliding windows, and either is such an interval. A burst of all
// of B would allow twice B across a window's edge; a burst of 1 would
// serialise every small fan-out.
func newBucket(b catalog.Budget) *bucket {
	burst := max(1, (b.Requests+9)/10)
	perWindow := b.Requests - burst + 1
	window := time.Duration(b.Window)
	r := rate.Limit(float64(perWindow) / window.Seconds())
	return &bucket{lim: rate.NewLimiter(r, burst), budget: b, refill: time.Duration(float64(burst) / float64(r) * float64(time.Second))}
}

// reserve takes a token from key's bucket, which is sized by budget (made
// anew when the provider's definition changed the budget). It returns how long the caller must wait before sending; when that
// is longer than maxWait, ok is false and nothing is taken. A caller that
// gives up waiting cancels the reservation, which gives the token back.
func (bs *buckets) reserve(key string, budget catalog.Budget, now time.Time, maxWait time.Duration) (r *rate.Reservation, delay time.Duration, ok bool) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if now.Sub(bs.swept) >= bucketSweep {
		bs.sweep(now)
	}
	if bs.m == nil {
		bs.m = map[string]*bucket{}
	}
	b := bs.m[key]
	if b == nil || b.budget != budget {
		b = newBucket(budget)
		bs.m[key] = b
	}
	r = b.lim.ReserveN(now, 1)
	delay = r.DelayFrom(now)
	if !r.OK() || delay > maxWait {
		r.CancelAt(now)
		return nil, delay, false
	}
	b.idleFrom = now.Add(delay)
	return r, delay, true
}

// sweep drops the buckets that are full again, so connections no longer
// used do not hold memory forever.
func (bs *buckets) sweep(now time.Time) {
	bs.swept = now
	for key, b := range bs.m {
		if now.Sub(b.idleFrom) >= b.refill {
			delete(bs.m, key)
		}
	}
}

// pace waits for a token from the connection's bucket when its provider
// declares a budget, and returns how long it waited.
func (e *Engine) pace(ctx context.Context, connectionID string, p *catalog.Provider) (time.Duration, error) {
	if p.RateLimit == nil || p.RateLimit.Budget == nil || p.RateLimit.Budget.Window <= 0 {
		return 0, nil
	}
	budget := *p.RateLimit.Budget
	maxWait := e.cfg.QueueWait
	if dl, ok := ctx.Deadline(); ok {
		maxWait = min(maxWait, time.Until(dl))
	}
	r, delay, ok := e.buckets.reserve(connectionID, budget, e.clock.Now(), maxWait)
	if !ok {
		return 0, &apperr.Error{Code: apperr.QuotaExceeded, Err: &QueueTimeoutError{RetryAfter: delay}, Message: fmt.Sprintf(
			"connection %s is at provider %s's rate budget (%d requests per %s) and would wait more than %s for its turn; retry in %ss",
			connectionID, p.ID, budget.Requests, time.Duration(budget.Window), maxWait.Round(time.Millisecond), retrySeconds(delay))}
	}
	if err := e.clock.Sleep(ctx, delay); err != nil {
		r.CancelAt(e.clock.Now())
		return 0, err
	}
	return delay, nil
}
