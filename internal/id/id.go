// Package id makes the prefixed, time-sortable identifiers that every Patchbay
// resource carries (DESIGN.md: "IDs are prefixed and sortable").
//
// An ID is a prefix, an underscore and a ULID-shaped body: 48 bits of Unix
// milliseconds followed by 80 random bits, in Crockford base32. IDs sort as plain
// strings in the order this process made them, which keyset pagination and
// "newest first" lists rely on: within one millisecond the random part is the
// previous one's plus a random step, so it still cannot be guessed from a neighbour.
package id

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// last is the most recent body made, so that the next one sorts after it even
// within the same millisecond or when the clock steps back.
var last struct {
	sync.Mutex
	raw [16]byte
}

const (
	crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	bodyLen   = 26
)

// New returns a fresh ID with the given prefix, for example New("key") →
// "key_01JD5X9Y7Z0000000000000000".
func New(prefix string) string {
	return newAt(prefix, time.Now())
}

func newAt(prefix string, t time.Time) string {
	raw := next(uint64(t.UnixMilli()))

	var b strings.Builder
	b.Grow(len(prefix) + 1 + bodyLen)
	b.WriteString(prefix)
	b.WriteByte('_')
	// 128 bits in 26 base32 digits: the first digit carries the top 3 bits.
	hi := binary.BigEndian.Uint64(raw[:8])
	lo := binary.BigEndian.Uint64(raw[8:])
	var digits [bodyLen]byte
	for i := bodyLen - 1; i >= 0; i-- {
		digits[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	b.Write(digits[:])
	return b.String()
}

// next returns a body for the millisecond ms that sorts after the last one.
func next(ms uint64) [16]byte {
	var step [4]byte
	rand.Read(step[:]) // never returns an error (crypto/rand documentation)

	last.Lock()
	defer last.Unlock()
	raw := last.raw
	lastMS := binary.BigEndian.Uint64(raw[:8]) >> 16
	if ms > lastMS {
		binary.BigEndian.PutUint64(raw[:8], ms<<16)
		rand.Read(raw[6:])
	} else {
		// Add 1 + step to the 128-bit value; a carry out of the random part
		// moves the time part one millisecond on, which keeps the order.
		hi, lo := binary.BigEndian.Uint64(raw[:8]), binary.BigEndian.Uint64(raw[8:])
		sum := lo + 1 + uint64(binary.BigEndian.Uint32(step[:]))
		if sum < lo {
			hi++
		}
		binary.BigEndian.PutUint64(raw[:8], hi)
		binary.BigEndian.PutUint64(raw[8:], sum)
	}
	last.raw = raw
	return raw
}

// Valid reports whether s is an ID with the given prefix. Handlers use it to
// answer a malformed path parameter with 400 instead of a pointless lookup.
func Valid(prefix, s string) bool {
	body, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(body) != bodyLen || body[0] > '7' {
		return false
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(crockford, body[i]) < 0 {
			return false
		}
	}
	return true
}

// Time returns the millisecond an ID was made in, as its body records it;
// false if s is not an ID.
func Time(s string) (time.Time, bool) {
	i := strings.LastIndexByte(s, '_')
	if i < 0 || !Valid(s[:i], s) {
		return time.Time{}, false
	}
	var ms uint64
	for _, c := range []byte(s[i+1 : i+11]) { // the first 10 digits hold 50 bits: 2 of padding, 48 of time
		ms = ms<<5 | uint64(strings.IndexByte(crockford, c))
	}
	return time.UnixMilli(int64(ms)).UTC(), true
}
