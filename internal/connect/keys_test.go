package connect

import (
	"bytes"
	"errors"
	"testing"

	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/vault"
)

func newKEK(t testing.TB) *vault.Vault {
	t.Helper()
	key, err := vault.ParseKey(vault.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestKeyringRewrap: data keys are created once, wrapped by the KEK, and a
// KEK rotation rewraps them without changing what they seal.
func TestKeyringRewrap(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		if _, err := db.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES ('acme', 'Acme', '{}', ?, ?)",
			db.NowFunc(), db.NowFunc()); err != nil {
			t.Fatal(err)
		}
		oldKEK, newKEK := newKEK(t), newKEK(t)
		ring := NewKeyring(db, oldKEK)
		dek, err := ring.Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		sealed := dek.Seal([]byte("token"), "connections/conn_1/credentials")
		if _, err := dek.Open(sealed, "connections/conn_2/credentials"); !errors.Is(err, vault.ErrOpen) {
			t.Errorf("a ciphertext opened under another row's binding: %v", err)
		}

		n, err := RewrapDataKeys(ctx, db, oldKEK, newKEK)
		if err != nil || n != 1 {
			t.Fatalf("RewrapDataKeys = %d, %v; want 1", n, err)
		}
		if n, err := RewrapDataKeys(ctx, db, oldKEK, newKEK); err != nil || n != 0 {
			t.Errorf("second RewrapDataKeys = %d, %v; want 0 (idempotent)", n, err)
		}
		// A fresh node with only the new KEK opens what was sealed before.
		dek2, err := NewKeyring(db, newKEK).Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := dek2.Open(sealed, "connections/conn_1/credentials"); err != nil || !bytes.Equal(got, []byte("token")) {
			t.Errorf("open after rotation = %q, %v", got, err)
		}
		if _, err := NewKeyring(db, oldKEK).Tenant(ctx, "acme"); err == nil {
			t.Error("the old KEK still unwraps the data key after rotation")
		}
	})
}
