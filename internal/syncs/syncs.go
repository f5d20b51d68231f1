// Package syncs is polling syncs: a connection's list endpoint fetched on a
// schedule through the connections proxy, its records kept, and each new,
// changed or vanished record published as a message to the tenant's
// endpoints.
//
// It owns the syncs, sync_runs and sync_records tables, its HTTP handlers and
// its jobs. It reads connections only through Connections, which
// *connect.Service satisfies, calls providers only through Proxy, which
// *proxy.Engine satisfies, and publishes through RecordPublisher, which
// *webhooks.Service satisfies.
package syncs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/jobs"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/proxy"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/vault"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Connections is what syncs need of the connections service: a connection's
// tenant, provider, configuration and status. *connect.Service is one.
type Connections interface {
	// Connection returns a connection without its credentials; one outside
	// the context's tenant is not found.
	Connection(ctx context.Context, connectionID string) (connect.Connection, error)
}

// Proxy sends a request to a connection's provider, adding the credentials,
// retrying, honouring the rate budget and refreshing on a 401, as for any
// proxied call. *proxy.Engine is one.
type Proxy interface {
	Do(ctx context.Context, connectionID string, req proxy.Request) (*proxy.Response, error)
}

// RecordPublisher publishes messages in a transaction; the webhooks service
// is one.
type RecordPublisher interface {
	PublishTx(ctx context.Context, tx *store.Tx, tenantID string, in []webhooks.MessageIn) ([]string, error)
	Delivered(endpointIDs []string)
	DeclareEventTypesTx(ctx context.Context, tx *store.Tx, types []webhooks.EventType) error
}

// Config tunes the service. Zero values mean the defaults.
type Config struct {
	// Node names this process in run leases.
	Node string
}

func (c Config) withDefaults() Config {
	c.Node = cmp.Or(c.Node, "node")
	return c
}

// Service manages syncs and runs them.
type Service struct {
	db          *store.DB
	connections Connections
	proxy       Proxy
	// catalog is the one the connections service reads, so providers
	// changed at run time are seen here too.
	catalog   *catalog.Catalog
	publisher RecordPublisher
	jobs      jobs.Inserter
	logger    *slog.Logger
	cfg       Config
}

// NewService returns the syncs service. The catalog must be the connections
// service's.
func NewService(db *store.DB, connections Connections, proxy Proxy, c *catalog.Catalog, publisher RecordPublisher, jobs jobs.Inserter,
	logger *slog.Logger, cfg Config) *Service {
	return &Service{db: db, connections: connections, proxy: proxy, catalog: c, publisher: publisher, jobs: jobs, logger: logger, cfg: cfg.withDefaults()}
}

// leaseOwner names one run's claim: the node, and 256 random bits so that
// two runs on one node never share a lease.
func leaseOwner(node string) string {
	return vault.NewToken(node + ":")
}

// Sync modes.
const (
	// SyncFull fetches every record each run; records a complete run did not
	// see are deleted.
	SyncFull = "full"
	// SyncIncremental fetches what changed since the cursor; it never
	// detects deletes.
	SyncIncremental = "incremental"
)

// Sync limits.
const (
	SyncIntervalMin     = time.Minute
	SyncIntervalMax     = 7 * 24 * time.Hour
	SyncIntervalDefault = time.Hour
	// SyncPageLimitDefault is the page size asked for when a pagination has a
	// limit parameter but no limit.
	SyncPageLimitDefault = 100
	syncPageSizeMax      = 1000
)

// Pagination styles a sync follows; the catalog's next_link is not one.
const (
	pageNone   = "none"
	pageCursor = string(catalog.PaginateCursor)
	pageLink   = string(catalog.PaginateLinkHeader)
	pageOffset = string(catalog.PaginateOffset)
	pagePage   = string(catalog.PaginatePage)
)

