package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MinSecretBytes is the shortest key [ParseSecret] accepts: the specification
// requires at least 24 random bytes (192 bits), which keeps signatures
// unforgeable by guessing the key.
const MinSecretBytes = 24

// newSecretBytes is the key length of [NewSecret]: the SHA-256 output length,
// which RFC 2104 recommends as the minimum HMAC key length, and comfortably above
// [MinSecretBytes].
const newSecretBytes = 32

// ErrInvalidSecret reports a secret that is empty, not base64, or too short. Its
// messages never include the secret itself, so they are safe to log.
var ErrInvalidSecret = errors.New("invalid signing secret")

// NewSecret returns a fresh signing secret: [SecretPrefix] followed by the
// standard base64 of 32 bytes from crypto/rand. Patchbay creates one per
// endpoint, since the specification warns against sharing keys between
// receivers.
func NewSecret() string {
	key := make([]byte, newSecretBytes)
	rand.Read(key) // never returns an error (crypto/rand documentation)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// ParseSecret returns the key bytes of a serialized secret, "whsec_<base64>".
// Like the official Standard Webhooks libraries it also accepts the bare base64
// without the prefix, since customers often paste only that part. It rejects
// secrets that are empty, not standard padded base64, or shorter than
// [MinSecretBytes] once decoded, with errors that wrap [ErrInvalidSecret].
func ParseSecret(s string) ([]byte, error) {
	key, err := parseSecret(s)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return key, nil
}

// parseSecret is ParseSecret without the package prefix on its errors, so that
// NewVerifier can say which of several secrets is wrong.
func parseSecret(s string) ([]byte, error) {
	encoded := strings.TrimPrefix(s, SecretPrefix)
	if encoded == "" {
		return nil, fmt.Errorf("empty secret: %w", ErrInvalidSecret)
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		// The decoder's error names only a byte offset, never the input.
		return nil, fmt.Errorf("secret is not base64 (%v): %w", err, ErrInvalidSecret)
	}
	if len(key) < MinSecretBytes {
		return nil, fmt.Errorf("secret has %d bytes, want at least %d: %w", len(key), MinSecretBytes, ErrInvalidSecret)
	}
	return key, nil
}
