// Package ratelimit limits how many requests each caller of the admin API, and
// each client address on the public routes, may make per time window, and
// tells callers where they stand with the IETF RateLimit-Policy and RateLimit
// header fields.
//
// Two limiters share one interface. Memory keeps token buckets in the process:
// fast, but each node counts on its own. Database makes the limit hold across
// every node that shares one database, without one database write per request:
// each node leases a slice of the window's quota from a shared row and serves
// requests from it locally.
//
// Addresses limits the routes anyone may call per client address, in memory,
// so that a flood from one address costs neither a database write nor other
// clients' service.
package ratelimit

import (
	"context"
	"errors"
	"time"
)

// Policy allows Limit requests per Window. A Limit of zero means unlimited: no
// limiting and no RateLimit headers. The headers state Window in whole
// seconds, so windows should be whole seconds too.
type Policy struct {
	Limit  int64
	Window time.Duration
}

var errInvalidPolicy = errors.New("invalid rate limit policy: the limit is negative, or the window is under 1ms or shorter than the limit in nanoseconds")

// validate rejects policies that no limiter can enforce: a negative limit, or
// a window too short to hold the limit at nanosecond (Memory) or millisecond
// (Database) resolution. A misconfiguration must not block traffic, so callers
// fail open on it.
func (p Policy) validate() error {
	if p.Limit < 0 || (p.Limit > 0 && (p.Window < time.Millisecond || p.Window.Nanoseconds() < p.Limit)) {
		return errInvalidPolicy
	}
	return nil
}

// Decision is a limiter's answer for one request.
type Decision struct {
	// Allowed says whether the request may proceed.
	Allowed bool
	// Limit is the policy's limit the decision was made under; zero when the
	// policy is unlimited or the limiter could not apply it.
	Limit int64
	// Remaining is how many more requests the caller may make now.
	Remaining int64
	// Reset is the draft's effective window: how long until the quota is fully
	// restored (the end of the fixed window for Database, a full bucket for
	// Memory). When the request is denied it equals RetryAfter, since the draft
	// asks that Retry-After never point earlier than the effective window ends.
	Reset time.Duration
	// RetryAfter is, for a denied request, how long until one would be allowed.
	RetryAfter time.Duration
}

// Limiter decides whether a request in a bucket (an API key, say) may proceed
// under a policy. A limiter fails open: when it returns an error, the Decision
// allows the request, so that a broken limiter degrades to no limiting rather
// than to refusing all traffic. The caller should log the error.
type Limiter interface {
	Allow(ctx context.Context, bucket string, p Policy) (Decision, error)
}

// openDecision is the answer when a policy cannot be applied at all.
var openDecision = Decision{Allowed: true}
