package verify

import (
	"crypto/hmac"
	"fmt"
	"hash"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/webhook"
)

// Limits on what is parsed keep the work of refusing a hostile request small
// and fixed; legitimate headers are well under 200 bytes.
const (
	maxHeaderLen  = 4096 // bytes of a signature or credential header
	maxSignatures = 16   // signatures compared from one header; later ones are ignored
)

// requireHeader returns the first value of the header name, refusing requests
// where it is absent, empty or too long to be genuine.
func requireHeader(h http.Header, name string) (string, error) {
	v := h.Get(name)
	if v == "" {
		return "", fail(ReasonMissingHeader, fmt.Sprintf("missing %s header", name))
	}
	if len(v) > maxHeaderLen {
		return "", fail(ReasonMalformedHeader, fmt.Sprintf("%s header has %d bytes, limit %d", name, len(v), maxHeaderLen))
	}
	return v, nil
}

// checkTimestamp parses the signed timestamp text from header name and
// checks that it is within tolerance of now, in either direction: a replay is
// old, and a timestamp far ahead lets a captured request be replayed later.
func checkTimestamp(name, text string, now time.Time, tolerance time.Duration) (time.Time, error) {
	ts, ok := webhook.ParseTimestamp(text)
	if !ok {
		return time.Time{}, fail(ReasonMalformedHeader, fmt.Sprintf("%s timestamp is not decimal Unix seconds", name))
	}
	sent := time.Unix(ts, 0)
	// Both differences saturate rather than overflow for absurd timestamps.
	if age := now.Sub(sent); age > tolerance {
		return time.Time{}, fail(ReasonTimestampExpired, fmt.Sprintf("%s timestamp is %s old, beyond tolerance %v", name, roughly(age), tolerance))
	}
	if ahead := sent.Sub(now); ahead > tolerance {
		return time.Time{}, fail(ReasonTimestampExpired, fmt.Sprintf("%s timestamp is %s in the future, beyond tolerance %v", name, roughly(ahead), tolerance))
	}
	return sent, nil
}

// roughly formats a clock difference for a message; a timestamp in
// milliseconds or zero is years off, and the exact figure would only confuse.
func roughly(d time.Duration) string {
	if d > 366*24*time.Hour {
		return "over a year"
	}
	return d.Round(time.Second).String()
}

// anyMAC reports whether any of the received MACs equals the HMAC of the
// concatenated parts under any of keys, comparing in constant time. The parts
// are written separately so that large bodies are never copied.
func anyMAC(newHash func() hash.Hash, keys [][]byte, received [][]byte, parts ...[]byte) bool {
	for _, key := range keys {
		m := hmac.New(newHash, key)
		for _, p := range parts {
			m.Write(p)
		}
		sum := m.Sum(nil)
		for _, r := range received {
			if hmac.Equal(sum, r) {
				return true
			}
		}
	}
	return false
}

func badSignature(name string, secrets int) error {
	return fail(ReasonBadSignature, fmt.Sprintf("%s matches none of the %d configured secret(s)", name, secrets))
}

func keyBytes(secrets []string) [][]byte {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		keys[i] = []byte(s)
	}
	return keys
}