// Sync is a connection's list endpoint fetched on a schedule. Its records
// are kept, and each new, changed or (in full mode) vanished record becomes a
// sync.record.created, sync.record.updated or sync.record.deleted message to
// the tenant's endpoints.
type Sync struct {
	ID           string `json:"id" doc:"The sync's ID."`
	TenantID     string `json:"tenant_id" doc:"The tenant of its connection."`
	ConnectionID string `json:"connection_id" doc:"The connection it reads through."`
	SyncConfig
	Mode            string `json:"mode" doc:"full (every run reads every record and notices deletions) or incremental (from a cursor)." enum:"full,incremental"`
	IntervalSeconds int    `json:"interval_seconds" doc:"Seconds between runs."`
	Paused          bool   `json:"paused" doc:"Whether scheduled runs are paused."`
	// Cursor is the incremental cursor the next run sends; null before the
	// first complete incremental run.
	Cursor *string `json:"cursor" doc:"The incremental cursor the next run sends; null before the first complete incremental run."`
	// ConsecutiveFailures counts failed runs since the last success; the
	// retry backoff grows with it.
	ConsecutiveFailures int        `json:"consecutive_failures" doc:"Counts failed runs since the last success; the retry backoff grows with it."`
	NextRunAt           time.Time  `json:"next_run_at" doc:"When the next run is due."`
	Running             bool       `json:"running" doc:"Whether a run is under way."`
	LastRunAt           *time.Time `json:"last_run_at" doc:"When the last run finished; null if none has."`
	LastError           string     `json:"last_error,omitempty" doc:"Why the last run failed, when it did."`
	CreatedAt           time.Time  `json:"created_at" doc:"When the sync was created."`
	UpdatedAt           time.Time  `json:"updated_at" doc:"When the sync last changed."`
}

// SyncConfig is what a sync fetches and how it reads the answers.
type SyncConfig struct {
	Request SyncRequest `json:"request" doc:"The provider request that lists the records."`
	// Records is a JSON pointer to the array of records in a response; ""
	// when the response is the array. Defaults to the provider's
	// pagination items pointer.
	Records string `json:"records" doc:"A JSON pointer to the array of records in a response; \"\" when the response is the array. Defaults to the provider's pagination items pointer."`
	// RecordID is a JSON pointer within a record to its ID, or the name of
	// one of its fields.
	RecordID   string         `json:"record_id" doc:"A JSON pointer within a record to its ID, or the name of one of its fields."`
	Pagination SyncPagination `json:"pagination" doc:"How to page the provider's list."`
	// Incremental says where the incremental cursor comes from and goes
	// (incremental mode only).
	Incremental *SyncIncrementalCursor `json:"incremental,omitempty" doc:"Incremental says where the incremental cursor comes from and goes (incremental mode only)."`
}

// SyncRequest is the request a sync makes for its first page.
type SyncRequest struct {
	// Method is GET (the default) or POST.
	Method string `json:"method" doc:"GET (the default) or POST."`
	// Path is appended to the provider's proxy base URL.
	Path  string            `json:"path" doc:"Appended to the provider's proxy base URL."`
	Query map[string]string `json:"query,omitempty" doc:"Parameters added to the request."`
	// Body is sent as JSON with POST.
	Body json.RawMessage `json:"body,omitempty" doc:"Sent as JSON with POST."`
}

// SyncPagination says how a sync walks pages. It defaults to the provider's
// catalog pagination.
type SyncPagination struct {
	// Style is cursor, link_header, offset, page or none.
	Style string `json:"style" doc:"Cursor, link_header, offset, page or none."`
	// CursorParam takes the next cursor, read from NextCursor (a pointer into
	// the response) or LastItemCursor (a pointer into the last record).
	CursorParam    string `json:"cursor_param,omitempty" doc:"Takes the next cursor, read from NextCursor (a pointer into the response) or LastItemCursor (a pointer into the last record)."`
	NextCursor     string `json:"next_cursor,omitempty" doc:"A JSON pointer to the next page's cursor in the response."`
	LastItemCursor string `json:"last_item_cursor,omitempty" doc:"A field of the last record that is the next page's cursor."`
	// OffsetParam counts records skipped; PageParam counts pages from 1.
	// Both stop at a page shorter than Limit.
	OffsetParam string `json:"offset_param,omitempty" doc:"Counts records skipped; PageParam counts pages from 1. Both stop at a page shorter than Limit."`
	PageParam   string `json:"page_param,omitempty" doc:"The query parameter carrying the cursor or page."`
	// LimitParam takes Limit, the page size asked for.
	LimitParam string `json:"limit_param,omitempty" doc:"Takes Limit, the page size asked for."`
	Limit      int    `json:"limit,omitempty" doc:"The page size to ask for."`
}

