package bearer

import (
	"container/list"
	"crypto/sha256"
	"time"
)

// result is the outcome of one introspection: a Token, or an error wrapping
// ErrInvalidToken.
type result struct {
	tok Token
	err error
}

// cache holds introspection results by token hash, dropping the least recently
// used once it holds max. It is not safe for concurrent use; Guard.mu guards it.
type cache struct {
	max     int
	order   *list.List // of *cacheEntry, most recently used first
	entries map[[sha256.Size]byte]*list.Element
}

type cacheEntry struct {
	key     [sha256.Size]byte
	res     result
	expires time.Time
}

func newCache(maxEntries int) *cache {
	return &cache{max: maxEntries, order: list.New(), entries: make(map[[sha256.Size]byte]*list.Element)}
}

// get returns the result for key unless there is none or it expired by now.
func (c *cache) get(key [sha256.Size]byte, now time.Time) (result, bool) {
	el, ok := c.entries[key]
	if !ok {
		return result{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.entries, key)
		return result{}, false
	}
	c.order.MoveToFront(el)
	return e.res, true
}

func (c *cache) put(key [sha256.Size]byte, res result, expires time.Time) {
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*cacheEntry)
		e.res, e.expires = res, expires
		c.order.MoveToFront(el)
		return
	}
	if c.order.Len() >= c.max {
		oldest := c.order.Back()
		delete(c.entries, oldest.Value.(*cacheEntry).key)
		c.order.Remove(oldest)
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, res: res, expires: expires})
}
