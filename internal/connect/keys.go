package connect

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// installationKey is the data key for what belongs to no tenant: the
// integrations' client secrets.
const installationKey = "installation"

func tenantKey(tenantID string) string { return "tenant:" + tenantID }

func dataKeyAAD(keyID string) string { return "data_keys/" + keyID }

// Keyring is envelope encryption for credentials. Each tenant has a data key
// (32 random bytes) of its own, stored in data_keys wrapped by the key-
// encryption key (KEK) from the configuration. Credentials are sealed with the
// data key, bound by associated data to their table, row and column, so a
// ciphertext copied elsewhere does not open. Rotating the KEK rewraps the
// data keys only (SealedColumns), never the credentials.
//
// Unwrapped data keys are cached: a data key never changes, only its
// wrapping does, so the cache stays right across a KEK rotation. But a tenant
// deleted and created again gets a new one, so sealing always reads the
// current key (TenantForSeal), and OpenTenant reads it again when the cached
// one fails.
type Keyring struct {
	db  *store.DB
	kek *vault.Vault

	mu    sync.Mutex
	cache map[string]*vault.Vault
}

// NewKeyring returns a keyring whose data keys are wrapped by kek.
func NewKeyring(db *store.DB, kek *vault.Vault) *Keyring {
	return &Keyring{db: db, kek: kek, cache: map[string]*vault.Vault{}}
}

// dataKey returns the vault of a data key, creating the key on first use.
// It runs its own statements, so call it before opening a transaction: on
// SQLite a second writer inside a transaction would wait for itself.
func (k *Keyring) dataKey(ctx context.Context, keyID, tenantID string) (*vault.Vault, error) {
	k.mu.Lock()
	v := k.cache[keyID]
	k.mu.Unlock()
	if v != nil {
		return v, nil
	}
	wrapped, err := dataKeyWrapped(ctx, k.db, keyID)
	if errors.Is(err, sql.ErrNoRows) {
		fresh := make([]byte, vault.KeySize)
		rand.Read(fresh)
		var tenant *string
		if tenantID != "" {
			tenant = &tenantID
		}
		// Two nodes may race to create it: the first insert wins and both
		// read the winner's key back.
		err = k.db.WithTx(ctx, func(tx *store.Tx) error {
			return dataKeyInsert(ctx, tx, keyID, tenant, k.kek.Seal(fresh, dataKeyAAD(keyID)))
		})
		if err != nil {
			return nil, fmt.Errorf("create data key %s: %w", keyID, err)
		}
		wrapped, err = dataKeyWrapped(ctx, k.db, keyID)
	}
	if err != nil {
		return nil, fmt.Errorf("read data key %s: %w", keyID, err)
	}
	plain, err := k.kek.Open(wrapped, dataKeyAAD(keyID))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key %s (is the encryption key the one it was wrapped with?): %w", keyID, err)
	}
	v, err = vault.New(plain)
	clear(plain)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.cache[keyID] = v
	k.mu.Unlock()
	return v, nil
}

// Tenant returns the vault of a tenant's data key, for opening.
func (k *Keyring) Tenant(ctx context.Context, tenantID string) (*vault.Vault, error) {
	return k.dataKey(ctx, tenantKey(tenantID), tenantID)
}

// TenantForSeal returns the vault of a tenant's current data key, read from
// the database rather than the cache, for sealing: a key cached before the
// tenant was deleted and created again would seal what nothing can open.
func (k *Keyring) TenantForSeal(ctx context.Context, tenantID string) (*vault.Vault, error) {
	k.forget(tenantID)
	return k.Tenant(ctx, tenantID)
}

// OpenTenant opens what was sealed with a tenant's data key. When the cached
// key does not open it, the tenant may have been created again since: it
// tries once more with the current key.
func (k *Keyring) OpenTenant(ctx context.Context, tenantID string, sealed []byte, aad string) ([]byte, error) {
	v, err := k.Tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	plain, err := v.Open(sealed, aad)
	if err == nil {
		return plain, nil
	}
	if v, err = k.TenantForSeal(ctx, tenantID); err != nil {
		return nil, err
	}
	return v.Open(sealed, aad)
}

// forget drops a tenant's cached data key.
func (k *Keyring) forget(tenantID string) {
	k.mu.Lock()
	delete(k.cache, tenantKey(tenantID))
	k.mu.Unlock()
}

// Installation returns the vault of the installation's data key.
func (k *Keyring) Installation(ctx context.Context) (*vault.Vault, error) {
	return k.dataKey(ctx, installationKey, "")
}

// SealedColumns are the columns the key-encryption key seals directly: the
// wrapped data keys. Rotating the KEK re-wraps these rows only; nothing
// sealed with a data key changes, so rotation is fast however many
// credentials there are.
func SealedColumns() []vault.Column {
	return []vault.Column{{Table: "data_keys", Column: "wrapped_key", AAD: dataKeyAAD}}
}
