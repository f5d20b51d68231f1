package id

import (
	"sort"
	"testing"
	"time"
)

func TestNewSortsByTime(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 50 {
		ids = append(ids, newAt("ten", base.Add(time.Duration(i)*time.Millisecond)))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatalf("IDs made in increasing milliseconds are not sorted: %v", ids)
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	good := New("key")
	for s, want := range map[string]bool{
		good:                               true,
		"ten" + good[3:]:                   false, // other prefix
		good[:len(good)-1]:                 false, // too short
		good + "0":                         false, // too long
		"key_8ZZZZZZZZZZZZZZZZZZZZZZZZZ":   false, // overflows 128 bits
		"key_0000000000000000000000000U":   false, // U is not Crockford
		"key_01JD5X9Y7Z00000000000000000I": false,
		"":                                 false,
	} {
		if got := Valid("key", s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNewSortsInOrderMadeWithinAMillisecond(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var ids []string
	for range 1000 {
		ids = append(ids, newAt("msg", at))
	}
	// A clock that steps back must not break the order either.
	ids = append(ids, newAt("msg", at.Add(-time.Second)))
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("ID %d %s does not sort after %s", i, ids[i], ids[i-1])
		}
		if !Valid("msg", ids[i]) {
			t.Fatalf("ID %d %s is not valid", i, ids[i])
		}
	}
}

func TestTime(t *testing.T) {
	at := time.Date(2026, 12, 8, 1, 2, 3, 456e6, time.UTC)
	got, ok := Time(newAt("msg", at))
	if !ok || !got.Equal(at) {
		t.Errorf("Time = %s, %v; want %s", got, ok, at)
	}
	if _, ok := Time("msg_nope"); ok {
		t.Error("Time of a non-ID reported ok")
	}
}
