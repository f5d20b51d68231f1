package webhook

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a delivery's timestamp may be from the receiver's
// clock, in either direction, when [Verifier.Tolerance] is zero. Five minutes,
// as in the official libraries, absorbs ordinary clock skew and network delay
// while keeping the window for replaying a captured delivery short.
const DefaultTolerance = 5 * time.Minute

// Limits on the signature header keep the work of rejecting a hostile request
// small and fixed. A legitimate header holds one signature, or two during a
// rotation, of under 100 bytes each.
const (
	maxSignatures         = 16   // v1 signatures compared; later ones are ignored
	maxSignatureHeaderLen = 4096 // bytes; longer headers are rejected unread
	maxTimestampLen       = 19   // digits in the largest int64
	maxQuotedLen          = 32   // bytes of a bad header value echoed in an error
)

// The errors of [Verifier.Verify] wrap one of these, so that callers can tell
// them apart with [errors.Is]; for example, to log clock skew (a timestamp
// outside tolerance) separately from forgeries (no matching signature). Their
// messages name the header at fault but never a secret or an expected signature,
// so they are safe to log and to send back to the sender.
var (
	// ErrMissingHeader reports that one of the three webhook headers is absent or
	// empty: the request is not a signed webhook at all.
	ErrMissingHeader = errors.New("missing webhook header")
	// ErrInvalidTimestamp reports a [HeaderTimestamp] that is not plain decimal
	// Unix seconds.
	ErrInvalidTimestamp = errors.New("invalid webhook timestamp")
	// ErrTimestampOutOfTolerance reports a timestamp further from the receiver's
	// clock than the tolerance, in either direction: a replayed delivery, or a
	// clock that is off.
	ErrTimestampOutOfTolerance = errors.New("webhook timestamp outside tolerance")
	// ErrNoMatchingSignature reports that no v1 signature in [HeaderSignature]
	// matches the delivery under any of the verifier's secrets: the body, ID or
	// timestamp was altered, or the secret is wrong.
	ErrNoMatchingSignature = errors.New("no matching webhook signature")
)

// Verifier checks that deliveries were signed with one of its secrets and are
// recent. Create one with [NewVerifier]; a zero Verifier accepts nothing. Set
// the fields before first use; after that a Verifier is safe for concurrent use.
type Verifier struct {
	// Tolerance is how far a delivery's timestamp may be from NowFunc(), in either
	// direction. Zero (or negative) means DefaultTolerance. Raising it admits
	// receivers with worse clocks, at the cost of a longer replay window.
	Tolerance time.Duration

	// NowFunc returns the receiver's current time; nil means time.Now. Tests set it
	// to verify deliveries signed at a fixed time.
	NowFunc func() time.Time

	// MaxBodyBytes caps the request body that Middleware reads. Zero (or negative)
	// means DefaultMaxBodyBytes; larger bodies are answered with 413 before any
	// signature is checked, so an unauthenticated sender cannot make the receiver
	// buffer without limit.
	MaxBodyBytes int64

	keys [][]byte
}

// NewVerifier returns a Verifier that accepts deliveries signed with any of
// secrets, each in the form [ParseSecret] accepts. Pass the old and the new
// secret while a secret is rotated, so that deliveries verify whichever one the
// sender is using; drop the old one once the rotation is over. It fails, with an
// error wrapping [ErrInvalidSecret], if secrets is empty or any of them is
// invalid.
func NewVerifier(secrets ...string) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("webhook: no secrets given: %w", ErrInvalidSecret)
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		key, err := parseSecret(s)
		if err != nil {
			if len(secrets) == 1 {
				return nil, fmt.Errorf("webhook: %w", err)
			}
			return nil, fmt.Errorf("webhook: secret %d of %d: %w", i+1, len(secrets), err)
		}
		keys[i] = key
	}
	return &Verifier{keys: keys}, nil
}

