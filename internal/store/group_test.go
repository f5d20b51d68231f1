package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestWithGroupTx: concurrent bodies commit, a failing body leaves nothing
// behind and does not disturb the others, and a caller whose context is
// cancelled cannot roll back the shared transaction.
func TestWithGroupTx(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		db := d.Open(t)
		ctx := t.Context()
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		insert := func(ctx context.Context, tx *store.Tx, id string) error {
			_, err := tx.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES (?, '', '{}', ?, ?)", id, tx.Now(), tx.Now())
			return err
		}
		boom := errors.New("boom")
		var wg sync.WaitGroup
		errs := make([]error, 200)
		for i := range errs {
			wg.Go(func() {
				id := fmt.Sprintf("t%03d", i)
				switch {
				case i%10 == 3: // writes, then fails: its row must not stay
					errs[i] = db.WithGroupTx(ctx, func(ctx context.Context, tx *store.Tx) error {
						if err := insert(ctx, tx, id); err != nil {
							return err
						}
						return boom
					})
				case i%10 == 7 && d.Name == store.SQLite: // the caller gave up before its body ran
					errs[i] = db.WithGroupTx(cancelled, func(ctx context.Context, tx *store.Tx) error { return insert(ctx, tx, id) })
				default:
					errs[i] = db.WithGroupTx(ctx, func(ctx context.Context, tx *store.Tx) error { return insert(ctx, tx, id) })
				}
			})
		}
		wg.Wait()
		want := 0
		for i, err := range errs {
			if i%10 == 3 {
				if !errors.Is(err, boom) {
					t.Errorf("body %d: %v, want its own error", i, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("body %d: %v", i, err)
			}
			want++
		}
		var n int
		if err := db.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%d rows, want %d", n, want)
		}
		if err := db.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE id LIKE '%3'").Scan(&n); err != nil || n != 0 {
			t.Errorf("failed bodies left %d rows (%v)", n, err)
		}
	})
}
