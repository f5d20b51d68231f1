package retry

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file is the one reader of the two forms a server uses to say how long
// to wait (Retry-After and the providers' own headers that copy its forms),
// so that outgoing webhooks and the connections proxy agree on what a value
// means.

// Seconds reads a delay in seconds, Retry-After's delay-seconds. Fractions
// are accepted because some providers' own headers carry them. A delay too
// long for a time.Duration is the longest one: callers bound it further.
func Seconds(value string) (time.Duration, error) {
	secs, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs < 0 {
		return 0, errors.New("not a number of seconds")
	}
	if secs >= float64(math.MaxInt64)/float64(time.Second) {
		return math.MaxInt64, nil
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// HTTPDate reads an HTTP-date in any of the three forms RFC 9110 section
// 5.6.7 tells recipients to accept.
func HTTPDate(value string) (time.Time, error) {
	t, err := http.ParseTime(strings.TrimSpace(value))
	if err != nil {
		return time.Time{}, errors.New("not an HTTP date")
	}
	return t, nil
}

// After is the wait a Retry-After value received at now asks for, in either
// form; a date in the past asks for none. ok is false when the value is
// neither form.
func After(value string, now time.Time) (wait time.Duration, ok bool) {
	if d, err := Seconds(value); err == nil {
		return d, true
	}
	if t, err := HTTPDate(value); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
