package retry

import (
	"fmt"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		p        Policy
		n        int
		min, max time.Duration
	}{
		{Policy{Base: time.Second, Cap: time.Minute}, 1, 0, time.Second},
		{Policy{Base: time.Second, Cap: time.Minute}, 3, 0, 4 * time.Second},
		{Policy{Base: time.Second, Cap: time.Minute}, 1000, 0, time.Minute},
		{Policy{Base: time.Minute, Cap: time.Hour, Jitter: Upper}, 1, 30 * time.Second, time.Minute},
		{Policy{Base: time.Minute, Cap: time.Hour, Jitter: Upper}, 7, 30 * time.Minute, time.Hour},
		{Policy{Base: time.Minute, Cap: time.Hour, Jitter: Upper}, 0, 30 * time.Second, time.Minute},
		{Policy{Base: 30 * time.Second, Cap: 10 * time.Second, Jitter: Upper}, 2, 5 * time.Second, 10 * time.Second},
	} {
		checkDraws(t, fmt.Sprintf("%+v.Delay(%d)", tt.p, tt.n), func() time.Duration { return tt.p.Delay(tt.n) }, tt.min, tt.max)
	}
}

// checkDraws draws 2000 delays and wants each within [min, max], and some in
// the lowest and the highest quarter of that range.
func checkDraws(t *testing.T, name string, draw func() time.Duration, min, max time.Duration) {
	t.Helper()
	low, high := false, false
	for range 2000 {
		d := draw()
		if d < min || d > max {
			t.Fatalf("%s = %s, want within [%s, %s]", name, d, min, max)
		}
		span := max - min
		low = low || d < min+span/4
		high = high || d > max-span/4
	}
	if !low || !high {
		t.Errorf("%s over 2000 draws: some in the lowest quarter %v, the highest %v; want both", name, low, high)
	}
}

func TestSpread(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		d        time.Duration
		fraction float64
		min, max time.Duration
	}{
		{10 * time.Second, 0.2, 8 * time.Second, 12 * time.Second},
		{time.Minute, 0.5, 30 * time.Second, 90 * time.Second},
	} {
		checkDraws(t, fmt.Sprintf("Spread(%s, %v)", tt.d, tt.fraction), func() time.Duration { return Spread(tt.d, tt.fraction) }, tt.min, tt.max)
	}
	if got := Spread(time.Second, 0); got != time.Second {
		t.Errorf("Spread(1s, 0) = %s, want 1s exactly", got)
	}
}
