package retry

import (
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
		low, high := false, false
		for range 2000 {
			d := tt.p.Delay(tt.n)
			if d < tt.min || d > tt.max {
				t.Fatalf("%+v.Delay(%d) = %s, want within [%s, %s]", tt.p, tt.n, d, tt.min, tt.max)
			}
			span := tt.max - tt.min
			low = low || d < tt.min+span/4
			high = high || d > tt.max-span/4
		}
		if !low || !high {
			t.Errorf("%+v.Delay(%d) over 2000 draws: some in the lowest quarter %v, the highest %v; want both", tt.p, tt.n, low, high)
		}
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
		low, high := false, false
		for range 2000 {
			got := Spread(tt.d, tt.fraction)
			if got < tt.min || got > tt.max {
				t.Fatalf("Spread(%s, %v) = %s, want within [%s, %s]", tt.d, tt.fraction, got, tt.min, tt.max)
			}
			span := tt.max - tt.min
			low = low || got < tt.min+span/4
			high = high || got > tt.max-span/4
		}
		if !low || !high {
			t.Errorf("Spread(%s, %v) over 2000 draws: some in the lowest quarter %v, the highest %v; want both", tt.d, tt.fraction, low, high)
		}
	}
	if got := Spread(time.Second, 0); got != time.Second {
		t.Errorf("Spread(1s, 0) = %s, want 1s exactly", got)
	}
}
