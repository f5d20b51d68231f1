package verify

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

const stripeHeader = "Stripe-Signature"

type stripeScheme struct {
	keys      [][]byte
	tolerance time.Duration
}

func newStripe(c Config) *stripeScheme {
	return &stripeScheme{keys: keyBytes(c.Secrets), tolerance: cmp.Or(c.Tolerance, DefaultTolerance)}
}

func (s *stripeScheme) authenticate(req Request, now time.Time) (time.Time, error) {
	v, err := requireHeader(req.Header, stripeHeader)
	if err != nil {
		return time.Time{}, err
	}
	ts, sigs, err := parseStripeSignature(v)
	if err != nil {
		return time.Time{}, err
	}
	signedAt, err := checkTimestamp(stripeHeader, ts, now, s.tolerance)
	if err != nil {
		return time.Time{}, err
	}
	if !anyMAC(sha256.New, s.keys, sigs, []byte(ts), []byte{'.'}, req.Body) {
		return time.Time{}, badSignature(stripeHeader, len(s.keys))
	}
	return signedAt, nil
}

// parseStripeSignature splits "t=1492774577,v1=5257a8…,v1=…,v0=…" into the
// timestamp text and the decoded v1 signatures. Like stripe-go it skips v1
// values that are not hex and elements of other schemes (v0 is a test-mode
// SHA-1 scheme), and sends several v1 values while a secret is rolled. It is
// stricter about the timestamp: exactly one t, checked as canonical decimal by
// the caller.
func parseStripeSignature(v string) (ts string, sigs [][]byte, err error) {
	for elem := range strings.SplitSeq(v, ",") {
		key, value, ok := strings.Cut(elem, "=")
		if !ok {
			return "", nil, fail(ReasonMalformedHeader, stripeHeader+" header has an element without \"=\"")
		}
		switch key {
		case "t":
			if ts != "" {
				return "", nil, fail(ReasonMalformedHeader, stripeHeader+" header has more than one t")
			}
			if value == "" {
				return "", nil, fail(ReasonMalformedHeader, stripeHeader+" header has an empty t")
			}
			ts = value
		case "v1":
			if len(sigs) == maxSignatures {
				continue
			}
			if sig, err := hex.DecodeString(value); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	if ts == "" {
		return "", nil, fail(ReasonMalformedHeader, stripeHeader+" header has no t")
	}
	if len(sigs) == 0 {
		return "", nil, fail(ReasonBadSignature, fmt.Sprintf("%s header has no hex v1 signature", stripeHeader))
	}
	return ts, sigs, nil
}
