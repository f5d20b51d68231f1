package tenants_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/jobs"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/internal/tenants"
)

type testBundle struct {
	db    *store.DB
	jobs  *jobs.Client
	svc   *tenants.Service
	clock *storetest.Clock
}

// setup returns a tenant service on a fresh database of the dialect, with an
// insert-only River client (as on an api node) and a stopped clock.
func setup(t *testing.T, d storetest.Dialect) *testBundle {
	t.Helper()
	db := d.Open(t)
	client, err := jobs.NewClient(db, jobs.Config{RescueAfter: time.Hour, Logger: storetest.DiscardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return &testBundle{db: db, jobs: client, svc: tenants.NewService(db, client), clock: storetest.FakeClock(db)}
}

// TestPutCreatesThenReplaces: the first Put creates the tenant, later ones
// replace its name and metadata and move updated_at, never created_at.
func TestPutCreatesThenReplaces(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		created := b.clock.Now()
		got, isNew, err := b.svc.Put(ctx, tenants.Tenant{ID: "acme", Name: "Acme"})
		if err != nil || !isNew {
			t.Fatalf("first Put: created %v, %v", isNew, err)
		}
		want := tenants.Tenant{ID: "acme", Name: "Acme", Metadata: map[string]string{}, CreatedAt: created, UpdatedAt: created}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("first Put (-want +got):\n%s", diff)
		}

		b.clock.Advance(time.Hour)
		got, isNew, err = b.svc.Put(ctx, tenants.Tenant{ID: "acme", Name: "Acme Inc", Metadata: map[string]string{"plan": "pro"}})
		if err != nil || isNew {
			t.Fatalf("second Put: created %v, %v", isNew, err)
		}
		want = tenants.Tenant{ID: "acme", Name: "Acme Inc", Metadata: map[string]string{"plan": "pro"}, CreatedAt: created, UpdatedAt: created.Add(time.Hour)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("second Put (-want +got):\n%s", diff)
		}
		stored, err := b.svc.Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, stored, cmp.Comparer(time.Time.Equal)); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
	})
}

