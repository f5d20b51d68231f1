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

// TestPreviousKeys: a vault opens what its previous keys sealed but seals
// with its current key only, and Reseal moves a ciphertext to the current
// key once.
func TestPreviousKeys(t *testing.T) {
	t.Parallel()
	oldKey, _ := ParseKey(NewKey())
	newKey, _ := ParseKey(NewKey())
	const aad = "sources/src_1/verifier"
	old, err := New(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	sealedOld := old.Seal([]byte("secret"), aad)

	rotating, err := New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotating.Open(sealedOld, aad); err != nil || string(got) != "secret" {
		t.Fatalf("Open under a previous key = %q, %v", got, err)
	}
	if _, err := rotating.Open(sealedOld, "sources/src_2/verifier"); !errors.Is(err, ErrOpen) {
		t.Errorf("Open under a previous key with another binding: %v, want ErrOpen", err)
	}
	sealedNew := rotating.Seal([]byte("secret"), aad)
	if _, err := old.Open(sealedNew, aad); !errors.Is(err, ErrOpen) {
		t.Error("Seal used a previous key")
	}

	resealed, err := rotating.Reseal(sealedOld, aad)
	if err != nil || resealed == nil {
		t.Fatalf("Reseal of an old ciphertext = %v, %v", resealed, err)
	}
	newOnly, _ := New(newKey)
	if got, err := newOnly.Open(resealed, aad); err != nil || string(got) != "secret" {
		t.Errorf("the new key alone opens the resealed ciphertext: %q, %v", got, err)
	}
	if _, err := old.Open(resealed, aad); !errors.Is(err, ErrOpen) {
		t.Error("the old key still opens the resealed ciphertext")
	}
	if again, err := rotating.Reseal(resealed, aad); err != nil || again != nil {
		t.Errorf("Reseal of a current ciphertext = %v, %v; want nil, nil", again, err)
	}
	stranger, _ := New(newKey)
	if _, err := stranger.Reseal(sealedOld, aad); !errors.Is(err, ErrOpen) {
		t.Errorf("Reseal without the key that sealed it: %v, want ErrOpen", err)
	}
	if _, err := New(newKey, []byte("short")); err == nil {
		t.Error("New accepted a previous key of the wrong size")
	}
}