// SyncIncrementalCursor feeds an incremental sync's request parameter Param
// from the previous complete run: the largest value of the record field
// Field, or the value at Pointer in the last response that had one.
type SyncIncrementalCursor struct {
	Param   string `json:"param" doc:"The query parameter that carries the cursor."`
	Field   string `json:"field,omitempty" doc:"The record field whose largest value is the next cursor."`
	Pointer string `json:"pointer,omitempty" doc:"A JSON pointer to the next cursor in the response, instead of field."`
}

// SyncParams are a new sync's fields, or a patch's; nil is "not given".
type SyncParams struct {
	ConnectionID    *string                `json:"connection_id,omitempty" doc:"The connection to read through."`
	Request         *SyncRequest           `json:"request,omitempty" doc:"The provider request that lists the records."`
	Records         *string                `json:"records,omitempty" doc:"A JSON pointer to the records array in the response."`
	RecordID        *string                `json:"record_id,omitempty" doc:"A JSON pointer to each record's ID inside it."`
	Pagination      *SyncPagination        `json:"pagination,omitempty" doc:"How to page the provider's list, when it pages."`
	Mode            *string                `json:"mode,omitempty" doc:"full or incremental." enum:"full,incremental"`
	Incremental     *SyncIncrementalCursor `json:"incremental,omitempty" doc:"The cursor of the incremental mode."`
	IntervalSeconds *int                   `json:"interval_seconds,omitempty" doc:"Seconds between runs."`
	Paused          *bool                  `json:"paused,omitempty" doc:"Pauses or resumes scheduled runs."`
}

// fieldProblem checks a record field reference: a JSON pointer, or a name.
func fieldProblem(f string) string {
	switch {
	case f == "":
		return "is required"
	case len(f) > 200:
		return "must be at most 200 bytes"
	case strings.HasPrefix(f, "/") && !jsonptr.Valid(f):
		return "must be a field name or a JSON pointer such as /id (~ only as ~0 or ~1)"
	}
	return ""
}

func pointerProblem(p string) string {
	if len(p) > 200 || !jsonptr.Valid(p) {
		return `must be a JSON pointer such as /data, or "" for the whole response (~ only as ~0 or ~1)`
	}
	return ""
}

