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

// TestKeyringTenantRecreated: a tenant deleted and created again has a new
// data key; nodes that cached the old one seal with the new one, and open
// what another node sealed with it.
func TestKeyringTenantRecreated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		createTenant := func() {
			t.Helper()
			if _, err := db.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES ('acme', 'Acme', '{}', ?, ?)",
				db.NowFunc(), db.NowFunc()); err != nil {
				t.Fatal(err)
			}
		}
		createTenant()
		kek := newKEK(t)
		nodeA, nodeB := NewKeyring(db, kek), NewKeyring(db, kek)
		for _, k := range []*Keyring{nodeA, nodeB} { // both cache the first key
			if _, err := k.Tenant(ctx, "acme"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(ctx, "DELETE FROM tenants WHERE id = 'acme'"); err != nil { // the purge
			t.Fatal(err)
		}
		createTenant()

		// Node A seals first: with the new key, which a restarted node opens.
		sealedByA := mustSeal(t, nodeA, "acme", "from A")
		if got, err := NewKeyring(db, kek).OpenTenant(ctx, "acme", sealedByA, "test"); err != nil || string(got) != "from A" {
			t.Errorf("a restarted node opened %q, %v", got, err)
		}
		// Node B still caches the first key, and opens with the new one.
		if got, err := nodeB.OpenTenant(ctx, "acme", sealedByA, "test"); err != nil || string(got) != "from A" {
			t.Errorf("node B opened %q, %v", got, err)
		}
	})
}

func mustSeal(t *testing.T, k *Keyring, tenantID, plain string) []byte {
	t.Helper()
	v, err := k.TenantForSeal(t.Context(), tenantID)
	if err != nil {
		t.Fatal(err)
	}
	return v.Seal([]byte(plain), "test")
}
