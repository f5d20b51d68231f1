// Package auth authenticates callers of the admin API with API keys: "pbk_"
// followed by 256 random bits, shown once and stored only as a SHA-256 hash.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/ttlcache"
	"github.com/patchbay/patchbay/internal/vault"
)

// TokenPrefix starts every admin API key, so secret scanners and people can
// recognise one.
const TokenPrefix = "pbk_"

// Key is an admin API key as shown to people: never the key itself.
type Key struct {
	ID   string `json:"id" doc:"The key's ID."`
	Name string `json:"name" doc:"A name that says who or what uses the key."`
	// Hint is the start of the key, enough to tell keys apart.
	Hint string `json:"hint" doc:"The start of the key, enough to tell keys apart."`
	// RateLimit overrides the installation's requests per window for this key.
	RateLimit *int64 `json:"rate_limit" doc:"Overrides the installation's requests per window for this key."`
	// Scopes are what the key may do (see Scopes); "*" is everything.
	Scopes []string `json:"scopes" doc:"What the key may do (see Scopes); \"*\" is everything."`
	// TenantID restricts the key to one tenant's objects; nil reaches all.
	TenantID  *string    `json:"tenant_id" doc:"Restricts the key to one tenant's objects; null reaches all."`
	CreatedAt time.Time  `json:"created_at" doc:"When the key was created."`
	RevokedAt *time.Time `json:"revoked_at" doc:"When the key was revoked; null while it works."`
}

// A node keeps valid keys in a cache, so authenticating needs no query. A
// change to a key (revocation, rename, rate limit) bumps a version in the
// database in the same transaction; every node polls that version every
// changePoll (one cheap single-row read) and empties its cache when it
// moves, so a revocation holds on every node within about changePoll.
// cacheTTL is the backstop should polling stall.
const (
	changePoll = 200 * time.Millisecond
	cacheTTL   = 5 * time.Second
)

// Keys creates, lists, revokes and checks API keys.
type Keys struct {
	db    *store.DB
	cache *ttlcache.Cache[[sha256.Size]byte, Key] // by the token's hash

	// mu orders cache insertions against invalidations: an authentication
	// caches what it read only if no invalidation happened since before its
	// read, so one in flight during a revocation cannot put the revoked key
	// back.
	mu  sync.Mutex
	gen uint64 // counts invalidations
	// afterLookup, when set (by tests), runs between an authentication's
	// database read and its cache insertion.
	afterLookup func()
}

// NewKeys returns the API key service.
func NewKeys(db *store.DB) *Keys {
	return &Keys{db: db, cache: ttlcache.New[[sha256.Size]byte, Key](cacheTTL)}
}

// NewKey is what a new key is made of.
type NewKey struct {
	Name      string
	RateLimit *int64
	Scopes    []string // at least one
	TenantID  *string
}

// Create makes a key and returns it with its secret, which is not kept.
// Callers check who may make it (Key.Covers); Create checks the scopes are
// known.
func (k *Keys) Create(ctx context.Context, nk NewKey) (Key, string, error) {
	if len(nk.Scopes) == 0 {
		return Key{}, "", apperr.InvalidFields(map[string]string{"scopes": "must list at least one scope"})
	}
	if problems := validScopes(nk.Scopes); len(problems) > 0 {
		return Key{}, "", apperr.InvalidFields(problems)
	}
	if nk.TenantID != nil {
		if msg := tenants.ValidID(*nk.TenantID); msg != "" {
			return Key{}, "", apperr.InvalidFields(map[string]string{"tenant_id": msg})
		}
	}
	token := vault.NewToken(TokenPrefix)
	hash := sha256.Sum256([]byte(token))
	key := Key{ID: id.New("key"), Name: nk.Name, Hint: token[:len(TokenPrefix)+6] + "…", RateLimit: nk.RateLimit,
		Scopes: distinct(nk.Scopes), TenantID: nk.TenantID}
	err := k.db.WithTx(ctx, func(tx *store.Tx) error {
		key.CreatedAt = tx.Now()
		return keyInsert(ctx, tx, key, hash[:])
	})
	if err != nil {
		return Key{}, "", fmt.Errorf("create API key: %w", err)
	}
	return key, token, nil
}

// Key returns one key by ID.
func (k *Keys) Key(ctx context.Context, keyID string) (Key, error) {
	key, err := keyGetByID(ctx, k.db, keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, apperr.Errorf(apperr.NotFound, "API key %s not found", keyID)
	}
	return key, err
}

