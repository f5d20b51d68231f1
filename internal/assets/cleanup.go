package assets

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/store"
)

// CopyMaxAge is how long a copy of a remote image is used before it is
// fetched again: avatars and logos change, and copies nobody asks for again
// are dropped.
const CopyMaxAge = 30 * 24 * time.Hour

// unusedGrace keeps a new asset from the cleanup for a while, whatever
// refers to it.
const unusedGrace = 24 * time.Hour

// CleanupArgs asks for copies past CopyMaxAge to be forgotten and assets
// nothing uses to be deleted.
type CleanupArgs struct{}

// Kind is the job's stable name.
func (CleanupArgs) Kind() string { return "asset_cleanup" }

// CleanupWorker forgets old copies of remote images and deletes assets that
// nothing uses. InUse are queries, one per capability that keeps assets
// (branding.AssetsInUse, oauth.AssetsInUse), each selecting the hashes it
// uses: the asset store does not know their tables, they declare them.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	DB    *store.DB
	InUse []string
}

// Work runs one cleanup in one transaction: images are few and small in
// number of rows.
func (w *CleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	return w.DB.WithTx(ctx, func(tx *store.Tx) error {
		if err := sourcesDeleteFetchedBefore(ctx, tx, tx.Now().Add(-CopyMaxAge)); err != nil {
			return err
		}
		return assetsDeleteUnused(ctx, tx, tx.Now().Add(-unusedGrace), w.InUse)
	})
}