// TestDeleteHidesThenPurges: a deleted tenant is gone for readers at once,
// cannot be put again until its purge job has run, and the purge job
// (enqueued in the deletion's transaction) removes it.
func TestDeleteHidesThenPurges(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		for _, id := range []string{"acme", "globex"} {
			if _, _, err := b.svc.Put(ctx, tenants.Tenant{ID: id, Name: id}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.svc.Delete(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Tenant(ctx, "acme"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("Tenant after Delete: %v, want not found", err)
		}
		if got := listIDs(t, b.svc, ctx, httpapi.Page{Limit: 10}); !cmp.Equal(got, []string{"globex"}) {
			t.Errorf("List after Delete = %v, want [globex]", got)
		}
		if err := b.svc.Delete(ctx, "acme"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("second Delete: %v, want not found", err)
		}
		if _, _, err := b.svc.Put(ctx, tenants.Tenant{ID: "acme", Name: "again"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("Put while being deleted: %v, want conflict", err)
		}

		queued, err := b.jobs.JobList(ctx, river.NewJobListParams().Kinds(tenants.PurgeArgs{}.Kind()))
		if err != nil {
			t.Fatal(err)
		}
		if len(queued.Jobs) != 1 {
			t.Fatalf("%d purge jobs queued, want 1", len(queued.Jobs))
		}
		var args tenants.PurgeArgs
		if err := json.Unmarshal(queued.Jobs[0].EncodedArgs, &args); err != nil || args.TenantID != "acme" {
			t.Errorf("purge job args %s (%v), want tenant acme", queued.Jobs[0].EncodedArgs, err)
		}
		worker := &tenants.PurgeWorker{DB: b.db}
		if err := worker.Work(ctx, &river.Job[tenants.PurgeArgs]{Args: tenants.PurgeArgs{TenantID: "acme"}}); err != nil {
			t.Fatal(err)
		}
		if err := worker.Work(ctx, &river.Job[tenants.PurgeArgs]{Args: tenants.PurgeArgs{TenantID: "globex"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Tenant(ctx, "globex"); err != nil {
			t.Errorf("a purge job for a live tenant removed it: %v", err)
		}
		if _, isNew, err := b.svc.Put(ctx, tenants.Tenant{ID: "acme", Name: "again"}); err != nil || !isNew {
			t.Errorf("Put after the purge: created %v, %v; want a new tenant", isNew, err)
		}
	})
}

// TestListPagesAndRestricts: lists page by ID, skip internal tenants (IDs
// starting with "!"), and show a restricted caller only its own tenant.
func TestListPagesAndRestricts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		for _, id := range []string{"c", "a", "!inbound", "b"} {
			if _, _, err := b.svc.Put(ctx, tenants.Tenant{ID: id, Name: id}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			ctx  context.Context
			page httpapi.Page
			want []string
		}{
			{ctx, httpapi.Page{Limit: 10}, []string{"a", "b", "c"}},
			// Limit+1 rows, so the handler knows a next page exists.
			{ctx, httpapi.Page{Limit: 1}, []string{"a", "b"}},
			{ctx, httpapi.Page{Limit: 10, After: "a"}, []string{"b", "c"}},
			{tenants.Restrict(ctx, "b"), httpapi.Page{Limit: 10}, []string{"b"}},
			{tenants.Restrict(ctx, "b"), httpapi.Page{Limit: 10, After: "b"}, nil},
		} {
			only, _ := tenants.RestrictedTo(tc.ctx)
			if got := listIDs(t, b.svc, tc.ctx, tc.page); !cmp.Equal(got, tc.want) {
				t.Errorf("List(%+v) restricted to %q = %v, want %v", tc.page, only, got, tc.want)
			}
		}
	})
}

func listIDs(t *testing.T, svc *tenants.Service, ctx context.Context, page httpapi.Page) []string {
	t.Helper()
	list, err := svc.List(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tn := range list {
		ids = append(ids, tn.ID)
	}
	return ids
}

// TestMustExist: objects may be created only under a live tenant; the error
// names the field.
func TestMustExist(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		for _, id := range []string{"live", "deleted"} {
			if _, _, err := b.svc.Put(ctx, tenants.Tenant{ID: id}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.svc.Delete(ctx, "deleted"); err != nil {
			t.Fatal(err)
		}
		if err := tenants.MustExist(ctx, b.db, "live"); err != nil {
			t.Errorf("MustExist(live) = %v", err)
		}
		for _, id := range []string{"deleted", "missing"} {
			err := tenants.MustExist(ctx, b.db, id)
			var e *apperr.Error
			if apperr.CodeOf(err) != apperr.Invalid || !errors.As(err, &e) || e.Fields["tenant_id"] == "" {
				t.Errorf("MustExist(%s) = %v, want an invalid tenant_id", id, err)
			}
		}
	})
}

// TestRestrictionRules: an unrestricted caller reaches every tenant's objects
// and names any tenant; a restricted one reaches only its tenant's (not even
// objects of no tenant), gets its tenant by default, and is told another
// tenant does not exist.
func TestRestrictionRules(t *testing.T) {
	t.Parallel()
	free, acme := context.Background(), tenants.Restrict(context.Background(), "acme")
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		object  string
		visible bool
	}{
		{"unrestricted, a tenant's object", free, "globex", true},
		{"unrestricted, an object of no tenant", free, "", true},
		{"restricted, its own", acme, "acme", true},
		{"restricted, another's", acme, "globex", false},
		{"restricted, an object of no tenant", acme, "", false},
	} {
		if got := tenants.Visible(tc.ctx, tc.object); got != tc.visible {
			t.Errorf("Visible: %s = %v, want %v", tc.name, got, tc.visible)
		}
	}
	for _, tc := range []struct {
		name, given, want string
		ctx               context.Context
		code              apperr.Code
	}{
		{"unrestricted keeps what is given", "globex", "globex", free, ""},
		{"unrestricted keeps empty", "", "", free, ""},
		{"restricted defaults to its tenant", "", "acme", acme, ""},
		{"restricted names its tenant", "acme", "acme", acme, ""},
		{"restricted names another", "globex", "", acme, apperr.NotFound},
	} {
		got, err := tenants.Own(tc.ctx, tc.given)
		if got != tc.want || apperr.CodeOf(err) != tc.code {
			t.Errorf("Own: %s: %q, %v; want %q, code %q", tc.name, got, err, tc.want, tc.code)
		}
	}
}
