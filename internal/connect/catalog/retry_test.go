package catalog

import (
	"testing"
	"time"
)

func TestRetryFormatTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		format RetryFormat
		value  string
		want   time.Time
		ok     bool
	}{
		{RetrySeconds, "120", now.Add(2 * time.Minute), true},
		{RetrySeconds, " 2.5 ", now.Add(2500 * time.Millisecond), true},
		{RetrySeconds, "-1", time.Time{}, false},
		{RetrySeconds, "NaN", time.Time{}, false},
		{RetrySeconds, "99999999999", time.Time{}, false},
		{RetryEpochSeconds, "1777636860", time.Unix(1777636860, 0), true},
		{RetryEpochSeconds, "1777636860.5", time.Unix(1777636860, 5e8), true},
		{RetryEpochSeconds, "1e300", time.Time{}, false},
		{RetryEpochMillis, "1777636860000", time.Unix(1777636860, 0), true},
		{RetryHTTPDate, "Fri, 01 May 2026 12:01:00 GMT", now.Add(time.Minute), true},
		{RetryHTTPDate, "tomorrow", time.Time{}, false},
		{RetryEpochSeconds, "4102444800", time.Time{}, false}, // 2100: beyond the horizon
		{"fortnights", "1", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := tt.format.Time(tt.value, now)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("%s.Time(%q) = %v, %v; want %v, ok %v", tt.format, tt.value, got, err, tt.want, tt.ok)
		}
	}
}
