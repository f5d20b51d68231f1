package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestRevocationReachesOtherNodes: two nodes on one database; a key used on
// node B (so B has it cached) and then revoked through node A is refused by
// B within a second. The measured times are logged.
func TestRevocationReachesOtherNodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		b := startNode(t, e.opts)
		for round := range 3 {
			created, err := e.client.CreateAPIKey(t.Context(), client.CreateAPIKeyParams{Name: "short-lived"})
			if err != nil {
				t.Fatal(err)
			}
			onB := client.New(b.URL, created.Key)
			if _, err := onB.ListTenants(t.Context(), client.ListParams{}); err != nil {
				t.Fatalf("new key on node B: %v", err)
			}
			if _, err := e.client.RevokeAPIKey(t.Context(), created.ID); err != nil {
				t.Fatal(err)
			}
			revoked := time.Now()
			for {
				_, err := onB.ListTenants(t.Context(), client.ListParams{})
				if err != nil {
					if p := apiError(t, err); p.Status != http.StatusUnauthorized {
						t.Fatalf("revoked key on node B: %v, want 401", err)
					}
					t.Logf("%s round %d: node B refused the key revoked on node A after %v", d.Name, round, time.Since(revoked))
					break
				}
				if time.Since(revoked) > time.Second {
					t.Fatalf("node B still accepts the key %v after node A revoked it", time.Since(revoked))
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	})
}
