package ttlcache

import (
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	c := New[string, int](50 * time.Millisecond)
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
	time.Sleep(60 * time.Millisecond)
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
