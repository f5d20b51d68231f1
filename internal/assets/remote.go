package assets

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/store"
)

const (
	// FetchTimeout bounds fetching one remote image. Pages wait for the
	// first fetch of an image, so it is short; a slow host gets a monogram.
	FetchTimeout = 5 * time.Second
	// retryFailedAfter is how long a failed fetch is remembered before the
	// image is tried again, so a dead logo host costs one wait an hour, not
	// one per page view.
	retryFailedAfter = time.Hour
	// maxRemoteURL is the longest image URL fetched and remembered.
	maxRemoteURL = 2000
)

// Remote copies images that others host (apps' and providers' logos, users'
// avatars) into the store, once each, through the SSRF-guarded client, so
// pages link only Patchbay's own copy: no hot-linking, nothing that tells a
// third party who views a page, no broken image when the host is down.
type Remote struct {
	db     *store.DB
	assets *Store
	client *http.Client
	guard  safehttp.Options
	// allowHTTP lets http URLs through besides https (development).
	allowHTTP bool
	logger    *slog.Logger
	// fetches joins the pages that ask for the same new image at once to
	// one fetch.
	fetches singleflight.Group
}

// NewRemote returns the fetcher. guard is the outbound policy (the
// operator's allowed networks; loopback only in development and tests);
// its Timeout is replaced by FetchTimeout. allowHTTP admits http URLs.
func NewRemote(db *store.DB, assets *Store, guard safehttp.Options, allowHTTP bool, logger *slog.Logger) *Remote {
	guard.Timeout = FetchTimeout
	return &Remote{db: db, assets: assets, client: guard.Client(), guard: guard, allowHTTP: allowHTTP, logger: logger}
}

// Path returns the /assets/ path of Patchbay's copy of the image at rawURL,
// fetching it the first time it is asked for, or "" when there is none (no
// URL, or the fetch failed: pages then show a monogram). A path that is
// already Patchbay's is returned as it is.
func (r *Remote) Path(ctx context.Context, rawURL string) string {
	if rawURL == "" || strings.HasPrefix(rawURL, "/assets/") {
		return rawURL
	}
	if len(rawURL) > maxRemoteURL {
		return ""
	}
	known, found, err := sourceGet(ctx, r.db, rawURL)
	switch {
	case err != nil:
		r.logger.WarnContext(ctx, "remote image lookup failed", "err", err)
		return ""
	case found && known.path != "":
		return known.path
	case found && known.retryAt != nil && r.db.Now().Before(*known.retryAt):
		return ""
	}
	path, err, _ := r.fetches.Do(rawURL, func() (any, error) {
		a, err := r.Fetch(context.WithoutCancel(ctx), rawURL) // shared: one viewer leaving must not fail the others
		return a.Path(), err
	})
	if err != nil {
		r.logger.InfoContext(ctx, "remote image not copied; pages show a monogram instead", "url", rawURL, "err", err)
		return ""
	}
	return path.(string)
}

// Fetch copies the image at rawURL into the store and remembers the outcome
// for Path, failures included.
func (r *Remote) Fetch(ctx context.Context, rawURL string) (Asset, error) {
	body, fetchErr := r.get(ctx, rawURL)
	var a Asset
	err := r.db.WithTx(ctx, func(tx *store.Tx) error {
		var hash *string
		var retryAt *time.Time
		msg := ""
		if fetchErr == nil {
			var err error
			if a, err = r.assets.Put(ctx, tx, body); err != nil {
				fetchErr = err
			} else {
				hash = &a.Hash
			}
		}
		if fetchErr != nil {
			msg = truncate(fetchErr.Error(), 500)
			t := tx.Now().Add(retryFailedAfter)
			retryAt = &t
		}
		return sourceUpsert(ctx, tx, rawURL, hash, msg, retryAt)
	})
	if fetchErr != nil {
		return Asset{}, fetchErr
	}
	return a, err
}

// get fetches rawURL's body: an allowed URL, a 200 answer, at most MaxSize
// bytes.
func (r *Remote) get(ctx context.Context, rawURL string) ([]byte, error) {
	if err := r.guard.CheckURL(rawURL, r.allowHTTP); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "image/png, image/webp, image/svg+xml, image/x-icon")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the image host answered %s", resp.Status)
	}
	body, truncated, err := safehttp.ReadBody(resp.Body, MaxSize)
	switch {
	case err != nil:
		return nil, err
	case truncated:
		return nil, fmt.Errorf("the image is larger than %d KiB", MaxSize>>10)
	}
	return body, nil
}
