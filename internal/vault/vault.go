// Package vault encrypts secrets Patchbay must be able to read back (webhook
// signing secrets, third-party credentials) with AES-256-GCM under a key from
// the configuration. Each ciphertext is bound to where it is stored by
// associated data, so a ciphertext copied to another row does not decrypt.
//
// A vault may also hold previous keys, which it opens with but never seals
// with: that is how the key is rotated without downtime (Reseal).
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a vault key: AES-256.
const KeySize = 32

// version prefixes every ciphertext so the format (and later, the key that
// sealed it) can change without guessing.
const version byte = 1

// Vault seals and opens secrets.
type Vault struct {
	aead     cipher.AEAD
	previous []cipher.AEAD // open only, tried in order after aead
}

// New returns a vault that seals with a 32-byte key and opens what that key
// or any of the previous keys sealed.
func New(key []byte, previous ...[]byte) (*Vault, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	v := &Vault{aead: aead}
	for i, p := range previous {
		a, err := newAEAD(p)
		if err != nil {
			return nil, fmt.Errorf("previous key %d: %w", i+1, err)
		}
		v.previous = append(v.previous, a)
	}
	return v, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("encryption key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ParseKey decodes a key given as base64 (standard or URL alphabet).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != KeySize {
				return nil, fmt.Errorf("must decode to %d bytes (got %d); make one with: openssl rand -base64 32", KeySize, len(key))
			}
			return key, nil
		}
	}
	return nil, errors.New("must be base64; make one with: openssl rand -base64 32")
}

// NewKey returns a fresh random key, base64-encoded.
func NewKey() string {
	key := make([]byte, KeySize)
	rand.Read(key)
	return base64.StdEncoding.EncodeToString(key)
}

// LoadOrCreateKeyFile reads the key kept in path, creating it (mode 0600)
// when missing. Single-node SQLite installations use it, so a new user needs no
// key management; several nodes must share one configured key instead.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreateKeyFile(path) // another process made it first
		} else if err != nil {
			return nil, err
		}
		key := NewKey()
		if _, err := f.WriteString(key + "\n"); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		return ParseKey(key)
	} else if err != nil {
		return nil, err
	}
	key, err := ParseKey(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// Seal encrypts plaintext bound to aad (for example "endpoint:ep_…:secret").
func (v *Vault) Seal(plaintext []byte, aad string) []byte {
	nonce := make([]byte, v.aead.NonceSize(), 1+v.aead.NonceSize()+len(plaintext)+v.aead.Overhead())
	rand.Read(nonce)
	out := append([]byte{version}, nonce...)
	return v.aead.Seal(out, nonce, plaintext, []byte(aad))
}

// ErrOpen means a ciphertext could not be decrypted: a wrong key, a wrong
// binding, or tampering. It says nothing more, on purpose.
var ErrOpen = errors.New("vault: cannot decrypt")

// Open decrypts what Seal produced with the same aad, under the current key
// or a previous one.
func (v *Vault) Open(ciphertext []byte, aad string) ([]byte, error) {
	if plain, err := open(v.aead, ciphertext, aad); err == nil {
		return plain, nil
	}
	for _, a := range v.previous {
		if plain, err := open(a, ciphertext, aad); err == nil {
			return plain, nil
		}
	}
	return nil, ErrOpen
}

func open(aead cipher.AEAD, ciphertext []byte, aad string) ([]byte, error) {
	n := aead.NonceSize()
	if len(ciphertext) < 1+n+aead.Overhead() || ciphertext[0] != version {
		return nil, ErrOpen
	}
	plain, err := aead.Open(nil, ciphertext[1:1+n], ciphertext[1+n:], []byte(aad))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// Reseal returns ciphertext sealed again under the current key, or nil when
// the current key sealed it already, so rotating twice changes nothing. It
// fails (ErrOpen) when no key of the vault opens it.
func (v *Vault) Reseal(ciphertext []byte, aad string) ([]byte, error) {
	if _, err := open(v.aead, ciphertext, aad); err == nil {
		return nil, nil
	}
	plain, err := v.Open(ciphertext, aad)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return v.Seal(plain, aad), nil
}

// Column is a database column whose values a vault sealed, each bound to its
// row (by the table's id) through AAD. Packages list theirs for Reseal.
type Column struct {
	Table, Column string
	AAD           func(rowID string) string
}
