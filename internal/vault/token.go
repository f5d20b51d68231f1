package vault

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// NewToken returns prefix followed by 256 random bits, base64url: the one
// form of Patchbay's bearer secrets (ingest tokens, connect session and
// browser secrets, CSRF and state values) and unguessable owner names.
func NewToken(prefix string) string {
	var b [32]byte
	rand.Read(b[:]) // never returns an error (crypto/rand documentation)
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is how a bearer secret from NewToken is stored and looked up
// rather than sealed: it carries 256 random bits, so a fast hash is enough,
// there is nothing to guess. Compare hashes with crypto/subtle.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
