package store_test

import (
	"context"
	"testing"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// BenchmarkResolvedTx measures what reading the transaction's ID before
// COMMIT (WithResolvedTx) adds to a small transaction on PostgreSQL: the
// reason WithTx does not do it.
//
//	PATCHBAY_TEST_DATABASE_URL=… go test ./internal/store -run '^$' -bench ResolvedTx
func BenchmarkResolvedTx(b *testing.B) {
	db := storetest.OpenPostgres(b)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE bench_rows (n BIGINT)"); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		with func(context.Context, func(*store.Tx) error) error
	}{
		{"WithTx", db.WithTx},
		{"WithResolvedTx", db.WithResolvedTx},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				err := c.with(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO bench_rows (n) VALUES (?)", i)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// What the ID read itself costs: one statement's round trip.
	b.Run("RoundTrip", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := db.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
