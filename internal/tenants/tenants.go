// Package tenants keeps the SaaS's own customers (a team, a workspace), keyed by
// the SaaS's own ID for them. Everything tenant-scoped in Patchbay hangs off a
// tenant, and deleting one purges its data in a background job.
package tenants

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/jobs"
	"github.com/patchbay/patchbay/internal/store"
)

// Tenant is one of the SaaS's customers.
type Tenant struct {
	// ID is the SaaS's own identifier for the customer.
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Metadata  map[string]string `json:"metadata"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Service manages tenants.
type Service struct {
	db   *store.DB
	jobs jobs.Inserter
}

// NewService returns the tenant service.
func NewService(db *store.DB, jobs jobs.Inserter) *Service {
	return &Service{db: db, jobs: jobs}
}

// Put creates the tenant or replaces its name and metadata, and reports
// whether it was created.
func (s *Service) Put(ctx context.Context, t Tenant) (Tenant, bool, error) {
	if t.Metadata == nil {
		t.Metadata = map[string]string{}
	}
	meta, err := json.Marshal(t.Metadata)
	if err != nil {
		return Tenant{}, false, err
	}
	var created bool
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		var deletedAt *time.Time
		err := tx.QueryRow(ctx, "SELECT created_at, deleted_at FROM tenants WHERE id = ?", t.ID).Scan(&t.CreatedAt, &deletedAt)
		t.UpdatedAt = tx.Now()
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			t.CreatedAt = tx.Now()
			_, err = tx.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
				t.ID, t.Name, string(meta), t.CreatedAt, t.UpdatedAt)
			return err
		case err != nil:
			return err
		case deletedAt != nil:
			return apperr.Errorf(apperr.Conflict, "tenant %s is being deleted; it can be created again once that has finished", t.ID)
		}
		_, err = tx.Exec(ctx, "UPDATE tenants SET name = ?, metadata = ?, updated_at = ? WHERE id = ?", t.Name, string(meta), t.UpdatedAt, t.ID)
		return err
	})
	if err != nil {
		return Tenant{}, false, fmt.Errorf("put tenant: %w", err)
	}
	return t, created, nil
}

const columns = "id, name, metadata, created_at, updated_at"

func scan(s store.Scanner) (Tenant, error) {
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

// Tenant returns one live tenant.
func (s *Service) Tenant(ctx context.Context, tenantID string) (Tenant, error) {
	t, err := scan(s.db.QueryRow(ctx, "SELECT "+columns+" FROM tenants WHERE id = ? AND deleted_at IS NULL", tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, NotFound(tenantID)
	}
	return t, err
}

// List returns a page of live tenants ordered by ID.
func (s *Service) List(ctx context.Context, page httpapi.Page) ([]Tenant, error) {
	only, _ := RestrictedTo(ctx) // a restricted caller lists only its own
	rows, err := s.db.Query(ctx, "SELECT "+columns+" FROM tenants WHERE id > ? AND (? = '' OR id = ?) AND deleted_at IS NULL AND id NOT LIKE '!%' ORDER BY id LIMIT ?",
		page.After, only, only, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var list []Tenant
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// Delete hides the tenant at once and enqueues, in the same transaction, the
// job that purges it and its data.
func (s *Service) Delete(ctx context.Context, tenantID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE tenants SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", tx.Now(), tenantID)
		if err != nil {
			return fmt.Errorf("delete tenant: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound(tenantID)
		}
		if _, err := s.jobs.InsertTx(ctx, tx.Tx, PurgeArgs{TenantID: tenantID}, nil); err != nil {
			return fmt.Errorf("enqueue tenant purge: %w", err)
		}
		return nil
	})
}

// PurgeArgs asks for a deleted tenant's data to be removed.
type PurgeArgs struct {
	TenantID string `json:"tenant_id"`
}

// Kind is the job's stable name.
func (PurgeArgs) Kind() string { return "tenant_purge" }

// InsertOpts keeps one purge per tenant pending at a time.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// PurgeWorker removes a deleted tenant. Tenant-scoped tables reference
// tenants(id) ON DELETE CASCADE, so deleting the row removes their rows too.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	DB *store.DB
}

// Work deletes the tenant if it is still marked deleted; a tenant recreated in
// the meantime cannot be (Put refuses while deleted_at is set).
func (w *PurgeWorker) Work(ctx context.Context, job *river.Job[PurgeArgs]) error {
	return w.DB.WithTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM tenants WHERE id = ? AND deleted_at IS NOT NULL", job.Args.TenantID)
		return err
	})
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
