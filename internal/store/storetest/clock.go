package storetest

import (
	"sync"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// Clock is a settable clock for tests whose subject reads the time, so that
// they move time on instead of sleeping. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the clock's time; pass it as a NowFunc.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// FakeClock stops db's clock (store.DB.NowFunc, behind Tx.Now and DB.Now) at
// a fixed time near the real one and returns it. Near, because River and
// the database stamp some rows with their own clocks.
func FakeClock(db *store.DB) *Clock {
	c := NewClock(time.Now().UTC().Truncate(time.Second))
	db.NowFunc = c.Now
	return c
}
