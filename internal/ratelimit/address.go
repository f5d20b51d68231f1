package ratelimit

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// Addresses limits the requests of each client address on the routes anyone
// may call: the OAuth pages and endpoints, the connect pages, incoming
// webhooks. It counts in this process (a Memory), so that a flood costs no
// database write, and so each node enforces the limit on its own: N nodes
// behind a balancer admit up to N times the policy from one address.
type Addresses struct {
	mem *Memory
}

// NewAddresses returns an in-process per-address limiter.
func NewAddresses() *Addresses {
	return &Addresses{mem: NewMemory()}
}

// AddressKey is what a client address is counted as: an IPv4 address itself,
// an IPv6 address by its /64, since one subscriber is usually given a whole
// /64 and could otherwise pick a fresh address per request.
func AddressKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Allow takes one request of class (a name for a group of routes) from the
// request's client address under p. A policy with a zero Limit allows
// everything.
func (a *Addresses) Allow(ctx context.Context, class string, p Policy) Decision {
	if p.Limit == 0 {
		return openDecision
	}
	d, err := a.mem.Allow(ctx, class+" "+AddressKey(httpapi.ClientIP(ctx)), p)
	if err != nil { // an invalid policy, which config refuses: fail open
		return openDecision
	}
	return d
}

// RefuseFunc answers a request refused by a per-address limit, in the format
// its route speaks (a problem, an HTML page); Retry-After and the RateLimit
// fields are set already.
type RefuseFunc func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)

// Middleware limits each client address's requests to the wrapped routes
// under p, counted together as class. Responses carry RateLimit-Policy and
// RateLimit for the policy named class; a refused request gets 429 with
// Retry-After, answered by refuse. A zero Limit turns it off.
func (a *Addresses) Middleware(class string, p Policy, refuse RefuseFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if p.Limit == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := a.Allow(r.Context(), class, p)
			if d.Limit > 0 {
				h := w.Header()
				h.Set("RateLimit-Policy", policyField(class, p))
				h.Set("RateLimit", limitField(class, d))
			}
			if !d.Allowed {
				w.Header().Set("Retry-After", strconv.FormatInt(seconds(d.RetryAfter, 1), 10))
				refuse(w, r, d.RetryAfter)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RefuseProblem answers a refused request with a quota-exceeded problem.
func RefuseProblem(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	httpapi.Error(w, r, apperr.Errorf(apperr.QuotaExceeded,
		"too many requests from this address; retry in %s", plural(seconds(retryAfter, 1), "second")))
}
