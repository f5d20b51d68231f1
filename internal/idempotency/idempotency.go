// Package idempotency makes every mutating admin API request safe to retry
// with an Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header):
// the first request runs; a retry after it finished gets the stored response;
// a retry while it runs gets 409; the same key on a different request gets 422.
// Keys live in the database, scoped per API key, so they hold across nodes.
//
// Only outcomes that a retry would get again are recorded: 2xx, 3xx and 4xx
// other than 408, 425 and 429. A 5xx (an outage's 503, a bug's 500) or a
// "try later" 4xx frees the key, so the client's retry runs the request
// afresh instead of replaying a failure for the whole TTL; except a 503 for
// a commit whose outcome is unknown (store.ErrCommitInDoubt), after which
// the key stays claimed until its lease runs out, since running the request
// again could do its work twice. A request holds
// its key by a short lease that it renews while it runs, so a key whose
// release failed (the database was down at the time) is free again soon
// after, never locked for long.
//
// Stored response bodies are sealed with the vault: they may hold secrets
// shown once (new API keys, signing secrets, client secrets, session
// tokens), which must not be readable in the database or its backups.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// ReplayedHeader marks a response served from the store rather than by
// running the request again.
const ReplayedHeader = "Idempotent-Replayed"

// Defaults.
const (
	TTLDefault = 24 * time.Hour
	// LeaseDefault is how long a request's claim on its key lasts unless it
	// is renewed; a running request renews it every third of that. A
	// request that died with its node blocks its key for at most this long
	// (one whose release failed in an outage is released by its node as
	// soon as the database answers). On SQLite a renewal waits for the one
	// writer, so the lease leaves room for a slow write ahead of it.
	LeaseDefault = 10 * time.Second
	keyMaxLen    = 255
)

// storedHeaders are the response headers replayed with a stored response.
var storedHeaders = []string{"Content-Type", "Location", "Cache-Control", "Etag", "Last-Modified", "Retry-After"}

// Keys records requests and their responses by idempotency key.
type Keys struct {
	db     *store.DB
	vault  *vault.Vault
	logger *slog.Logger
	// TTL is how long a key and its response are kept. Zero means TTLDefault.
	TTL time.Duration
	// Lease: see LeaseDefault.
	Lease time.Duration

	// orphans are this node's claims that it could not release (the
	// database was down), by key, each by its stamp. A retry that reaches
	// this node drops them in the transaction that claims the key, so it is
	// never refused as "in progress" because of its own earlier tries.
	orphans orphans
}

// orphans is a set of claim stamps per key.
type orphans struct {
	mu     sync.Mutex
	stamps map[[2]string][]time.Time
}

func (o *orphans) add(apiKeyID, key string, stamp time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stamps == nil {
		o.stamps = map[[2]string][]time.Time{}
	}
	k := [2]string{apiKeyID, key}
	if !slices.Contains(o.stamps[k], stamp) {
		o.stamps[k] = append(o.stamps[k], stamp)
	}
}

func (o *orphans) remove(apiKeyID, key string, stamps ...time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := [2]string{apiKeyID, key}
	left := slices.DeleteFunc(o.stamps[k], func(s time.Time) bool { return slices.Contains(stamps, s) })
	if len(left) == 0 {
		delete(o.stamps, k)
	} else {
		o.stamps[k] = left
	}
}

func (o *orphans) of(apiKeyID, key string) []time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.stamps[[2]string{apiKeyID, key}])
}

// NewKeys returns the idempotency key store; v seals stored response bodies.
func NewKeys(db *store.DB, v *vault.Vault, logger *slog.Logger, ttl time.Duration) *Keys {
	if ttl <= 0 {
		ttl = TTLDefault
	}
	return &Keys{db: db, vault: v, logger: logger, TTL: ttl, Lease: LeaseDefault}
}

// bodyAAD binds a sealed response body to its key, so that it opens nowhere
// else.
func bodyAAD(apiKeyID, key string) string { return "idempotency:" + apiKeyID + ":" + key }

// stored is a finished request's response.
type stored struct {
	status  int
	headers map[string]string
	body    []byte
}

