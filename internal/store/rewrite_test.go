package store_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestRewriteColumn rewrites every non-NULL value across more than one batch,
// leaves what fn declines, and rewrites nothing on a second run.
func TestRewriteColumn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		if _, err := db.Exec(ctx, "CREATE TABLE rewrite_test (id TEXT PRIMARY KEY, v "+d.BlobType+")"); err != nil {
			t.Fatal(err)
		}
		const rows = 600
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			for i := range rows {
				var v []byte
				switch {
				case i%100 == 0: // NULL
				case i%10 == 0:
					v = []byte("DONE") // already rewritten
				default:
					v = []byte("old")
				}
				if _, err := tx.Exec(ctx, "INSERT INTO rewrite_test (id, v) VALUES (?, ?)", fmt.Sprintf("r%04d", i), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		upper := func(_ string, v []byte) ([]byte, error) {
			if bytes.Equal(v, []byte("DONE")) {
				return nil, nil
			}
			return []byte("DONE"), nil
		}
		n, err := db.RewriteColumn(ctx, "rewrite_test", "v", upper)
		if want := rows - rows/10; err != nil || n != want {
			t.Fatalf("RewriteColumn = %d, %v; want %d", n, err, want)
		}
		if n, err := db.RewriteColumn(ctx, "rewrite_test", "v", upper); err != nil || n != 0 {
			t.Errorf("second RewriteColumn = %d, %v; want 0", n, err)
		}
		var done, null int
		if err := db.QueryRow(ctx, "SELECT count(*) FROM rewrite_test WHERE v = ?", []byte("DONE")).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, "SELECT count(*) FROM rewrite_test WHERE v IS NULL").Scan(&null); err != nil {
			t.Fatal(err)
		}
		if done != rows-rows/100 || null != rows/100 {
			t.Errorf("after rewriting: %d DONE, %d NULL; want %d and %d", done, null, rows-rows/100, rows/100)
		}
	})
}
