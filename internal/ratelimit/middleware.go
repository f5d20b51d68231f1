package ratelimit

import (
	"cmp"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// PolicyName names the one policy in the RateLimit-Policy and RateLimit
// fields. It is per caller: each API key (and embed token) has its own quota.
const PolicyName = "default"

// Middleware limits each API key's requests under def, or under the key's own
// RateLimit when it has one, and runs after authentication: requests with no
// key in their context pass through untouched. Every limited response, the
// 429 included, carries RateLimit-Policy and RateLimit as in
// draft-ietf-httpapi-ratelimit-headers-11; a 429 also carries Retry-After and
// a quota-exceeded problem.
//
// When the limiter fails, the request goes through and the error is logged at
// Warn: a limiter outage must not become an API outage. A nil logger means
// slog.Default().
func Middleware(l Limiter, def Policy, logger *slog.Logger) func(http.Handler) http.Handler {
	return CallerMiddleware(l, logger, func(r *http.Request) (Caller, bool) {
		key, ok := auth.KeyFrom(r.Context())
		p := def
		if key.RateLimit != nil && *key.RateLimit > 0 { // 0 would mean "the default" (auth's convention)
			p.Limit = *key.RateLimit
		}
		return Caller{Bucket: key.ID, Policy: p, Name: "this API key", LogKey: "api_key_id"}, ok
	})
}

// Caller is what one request is counted as: its bucket and policy, how a
// refusal names it ("this API key"), and the log attribute the bucket is
// logged under ("api_key_id").
type Caller struct {
	Bucket string
	Policy Policy
	Name   string
	LogKey string
}

// CallerMiddleware is Middleware for any kind of authenticated caller (an API
// key, an embed token), which caller finds in the request; requests for which
// it returns false pass through untouched.
func CallerMiddleware(l Limiter, logger *slog.Logger, caller func(r *http.Request) (Caller, bool)) func(http.Handler) http.Handler {
	logger = cmp.Or(logger, slog.Default())
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, ok := caller(r)
			p := c.Policy
			if !ok || p.Limit <= 0 {
				next.ServeHTTP(w, r)
				return
			}
			d, err := l.Allow(r.Context(), c.Bucket, p)
			if err != nil {
				logger.WarnContext(r.Context(), "rate limit not applied; request allowed", c.LogKey, c.Bucket, "err", err)
			}
			if d.Limit > 0 { // a limiter that could not apply the policy says nothing about it
				h := w.Header()
				h.Set("RateLimit-Policy", policyField(PolicyName, p))
				h.Set("RateLimit", limitField(PolicyName, d))
			}
			if !d.Allowed && err == nil { // with an error, let it through whatever the limiter said
				retry := seconds(d.RetryAfter, 1)
				w.Header().Set("Retry-After", strconv.FormatInt(retry, 10))
				httpapi.Error(w, r, apperr.Errorf(apperr.QuotaExceeded,
					"%s may make %s per %s; retry in %s", c.Name, plural(p.Limit, "request"), windowText(p.Window), plural(retry, "second")))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// policyField is the RateLimit-Policy value: a structured-field list with one
// item, the policy's name with its quota q and window w in whole seconds.
func policyField(name string, p Policy) string {
	return strconv.Quote(name) + ";q=" + strconv.FormatInt(p.Limit, 10) + ";w=" + strconv.FormatInt(seconds(p.Window, 1), 10)
}

// limitField is the RateLimit value: the policy's name with the remaining
// quota r and the effective window t in whole seconds, rounded up so that a
// client that waits t never comes back early.
func limitField(name string, d Decision) string {
	return strconv.Quote(name) + ";r=" + strconv.FormatInt(d.Remaining, 10) + ";t=" + strconv.FormatInt(seconds(d.Reset, 0), 10)
}

// seconds rounds d up to whole seconds, and to at least floor.
func seconds(d time.Duration, floor int64) int64 {
	return max(floor, int64((d+time.Second-1)/time.Second))
}

// windowText says a window in words for the 429 detail: "second", "60 seconds".
func windowText(w time.Duration) string {
	if s := seconds(w, 1); s != 1 {
		return plural(s, "second")
	}
	return "second"
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}
