package retry

import (
	"math"
	"testing"
	"time"
)

func TestAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"120", 2 * time.Minute, true},
		{" 2.5 ", 2500 * time.Millisecond, true},
		{"0", 0, true},
		{"10000000000", math.MaxInt64, true}, // too long for a Duration: the longest
		{"Fri, 01 May 2026 12:01:00 GMT", time.Minute, true},
		{"Friday, 01-May-26 12:01:00 GMT", time.Minute, true}, // RFC 850
		{"Fri May  1 12:01:00 2026", time.Minute, true},       // asctime
		{"Fri, 01 May 2026 11:00:00 GMT", 0, true},            // past: go ahead
		{"", 0, false},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := After(tt.value, now)
		if ok != tt.ok || got != tt.want {
			t.Errorf("After(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzAfter(f *testing.F) {
	for _, s := range []string{"120", "2.5", "1e300", "-0", "Fri, 01 May 2026 12:01:00 GMT", "Fri May  1 12:01:00 2026", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := After(v, now)
		if got < 0 {
			t.Fatalf("After(%q) = %v, a negative wait", v, got)
		}
		if !ok && got != 0 {
			t.Fatalf("After(%q) = %v with ok false", v, got)
		}
	})
}
