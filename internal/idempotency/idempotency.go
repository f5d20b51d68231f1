// Package idempotency makes every mutating admin API request safe to retry
// with an Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header):
// the first request runs; a retry after it finished gets the stored response;
// a retry while it runs gets 409; the same key on a different request gets 422.
// Keys live in the database, scoped per API key, so they hold across nodes.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// ReplayedHeader marks a response served from the store rather than by
// running the request again.
const ReplayedHeader = "Idempotent-Replayed"

// Defaults.
const (
	TTLDefault = 24 * time.Hour
	// LockTimeoutDefault is how long a first request may run before a retry may
	// take its key over: a request that died with its node must not block the
	// key for the whole TTL. It exceeds any sane request duration.
	LockTimeoutDefault = time.Minute
	keyMaxLen          = 255
)

// storedHeaders are the response headers replayed with a stored response.
var storedHeaders = []string{"Content-Type", "Location", "Cache-Control", "Etag", "Last-Modified", "Retry-After"}

// Keys records requests and their responses by idempotency key.
type Keys struct {
	db     *store.DB
	logger *slog.Logger
	// TTL is how long a key and its response are kept. Zero means TTLDefault.
	TTL time.Duration
	// LockTimeout: see LockTimeoutDefault. Zero means LockTimeoutDefault.
	LockTimeout time.Duration
}

// NewKeys returns the idempotency key store.
func NewKeys(db *store.DB, logger *slog.Logger, ttl time.Duration) *Keys {
	if ttl <= 0 {
		ttl = TTLDefault
	}
	return &Keys{db: db, logger: logger, TTL: ttl, LockTimeout: LockTimeoutDefault}
}

// stored is a finished request's response.
type stored struct {
	status  int
	headers map[string]string
	body    []byte
}

// begin claims key for a request with the given fingerprint. It returns the
// stored response when the request already ran, or an *apperr.Error when the
// key is busy (409) or belongs to another request (422). A nil response and
// nil error mean the caller owns the key and must finish it.
//
// Claims are conditional writes, so of any number of concurrent requests on
// any number of nodes exactly one owns the key: the insert on a conflict waits
// for the other transaction and then inserts nothing, and a takeover only
// succeeds against the lock time it read.
func (k *Keys) begin(ctx context.Context, apiKeyID, key, fingerprint string) (*stored, error) {
	return store.WithTxValue(ctx, k.db, func(tx *store.Tx) (*stored, error) {
		now := tx.Now()
		res, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (api_key_id, key, fingerprint, locked_at, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (api_key_id, key) DO NOTHING`,
			apiKeyID, key, fingerprint, now, now, now.Add(k.TTL))
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil, nil
		}

		var (
			gotFingerprint string
			lockedAt       time.Time
			expiresAt      time.Time
			status         sql.NullInt64
			headers        []byte
			body           []byte
		)
		err = tx.QueryRow(ctx, `SELECT fingerprint, locked_at, expires_at, response_status, response_headers, response_body
			FROM idempotency_keys WHERE api_key_id = ? AND key = ?`, apiKeyID, key).
			Scan(&gotFingerprint, &lockedAt, &expiresAt, &status, &headers, &body)
		if err != nil {
			return nil, err // the row was there a moment ago; a cleanup race is worth a retry by the client
		}
		switch {
		case !expiresAt.After(now):
			// An expired key is free again, as if it had never been used.
			return nil, k.takeOver(ctx, tx, apiKeyID, key, fingerprint, lockedAt, now.Add(k.TTL))
		case gotFingerprint != fingerprint:
			return nil, apperr.Errorf(apperr.Unprocessable,
				"the Idempotency-Key was already used for a different request (method, path or body differ); use a new key for a new request")
		case !status.Valid && now.Sub(lockedAt) < k.LockTimeout:
			return nil, errInProgress
		case !status.Valid:
			// The first request's node died mid-request: this retry takes over.
			return nil, k.takeOver(ctx, tx, apiKeyID, key, fingerprint, lockedAt, expiresAt)
		}
		s := &stored{status: int(status.Int64), body: body}
		if err := json.Unmarshal(headers, &s.headers); err != nil {
			return nil, fmt.Errorf("stored response headers: %w", err)
		}
		return s, nil
	})
}

var errInProgress = apperr.Errorf(apperr.Conflict, "a request with this Idempotency-Key is still being processed; retry once it has finished")

// takeOver claims a key whose lock time is still lockedAt, starting it afresh.
// When another request took it over first, the key is in progress.
func (k *Keys) takeOver(ctx context.Context, tx *store.Tx, apiKeyID, key, fingerprint string, lockedAt, expiresAt time.Time) error {
	res, err := tx.Exec(ctx, `UPDATE idempotency_keys SET fingerprint = ?, locked_at = ?, expires_at = ?,
		response_status = NULL, response_headers = NULL, response_body = NULL
		WHERE api_key_id = ? AND key = ? AND locked_at = ?`,
		fingerprint, tx.Now(), expiresAt, apiKeyID, key, lockedAt)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errInProgress
	}
	return nil
}

// finish stores the response of the request that owns key.
func (k *Keys) finish(ctx context.Context, apiKeyID, key string, resp stored) error {
	headers, err := json.Marshal(resp.headers)
	if err != nil {
		return err
	}
	return k.db.WithTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET response_status = ?, response_headers = ?, response_body = ?
			WHERE api_key_id = ? AND key = ?`, resp.status, string(headers), resp.body, apiKeyID, key)
		return err
	})
}

// release frees a key whose request ended without a response (it panicked), so
// a retry can run it again.
func (k *Keys) release(ctx context.Context, apiKeyID, key string) error {
	_, err := k.db.Exec(ctx, "DELETE FROM idempotency_keys WHERE api_key_id = ? AND key = ? AND response_status IS NULL", apiKeyID, key)
	return err
}

// Middleware applies idempotency keys to POST, PUT, PATCH and DELETE requests
// that carry one. It runs after authentication, since keys are scoped per API
// key.
func Middleware(k *Keys) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get(Header)
			apiKey, authed := auth.KeyFrom(r.Context())
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
			prior, err := k.begin(ctx, apiKey.ID, key, fingerprint(r, body))
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

			rec := &recorder{ResponseWriter: w, status: http.StatusOK}
			finished := false
			defer func() {
				if !finished {
					// The handler panicked; free the key and let the panic go on.
					if err := k.release(context.WithoutCancel(ctx), apiKey.ID, key); err != nil {
						k.logger.Error("release idempotency key", "error", err, "request_id", httpapi.RequestID(ctx))
					}
				}
			}()
			next.ServeHTTP(rec, r)
			finished = true
			resp := stored{status: rec.status, headers: map[string]string{}, body: rec.body.Bytes()}
			for _, h := range storedHeaders {
				if v := w.Header().Get(h); v != "" {
					resp.headers[h] = v
				}
			}
			// The response has gone out; the record must be written even if the client left.
			if err := k.finish(context.WithoutCancel(ctx), apiKey.ID, key, resp); err != nil {
				k.logger.Error("store idempotent response", "error", err, "request_id", httpapi.RequestID(ctx))
			}
		})
	}
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
}

func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
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
			res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE (api_key_id, key) IN
				(SELECT api_key_id, key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`, tx.Now(), cleanupBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
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
