package assets

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// The asset store's queries: assets, and asset_sources, the remote images
// copied into it.

func assetInsert(ctx context.Context, tx *store.Tx, a Asset) error {
	_, err := tx.Exec(ctx, "INSERT INTO assets (hash, content_type, bytes, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING",
		a.Hash, a.ContentType, a.Bytes, a.CreatedAt)
	return err
}

// assetGet returns the asset with hash, or sql.ErrNoRows.
func assetGet(ctx context.Context, q store.Querier, hash string) (Asset, error) {
	a := Asset{Hash: hash}
	err := q.QueryRow(ctx, "SELECT content_type, bytes, created_at FROM assets WHERE hash = ?", hash).Scan(&a.ContentType, &a.Bytes, &a.CreatedAt)
	return a, err
}

// sourceCopy is what is known of a remote image: the path of its copy, or
// when the last fetch failed, when it may be tried again.
type sourceCopy struct {
	path    string
	retryAt *time.Time
}

// sourceGet returns what is known of the image at url, and whether anything
// is.
func sourceGet(ctx context.Context, q store.Querier, url string) (sourceCopy, bool, error) {
	var hash, contentType sql.NullString
	var c sourceCopy
	err := q.QueryRow(ctx, "SELECT s.hash, a.content_type, s.retry_at FROM asset_sources s LEFT JOIN assets a ON a.hash = s.hash WHERE s.url = ?",
		url).Scan(&hash, &contentType, &c.retryAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return sourceCopy{}, false, nil
	case err != nil:
		return sourceCopy{}, false, err
	}
	if hash.Valid {
		c.path = Path(hash.String, contentType.String)
	}
	return c, true, nil
}

// sourceUpsert records a fetch of url: the copy's hash, or the failure and
// when to try again.
func sourceUpsert(ctx context.Context, tx *store.Tx, url string, hash *string, failure string, retryAt *time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO asset_sources (url, hash, error, fetched_at, retry_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET hash = excluded.hash, error = excluded.error, fetched_at = excluded.fetched_at, retry_at = excluded.retry_at`,
		url, hash, failure, tx.Now(), retryAt)
	return err
}

func sourcesDeleteFetchedBefore(ctx context.Context, tx *store.Tx, before time.Time) error {
	_, err := tx.Exec(ctx, "DELETE FROM asset_sources WHERE fetched_at < ?", before)
	return err
}

// assetsDeleteUnused deletes the assets created before createdBefore whose
// hash neither a copy of a remote image nor any of inUse selects.
func assetsDeleteUnused(ctx context.Context, tx *store.Tx, createdBefore time.Time, inUse []string) error {
	used := append([]string{"SELECT hash FROM asset_sources WHERE hash IS NOT NULL"}, inUse...)
	_, err := tx.Exec(ctx, "DELETE FROM assets WHERE created_at < ? AND hash NOT IN ("+strings.Join(used, " UNION ")+")", createdBefore)
	return err
}
