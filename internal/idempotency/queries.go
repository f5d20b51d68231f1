package idempotency

import (
	"context"
	"database/sql"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of idempotency_keys (docs/architecture.md, "Where queries
// live"). A key is its API key's ID and the Idempotency-Key; locked_at stamps
// the claim that owns it, and the conditional writes compare it.

// keyInsertClaim claims a key that is not stored yet, stamped tx.Now(), and
// reports whether it did; a stored key is left as it is.
func keyInsertClaim(ctx context.Context, tx *store.Tx, apiKeyID, key, fingerprint string, expiresAt time.Time) (bool, error) {
	return store.Changed(tx.Exec(ctx, `INSERT INTO idempotency_keys (api_key_id, key, fingerprint, locked_at, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (api_key_id, key) DO NOTHING`,
		apiKeyID, key, fingerprint, tx.Now(), tx.Now(), expiresAt))
}

// keyRow is a stored key: its request's fingerprint, its claim, and the
// response once there is one (status is NULL until then).
type keyRow struct {
	fingerprint string
	lockedAt    time.Time
	expiresAt   time.Time
	status      sql.NullInt64
	headers     []byte
	body        []byte
}

func keyGet(ctx context.Context, q store.Querier, apiKeyID, key string) (keyRow, error) {
	var r keyRow
	err := q.QueryRow(ctx, `SELECT fingerprint, locked_at, expires_at, response_status, response_headers, response_body
		FROM idempotency_keys WHERE api_key_id = ? AND key = ?`, apiKeyID, key).
		Scan(&r.fingerprint, &r.lockedAt, &r.expiresAt, &r.status, &r.headers, &r.body)
	return r, err
}

// keyTakeOver starts a key afresh for a new claim stamped tx.Now(), if its
// claim is still lockedAt, and reports whether it did.
func keyTakeOver(ctx context.Context, tx *store.Tx, apiKeyID, key, fingerprint string, lockedAt, expiresAt time.Time) (bool, error) {
	return store.Changed(tx.Exec(ctx, `UPDATE idempotency_keys SET fingerprint = ?, locked_at = ?, expires_at = ?,
		response_status = NULL, response_headers = NULL, response_body = NULL
		WHERE api_key_id = ? AND key = ? AND locked_at = ?`,
		fingerprint, tx.Now(), expiresAt, apiKeyID, key, lockedAt))
}

// keyFinish stores the response of the unfinished claim stamped claimed.
func keyFinish(ctx context.Context, q store.Querier, apiKeyID, key string, claimed time.Time, status int, headers string, body []byte) error {
	_, err := q.Exec(ctx, `UPDATE idempotency_keys SET response_status = ?, response_headers = ?, response_body = ?
		WHERE api_key_id = ? AND key = ? AND locked_at = ? AND response_status IS NULL`,
		status, headers, body, apiKeyID, key, claimed)
	return err
}

// keyRenew restamps the unfinished claim stamped claimed with now, and reports
// whether the claim was still the key's.
func keyRenew(ctx context.Context, q store.Querier, apiKeyID, key string, claimed, now time.Time) (bool, error) {
	return store.Changed(q.Exec(ctx, `UPDATE idempotency_keys SET locked_at = ?
		WHERE api_key_id = ? AND key = ? AND locked_at = ? AND response_status IS NULL`, now, apiKeyID, key, claimed))
}

// keyDeleteUnfinished frees a key whose claim stamped lockedAt has no
// response.
func keyDeleteUnfinished(ctx context.Context, q store.Querier, apiKeyID, key string, lockedAt time.Time) error {
	_, err := q.Exec(ctx, "DELETE FROM idempotency_keys WHERE api_key_id = ? AND key = ? AND locked_at = ? AND response_status IS NULL",
		apiKeyID, key, lockedAt)
	return err
}

// keysDeleteExpired deletes up to limit keys expired by tx.Now() and returns
// how many it deleted.
func keysDeleteExpired(ctx context.Context, tx *store.Tx, limit int) (int64, error) {
	res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE (api_key_id, key) IN
		(SELECT api_key_id, key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`, tx.Now(), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// storedBody is a key's sealed response body.
type storedBody struct {
	apiKeyID, key string
	body          []byte
}

// keysWithBodyAfter returns up to limit keys with a response body, in key
// order after (afterAPIKey, afterKey).
func keysWithBodyAfter(ctx context.Context, q store.Querier, afterAPIKey, afterKey string, limit int) ([]storedBody, error) {
	rows, err := q.Query(ctx, `SELECT api_key_id, key, response_body FROM idempotency_keys
		WHERE response_body IS NOT NULL AND (api_key_id > ? OR (api_key_id = ? AND key > ?))
		ORDER BY api_key_id, key LIMIT ?`, afterAPIKey, afterAPIKey, afterKey, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(s store.Scanner) (storedBody, error) {
		var r storedBody
		if err := s.Scan(&r.apiKeyID, &r.key, &r.body); err != nil {
			return storedBody{}, err
		}
		return r, nil
	})
}

// keyResealBody replaces a key's response body old with next, unless it
// changed meanwhile, and reports whether it did.
func keyResealBody(ctx context.Context, q store.Querier, apiKeyID, key string, old, next []byte) (bool, error) {
	return store.Changed(q.Exec(ctx, `UPDATE idempotency_keys SET response_body = ? WHERE api_key_id = ? AND key = ? AND response_body = ?`,
		next, apiKeyID, key, old))
}