// begin claims key for a request with the given fingerprint. It returns the
// stored response when the request already ran, or an *apperr.Error when the
// key is busy (409) or belongs to another request (422). A nil response and
// nil error mean the caller owns the key, with the claim stamped at the time
// returned, and must finish or release it.
//
// Claims are conditional writes, so of any number of concurrent requests on
// any number of nodes exactly one owns the key: the insert on a conflict waits
// for the other transaction and then inserts nothing, and a takeover only
// succeeds against the lock time it read.
func (k *Keys) begin(ctx context.Context, apiKeyID, key, fingerprint string) (*stored, time.Time, error) {
	var claimed time.Time
	orphaned := k.orphans.of(apiKeyID, key)
	prior, err := store.WithTxValue(ctx, k.db, func(tx *store.Tx) (*stored, error) {
		now := tx.Now()
		claimed = now
		for _, stamp := range orphaned {
			if err := keyDeleteUnfinished(ctx, tx, apiKeyID, key, stamp); err != nil {
				return nil, err
			}
		}
		inserted, err := keyInsertClaim(ctx, tx, apiKeyID, key, fingerprint, now.Add(k.TTL))
		if err != nil {
			return nil, err
		}
		if inserted {
			return nil, nil
		}

		row, err := keyGet(ctx, tx, apiKeyID, key)
		if err != nil {
			return nil, err // the row was there a moment ago; a cleanup race is worth a retry by the client
		}
		gotFingerprint, lockedAt, expiresAt, status, headers, body := row.fingerprint, row.lockedAt, row.expiresAt, row.status, row.headers, row.body
		switch {
		case !expiresAt.After(now):
			// An expired key is free again, as if it had never been used.
			return nil, k.takeOver(ctx, tx, apiKeyID, key, fingerprint, lockedAt, now.Add(k.TTL))
		case gotFingerprint != fingerprint:
			return nil, apperr.Errorf(apperr.Unprocessable,
				"the Idempotency-Key was already used for a different request (method, path or body differ); use a new key for a new request")
		case !status.Valid && now.Sub(lockedAt) < k.Lease:
			return nil, errInProgress
		case !status.Valid:
			// The first request's lease ran out: its node died, or it failed
			// and could not release the key. This retry takes over.
			return nil, k.takeOver(ctx, tx, apiKeyID, key, fingerprint, lockedAt, expiresAt)
		}
		plain, err := k.vault.Open(body, bodyAAD(apiKeyID, key))
		if err != nil {
			return nil, fmt.Errorf("open stored response body: %w", err)
		}
		s := &stored{status: int(status.Int64), body: plain}
		if err := json.Unmarshal(headers, &s.headers); err != nil {
			return nil, fmt.Errorf("stored response headers: %w", err)
		}
		return s, nil
	})
	if err == nil && len(orphaned) > 0 {
		k.orphans.remove(apiKeyID, key, orphaned...)
	}
	switch {
	case err != nil && store.IsUnavailable(err):
		// The claim may have been committed without this node hearing so.
		k.orphan(ctx, apiKeyID, key, claimed)
		return nil, time.Time{}, err
	case err != nil || prior != nil:
		return prior, time.Time{}, err
	}
	return nil, claimed, nil
}

var errInProgress = apperr.Errorf(apperr.Conflict, "a request with this Idempotency-Key is still being processed; retry once it has finished")

// takeOver claims a key whose lock time is still lockedAt, starting it afresh.
// When another request took it over first, the key is in progress.
func (k *Keys) takeOver(ctx context.Context, tx *store.Tx, apiKeyID, key, fingerprint string, lockedAt, expiresAt time.Time) error {
	took, err := keyTakeOver(ctx, tx, apiKeyID, key, fingerprint, lockedAt, expiresAt)
	if err != nil {
		return err
	}
	if !took {
		return errInProgress
	}
	return nil
}

// finish stores the response of the request whose claim on key is stamped
// claimed. A claim that was lost (its lease ran out and a retry took the key
// over) stores nothing: the key belongs to the retry.
func (k *Keys) finish(ctx context.Context, apiKeyID, key string, claimed time.Time, resp stored) error {
	headers, err := json.Marshal(resp.headers)
	if err != nil {
		return err
	}
	body := k.vault.Seal(resp.body, bodyAAD(apiKeyID, key))
	return keyFinish(ctx, k.db, apiKeyID, key, claimed, resp.status, string(headers), body)
}

// renew extends the claim stamped claimed and returns its new stamp. It fails
// with errLeaseLost when the claim is no longer the key's.
func (k *Keys) renew(ctx context.Context, apiKeyID, key string, claimed time.Time) (time.Time, error) {
	now := k.db.Now()
	renewed, err := keyRenew(ctx, k.db, apiKeyID, key, claimed, now)
	if err != nil {
		return claimed, err
	}
	if !renewed {
		return claimed, errLeaseLost
	}
	return now, nil
}

var errLeaseLost = errors.New("the idempotency key's lease ran out and a retry took it over")

// release frees a key whose request ended without an outcome worth keeping,
// so a retry can run it again.
func (k *Keys) release(ctx context.Context, apiKeyID, key string, claimed time.Time) error {
	return keyDeleteUnfinished(ctx, k.db, apiKeyID, key, claimed)
}

