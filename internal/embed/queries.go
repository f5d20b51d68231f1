package embed

import (
	"context"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of embed_tokens (docs/architecture.md, "Where queries live").

// tokenInsert stores a new token under the hash of its secret.
func tokenInsert(ctx context.Context, tx *store.Tx, t Token, hash []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO embed_tokens (id, token_hash, tenant_id, user_id, user_name, capabilities, allowed_origins,
		locale, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, hash, t.TenantID, t.UserID, t.UserName, strings.Join(t.Capabilities, " "),
		strings.Join(t.AllowedOrigins, " "), t.Locale, t.CreatedAt, t.ExpiresAt)
	return err
}

const tokenColumns = "id, tenant_id, user_id, user_name, capabilities, allowed_origins, locale, created_at, expires_at, revoked_at"

func scanToken(sc store.Scanner, extra ...any) (Token, error) {
	var t Token
	var caps, origins string
	if err := sc.Scan(append([]any{&t.ID, &t.TenantID, &t.UserID, &t.UserName, &caps, &origins, &t.Locale, &t.CreatedAt,
		&t.ExpiresAt, &t.RevokedAt}, extra...)...); err != nil {
		return Token{}, err
	}
	t.Capabilities, t.AllowedOrigins = strings.Fields(caps), strings.Fields(origins)
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	return t, nil
}

// tokensOfTenant returns up to limit of a tenant's tokens, newest first,
// with IDs before the ID before (all when it is empty).
func tokensOfTenant(ctx context.Context, q store.Querier, tenantID, before string, limit int) ([]Token, error) {
	where, args := "tenant_id = ?", []any{tenantID}
	if before != "" {
		where, args = where+" AND id < ?", append(args, before)
	}
	rows, err := q.Query(ctx, "SELECT "+tokenColumns+" FROM embed_tokens WHERE "+where+" ORDER BY id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (Token, error) { return scanToken(sc) })
}

// tokenGet returns a token by its ID; sql.ErrNoRows when there is none.
func tokenGet(ctx context.Context, q store.Querier, tokenID string) (Token, error) {
	return scanToken(q.QueryRow(ctx, "SELECT "+tokenColumns+" FROM embed_tokens WHERE id = ?", tokenID))
}

// tokenGetByHash returns the token whose secret hashes to hash, with the
// stored hash; sql.ErrNoRows when there is none.
func tokenGetByHash(ctx context.Context, q store.Querier, hash []byte) (Token, []byte, error) {
	var stored []byte
	t, err := scanToken(q.QueryRow(ctx, "SELECT "+tokenColumns+", token_hash FROM embed_tokens WHERE token_hash = ?", hash), &stored)
	return t, stored, err
}

func tokenRevoke(ctx context.Context, tx *store.Tx, tokenID string, at time.Time) error {
	_, err := tx.Exec(ctx, "UPDATE embed_tokens SET revoked_at = ? WHERE id = ?", at, tokenID)
	return err
}

// tokensDeleteExpiredBefore deletes the tokens that expired before cutoff,
// in batches, so a run never holds the writer long.
func tokensDeleteExpiredBefore(ctx context.Context, db *store.DB, cutoff time.Time) error {
	return db.ExecBatched(ctx, 1000, `DELETE FROM embed_tokens WHERE id IN
		(SELECT id FROM embed_tokens WHERE expires_at < ? LIMIT ?)`, cutoff)
}