// Verify returns nil if the delivery made of headers h and body is recent and
// signed with one of v's secrets. body must be the raw request body, exactly as
// received: decoding and re-encoding JSON before verifying changes the bytes and
// breaks the signature.
//
// Verify checks, in order, that the three headers are present, that the
// timestamp is decimal Unix seconds within the tolerance, and that one of the
// first 16 "v1," signatures in [HeaderSignature] matches one of the secrets.
// Signatures with other version tags (such as "v1a") are skipped, and only the
// first value of each header is read, as in the official libraries. The errors wrap
// [ErrMissingHeader], [ErrInvalidTimestamp], [ErrTimestampOutOfTolerance] or
// [ErrNoMatchingSignature].
//
// Verify does not remember IDs, so it cannot reject a delivery replayed within
// the tolerance; receivers that must process each message once should
// deduplicate on [HeaderID].
func (v *Verifier) Verify(h http.Header, body []byte) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	for _, hdr := range []struct{ name, value string }{
		{HeaderID, id}, {HeaderTimestamp, tsText}, {HeaderSignature, sigs},
	} {
		if hdr.value == "" {
			return fmt.Errorf("webhook: %s: %w", hdr.name, ErrMissingHeader)
		}
	}

	ts, ok := ParseTimestamp(tsText)
	if !ok {
		return fmt.Errorf("webhook: %s %q is not decimal Unix seconds: %w", HeaderTimestamp, clip(tsText), ErrInvalidTimestamp)
	}
	tolerance := v.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	now := time.Now
	if v.NowFunc != nil {
		now = v.NowFunc
	}
	sent, at := time.Unix(ts, 0), now()
	// Both differences saturate rather than overflow for absurd timestamps.
	if age := at.Sub(sent); age > tolerance {
		return fmt.Errorf("webhook: timestamp %d is %v in the past, beyond tolerance %v: %w", ts, age.Round(time.Second), tolerance, ErrTimestampOutOfTolerance)
	}
	if ahead := sent.Sub(at); ahead > tolerance {
		return fmt.Errorf("webhook: timestamp %d is %v in the future, beyond tolerance %v: %w", ts, ahead.Round(time.Second), tolerance, ErrTimestampOutOfTolerance)
	}

	if len(sigs) > maxSignatureHeaderLen {
		return fmt.Errorf("webhook: %s has %d bytes, limit %d: %w", HeaderSignature, len(sigs), maxSignatureHeaderLen, ErrNoMatchingSignature)
	}
	// Compare base64 text, as the official Go library does, rather than decoded
	// bytes: the decoder ignores stray bits in the last character, and comparing
	// text keeps exactly one accepted spelling per signature.
	want := make([][]byte, len(v.keys))
	for i, key := range v.keys {
		want[i] = []byte(base64.StdEncoding.EncodeToString(signatureMAC(key, id, tsText, body)))
	}
	checked := 0
	for field := range strings.FieldsSeq(sigs) {
		got, ok := strings.CutPrefix(field, signaturePrefix)
		if !ok {
			continue
		}
		if checked == maxSignatures {
			break
		}
		checked++
		for _, w := range want {
			if hmac.Equal([]byte(got), w) {
				return nil
			}
		}
	}
	if checked == 0 {
		return fmt.Errorf("webhook: %s has no v1 signature: %w", HeaderSignature, ErrNoMatchingSignature)
	}
	return fmt.Errorf("webhook: %d v1 signature(s) checked against %d secret(s): %w", checked, len(v.keys), ErrNoMatchingSignature)
}

// Verify verifies one delivery against a single secret with DefaultTolerance:
// a shortcut for receivers that neither rotate secrets nor tune the tolerance.
// See [Verifier.Verify] for what is checked and the errors returned; an invalid
// secret gives an error wrapping [ErrInvalidSecret].
func Verify(secret string, h http.Header, body []byte) error {
	v, err := NewVerifier(secret)
	if err != nil {
		return err
	}
	return v.Verify(h, body)
}

// ParseTimestamp reads a signed timestamp header as Unix seconds. It accepts
// only the canonical decimal form that senders write ("1674087231": digits, no
// sign, no leading zero), so that the text the signature covers and the time
// that is checked cannot disagree.
func ParseTimestamp(s string) (int64, bool) {
	if s == "" || len(s) > maxTimestampLen || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	ts, err := strconv.ParseInt(s, 10, 64)
	return ts, err == nil
}

// clip shortens a header value for an error message, since headers can be large
// and come from anyone.
func clip(s string) string {
	if len(s) <= maxQuotedLen {
		return s
	}
	return s[:maxQuotedLen] + "..."
}
