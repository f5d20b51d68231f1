package webhook

import (
	"bytes"
	"errors"
	"io"
	"net/http"
)

// DefaultMaxBodyBytes is the body size [Verifier.Middleware] reads when
// [Verifier.MaxBodyBytes] is zero: 10 MiB, far above the few kilobytes the
// specification recommends for payloads.
const DefaultMaxBodyBytes = 10 << 20

// Middleware returns a handler that verifies each request before passing it to
// next, for receivers that would rather not handle the raw body themselves. It
// reads the whole body (at most MaxBodyBytes), verifies it with [Verifier.Verify],
// and hands next a request whose Body yields the same bytes again.
//
// Requests that fail are not passed on: a body that is too large gets 413, one
// that cannot be read gets 400, and a failed verification gets 401 with the
// error's message, which tells the sender what was wrong (a missing header, a
// skewed clock, a bad signature) and never contains a secret.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := v.MaxBodyBytes
		if limit <= 0 {
			limit = DefaultMaxBodyBytes
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				http.Error(w, "webhook body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read webhook body", http.StatusBadRequest)
			return
		}
		if err := v.Verify(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		// Handlers must not modify the request they are given (net/http), so next
		// gets a shallow copy carrying the buffered body.
		r = r.WithContext(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