// List returns a page of keys, revoked ones included, oldest first.
func (k *Keys) List(ctx context.Context, page httpapi.Page) ([]Key, error) {
	keys, err := keysList(ctx, k.db, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	return keys, nil
}

// Update changes a key's name or rate limit; nil leaves a value as it is, and a
// rate limit of 0 returns the key to the installation's default.
func (k *Keys) Update(ctx context.Context, keyID string, name *string, rateLimit *int64) (Key, error) {
	key, err := store.WithTxValue(ctx, k.db, func(tx *store.Tx) (Key, error) {
		key, err := keyGetByID(ctx, tx, keyID)
		if errors.Is(err, sql.ErrNoRows) {
			return Key{}, apperr.Errorf(apperr.NotFound, "API key %s not found", keyID)
		} else if err != nil {
			return Key{}, err
		}
		if name != nil {
			key.Name = *name
		}
		if rateLimit != nil {
			key.RateLimit = rateLimit
			if *rateLimit == 0 {
				key.RateLimit = nil
			}
		}
		if err = keyUpdate(ctx, tx, keyID, key.Name, key.RateLimit); err != nil {
			return Key{}, err
		}
		return key, keyChangesBump(ctx, tx)
	})
	k.invalidate() // after the commit, so no read before it is cached
	return key, err
}

// Revoke makes a key unusable. Revoking a revoked key changes nothing.
func (k *Keys) Revoke(ctx context.Context, keyID string) (Key, error) {
	key, err := store.WithTxValue(ctx, k.db, func(tx *store.Tx) (Key, error) {
		if err := keyRevoke(ctx, tx, keyID); err != nil {
			return Key{}, err
		}
		if err := keyChangesBump(ctx, tx); err != nil {
			return Key{}, err
		}
		key, err := keyGetByID(ctx, tx, keyID)
		if errors.Is(err, sql.ErrNoRows) {
			return Key{}, apperr.Errorf(apperr.NotFound, "API key %s not found", keyID)
		}
		return key, err
	})
	k.invalidate() // after the commit, so no read before it is cached
	return key, err
}

// Count returns how many keys exist, revoked ones included.
func (k *Keys) Count(ctx context.Context) (int, error) {
	return keysCount(ctx, k.db)
}

// errBadToken is deliberately vague: a caller learns nothing about which keys exist.
var errBadToken = apperr.Errorf(apperr.Unauthorized, "the API key is not valid")

// Authenticate returns the live key that token is. Keys are found by the hash
// of the token, so the lookup reveals nothing about the secret; the hash is
// still compared in constant time. Valid keys are cached for cacheTTL, which
// keeps the database out of the hot path of every request.
func (k *Keys) Authenticate(ctx context.Context, token string) (Key, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return Key{}, errBadToken
	}
	hash := sha256.Sum256([]byte(token))
	if key, ok := k.cache.Get(hash); ok {
		return key, nil
	}
	k.mu.Lock()
	gen := k.gen
	k.mu.Unlock()

	key, stored, err := keyGetByHash(ctx, k.db, hash[:])
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Key{}, errBadToken
	case err != nil:
		return Key{}, fmt.Errorf("look up API key: %w", err)
	case subtle.ConstantTimeCompare(stored, hash[:]) != 1 || key.RevokedAt != nil:
		return Key{}, errBadToken
	}
	if k.afterLookup != nil {
		k.afterLookup()
	}
	k.mu.Lock()
	if k.gen == gen {
		k.cache.Put(hash, key)
	}
	k.mu.Unlock()
	return key, nil
}

// invalidate empties this node's cache after a change to any key. Changes
// are rare, so forgetting every key costs one query per key in use.
func (k *Keys) invalidate() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.gen++
	k.cache.ForgetFunc(func(Key) bool { return true })
}

// Watch polls the key change version every changePoll until ctx is done, and
// empties this node's cache whenever it moves, or cannot be read: then no
// cached key can be vouched for.
func (k *Keys) Watch(ctx context.Context) {
	tick := time.NewTicker(changePoll)
	defer tick.Stop()
	last := int64(-1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		version, err := keyChangesVersion(ctx, k.db)
		if err != nil {
			k.invalidate()
			last = -1
			continue
		}
		if version != last {
			k.invalidate()
			last = version
		}
	}
}

type keyCtx struct{}

// WithKey returns a context carrying the authenticated key.
func WithKey(ctx context.Context, key Key) context.Context {
	return context.WithValue(ctx, keyCtx{}, key)
}

// KeyFrom returns the authenticated key, if any.
func KeyFrom(ctx context.Context) (Key, bool) {
	key, ok := ctx.Value(keyCtx{}).(Key)
	return key, ok
}
