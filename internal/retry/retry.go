// Package retry is the one policy for waiting before trying again when
// nothing says how long: exponential backoff with jitter, so that callers
// that failed together do not come back together. (When the other side says
// how long, as Retry-After does, that wins, read by After; outgoing webhooks
// follow their configured schedule instead, spread by Spread.)
package retry

import (
	"math/rand/v2"
	"time"
)

// Jitter is how a delay is drawn below its ceiling.
type Jitter int

const (
	// Full draws uniformly from zero to the ceiling: the least contention,
	// for retries that are cheap to make early (a proxied request).
	Full Jitter = iota
	// Upper draws from the upper half, so a retry never comes much sooner
	// than the schedule says (a job that must not hammer a failing party).
	Upper
)

// Policy is a ceiling of Base doubling per attempt up to Cap, and a draw
// below it.
type Policy struct {
	Base, Cap time.Duration
	Jitter    Jitter
}

// Delay is the wait before retry n, counted from 1.
func (p Policy) Delay(n int) time.Duration {
	ceiling := p.Base
	for i := 1; i < n && ceiling < p.Cap; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.Cap)
	if ceiling <= 0 {
		return 0
	}
	if p.Jitter == Upper {
		return ceiling/2 + rand.N(ceiling/2+1)
	}
	return rand.N(ceiling + 1)
}

// Spread draws a delay uniformly within fraction of d either way, for a
// configured schedule (outgoing webhooks) whose steps must keep their size
// but not fire together.
func Spread(d time.Duration, fraction float64) time.Duration {
	return time.Duration(float64(d) * (1 - fraction + 2*fraction*rand.Float64()))
}