func paramProblem(name string) string {
	if name == "" || len(name) > 100 || hasControl(name) {
		return "must be a parameter name of 1 to 100 bytes"
	}
	return ""
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func (r SyncRequest) problems(p map[string]string) {
	switch r.Method {
	case http.MethodGet, http.MethodPost:
	default:
		p["request/method"] = "must be GET or POST"
	}
	switch {
	case !strings.HasPrefix(r.Path, "/") || len(r.Path) > 2000 || hasControl(r.Path) || strings.ContainsAny(r.Path, "?# "):
		p["request/path"] = "must be a path from 1 to 2000 bytes that starts with / and has no query (use request.query)"
	case strings.Contains("/"+r.Path+"/", "/../") || strings.Contains("/"+r.Path+"/", "/./"):
		p["request/path"] = "may not have . or .. segments"
	}
	if len(r.Query) > 50 {
		p["request/query"] = "may have at most 50 parameters"
	}
	for k, v := range r.Query {
		if paramProblem(k) != "" || len(v) > 2000 || hasControl(v) {
			p["request/query"] = "must map parameter names of 1 to 100 bytes to values of at most 2000 bytes"
		}
	}
	if r.Body != nil && r.Method != http.MethodPost {
		p["request/body"] = "is sent only with POST"
	}
}

func (pg SyncPagination) problems(p map[string]string) {
	need := func(field, v string) {
		if msg := paramProblem(v); msg != "" {
			p["pagination/"+field] = msg + " for the " + pg.Style + " style"
		}
	}
	switch pg.Style {
	case pageNone, pageLink:
	case pageCursor:
		need("cursor_param", pg.CursorParam)
		if (pg.NextCursor == "") == (pg.LastItemCursor == "") {
			p["pagination/next_cursor"] = "exactly one of next_cursor and last_item_cursor is required for the cursor style"
		}
	case pageOffset:
		need("offset_param", pg.OffsetParam)
		need("limit_param", pg.LimitParam)
	case pagePage:
		need("page_param", pg.PageParam)
		need("limit_param", pg.LimitParam)
	default:
		p["pagination/style"] = "must be cursor, link_header, offset, page or none"
	}
	for field, ptr := range map[string]string{"next_cursor": pg.NextCursor, "last_item_cursor": pg.LastItemCursor} {
		if ptr != "" && pointerProblem(ptr) != "" {
			p["pagination/"+field] = pointerProblem(ptr)
		}
	}
	if pg.LimitParam != "" && paramProblem(pg.LimitParam) != "" {
		p["pagination/limit_param"] = paramProblem(pg.LimitParam)
	}
	if pg.Limit < 0 || pg.Limit > syncPageSizeMax {
		p["pagination/limit"] = fmt.Sprintf("must be from 1 to %d", syncPageSizeMax)
	}
}

// defaultPagination is the provider's catalog pagination as a sync's.
func defaultPagination(p *catalog.Provider) (SyncPagination, error) {
	c := p.Pagination
	if c == nil {
		return SyncPagination{Style: pageNone}, nil
	}
	if c.Style == catalog.PaginateNextLink {
		return SyncPagination{}, errors.New("the provider pages by next_link, which syncs do not follow; give a pagination")
	}
	return SyncPagination{Style: string(c.Style), CursorParam: c.CursorParam, NextCursor: c.NextCursor, LastItemCursor: c.LastItemCursor,
		OffsetParam: c.OffsetParam, PageParam: c.PageParam, LimitParam: c.LimitParam}, nil
}

// apply sets the given fields of sp on s, and reports problems by field.
func (sp SyncParams) apply(s *Sync, p map[string]string) {
	if sp.Request != nil {
		s.Request = *sp.Request
		if s.Request.Method == "" {
			s.Request.Method = http.MethodGet
		}
		s.Request.problems(p)
	}
	if sp.Records != nil {
		s.Records = *sp.Records
		if msg := pointerProblem(s.Records); msg != "" {
			p["records"] = msg
		}
	}
	if sp.RecordID != nil {
		s.RecordID = *sp.RecordID
		if msg := fieldProblem(s.RecordID); msg != "" {
			p["record_id"] = msg
		}
	}
	if sp.Pagination != nil {
		s.Pagination = *sp.Pagination
		s.Pagination.problems(p)
	}
	if sp.Mode != nil {
		s.Mode = *sp.Mode
		if s.Mode == SyncFull && sp.Incremental == nil {
			s.Incremental = nil // a patch to full mode cannot send null for it
		}
	}
	if sp.Incremental != nil {
		inc := *sp.Incremental
		s.Incremental = &inc
	}
	if sp.IntervalSeconds != nil {
		s.IntervalSeconds = *sp.IntervalSeconds
	}
	if sp.Paused != nil {
		s.Paused = *sp.Paused
	}
	if s.Pagination.LimitParam != "" && s.Pagination.Limit == 0 {
		s.Pagination.Limit = SyncPageLimitDefault
	}
	switch s.Mode {
	case SyncFull:
		if s.Incremental != nil {
			p["incremental"] = "is only for the incremental mode"
		}
	case SyncIncremental:
		switch inc := s.Incremental; {
		case inc == nil:
			p["incremental"] = "is required for the incremental mode"
		default:
			if msg := paramProblem(inc.Param); msg != "" {
				p["incremental/param"] = msg
			}
			switch {
			case (inc.Field == "") == (inc.Pointer == ""):
				p["incremental/field"] = "exactly one of field and pointer is required"
			case inc.Field != "" && fieldProblem(inc.Field) != "":
				p["incremental/field"] = fieldProblem(inc.Field)
			case inc.Pointer != "" && pointerProblem(inc.Pointer) != "":
				p["incremental/pointer"] = pointerProblem(inc.Pointer)
			}
		}
	default:
		p["mode"] = "must be full or incremental"
	}
	if n := s.IntervalSeconds; n < int(SyncIntervalMin/time.Second) || n > int(SyncIntervalMax/time.Second) {
		p["interval_seconds"] = fmt.Sprintf("must be from %d (one minute) to %d (seven days)", int(SyncIntervalMin.Seconds()), int(SyncIntervalMax.Seconds()))
	}
}

// Create adds a sync on a connection. Records and pagination default to
// the provider's catalog definition; the first run is due at once. The
// sync.record.* event types join the event type catalogue with the first
// sync.
func (s *Service) Create(ctx context.Context, sp SyncParams) (Sync, error) {
	p := map[string]string{}
	if sp.ConnectionID == nil || *sp.ConnectionID == "" {
		p["connection_id"] = "is required"
	}
	if sp.Request == nil {
		p["request"] = "is required"
	}
	if sp.RecordID == nil {
		p["record_id"] = "is required"
	}
	sy := Sync{ID: id.New("sync"), Mode: SyncFull, IntervalSeconds: int(SyncIntervalDefault.Seconds())}
	if len(p) == 0 {
		c, err := s.connections.Connection(ctx, *sp.ConnectionID)
		if _, restricted := tenants.RestrictedTo(ctx); restricted && err != nil {
			return Sync{}, err // 404, as for every object outside the caller's tenant
		} else if apperr.CodeOf(err) == apperr.NotFound {
			p["connection_id"] = "no connection " + *sp.ConnectionID
		} else if err != nil {
			return Sync{}, err
		}
		sy.ConnectionID, sy.TenantID = c.ID, c.TenantID
		if prov, ok := s.catalog.Get(c.Provider.ID); ok && err == nil {
			if prov.Pagination != nil {
				sy.Records = prov.Pagination.Items
			}
			if sp.Pagination == nil {
				pg, err := defaultPagination(prov)
				if err != nil {
					p["pagination"] = err.Error()
				}
				sy.Pagination = pg
			}
		} else if err == nil {
			p["connection_id"] = "its provider " + c.Provider.ID + " is no longer in the catalog"
		}
	}
	sp.apply(&sy, p)
	if len(p) > 0 {
		return Sync{}, apperr.InvalidFields(p)
	}
	config, err := json.Marshal(sy.SyncConfig)
	if err != nil {
		return Sync{}, err
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		sy.CreatedAt, sy.UpdatedAt, sy.NextRunAt = tx.Now(), tx.Now(), tx.Now()
		err := syncInsert(ctx, tx, sy, string(config))
		if err != nil || s.publisher == nil {
			return err
		}
		return s.publisher.DeclareEventTypesTx(ctx, tx, syncEventTypes)
	})
	if err != nil {
		return Sync{}, fmt.Errorf("create sync: %w", err)
	}
	return sy, nil
}

