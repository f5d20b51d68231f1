package console

import (
	"context"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of console_sessions (docs/architecture.md, "Where queries live").

// sessionInsert stores a new session under the hash of its secret.
func sessionInsert(ctx context.Context, tx *store.Tx, s Session, hash []byte) error {
	_, err := tx.Exec(ctx, "INSERT INTO console_sessions (id, secret_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		s.ID, hash, s.KeyID, s.CreatedAt, s.ExpiresAt)
	return err
}

// sessionGetByHash returns the session whose secret hashes to hash, and the
// stored hash; sql.ErrNoRows when there is none.
func sessionGetByHash(ctx context.Context, q store.Querier, hash []byte) (Session, []byte, error) {
	var s Session
	var stored []byte
	err := q.QueryRow(ctx, "SELECT id, key_id, created_at, expires_at, secret_hash FROM console_sessions WHERE secret_hash = ?", hash).
		Scan(&s.ID, &s.KeyID, &s.CreatedAt, &s.ExpiresAt, &stored)
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return s, stored, err
}

// sessionDelete ends the session whose secret hashes to hash.
func sessionDelete(ctx context.Context, q store.Querier, hash []byte) error {
	_, err := q.Exec(ctx, "DELETE FROM console_sessions WHERE secret_hash = ?", hash)
	return err
}

// sessionsDeleteExpired removes the sessions that expired before now.
func sessionsDeleteExpired(ctx context.Context, tx *store.Tx, now time.Time) error {
	_, err := tx.Exec(ctx, "DELETE FROM console_sessions WHERE expires_at < ?", now)
	return err
}
