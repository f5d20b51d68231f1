package auth

import (
	"context"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestRevokeDuringAuthentication: an authentication that read a key from the
// database just before the key was revoked on the same node must not put it
// in the cache after the revocation emptied it, or the revoked key would keep
// working here for the cache's lifetime.
func TestRevokeDuringAuthentication(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		ctx := t.Context()
		keys := NewKeys(d.Open(t))
		key, token, err := keys.Create(ctx, NewKey{Name: "raced", Scopes: []string{ScopeAll}})
		if err != nil {
			t.Fatal(err)
		}
		read, resume := make(chan struct{}), make(chan struct{})
		keys.afterLookup = func() {
			close(read)
			<-resume
		}
		done := make(chan error, 1)
		go func() {
			_, err := keys.Authenticate(ctx, token)
			done <- err
		}()
		<-read // the key is read, still valid, and not yet cached
		if _, err := keys.Revoke(ctx, key.ID); err != nil {
			t.Fatal(err)
		}
		close(resume)
		if err := <-done; err != nil {
			t.Fatalf("the authentication in flight: %v (it read the key before the revocation)", err)
		}
		keys.afterLookup = nil
		if _, err := keys.Authenticate(ctx, token); err == nil {
			t.Error("the revoked key is accepted: the authentication in flight cached it after the revocation")
		}
	})
}

// TestWatchSeesOtherNodesRevocation: two services on one database stand for
// two nodes; a key revoked through one stops working on the other, which
// had it cached, within a second.
func TestWatchSeesOtherNodesRevocation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		ctx := t.Context()
		db := d.Open(t)
		a, b := NewKeys(db), NewKeys(db)
		watchCtx, stop := context.WithCancel(ctx)
		defer stop()
		go b.Watch(watchCtx)

		key, token, err := a.Create(ctx, NewKey{Name: "shared", Scopes: []string{ScopeAll}})
		if err != nil {
			t.Fatal(err)
		}
		// Wait for b's watcher to read the version before the revocation (its
		// first read empties the cache: gen moves).
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			b.mu.Lock()
			polled := b.gen > 0
			b.mu.Unlock()
			if polled {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("b's watcher never read the change version")
			}
		}
		if _, err := b.Authenticate(ctx, token); err != nil { // now cached on b
			t.Fatal(err)
		}
		if _, ok := b.cache.Get(sha256.Sum256([]byte(token))); !ok {
			t.Fatal("the key is not in b's cache, so this test would not test it")
		}
		if _, err := a.Revoke(ctx, key.ID); err != nil {
			t.Fatal(err)
		}
		revoked := time.Now()
		for {
			if _, err := b.Authenticate(ctx, token); err != nil {
				t.Logf("%s: the other node refused the revoked key after %v", d.Name, time.Since(revoked))
				break
			}
			if time.Since(revoked) > time.Second {
				t.Fatalf("the other node still accepts the key %v after its revocation", time.Since(revoked))
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// TestExistingKeysKeepEverything: a key stored before scopes existed (a row
// without them) holds "*" and no tenant, as it did.
func TestExistingKeysKeepEverything(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		ctx := t.Context()
		db := d.Open(t)
		token := TokenPrefix + "made-before-scopes"
		hash := sha256.Sum256([]byte(token))
		if _, err := db.Exec(ctx, "INSERT INTO api_keys (id, name, token_hash, token_hint, created_at) VALUES (?, ?, ?, ?, ?)",
			"key_old", "old", hash[:], "pbk_made…", db.Now()); err != nil {
			t.Fatal(err)
		}
		key, err := NewKeys(db).Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(key.Scopes, []string{ScopeAll}) || key.TenantID != nil || !key.Allows("keys:admin") {
			t.Errorf("old key: scopes %v, tenant %v", key.Scopes, key.TenantID)
		}
	})
}

// TestScopesStoredOnce: a scope named twice is held, stored and listed once.
func TestScopesStoredOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		keys := NewKeys(d.Open(t))
		key, _, err := keys.Create(t.Context(), NewKey{Name: "twice", Scopes: []string{"keys:admin", "webhooks:read", "keys:admin"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := keys.Key(t.Context(), key.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"keys:admin", "webhooks:read"}; !slices.Equal(key.Scopes, want) || !slices.Equal(got.Scopes, want) {
			t.Errorf("scopes created %v, stored %v; want %v", key.Scopes, got.Scopes, want)
		}
	})
}
