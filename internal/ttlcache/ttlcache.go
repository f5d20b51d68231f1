// Package ttlcache is the short per-node cache in front of database reads on
// hot paths (API keys, OAuth clients, inbound sources): an entry is trusted
// for a fixed time, so a change made on another node is seen within it, and
// the node that makes a change forgets the entry at once. It also remembers
// what happened recently per key, such as the proxy's refreshes after a 401.
package ttlcache

import (
	"sync"
	"time"
)

// maxEntries bounds memory. When full the cache is emptied: live entries
// refill it at once, and made-up keys cannot grow it without limit.
const maxEntries = 10_000

// Cache maps keys to values for TTL each. The zero value is not usable; use
// New.
type Cache[K comparable, V any] struct {
	// NowFunc is the clock entries are stamped and aged by. Tests may
	// replace it before the cache is used.
	NowFunc func() time.Time

	ttl     time.Duration
	mu      sync.Mutex
	entries map[K]entry[V]
}

type entry[V any] struct {
	v       V
	fetched time.Time
}

// New returns a cache whose entries last ttl.
func New[K comparable, V any](ttl time.Duration) *Cache[K, V] {
	return &Cache[K, V]{NowFunc: time.Now, ttl: ttl, entries: map[K]entry[V]{}}
}

// Get returns the value of a live entry.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok || c.NowFunc().Sub(e.fetched) >= c.ttl {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put stores v under k, fresh from now.
func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxEntries {
		clear(c.entries)
	}
	c.entries[k] = entry[V]{v: v, fetched: c.NowFunc()}
}

// Forget drops k.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}

// ForgetFunc drops every entry whose value drop reports, for caches keyed by
// something other than what changed.
func (c *Cache[K, V]) ForgetFunc(drop func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if drop(e.v) {
			delete(c.entries, k)
		}
	}
}
