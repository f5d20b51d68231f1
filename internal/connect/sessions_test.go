package connect

import (
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestSessionCleanup removes sessions a day past their expiry, and only those.
func TestSessionCleanup(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		now := time.Now()
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES ('acme', '', '{}', ?, ?)", now, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO integrations (id, provider_id, name, client_id, client_secret, scopes, created_at, updated_at)
				VALUES ('int_1', 'github', 'GitHub', 'c', ?, '[]', ?, ?)`, []byte("sealed"), now, now); err != nil {
				return err
			}
			for id, expires := range map[string]time.Time{"old": now.Add(-25 * time.Hour), "recent": now.Add(-time.Hour), "live": now.Add(time.Hour)} {
				if _, err := tx.Exec(ctx, `INSERT INTO connect_sessions (id, token_hash, tenant_id, end_user_id, integration_id, scopes, return_url,
					status, expires_at, created_at, updated_at) VALUES (?, ?, 'acme', 'u', 'int_1', '[]', 'https://x.example', 'pending', ?, ?, ?)`,
					id, []byte(id), expires, now, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := (&SessionCleanupWorker{DB: db}).Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(ctx, "SELECT id FROM connect_sessions ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var left []string
		for rows.Next() {
			var id string
			rows.Scan(&id) //nolint:errcheck // checked by rows.Err
			left = append(left, id)
		}
		if rows.Err() != nil || len(left) != 2 || left[0] != "live" || left[1] != "recent" {
			t.Errorf("sessions left %v (%v), want live and recent", left, rows.Err())
		}
	})
}