func (s *Service) sync(ctx context.Context, q store.Querier, syncID string) (Sync, error) {
	sy, err := syncGet(ctx, q, syncID, s.db.Now())
	if errors.Is(err, sql.ErrNoRows) || err == nil && !tenants.Visible(ctx, sy.TenantID) {
		return Sync{}, apperr.Errorf(apperr.NotFound, "sync %s not found", syncID)
	}
	return sy, err
}

// Get returns a sync.
func (s *Service) Get(ctx context.Context, syncID string) (Sync, error) {
	return s.sync(ctx, s.db, syncID)
}

// Filter narrows a list; empty fields do not filter.
type Filter struct {
	TenantID, ConnectionID string
}

// List returns a page of syncs ordered by ID.
func (s *Service) List(ctx context.Context, f Filter, page httpapi.Page) ([]Sync, error) {
	var err error
	if f.TenantID, err = tenants.Own(ctx, f.TenantID); err != nil {
		return nil, err
	}
	list, err := syncsList(ctx, s.db, page.After, f.TenantID, f.ConnectionID, page.Limit+1, s.db.Now())
	if err != nil {
		return nil, fmt.Errorf("list syncs: %w", err)
	}
	return list, nil
}

// Update changes a sync. A change to what it fetches or how it reads the
// answers forgets the incremental cursor, so the next run starts over;
// resuming a paused sync makes it due at once.
func (s *Service) Update(ctx context.Context, syncID string, sp SyncParams) (Sync, error) {
	if sp.ConnectionID != nil {
		return Sync{}, apperr.InvalidFields(map[string]string{"connection_id": "cannot change; create another sync"})
	}
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Sync, error) {
		// A run's finish writes the row too: one waits for the other.
		if err := tx.LockRow(ctx, "syncs", "id", syncID); err != nil {
			return Sync{}, err
		}
		sy, err := s.sync(ctx, tx, syncID)
		if err != nil {
			return Sync{}, err
		}
		before, _ := json.Marshal(sy.SyncConfig)
		wasPaused, oldMode := sy.Paused, sy.Mode
		p := map[string]string{}
		sp.apply(&sy, p)
		if len(p) > 0 {
			return Sync{}, apperr.InvalidFields(p)
		}
		config, err := json.Marshal(sy.SyncConfig)
		if err != nil {
			return Sync{}, err
		}
		if string(config) != string(before) || sy.Mode != oldMode {
			if sy.Running {
				// The run would finish with a cursor, and deletions, of what
				// the sync used to fetch.
				return Sync{}, apperr.Errorf(apperr.Conflict, "sync %s is running; change what it fetches once the run has finished", sy.ID)
			}
			sy.Cursor = nil
		}
		if wasPaused && !sy.Paused {
			sy.NextRunAt = tx.Now()
		}
		if soonest := tx.Now().Add(time.Duration(sy.IntervalSeconds) * time.Second); sy.NextRunAt.After(soonest) {
			sy.NextRunAt = soonest
		}
		sy.UpdatedAt = tx.Now()
		return sy, syncUpdate(ctx, tx, sy, string(config))
	})
}

