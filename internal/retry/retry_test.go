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
