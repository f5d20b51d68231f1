package ratelimit

import (
	"context"
	"time"
)

// Memory is a Limiter that keeps a token bucket per bucket string in this
// process: capacity Limit, refilled at Limit per Window, so a caller may burst
// up to Limit and then continue at the policy's average rate. It suits a
// single node; nodes sharing a database use Database.
//
// A bucket's state is in effect one int64, the moment it will be full again
// (the generic cell rate algorithm's theoretical arrival time), rather than a
// token count and a refill time. That makes a decision a few integer
// operations under a sharded lock, with no floating point, timer or
// goroutine, and makes an idle bucket easy to recognise and forget.
type Memory struct {
	// NowFunc is the clock, time.Now by default. Tests replace it before first
	// use. Times are measured from the Memory's creation, so with time.Now a
	// wall-clock step (NTP, a VM resume) neither blocks nor frees callers.
	NowFunc func() time.Time

	base    time.Time
	buckets *table[cell]
}

// cell is one bucket's state. Its times are nanoseconds since Memory.base.
type cell struct {
	// full is when the bucket will be full again; at or before now, it is full.
	full int64
	// interval is Window/Limit of the policy in force: the time one token takes
	// to come back.
	interval int64
	limit    int64
}

// NewMemory returns an in-process limiter.
func NewMemory() *Memory {
	return &Memory{
		NowFunc: time.Now,
		base:    time.Now(),
		buckets: newTable(func(c *cell, now int64) bool { return c.full <= now }),
	}
}

// Allow takes one token from the bucket, if it has one.
func (m *Memory) Allow(_ context.Context, bucket string, p Policy) (Decision, error) {
	if err := p.validate(); err != nil {
		return openDecision, err
	}
	if p.Limit == 0 {
		return openDecision, nil
	}
	now := int64(m.NowFunc().Sub(m.base))
	interval := int64(p.Window) / p.Limit
	capacity := p.Limit * interval // ≤ Window: exactly Limit tokens fit

	sh, c, fresh := m.buckets.lock(bucket, now)
	if fresh {
		c.full, c.interval, c.limit = now, interval, p.Limit
	} else if c.limit != p.Limit || c.interval != interval {
		c.retune(now, p.Limit, interval)
	}
	next := max(c.full, now) + interval
	if next-now > capacity {
		sh.mu.Unlock()
		wait := time.Duration(next - capacity - now)
		return Decision{Limit: p.Limit, Reset: wait, RetryAfter: wait}, nil
	}
	c.full = next
	sh.mu.Unlock()
	return Decision{
		Allowed:   true,
		Limit:     p.Limit,
		Remaining: (capacity - (next - now)) / interval,
		Reset:     time.Duration(next - now),
	}, nil
}

// retune moves a bucket to a new policy, keeping the number of tokens in use:
// a caller whose limit is raised can go on at once, and one whose limit is
// lowered below what it has used waits, but never longer than the new window.
func (c *cell) retune(now, limit, interval int64) {
	if c.full > now {
		used := min((c.full-now+c.interval-1)/c.interval, limit) // rounded up: never hand out a token twice
		c.full = now + used*interval
	}
	c.interval, c.limit = interval, limit
}
