package ttlcache

import (
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestCache(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	c := New[string, int](5 * time.Second)
	c.NowFunc = clock.Now
	c.Put("a", 1)
	c.Put("b", 2)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v", v, ok)
	}
	c.Forget("a")
	if _, ok := c.Get("a"); ok {
		t.Error("a survived Forget")
	}
	c.ForgetFunc(func(v int) bool { return v == 2 })
	if _, ok := c.Get("b"); ok {
		t.Error("b survived ForgetFunc")
	}
	c.Put("c", 3)
	clock.Advance(5*time.Second - time.Nanosecond)
	if v, ok := c.Get("c"); !ok || v != 3 {
		t.Errorf("Get(c) just before its TTL = %d, %v", v, ok)
	}
	clock.Advance(time.Nanosecond)
	if _, ok := c.Get("c"); ok {
		t.Error("c outlived its TTL")
	}
	for i := range maxEntries + 1 {
		c.Put(string(rune(i)), i)
	}
	if n := len(c.entries); n > maxEntries {
		t.Errorf("%d entries, want at most %d", n, maxEntries)
	}
}