// orphan remembers a claim that could not be released, or may have been
// made without the node hearing so, and keeps trying to release it while
// its lease lasts: after an outage the key is free as soon as the database
// answers again, on every node, rather than when the lease runs out. A
// retry that reaches this node first releases it itself (begin).
func (k *Keys) orphan(ctx context.Context, apiKeyID, key string, claimed time.Time) {
	k.orphans.add(apiKeyID, key, claimed)
	go func() {
		defer k.orphans.remove(apiKeyID, key, claimed)
		ctx := context.WithoutCancel(ctx)
		ctx, cancel := context.WithTimeout(ctx, k.Lease)
		defer cancel()
		for ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
			if k.release(ctx, apiKeyID, key, claimed) == nil {
				return
			}
		}
	}()
}

// recorded reports whether a response is kept for replay: only an outcome
// that running the request again would give again. A failure of the server
// or of a dependency (5xx), a timeout (408), too early (425) and too many
// requests (429) say "try again", so keeping them would defeat the retry.
func recorded(status int) bool {
	switch {
	case status >= 500, status == http.StatusRequestTimeout, status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return false
	}
	return true
}

// claim is a running request's hold on its key, renewed in the background
// until stop.
type claim struct {
	k             *Keys
	apiKeyID, key string
	stamp         time.Time
	done          chan struct{}
	stopped       chan struct{}
	stopOnce      sync.Once
}

func (k *Keys) hold(ctx context.Context, apiKeyID, key string, claimed time.Time) *claim {
	c := &claim{k: k, apiKeyID: apiKeyID, key: key, stamp: claimed, done: make(chan struct{}), stopped: make(chan struct{})}
	go c.renewLoop(context.WithoutCancel(ctx))
	return c
}

func (c *claim) renewLoop(ctx context.Context) {
	defer close(c.stopped)
	t := time.NewTicker(c.k.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			// A renewal slower than its interval is no use: the next one
			// tries again (and stop does not wait on a hung connection).
			rctx, cancel := context.WithTimeout(ctx, c.k.Lease/3)
			stamp, err := c.k.renew(rctx, c.apiKeyID, c.key, c.stamp)
			cancel()
			if errors.Is(err, errLeaseLost) {
				c.k.logger.Warn("an idempotency key's lease ran out while its request ran; a retry may run it too",
					"api_key_id", c.apiKeyID, "request_id", httpapi.RequestID(ctx))
				return
			}
			c.stamp = stamp // unchanged when the renewal failed: the next one tries again
		}
	}
}

// stop ends the renewals and returns the claim's last stamp. It may be
// called more than once.
func (c *claim) stop() time.Time {
	c.stopOnce.Do(func() {
		close(c.done)
		<-c.stopped
	})
	return c.stamp
}

// Middleware applies idempotency keys to POST, PUT, PATCH and DELETE requests
// that carry one. It runs after authentication, since keys are scoped per API
// key.
func Middleware(k *Keys) func(http.Handler) http.Handler {
	return CallerMiddleware(k, func(r *http.Request) (string, bool) {
		apiKey, ok := auth.KeyFrom(r.Context())
		return apiKey.ID, ok
	})
}

