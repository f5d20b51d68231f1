package vault

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	key, _ := ParseKey(NewKey())
	v, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	ct := v.Seal([]byte("whsec_abc"), "endpoint:ep_1:secret")
	if bytes.Contains(ct, []byte("whsec_abc")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := v.Open(ct, "endpoint:ep_1:secret")
	if err != nil || string(got) != "whsec_abc" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := v.Open(ct, "endpoint:ep_2:secret"); !errors.Is(err, ErrOpen) {
		t.Errorf("Open with another binding: %v, want ErrOpen", err)
	}
	tampered := bytes.Clone(ct)
	tampered[len(tampered)-1] ^= 1
	if _, err := v.Open(tampered, "endpoint:ep_1:secret"); !errors.Is(err, ErrOpen) {
		t.Errorf("Open tampered: %v, want ErrOpen", err)
	}
	other, _ := ParseKey(NewKey())
	v2, _ := New(other)
	if _, err := v2.Open(ct, "endpoint:ep_1:secret"); !errors.Is(err, ErrOpen) {
		t.Errorf("Open with another key: %v, want ErrOpen", err)
	}
	if _, err := v.Open(nil, ""); !errors.Is(err, ErrOpen) {
		t.Errorf("Open(nil): %v", err)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	for s, ok := range map[string]bool{NewKey(): true, "c2hvcnQ=": false, "not base64!": false, "": false} {
		if _, err := ParseKey(s); (err == nil) != ok {
			t.Errorf("ParseKey(%q) error %v, want ok=%v", s, err, ok)
		}
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "encryption.key")
	first, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second load: %v, equal %v", err, bytes.Equal(first, again))
	}
}
