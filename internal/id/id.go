// Package id makes the prefixed, time-sortable identifiers that every Patchbay
// resource carries (DESIGN.md: "IDs are prefixed and sortable").
//
// An ID is a prefix, an underscore and a ULID-shaped body: 48 bits of Unix
// milliseconds followed by 80 random bits, in Crockford base32. IDs made in later
// milliseconds sort after earlier ones as plain strings, which keyset pagination
// relies on.
package id

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"time"
)

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
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(t.UnixMilli())<<16)
	rand.Read(raw[6:]) // never returns an error (crypto/rand documentation)

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
