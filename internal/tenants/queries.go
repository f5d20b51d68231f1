package tenants

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store"
)

// The tenants table's queries. Other capabilities reach it only through the
// exported functions here (docs/architecture.md, "Where queries live").

const tenantColumns = "id, name, metadata, created_at, updated_at"

func scanTenant(s store.Scanner) (Tenant, error) {
	var t Tenant
	var meta []byte
	if err := s.Scan(&t.ID, &t.Name, &meta, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return Tenant{}, err
	}
	if err := json.Unmarshal(meta, &t.Metadata); err != nil {
		return Tenant{}, fmt.Errorf("tenant %s metadata: %w", t.ID, err)
	}
	return t, nil
}

// tenantGetCreatedDeleted returns when a tenant, live or being deleted, was
// created and when it was marked deleted (nil while live).
func tenantGetCreatedDeleted(ctx context.Context, q store.Querier, id string) (createdAt time.Time, deletedAt *time.Time, err error) {
	err = q.QueryRow(ctx, "SELECT created_at, deleted_at FROM tenants WHERE id = ?", id).Scan(&createdAt, &deletedAt)
	return createdAt, deletedAt, err
}

func tenantInsert(ctx context.Context, tx *store.Tx, id, name, metadata string, createdAt time.Time) error {
	_, err := tx.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		id, name, metadata, createdAt, createdAt)
	return err
}

func tenantUpdate(ctx context.Context, tx *store.Tx, id, name, metadata string, updatedAt time.Time) error {
	_, err := tx.Exec(ctx, "UPDATE tenants SET name = ?, metadata = ?, updated_at = ? WHERE id = ?", name, metadata, updatedAt, id)
	return err
}

func tenantGetLive(ctx context.Context, q store.Querier, id string) (Tenant, error) {
	return scanTenant(q.QueryRow(ctx, "SELECT "+tenantColumns+" FROM tenants WHERE id = ? AND deleted_at IS NULL", id))
}

// tenantsList returns up to limit live tenants after the ID after, only the
// tenant only unless it is empty, and never internal ones (IDs starting "!").
func tenantsList(ctx context.Context, q store.Querier, after, only string, limit int) ([]Tenant, error) {
	rows, err := q.Query(ctx, "SELECT "+tenantColumns+" FROM tenants WHERE id > ? AND (? = '' OR id = ?) AND deleted_at IS NULL AND id NOT LIKE '!%' ORDER BY id LIMIT ?",
		after, only, only, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanTenant)
}

// tenantMarkDeleted hides a live tenant and reports whether there was one.
func tenantMarkDeleted(ctx context.Context, tx *store.Tx, id string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE tenants SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", tx.Now(), id))
}

// tenantDeleteMarked deletes a tenant marked deleted; its rows elsewhere go
// with it (ON DELETE CASCADE).
func tenantDeleteMarked(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.Exec(ctx, "DELETE FROM tenants WHERE id = ? AND deleted_at IS NOT NULL", id)
	return err
}

// MustExist returns an invalid tenant_id error unless the tenant exists and
// is not being deleted, for calls that create something under a tenant.
func MustExist(ctx context.Context, q store.Querier, tenantID string) error {
	var n int
	if err := q.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE id = ? AND deleted_at IS NULL", tenantID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.InvalidFields(map[string]string{"tenant_id": "no tenant " + tenantID})
	}
	return nil
}

// Live returns which of ids are tenants that exist and are not being deleted.
func Live(ctx context.Context, q store.Querier, ids []string) (map[string]bool, error) {
	live := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return live, nil
	}
	padded := store.PadPow2(append([]string(nil), ids...))
	args := make([]any, len(padded))
	for i, id := range padded {
		args[i] = id
	}
	rows, err := q.Query(ctx, "SELECT id FROM tenants WHERE id IN ("+store.Placeholders(len(args))+") AND deleted_at IS NULL", args...)
	if err != nil {
		return nil, err
	}
	found, err := store.Column[string](rows)
	if err != nil {
		return nil, err
	}
	for _, id := range found {
		live[id] = true
	}
	return live, nil
}

// Ensure creates the tenant id with the given name unless it exists, for
// tenants Patchbay keeps for itself (such as inbound forwarding's).
func Ensure(ctx context.Context, tx *store.Tx, id, name string) error {
	_, err := tx.Exec(ctx, `INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES (?, ?, '{}', ?, ?)
		ON CONFLICT (id) DO NOTHING`, id, name, tx.Now(), tx.Now())
	return err
}

// Name returns a live tenant's name, or "" when there is no such tenant.
func Name(ctx context.Context, q store.Querier, id string) (string, error) {
	var name string
	err := q.QueryRow(ctx, "SELECT name FROM tenants WHERE id = ? AND deleted_at IS NULL", id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}
