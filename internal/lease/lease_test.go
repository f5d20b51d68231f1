package lease_test

import (
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/lease"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

var rows = lease.Columns{Table: "leased", Owner: "owner", Until: "until"}

func TestLease(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		if _, err := db.Exec(ctx, "CREATE TABLE leased (id TEXT PRIMARY KEY, ready BOOLEAN NOT NULL, owner TEXT, until "+d.TimeType+")"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "INSERT INTO leased (id, ready) VALUES (?, ?), (?, ?)", "r1", true, "r2", false); err != nil {
			t.Fatal(err)
		}
		clock := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		db.NowFunc = func() time.Time { return clock }
		take := func(id, owner string, renew bool) bool {
			t.Helper()
			ok, err := rows.Take(ctx, db, id, owner, time.Minute, renew, "ready = ?", true)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}

		if !take("r1", "a", false) {
			t.Fatal("a could not take a free row")
		}
		if take("r2", "a", false) {
			t.Error("a took a row its condition excludes")
		}
		if take("r1", "b", true) {
			t.Error("b took a live lease")
		}
		if take("r1", "a", false) {
			t.Error("a took its own live lease again without renew")
		}
		if !take("r1", "a", true) {
			t.Error("a could not renew its own lease")
		}
		clock = clock.Add(30 * time.Second)
		if ok, err := rows.Extend(ctx, db, "r1", "a", time.Minute); err != nil || !ok {
			t.Errorf("a's extend = %v, %v; want held", ok, err)
		}
		var until time.Time
		if err := db.QueryRow(ctx, "SELECT until FROM leased WHERE id = ?", "r1").Scan(&until); err != nil || !until.Equal(clock.Add(time.Minute)) {
			t.Errorf("lease until %s, %v; want %s, the store's clock plus the TTL", until, err, clock.Add(time.Minute))
		}
		clock = clock.Add(time.Minute + time.Second)
		if !take("r1", "b", false) {
			t.Error("b could not take a lapsed lease")
		}
		if ok, err := rows.Extend(ctx, db, "r1", "a", time.Minute); err != nil || ok {
			t.Errorf("a extended a lease b holds: %v, %v", ok, err)
		}
		if err := rows.Release(ctx, db, "r1", "a"); err != nil {
			t.Fatal(err)
		}
		if take("r1", "c", false) {
			t.Error("a's release freed b's lease")
		}
		if err := rows.Release(ctx, db, "r1", "b"); err != nil {
			t.Fatal(err)
		}
		if !take("r1", "c", false) {
			t.Error("c could not take a released row")
		}
	})
}
