package auth

import (
	"context"
	"database/sql"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of api_keys and api_key_changes (docs/architecture.md, "Where
// queries live").

const keyColumns = "id, name, token_hint, rate_limit, scopes, tenant_id, created_at, revoked_at"

func scanKey(s store.Scanner, extra ...any) (Key, error) {
	var key Key
	var limit sql.NullInt64
	var scopes string
	err := s.Scan(append([]any{&key.ID, &key.Name, &key.Hint, &limit, &scopes, &key.TenantID, &key.CreatedAt, &key.RevokedAt}, extra...)...)
	if limit.Valid {
		key.RateLimit = &limit.Int64
	}
	key.Scopes = splitScopes(scopes)
	return key, err
}

func keyInsert(ctx context.Context, tx *store.Tx, key Key, tokenHash []byte) error {
	_, err := tx.Exec(ctx, "INSERT INTO api_keys (id, name, token_hash, token_hint, rate_limit, scopes, tenant_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		key.ID, key.Name, tokenHash, key.Hint, key.RateLimit, joinScopes(key.Scopes), key.TenantID, key.CreatedAt)
	return err
}

func keyGetByID(ctx context.Context, q store.Querier, keyID string) (Key, error) {
	return scanKey(q.QueryRow(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE id = ?", keyID))
}

// keyGetByHash returns the key whose token hashes to tokenHash, with the
// stored hash for the caller's constant-time comparison.
func keyGetByHash(ctx context.Context, q store.Querier, tokenHash []byte) (Key, []byte, error) {
	var stored []byte
	key, err := scanKey(q.QueryRow(ctx, "SELECT "+keyColumns+", token_hash FROM api_keys WHERE token_hash = ?", tokenHash), &stored)
	return key, stored, err
}

func keysList(ctx context.Context, q store.Querier, after string, limit int) ([]Key, error) {
	rows, err := q.Query(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(s store.Scanner) (Key, error) { return scanKey(s) })
}

func keysCount(ctx context.Context, q store.Querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT count(*) FROM api_keys").Scan(&n)
	return n, err
}

func keyUpdate(ctx context.Context, tx *store.Tx, keyID, name string, rateLimit *int64) error {
	_, err := tx.Exec(ctx, "UPDATE api_keys SET name = ?, rate_limit = ? WHERE id = ?", name, rateLimit, keyID)
	return err
}

// keyRevoke revokes a live key; a revoked or missing one is left as it is.
func keyRevoke(ctx context.Context, tx *store.Tx, keyID string) error {
	_, err := tx.Exec(ctx, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", tx.Now(), keyID)
	return err
}

// keyChangesBump records a change to a key in tx, for every node's Watch to
// see.
func keyChangesBump(ctx context.Context, tx *store.Tx) error {
	_, err := tx.Exec(ctx, "UPDATE api_key_changes SET version = version + 1 WHERE id = 1")
	return err
}

func keyChangesVersion(ctx context.Context, q store.Querier) (int64, error) {
	var version int64
	err := q.QueryRow(ctx, "SELECT version FROM api_key_changes WHERE id = 1").Scan(&version)
	return version, err
}
