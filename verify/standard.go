package verify

import (
	"cmp"
	"errors"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/webhook"
)

// svixHeaders maps the Standard Webhooks headers to the names Svix sends them
// under; Svix's own libraries read either set.
var svixHeaders = map[string]string{
	webhook.HeaderID:        "svix-id",
	webhook.HeaderTimestamp: "svix-timestamp",
	webhook.HeaderSignature: "svix-signature",
}

// standardScheme delegates to package webhook, which Patchbay's own outgoing
// webhooks are signed with and which is tested against the official library.
type standardScheme struct {
	verifier  *webhook.Verifier
	secrets   int
	tolerance time.Duration
}

func newStandard(c Config) (*standardScheme, error) {
	v, err := webhook.NewVerifier(c.Secrets...)
	if err != nil {
		return nil, err // unreachable after Validate, which parses every secret
	}
	v.Tolerance = cmp.Or(c.Tolerance, DefaultTolerance)
	return &standardScheme{verifier: v, secrets: len(c.Secrets), tolerance: v.Tolerance}, nil
}

func (s *standardScheme) authenticate(req Request, now time.Time) (time.Time, error) {
	h := req.Header
	if h.Get(webhook.HeaderID) == "" && h.Get(svixHeaders[webhook.HeaderID]) != "" {
		h = http.Header{}
		for std, svix := range svixHeaders {
			h.Set(std, req.Header.Get(svix))
		}
	}
	// The headers and the timestamp are checked here too, to report which header
	// is at fault in this package's words; the result is the same as webhook's.
	for _, name := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature} {
		if _, err := requireHeader(h, name); err != nil {
			return time.Time{}, err
		}
	}
	signedAt, err := checkTimestamp(webhook.HeaderTimestamp, h.Get(webhook.HeaderTimestamp), now, s.tolerance)
	if err != nil {
		return time.Time{}, err
	}

	v := *s.verifier // a copy, so that concurrent requests can each set the clock
	v.NowFunc = func() time.Time { return now }
	switch err := v.Verify(h, req.Body); {
	case err == nil:
		return signedAt, nil
	case errors.Is(err, webhook.ErrNoMatchingSignature):
		return time.Time{}, badSignature(webhook.HeaderSignature, s.secrets)
	default:
		// webhook's messages quote at most a clipped timestamp, never a signature.
		return time.Time{}, fail(ReasonMalformedHeader, err.Error())
	}
}
