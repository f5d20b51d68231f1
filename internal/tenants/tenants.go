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
	ID        string            `json:"id" doc:"The SaaS's own identifier for the customer."`
	Name      string            `json:"name" doc:"The tenant's name."`
	Metadata  map[string]string `json:"metadata" doc:"The SaaS's own key-value pairs about the tenant."`
	CreatedAt time.Time         `json:"created_at" doc:"When the tenant was created."`
	UpdatedAt time.Time         `json:"updated_at" doc:"When the tenant last changed."`
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
		createdAt, deletedAt, err := tenantGetCreatedDeleted(ctx, tx, t.ID)
		t.UpdatedAt = tx.Now()
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			t.CreatedAt = tx.Now()
			return tenantInsert(ctx, tx, t.ID, t.Name, string(meta), t.CreatedAt)
		case err != nil:
			return err
		case deletedAt != nil:
			return apperr.Errorf(apperr.Conflict, "tenant %s is being deleted; it can be created again once that has finished", t.ID)
		}
		t.CreatedAt = createdAt
		return tenantUpdate(ctx, tx, t.ID, t.Name, string(meta), t.UpdatedAt)
	})
	if err != nil {
		return Tenant{}, false, fmt.Errorf("put tenant: %w", err)
	}
	return t, created, nil
}

// Tenant returns one live tenant.
func (s *Service) Tenant(ctx context.Context, tenantID string) (Tenant, error) {
	t, err := tenantGetLive(ctx, s.db, tenantID)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, NotFound(tenantID)
	}
	return t, err
}

// List returns a page of live tenants ordered by ID.
func (s *Service) List(ctx context.Context, page httpapi.Page) ([]Tenant, error) {
	only, _ := RestrictedTo(ctx) // a restricted caller lists only its own
	list, err := tenantsList(ctx, s.db, page.After, only, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return list, nil
}

// Delete hides the tenant at once and enqueues, in the same transaction, the
// job that purges it and its data.
func (s *Service) Delete(ctx context.Context, tenantID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		marked, err := tenantMarkDeleted(ctx, tx, tenantID)
		if err != nil {
			return fmt.Errorf("delete tenant: %w", err)
		}
		if !marked {
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
		return tenantDeleteMarked(ctx, tx, job.Args.TenantID)
	})
}
