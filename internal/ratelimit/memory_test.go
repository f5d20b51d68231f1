package ratelimit

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestMemory(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		m     *Memory
		clock *storetest.Clock
	}
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		c := storetest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
		m := NewMemory()
		m.NowFunc = c.Now
		return &testBundle{m: m, clock: c}
	}
	// allow calls Allow n times and returns the decisions.
	allow := func(t *testing.T, m *Memory, bucket string, p Policy, n int) []Decision {
		t.Helper()
		var got []Decision
		for range n {
			d, err := m.Allow(t.Context(), bucket, p)
			if err != nil {
				t.Fatalf("Allow: %v", err)
			}
			got = append(got, d)
		}
		return got
	}
	fiveIn10s := Policy{Limit: 5, Window: 10 * time.Second} // one token per 2s

	t.Run("AllowsLimitThenDenies", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		want := []Decision{
			{Allowed: true, Limit: 5, Remaining: 4, Reset: 2 * time.Second},
			{Allowed: true, Limit: 5, Remaining: 3, Reset: 4 * time.Second},
			{Allowed: true, Limit: 5, Remaining: 2, Reset: 6 * time.Second},
			{Allowed: true, Limit: 5, Remaining: 1, Reset: 8 * time.Second},
			{Allowed: true, Limit: 5, Remaining: 0, Reset: 10 * time.Second},
			{Allowed: false, Limit: 5, Remaining: 0, Reset: 2 * time.Second, RetryAfter: 2 * time.Second},
			{Allowed: false, Limit: 5, Remaining: 0, Reset: 2 * time.Second, RetryAfter: 2 * time.Second},
		}
		if diff := cmp.Diff(want, allow(t, b.m, "key_a", fiveIn10s, len(want))); diff != "" {
			t.Errorf("decisions (-want +got):\n%s", diff)
		}
	})

	t.Run("Refills", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		allow(t, b.m, "key_a", fiveIn10s, 5)

		b.clock.Advance(1500 * time.Millisecond)
		want := []Decision{{Limit: 5, Reset: 500 * time.Millisecond, RetryAfter: 500 * time.Millisecond}}
		if diff := cmp.Diff(want, allow(t, b.m, "key_a", fiveIn10s, 1)); diff != "" {
			t.Errorf("before a token is back (-want +got):\n%s", diff)
		}

		b.clock.Advance(500 * time.Millisecond)
		want = []Decision{
			{Allowed: true, Limit: 5, Remaining: 0, Reset: 10 * time.Second},
			{Limit: 5, Reset: 2 * time.Second, RetryAfter: 2 * time.Second},
		}
		if diff := cmp.Diff(want, allow(t, b.m, "key_a", fiveIn10s, 2)); diff != "" {
			t.Errorf("one token back (-want +got):\n%s", diff)
		}

		b.clock.Advance(time.Hour) // a full bucket holds Limit, however long it idled
		got := allow(t, b.m, "key_a", fiveIn10s, 6)
		if got[0].Remaining != 4 || !got[4].Allowed || got[5].Allowed {
			t.Errorf("after an hour: got %+v, want 5 allowed from Remaining 4, then denied", got)
		}
	})

	t.Run("PolicyChange", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		two := Policy{Limit: 2, Window: 10 * time.Second}
		allow(t, b.m, "key_a", two, 2)

		// Raised to 4: the 2 used stay used, so 1 is left after this request.
		four := Policy{Limit: 4, Window: 10 * time.Second}
		want := []Decision{{Allowed: true, Limit: 4, Remaining: 1, Reset: 7500 * time.Millisecond}}
		if diff := cmp.Diff(want, allow(t, b.m, "key_a", four, 1)); diff != "" {
			t.Errorf("raised limit (-want +got):\n%s", diff)
		}

		// Lowered to 1 with 3 in use: denied, but never longer than the new window.
		one := Policy{Limit: 1, Window: 10 * time.Second}
		want = []Decision{{Limit: 1, Reset: 10 * time.Second, RetryAfter: 10 * time.Second}}
		if diff := cmp.Diff(want, allow(t, b.m, "key_a", one, 1)); diff != "" {
			t.Errorf("lowered limit (-want +got):\n%s", diff)
		}
	})

	t.Run("BucketsAreSeparate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		allow(t, b.m, "key_a", fiveIn10s, 5)
		if got := allow(t, b.m, "key_b", fiveIn10s, 1); !got[0].Allowed || got[0].Remaining != 4 {
			t.Errorf("other bucket: got %+v, want allowed with Remaining 4", got[0])
		}
	})

	t.Run("Unlimited", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		got := allow(t, b.m, "key_a", Policy{}, 3)
		want := []Decision{{Allowed: true}, {Allowed: true}, {Allowed: true}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decisions (-want +got):\n%s", diff)
		}
	})

	t.Run("InvalidPolicyFailsOpen", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		d, err := b.m.Allow(t.Context(), "key_a", Policy{Limit: -1, Window: time.Minute})
		if err == nil || !d.Allowed {
			t.Errorf("Allow(negative limit) = %+v, %v; want allowed with an error", d, err)
		}
	})

	t.Run("EvictsIdleBuckets", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for i := range 100 {
			allow(t, b.m, "idle_"+strconv.Itoa(i), fiveIn10s, 3)
		}
		b.clock.Advance(sweepEvery + time.Second) // every idle bucket is full again
		// Touch enough other buckets that every shard sweeps (missing one of
		// 64 shards in 2000 tries has odds far below 1e-10).
		for i := range 2000 {
			allow(t, b.m, "busy_"+strconv.Itoa(i), fiveIn10s, 1)
		}
		if got := b.m.buckets.len(); got != 2000 {
			t.Errorf("buckets held = %d, want 2000 (the idle 100 forgotten)", got)
		}
	})

	t.Run("ConcurrentUseAdmitsExactlyLimit", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := Policy{Limit: 500, Window: time.Hour}
		var admitted atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 200 {
					if d, _ := b.m.Allow(t.Context(), "key_a", p); d.Allowed {
						admitted.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if got := admitted.Load(); got != 500 {
			t.Errorf("admitted %d of 1600 attempts, want exactly 500", got)
		}
	})
}

func BenchmarkMemoryAllow(b *testing.B) {
	p := Policy{Limit: 1 << 40, Window: time.Hour} // never denies: measures the path every request takes
	b.Run("OneBucket", func(b *testing.B) {
		m := NewMemory()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Allow(b.Context(), "key_0123456789abcdef", p) //nolint:errcheck // a valid policy
			}
		})
	})
	b.Run("ManyBuckets", func(b *testing.B) {
		m := NewMemory()
		keys := make([]string, 1024)
		for i := range keys {
			keys[i] = "key_" + strconv.Itoa(i)
		}
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(97))
			for pb.Next() {
				m.Allow(b.Context(), keys[i%len(keys)], p) //nolint:errcheck // a valid policy
				i++
			}
		})
	})
}