// Delete deletes a sync with its runs and records. A run in progress
// notices at its next page and stops.
func (s *Service) Delete(ctx context.Context, syncID string) error {
	if _, err := s.sync(ctx, s.db, syncID); err != nil { // another tenant's is not found
		return err
	}
	deleted, err := syncDelete(ctx, s.db, syncID)
	if err != nil {
		return fmt.Errorf("delete sync: %w", err)
	}
	if !deleted {
		return apperr.Errorf(apperr.NotFound, "sync %s not found", syncID)
	}
	return nil
}

// SyncRun is one run of a sync.
type SyncRun struct {
	ID     string `json:"id" doc:"The run's ID."`
	SyncID string `json:"sync_id" doc:"The sync it belongs to."`
	// Status is running, succeeded or failed.
	Status string `json:"status" enum:"running,succeeded,failed" doc:"The run's state: running, succeeded or failed."`
	// Reason is schedule (due by its interval or a retry) or manual (the run
	// call).
	Reason     string     `json:"reason" doc:"Schedule (due by its interval or a retry) or manual (the run call)."`
	Pages      int        `json:"pages" doc:"Read."`
	Created    int        `json:"created" doc:"Records seen for the first time."`
	Updated    int        `json:"updated" doc:"Records that changed."`
	Deleted    int        `json:"deleted" doc:"Records found gone."`
	Unchanged  int        `json:"unchanged" doc:"Records that did not change."`
	Error      string     `json:"error,omitempty" doc:"Why the run failed, when it did."`
	StartedAt  time.Time  `json:"started_at" doc:"When the run started."`
	FinishedAt *time.Time `json:"finished_at" doc:"When the run finished; null while it runs."`
}

// ListRuns returns a page of a sync's runs, newest first. Only the
// newest syncRunsKept are kept.
func (s *Service) ListRuns(ctx context.Context, syncID string, page httpapi.Page) ([]SyncRun, error) {
	if _, err := s.sync(ctx, s.db, syncID); err != nil {
		return nil, err
	}
	list, err := syncRunsList(ctx, s.db, syncID, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list sync runs: %w", err)
	}
	return list, nil
}

// SyncRecord is a record as the sync last saw it.
type SyncRecord struct {
	ID   string          `json:"id" doc:"The record's ID at the provider."`
	Data json.RawMessage `json:"data" doc:"The record as the provider last returned it."`
	// Hash is the hex SHA-256 of Data, which is canonical JSON.
	Hash        string     `json:"hash" doc:"The hex SHA-256 of Data, which is canonical JSON."`
	FirstSeenAt time.Time  `json:"first_seen_at" doc:"When a run first saw the record."`
	UpdatedAt   time.Time  `json:"updated_at" doc:"When a run last saw it change."`
	DeletedAt   *time.Time `json:"deleted_at" doc:"When a full run found it gone; null while it exists."`
}

// ListRecords returns a page of a sync's records ordered by ID, deleted
// ones included; with changedSince, only those created, changed or deleted
// at or after it.
func (s *Service) ListRecords(ctx context.Context, syncID string, changedSince time.Time, page httpapi.Page) ([]SyncRecord, error) {
	if _, err := s.sync(ctx, s.db, syncID); err != nil {
		return nil, err
	}
	list, err := syncRecordsList(ctx, s.db, syncID, page.After, changedSince, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list sync records: %w", err)
	}
	return list, nil
}
