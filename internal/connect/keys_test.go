package connect

import (
	"bytes"
	"errors"
	"testing"

	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/vault"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	key, err := vault.ParseKey(vault.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func kek(t testing.TB, key []byte) *vault.Vault {
	t.Helper()
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newKEK(t testing.TB) *vault.Vault { return kek(t, newKey(t)) }

// TestKeyringRewrap: data keys are created once, wrapped by the KEK, and a
// KEK rotation (a vault with the old key as previous, resealing
// SealedColumns) rewraps them without changing what they seal.
func TestKeyringRewrap(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		if _, err := db.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES ('acme', 'Acme', '{}', ?, ?)",
			db.NowFunc(), db.NowFunc()); err != nil {
			t.Fatal(err)
		}
		oldKey, newKey := newKey(t), newKey(t)
		oldKEK, newKEK := kek(t, oldKey), kek(t, newKey)
		ring := NewKeyring(db, oldKEK)
		dek, err := ring.Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		sealed := dek.Seal([]byte("token"), "connections/conn_1/credentials")
		if _, err := dek.Open(sealed, "connections/conn_2/credentials"); !errors.Is(err, vault.ErrOpen) {
			t.Errorf("a ciphertext opened under another row's binding: %v", err)
		}

		rotating, err := vault.New(newKey, oldKey)
		if err != nil {
			t.Fatal(err)
		}
		col := SealedColumns()[0]
		rewrap := func(id string, wrapped []byte) ([]byte, error) { return rotating.Reseal(wrapped, col.AAD(id)) }
		n, err := db.RewriteColumn(ctx, col.Table, col.Column, rewrap)
		if err != nil || n != 1 {
			t.Fatalf("rewrap = %d, %v; want 1", n, err)
		}
		if n, err := db.RewriteColumn(ctx, col.Table, col.Column, rewrap); err != nil || n != 0 {
			t.Errorf("second rewrap = %d, %v; want 0 (idempotent)", n, err)
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
