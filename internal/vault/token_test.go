package vault

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	t.Parallel()
	a, b := NewToken("pbx_"), NewToken("pbx_")
	if a == b {
		t.Fatalf("two tokens are the same: %q", a)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(a, "pbx_"))
	if !strings.HasPrefix(a, "pbx_") || err != nil || len(raw) != 32 {
		t.Errorf("NewToken = %q (%d random bytes, %v); want the prefix and 32 bytes of base64url", a, len(raw), err)
	}
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	// SHA-256("abc"), FIPS 180-2 appendix B.1: tokens stored before this
	// helper existed must still be found.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := hex.EncodeToString(HashToken("abc")); got != want {
		t.Errorf("HashToken(abc) = %s, want %s", got, want)
	}
}
