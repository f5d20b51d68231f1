package webhooks

import (
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestEndpointLeaseOnStoreClock: an endpoint's lease is written and judged on
// the store's clock, as every other lease is, not on the node's own (the
// dispatcher once used time.Now); a second node takes it only once it has
// lapsed on that clock, on both stores.
func TestEndpointLeaseOnStoreClock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setupDispatcher(t, d)
		ctx := t.Context()
		ep, err := b.s.CreateEndpoint(ctx, Endpoint{TenantID: "acme", URL: "https://example.com/hook"}, "")
		if err != nil {
			t.Fatal(err)
		}
		clock := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		b.db.NowFunc = func() time.Time { return clock }
		other := newTestService(t, b.db, Config{Node: "node-b"}).NewDispatcher(b.d.logger)

		if ok, err := b.d.lease(ctx, ep.ID); err != nil || !ok {
			t.Fatalf("node-a lease = %v, %v; want taken", ok, err)
		}
		var owner string
		var until time.Time
		if err := b.db.QueryRow(ctx, "SELECT lease_owner, lease_until FROM endpoints WHERE id = ?", ep.ID).Scan(&owner, &until); err != nil {
			t.Fatal(err)
		}
		if owner != "node-a" || !until.Equal(clock.Add(leaseTTL)) {
			t.Errorf("lease held by %q until %s, want node-a until %s (the store's clock plus %s)", owner, until, clock.Add(leaseTTL), leaseTTL)
		}
		if ok, err := other.lease(ctx, ep.ID); err != nil || ok {
			t.Errorf("node-b took a live lease: %v, %v", ok, err)
		}
		if ok, err := b.d.lease(ctx, ep.ID); err != nil || !ok {
			t.Errorf("node-a could not renew its own lease: %v, %v", ok, err)
		}
		clock = clock.Add(leaseTTL + time.Second)
		if ok, err := other.lease(ctx, ep.ID); err != nil || !ok {
			t.Errorf("node-b could not take a lapsed lease: %v, %v", ok, err)
		}
		b.d.release(ep.ID) // not node-a's any more: a no-op
		if err := b.db.QueryRow(ctx, "SELECT lease_owner FROM endpoints WHERE id = ?", ep.ID).Scan(&owner); err != nil || owner != "node-b" {
			t.Errorf("after node-a's release the lease is %q, %v; want node-b's", owner, err)
		}
	})
}
