package tenants_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/tenants"
)

// TestEnsureAndLive checks the two functions other capabilities reach the
// tenants table through: Ensure creates a tenant once and leaves it as it is
// afterwards, and Live names the tenants that exist and are not being
// deleted.
func TestEnsureAndLive(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		svc := tenants.NewService(db, nil)
		ensure := func(id, name string) {
			t.Helper()
			if err := db.WithTx(ctx, func(tx *store.Tx) error { return tenants.Ensure(ctx, tx, id, name) }); err != nil {
				t.Fatalf("Ensure(%s): %v", id, err)
			}
		}
		ensure("!internal", "first name")
		ensure("!internal", "second name") // exists: left as it is
		var name string
		if err := db.QueryRow(ctx, "SELECT name FROM tenants WHERE id = ?", "!internal").Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name != "first name" {
			t.Errorf("name after a second Ensure = %q, want the first, %q", name, "first name")
		}

		for _, id := range []string{"acme", "gone"} {
			if _, _, err := svc.Put(ctx, tenants.Tenant{ID: id, Name: id}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(ctx, "UPDATE tenants SET deleted_at = ? WHERE id = ?", db.Now(), "gone"); err != nil {
			t.Fatal(err)
		}
		live, err := tenants.Live(ctx, db, []string{"acme", "gone", "missing", "!internal", "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]bool{"acme": true, "!internal": true}, live); diff != "" {
			t.Errorf("Live (-want +got):\n%s", diff)
		}
		if live, err := tenants.Live(ctx, db, nil); err != nil || len(live) != 0 {
			t.Errorf("Live(nil) = %v, %v; want empty", live, err)
		}
	})
}
