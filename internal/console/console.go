// Package console signs operators in to the pages Patchbay serves for them
// (the marketplace review console at /admin/marketplace). An admin API key
// is exchanged once for a short session: the browser then holds only the
// session's secret, in an HttpOnly, SameSite=Strict cookie, and every change
// it asks for carries a CSRF token derived from that secret. The key behind
// a session is checked on every request, so revoking it ends the session.
package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// SessionTTL is how long a console session lasts from sign-in; then the
// operator signs in again.
const SessionTTL = 30 * time.Minute

// secretPrefix starts every session secret.
const secretPrefix = "pbc_"

// ReasonSessionInvalid is the problem type's last segment when a request's
// console session is missing, expired or ended: the page asks to sign in.
const ReasonSessionInvalid = "session_invalid"

// Session is a signed-in operator's console session.
type Session struct {
	ID        string
	KeyID     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Service creates, checks and ends console sessions.
type Service struct {
	db   *store.DB
	keys *auth.Keys
	// access is what the admin key must hold to sign in, and keep holding.
	access auth.Access
}

// Scope is the scope an admin key needs to sign in, and keep holding.
const Scope = "marketplace:admin"

// NewService returns sessions signed in with admin keys that hold Scope
// and reach every tenant.
func NewService(db *store.DB, keys *auth.Keys) *Service {
	return &Service{db: db, keys: keys, access: auth.InstallationAccess(Scope)}
}

var errNoSession = apperr.Because(apperr.Unauthorized, ReasonSessionInvalid, "sign in to the console again: the session is missing, expired or ended")

// SignIn checks apiKey and starts a session for it, returning the session
// and its secret, which only the cookie holds. Expired sessions are removed
// on the way.
func (s *Service) SignIn(ctx context.Context, apiKey string) (Session, string, error) {
	key, err := s.keys.Authenticate(ctx, strings.TrimSpace(apiKey))
	if err != nil {
		if apperr.CodeOf(err) == apperr.Unauthorized {
			return Session{}, "", apperr.Errorf(apperr.Unauthorized, "this admin API key is not valid")
		}
		return Session{}, "", err
	}
	if err := s.access.Permit(key); err != nil {
		return Session{}, "", err
	}
	secret := vault.NewToken(secretPrefix)
	sess, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Session, error) {
		now := tx.Now()
		if err := sessionsDeleteExpired(ctx, tx, now); err != nil {
			return Session{}, err
		}
		sess := Session{ID: id.New("cses"), KeyID: key.ID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
		return sess, sessionInsert(ctx, tx, sess, vault.HashToken(secret))
	})
	if err != nil {
		return Session{}, "", fmt.Errorf("start console session: %w", err)
	}
	return sess, secret, nil
}

// Authenticate returns the live session whose secret this is and the admin
// key behind it, which must still be live and hold the scope.
func (s *Service) Authenticate(ctx context.Context, secret string) (Session, auth.Key, error) {
	if !strings.HasPrefix(secret, secretPrefix) || len(secret) > 100 {
		return Session{}, auth.Key{}, errNoSession
	}
	hash := vault.HashToken(secret)
	sess, stored, err := sessionGetByHash(ctx, s.db, hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Session{}, auth.Key{}, errNoSession
	case err != nil:
		return Session{}, auth.Key{}, fmt.Errorf("look up console session: %w", err)
	case subtle.ConstantTimeCompare(stored, hash) != 1 || !s.db.Now().Before(sess.ExpiresAt):
		return Session{}, auth.Key{}, errNoSession
	}
	key, err := s.keys.Key(ctx, sess.KeyID)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && key.RevokedAt != nil {
		return Session{}, auth.Key{}, errNoSession
	} else if err != nil {
		return Session{}, auth.Key{}, fmt.Errorf("look up the console session's key: %w", err)
	}
	if err := s.access.Permit(key); err != nil {
		return Session{}, auth.Key{}, err
	}
	return sess, key, nil
}

// SignOut ends the session whose secret this is; ending an unknown one
// changes nothing.
func (s *Service) SignOut(ctx context.Context, secret string) error {
	if err := sessionDelete(ctx, s.db, vault.HashToken(secret)); err != nil {
		return fmt.Errorf("end console session: %w", err)
	}
	return nil
}

// CSRFToken is the token the console's pages send with every change: derived
// from the session's secret (which the page cannot read from its HttpOnly
// cookie), so it needs no storage and another site can neither read nor
// forge it.
func CSRFToken(secret string) string {
	sum := sha256.Sum256([]byte("patchbay console csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validCSRF compares a request's CSRF token with the session's in constant time.
func validCSRF(secret, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(CSRFToken(secret)), []byte(token)) == 1
}
