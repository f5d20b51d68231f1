// Package audit keeps the admin API's audit log: who (the API key) changed
// what (method, route, object) when, from which address, and with what
// outcome. Rows are only ever added, by the middleware after a change, and
// removed by the retention job; nothing updates them (the table refuses
// UPDATE too). They hold no request or response body, no query string and no
// secret.
package audit

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// RetentionDefault is how long events are kept unless configured otherwise.
const RetentionDefault = 90 * 24 * time.Hour

// Event is one change attempted through the admin API.
type Event struct {
	ID         string    `json:"id" doc:"The audit event's ID."`
	OccurredAt time.Time `json:"occurred_at" doc:"When the change was made."`
	// APIKeyID is who made the change: an admin API key's ID, or an embed
	// token's (emb_…) for changes made from an embedded component.
	APIKeyID string `json:"api_key_id" doc:"Who made the change: an admin API key's ID, or an embed token's (emb_…) for changes made from an embedded component."`
	// UserID is the SaaS's user an embed token was minted for; empty for
	// API keys.
	UserID string `json:"user_id,omitempty" doc:"The SaaS's user an embed token was minted for; empty for API keys."`
	Method string `json:"method" doc:"The HTTP method of the request that made the change."`
	// Route is the matched route's path pattern, such as
	// "/v1/tenants/{tenant_id}/endpoints".
	Route string `json:"route" doc:"The matched route's path pattern, such as \"/v1/tenants/{tenant_id}/endpoints\"."`
	// ObjectID is the object changed: the ID of the object a create made, or
	// else the route's last ID parameter; empty when the route has none.
	ObjectID string `json:"object_id" doc:"The object changed: the ID of the object a create made, or else the route's last ID parameter; empty when the route has none."`
	// PathIDs are the route's ID parameters, such as tenant_id beside an
	// endpoint_id.
	PathIDs map[string]string `json:"path_ids" doc:"The route's ID parameters, such as tenant_id beside an endpoint_id."`
	Status  int               `json:"status" doc:"The HTTP status Patchbay answered the request with."`
	// Outcome is "success" (a status below 400) or "failure".
	Outcome string `json:"outcome" enum:"success,failure" doc:"\"success\" (a status below 400) or \"failure\"."`
	// ProblemType is the problem+json type Patchbay answered a failure with;
	// empty for successes and for failures passed through from a provider.
	ProblemType string `json:"problem_type,omitempty" doc:"The problem+json type Patchbay answered a failure with; empty for successes and for failures passed through from a provider."`
	// Replayed marks a response served again for a repeated Idempotency-Key:
	// the change itself happened at the first request.
	Replayed  bool   `json:"replayed" doc:"Marks a response served again for a repeated Idempotency-Key: the change itself happened at the first request."`
	RequestID string `json:"request_id" doc:"The request's ID, as in the X-Request-Id response header and the logs."`
	ClientIP  string `json:"client_ip" doc:"The client address the request came from."`
}

// Outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

func outcomeOf(status int) string {
	if status >= 400 {
		return OutcomeFailure
	}
	return OutcomeSuccess
}

// Log is the audit log.
type Log struct {
	db     *store.DB
	logger *slog.Logger

	// Events wait in batch for at most flushDelay, so that the requests of
	// a busy moment share one transaction: a commit per request, or per
	// group of concurrent requests, doubled the database's work on the hot
	// path (publishing) and its latency.
	mu    sync.Mutex
	batch []Event
	timer *time.Timer // the scheduled flush, nil when none is
}

// eventsPerCommit bounds how many events one transaction inserts.
const eventsPerCommit = 256

// flushDelay is the longest an event waits to be written.
const flushDelay = 25 * time.Millisecond

// NewLog returns the audit log kept in db; logger reports events that could
// not be written.
func NewLog(db *store.DB, logger *slog.Logger) *Log {
	return &Log{db: db, logger: logger}
}

// insert writes a group of events in one transaction; on SQLite the
// transaction is also shared with other writers' (WithGroupTx).
func (l *Log) insert(ctx context.Context, events []Event) error {
	return l.db.WithGroupTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		return eventsInsert(ctx, tx, events)
	})
}

// Add queues e to be written within flushDelay, with the events of other
// requests. A failure to write is logged, event by event.
func (l *Log) Add(e Event) {
	if e.PathIDs == nil {
		e.PathIDs = map[string]string{}
	}
	l.mu.Lock()
	l.batch = append(l.batch, e)
	full := len(l.batch) >= eventsPerCommit
	if l.timer == nil && !full {
		l.timer = time.AfterFunc(flushDelay, func() { l.Flush(context.Background()) }) //nolint:errcheck // Flush logs its failures
	}
	l.mu.Unlock()
	if full {
		go l.Flush(context.Background()) //nolint:errcheck // Flush logs its failures
	}
}

// Flush writes every queued event now: on shutdown, once no request is left
// to add one.
func (l *Log) Flush(ctx context.Context) error {
	l.mu.Lock()
	batch := l.batch
	l.batch = nil
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := l.insert(context.WithoutCancel(ctx), batch); err != nil {
		for _, e := range batch {
			l.logger.Error("audit event not recorded", "error", err, "request_id", e.RequestID, "route", e.Route)
		}
		return fmt.Errorf("record %d audit events: %w", len(batch), err)
	}
	return nil
}

// Filter narrows a list of events; zero fields do not filter.
type Filter struct {
	APIKeyID string
	ObjectID string
	Route    string
	Method   string
	// Outcome is OutcomeSuccess or OutcomeFailure.
	Outcome string
	Status  int
	Since   time.Time
	Until   time.Time
}

// List returns events newest first (by ID, which sorts by the millisecond it
// was made in).
func (l *Log) List(ctx context.Context, f Filter, page httpapi.Page) ([]Event, error) {
	list, err := eventsList(ctx, l.db, f, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return list, nil
}

// RetentionArgs is the periodic job that deletes events older than the
// retention period.
type RetentionArgs struct{}

// Kind is the job's stable name.
func (RetentionArgs) Kind() string { return "audit_retention" }

// RetentionWorker deletes old events in batches, so a run never holds the
// writer long. It is the only thing that removes events.
type RetentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	DB *store.DB
	// Retention is how long events are kept; zero means RetentionDefault.
	Retention time.Duration
}

// retentionBatch is how many events one delete removes.
const retentionBatch = 1000

// Work deletes every event past the retention period.
func (w *RetentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	if err := eventsDeleteBefore(ctx, w.DB, w.DB.Now().Add(-cmp.Or(w.Retention, RetentionDefault))); err != nil {
		return fmt.Errorf("audit retention: %w", err)
	}
	return nil
}