// CallerMiddleware is Middleware for any kind of authenticated caller (an
// API key, an embed token): caller names the one the keys are scoped to,
// and requests for which it returns false pass through untouched.
func CallerMiddleware(k *Keys, caller func(r *http.Request) (string, bool)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get(Header)
			callerID, authed := caller(r)
			if key == "" || !authed || !mutating(r.Method) {
				next.ServeHTTP(w, r)
				return
			}
			if len(key) > keyMaxLen || !printable(key) {
				httpapi.Error(w, r, apperr.InvalidFields(map[string]string{Header: "must be 1 to 255 printable ASCII characters"}))
				return
			}
			body, err := httpapi.ReadBody(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))

			ctx := r.Context()
			prior, claimed, err := k.begin(ctx, callerID, key, fingerprint(r, body))
			if err != nil {
				if apperr.CodeOf(err) == apperr.Conflict {
					w.Header().Set("Retry-After", "1")
				}
				httpapi.Error(w, r, err)
				return
			}
			if prior != nil {
				replay(w, *prior)
				return
			}

			held := k.hold(ctx, callerID, key, claimed)
			rec := &recorder{ResponseWriter: w, status: http.StatusOK, failing: func() {
				if commitInDoubt(ctx) {
					return
				}
				// The client may retry the moment it reads this answer,
				// before the key is released below: a retry on this node
				// releases it itself.
				k.orphans.add(callerID, key, held.stop())
			}}
			finished := false
			// The response has gone out, or the handler panicked; either way
			// the key must be settled even if the client left. Past the
			// lease a retry may take the key over anyway.
			defer func() {
				claimed := held.stop()
				bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.Lease)
				defer cancel()
				if finished && recorded(rec.status) {
					resp := stored{status: rec.status, headers: map[string]string{}, body: rec.body.Bytes()}
					for _, h := range storedHeaders {
						if v := w.Header().Get(h); v != "" {
							resp.headers[h] = v
						}
					}
					if err := k.finish(bg, callerID, key, claimed, resp); err != nil {
						k.logger.Error("store idempotent response; a retry may run the request again", "error", err, "request_id", httpapi.RequestID(ctx))
					}
					return
				}
				if commitInDoubt(ctx) {
					// The request's work may have been committed: a retry
					// must not run it again while that is unknown. The key
					// stays claimed, unrenewed, until its lease runs out.
					k.logger.Warn("a commit's outcome is unknown (the database connection was lost during it); "+
						"the Idempotency-Key stays claimed until its lease runs out", "api_key_id", callerID, "request_id", httpapi.RequestID(ctx))
					return
				}
				if err := k.release(bg, callerID, key, claimed); err != nil {
					k.orphan(ctx, callerID, key, claimed)
				} else {
					k.orphans.remove(callerID, key, claimed)
				}
			}()
			next.ServeHTTP(rec, r)
			finished = true
		})
	}
}

// commitInDoubt reports whether the request's answer is an error from a
// commit whose outcome is unknown (store.ErrCommitInDoubt).
func commitInDoubt(ctx context.Context) bool {
	info := httpapi.InfoFrom(ctx)
	return info != nil && errors.Is(info.Err, store.ErrCommitInDoubt)
}

func mutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// fingerprint identifies a request by what it asks for: method, path with query,
// and body.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.RequestURI()+"\n")
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func replay(w http.ResponseWriter, s stored) {
	for name, v := range s.headers {
		w.Header().Set(name, v)
	}
	w.Header().Set(ReplayedHeader, "true")
	w.Header().Set("Content-Length", strconv.Itoa(len(s.body)))
	w.WriteHeader(s.status)
	w.Write(s.body) //nolint:errcheck // the client may be gone; nothing to do
}

// recorder passes a response through and keeps a copy of its status and body.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
	// failing is called before an answer that is not recorded goes out.
	failing func()
}

func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
		if !recorded(status) {
			r.failing()
		}
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// CleanupArgs asks for expired idempotency keys to be deleted.
type CleanupArgs struct{}

// Kind is the job's stable name.
func (CleanupArgs) Kind() string { return "idempotency_cleanup" }

// CleanupWorker deletes expired keys in batches, so one run never holds a long
// lock on a big table.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	DB *store.DB
}

const cleanupBatch = 1000

// Work deletes every expired key.
func (w *CleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	for {
		var n int64
		err := w.DB.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = keysDeleteExpired(ctx, tx, cleanupBatch)
			return err
		})
		if err != nil {
			return fmt.Errorf("delete expired idempotency keys: %w", err)
		}
		if n < cleanupBatch {
			return nil
		}
	}
}

// Reseal seals every stored response body again under v's current key, for
// `patchbay keys rotate-kek`: bodies live only for the TTL, but until then a
// replay must open without the previous key. Each row is rewritten only if it
// still holds the value read, so it runs beside live traffic. It returns how
// many bodies it resealed.
func Reseal(ctx context.Context, db *store.DB, v *vault.Vault) (int, error) {
	n := 0
	afterAPIKey, afterKey := "", ""
	for {
		batch, err := keysWithBodyAfter(ctx, db, afterAPIKey, afterKey, resealBatch)
		if err != nil {
			return n, fmt.Errorf("list idempotency keys: %w", err)
		}
		for _, r := range batch {
			next, err := v.Reseal(r.body, bodyAAD(r.apiKeyID, r.key))
			if err != nil {
				return n, fmt.Errorf("idempotency key %s of %s: %w", r.key, r.apiKeyID, err)
			}
			if next == nil {
				continue
			}
			resealed, err := keyResealBody(ctx, db, r.apiKeyID, r.key, r.body, next)
			if err != nil {
				return n, err
			}
			if resealed {
				n++
			} // else the key expired or was reused meanwhile, under the current key
		}
		if len(batch) < resealBatch {
			return n, nil
		}
		afterAPIKey, afterKey = batch[len(batch)-1].apiKeyID, batch[len(batch)-1].key
	}
}

const resealBatch = 500
