package syncs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/retry"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// Event types of sync messages. Patchbay defines them: their payloads are
// {type, sync_id, connection_id, run_id, record_id, data}, where data is the
// record as fetched (for a delete, as last seen).
const (
	EventSyncRecordCreated = "sync.record.created"
	EventSyncRecordUpdated = "sync.record.updated"
	EventSyncRecordDeleted = "sync.record.deleted"
)

// syncEventTypes are declared in the event type catalogue when a sync is
// created.
var syncEventTypes = []webhooks.EventType{
	syncEventType(EventSyncRecordCreated, "A sync found a new record, or one back after it was deleted"),
	syncEventType(EventSyncRecordUpdated, "A sync found a record changed"),
	syncEventType(EventSyncRecordDeleted, "A full sync's complete run no longer found a record; data is the record as last seen"),
}

func syncEventType(name, description string) webhooks.EventType {
	schema := fmt.Sprintf(`{"type": "object", "required": ["type", "sync_id", "connection_id", "run_id", "record_id", "data"],
		"properties": {"type": {"const": %q}, "sync_id": {"type": "string"}, "connection_id": {"type": "string"},
		"run_id": {"type": "string"}, "record_id": {"type": "string"}, "data": {}}}`, name)
	return webhooks.EventType{Name: name, Description: description, Schema: json.RawMessage(schema)}
}

const (
	// syncPagesMax bounds one run, so a paginator that never ends (or a
	// provider that keeps answering "more") cannot keep a run going forever.
	syncPagesMax = 1000
	// syncRunTimeout bounds one run; it is shorter than the job timeout,
	// which is shorter than River's rescue delay.
	syncRunTimeout = 3 * time.Minute
	// syncLeaseTTL is how long a run's claim lasts without renewal. Every
	// page renews it, so it must outlast one page's fetch (syncFetchTimeout,
	// retries and rate waits included); a node that dies mid-run delays the
	// sync this long.
	syncLeaseTTL = syncFetchTimeout + 2*time.Minute
	// syncTickBatch bounds the run jobs one tick queues.
	syncTickBatch = 100
	// syncRetryBase is the first retry's delay after a failure; it doubles
	// per consecutive failure up to the sync's interval.
	syncRetryBase = 30 * time.Second
	// syncRunsKept is how many runs per sync are kept.
	syncRunsKept = 100
)

// Run statuses.
const (
	runRunning   = "running"
	runSucceeded = "succeeded"
	runFailed    = "failed"
)

// Run makes a sync due now and queues a run of it, which starts within
// moments on a worker. Paused syncs run too: pausing stops only the
// schedule. A sync running now is a 409.
func (s *Service) Run(ctx context.Context, syncID string) (Sync, error) {
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Sync, error) {
		sy, err := s.sync(ctx, tx, syncID)
		if err != nil {
			return Sync{}, err
		}
		if sy.Running {
			return Sync{}, apperr.Errorf(apperr.Conflict, "sync %s is running now", syncID)
		}
		sy.NextRunAt = tx.Now()
		if err := syncSetNextRun(ctx, tx, sy.ID, sy.NextRunAt); err != nil {
			return Sync{}, err
		}
		_, err = s.jobs.InsertTx(ctx, tx.Tx, RunArgs{SyncID: sy.ID, Manual: true}, nil)
		return sy, err
	})
}

// Run reasons.
const (
	reasonSchedule = "schedule"
	reasonManual   = "manual"
)

// claim takes the lease of a due sync for owner and starts its run; a
// scheduled run also needs the sync not paused. The conditional update is
// what makes exactly one node run a sync: the others find the lease taken.
func (s *Service) claim(ctx context.Context, syncID, owner, reason string) (Sync, SyncRun, bool, error) {
	var sy Sync
	var run SyncRun
	claimed := false
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		taken, err := syncLease.Take(ctx, tx, syncID, owner, syncLeaseTTL, false, "(paused = ? OR ?) AND next_run_at <= ?",
			false, reason == reasonManual, tx.Now())
		if err != nil || !taken {
			return err
		}
		if sy, err = s.sync(ctx, tx, syncID); err != nil {
			return err
		}
		// A run left running by a node that died before its lease ran out.
		if err := syncRunsAbandon(ctx, tx, syncID); err != nil {
			return err
		}
		run = SyncRun{ID: id.New("run"), SyncID: syncID, Status: runRunning, Reason: reason, StartedAt: tx.Now()}
		claimed = true
		return syncRunInsert(ctx, tx, run)
	})
	return sy, run, claimed, err
}

// scheduleDue queues a run job for each due sync of a live tenant, oldest
// due first, at most syncTickBatch. The jobs claim their syncs when they
// start; one for a sync another node is running finds it leased and does
// nothing.
func (s *Service) scheduleDue(ctx context.Context) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		queued := 0
		var afterNext time.Time
		var afterID string
		for queued < syncTickBatch {
			due, err := syncsDue(ctx, tx, tx.Now(), afterNext, afterID, syncTickBatch)
			if err != nil {
				return fmt.Errorf("due syncs: %w", err)
			}
			if len(due) == 0 {
				return nil
			}
			// A deleted tenant's syncs wait for its purge, which removes
			// them; they must not crowd out the live tenants' meanwhile.
			tenantIDs := make([]string, len(due))
			for i, d := range due {
				tenantIDs[i] = d.tenantID
			}
			live, err := tenants.Live(ctx, tx, tenantIDs)
			if err != nil {
				return err
			}
			for _, d := range due {
				if !live[d.tenantID] {
					continue
				}
				if queued == syncTickBatch {
					return nil
				}
				if _, err := s.jobs.InsertTx(ctx, tx.Tx, RunArgs{SyncID: d.id}, nil); err != nil {
					return err
				}
				queued++
			}
			if len(due) < syncTickBatch {
				return nil
			}
			last := due[len(due)-1]
			afterNext, afterID = last.nextRunAt, last.id
		}
		return nil
	})
}

// runOne runs one sync if it is still due. It reports whether the sync was
// leased by another run, for a run call to try again later.
func (s *Service) runOne(ctx context.Context, syncID, reason string) (busy bool, err error) {
	owner := leaseOwner(s.cfg.Node)
	sy, run, ok, err := s.claim(ctx, syncID, owner, reason)
	if err != nil || ok {
		if ok {
			s.execute(ctx, sy, run, owner)
		}
		return false, err
	}
	leased, err := syncLeased(ctx, s.db, syncID, s.db.Now())
	if errors.Is(err, sql.ErrNoRows) { // deleted meanwhile
		return false, nil
	}
	return leased, err
}

// runState is what a run has learnt so far.
type runState struct {
	sy     Sync
	conn   connect.Connection
	run    SyncRun
	owner  string
	cursor *cursorValue // the largest incremental cursor seen
}

// execute runs a claimed sync to its end and records the outcome.
//
// Each page is committed in a transaction of its own: its new and changed
// records, their messages, and the run's counts. What a page commits is true
// whatever happens later (the provider did answer so), and a later run that
// sees the same records finds them unchanged, so a failure mid-run neither
// loses nor repeats a message. What depends on the run being complete waits
// for its end and commits there in one transaction: full-mode deletes
// (records the run did not see) and the incremental cursor. A failed run
// commits neither, so it never deletes wrongly and the next run starts from
// the old cursor. Every transaction first renews the lease, and stops if
// another node holds it.
func (s *Service) execute(ctx context.Context, sy Sync, run SyncRun, owner string) {
	ctx, cancel := context.WithTimeout(ctx, syncRunTimeout)
	defer cancel()
	st := &runState{sy: sy, run: run, owner: owner}
	err := func() (err error) {
		defer func() {
			if v := recover(); v != nil { // recorded as the run's failure, not left holding the lease
				s.logger.Error("a sync run panicked", "sync_id", sy.ID, "run_id", run.ID, "panic", v, "stack", string(debug.Stack()))
				err = errors.New("internal error in the sync run")
			}
		}()
		if err := s.walk(ctx, st); err != nil {
			return err
		}
		return s.finish(ctx, st)
	}()
	if err != nil {
		// Record the failure even when ctx ended (a shutdown), so the lease
		// is released and the error shown.
		failCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if ferr := s.failRun(failCtx, st, err); ferr != nil {
			s.logger.Warn("recording a failed sync run failed", "sync_id", sy.ID, "run_id", run.ID, "error", ferr)
		}
	}
}

// delivered wakes this node's dispatcher for endpoints that were just given
// deliveries.
func (s *Service) delivered(endpointIDs []string) {
	if s.publisher != nil && len(endpointIDs) > 0 {
		s.publisher.Delivered(endpointIDs)
	}
}

// errLeaseLost stops a run whose sync was deleted or claimed by another node.
var errLeaseLost = errors.New("the sync was deleted, or its lease passed to another node")

// walk fetches every page and commits each.
func (s *Service) walk(ctx context.Context, st *runState) error {
	c, err := s.connections.Connection(ctx, st.sy.ConnectionID)
	if err != nil {
		return err
	}
	if c.Status != connect.StatusActive {
		return fmt.Errorf("connection %s needs the user to connect again (status %s); the sync cannot run until then", c.ID, c.Status)
	}
	st.conn = c
	p, err := s.catalog.Provider(c.Provider.ID)
	if err != nil {
		return err
	}
	base, err := syncBaseURL(p, c)
	if err != nil {
		return err
	}
	cfg, pg := st.sy.SyncConfig, st.sy.SyncConfig.Pagination
	path := cfg.Request.Path
	query := url.Values{}
	for k, v := range cfg.Request.Query {
		query.Set(k, v)
	}
	if inc := cfg.Incremental; st.sy.Mode == SyncIncremental && st.sy.Cursor != nil {
		query.Set(inc.Param, *st.sy.Cursor)
	}
	if pg.LimitParam != "" {
		query.Set(pg.LimitParam, strconv.Itoa(pg.Limit))
	}
	var body []byte
	if cfg.Request.Method == http.MethodPost {
		body = []byte(cmp.Or(string(cfg.Request.Body), "{}"))
	}
	seen := map[string]bool{} // cursors and links already followed
	offset, pageNo := 0, 1
	if pg.Style == pagePage {
		query.Set(pg.PageParam, "1")
	}
	for page := 1; ; page++ {
		if page > syncPagesMax {
			return fmt.Errorf("stopped after %d pages: the pagination does not end", syncPagesMax)
		}
		resp, err := s.syncFetch(ctx, c, cfg.Request.Method, path, query, body)
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		if resp.status < 200 || resp.status > 299 {
			return fmt.Errorf("page %d: the provider answered %d", page, resp.status)
		}
		doc, err := decodeJSON(resp.body)
		if err != nil {
			return fmt.Errorf("page %d: the response is not JSON", page)
		}
		records, err := extractRecords(doc, cfg.Records, cfg.RecordID)
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		st.observeCursor(doc, records)
		if err := s.commitPage(ctx, st, records); err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}

		// Where is the next page?
		var next string
		switch pg.Style {
		case pageNone:
			return nil
		case pageCursor:
			var v any
			var ok bool
			if pg.NextCursor != "" {
				v, ok = jsonptr.Lookup(doc, pg.NextCursor)
			} else if len(records) > 0 {
				v, ok = jsonptr.Lookup(records[len(records)-1].doc, pg.LastItemCursor)
			}
			if !ok || v == nil {
				return nil
			}
			if next, ok = scalarString(v); !ok {
				return fmt.Errorf("page %d: the next cursor is not a string or number", page)
			}
			if next == "" {
				return nil
			}
			query.Set(pg.CursorParam, next)
		case pageLink:
			reqURL, err := url.Parse(base + path + "?" + query.Encode())
			if err != nil { // err quotes the URL, whose query came from the provider
				return fmt.Errorf("page %d: the request URL is not valid", page)
			}
			if next, err = nextLink(resp.header.Values("Link"), reqURL); err != nil {
				return fmt.Errorf("page %d: %w", page, err)
			}
			if next == "" {
				return nil
			}
			if path, query, err = underBase(base, next); err != nil {
				return fmt.Errorf("page %d: %w", page, err)
			}
		case pageOffset, pagePage:
			// Only an empty page ends the list: a provider may cap its pages
			// below the limit asked for, and a short page taken for the last
			// would make a full run delete everything after it.
			if len(records) == 0 {
				return nil
			}
			offset += len(records)
			pageNo++
			if pg.Style == pageOffset {
				next = strconv.Itoa(offset)
				query.Set(pg.OffsetParam, next)
			} else {
				next = strconv.Itoa(pageNo)
				query.Set(pg.PageParam, next)
			}
		}
		if seen[next] { // not quoted: a link may hold a credential
			return fmt.Errorf("page %d: the pagination repeats itself (its next page was already fetched)", page)
		}
		seen[next] = true
	}
}

// underBase splits a next link into a path under the base URL and a query,
// refusing links elsewhere: the connection's credentials go with the request.
func underBase(base, link string) (string, url.Values, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", nil, errors.New("the next link is not a URL")
	}
	q := u.Query()
	u.RawQuery, u.Fragment = "", ""
	rest, ok := strings.CutPrefix(u.String(), base)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		return "", nil, errors.New("the next link leads outside the provider's base URL")
	}
	return rest, q, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// observeCursor keeps the incremental cursor the run would advance to.
func (st *runState) observeCursor(doc any, records []record) {
	inc := st.sy.Incremental
	if st.sy.Mode != SyncIncremental || inc == nil {
		return
	}
	consider := func(v any) {
		if c, ok := newCursorValue(v); ok && (st.cursor == nil || c.after(*st.cursor)) {
			st.cursor = &c
		}
	}
	if inc.Pointer != "" {
		if v, ok := jsonptr.Lookup(doc, inc.Pointer); ok {
			if c, ok := newCursorValue(v); ok {
				st.cursor = &c // the latest response's value, not the largest
			}
		}
		return
	}
	ptr := fieldPointer(inc.Field)
	for _, r := range records {
		if v, ok := jsonptr.Lookup(r.doc, ptr); ok {
			consider(v)
		}
	}
}

// fence renews the run's lease, failing if the run no longer holds it.
func (s *Service) fence(ctx context.Context, tx *store.Tx, st *runState) error {
	held, err := syncLease.Extend(ctx, tx, st.sy.ID, st.owner, syncLeaseTTL)
	if err != nil {
		return err
	}
	if !held {
		return errLeaseLost
	}
	return nil
}

// storedRecord is what the diff needs of a stored record.
type storedRecord struct {
	hash      []byte
	deleted   bool
	seenRunID string
}

// commitPage writes a page's new and changed records, marks the rest as seen
// by this run, and publishes their messages, in one transaction.
func (s *Service) commitPage(ctx context.Context, st *runState, records []record) error {
	var run SyncRun
	var endpoints []string
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		run = st.run
		if err := s.fence(ctx, tx, st); err != nil {
			return err
		}
		stored, err := syncRecordsStored(ctx, tx, st.sy.ID, records)
		if err != nil {
			return err
		}
		var msgs []webhooks.MessageIn
		var unchanged []string
		last := make(map[string]int, len(records)) // the last copy of an ID in a page wins
		for i, r := range records {
			last[r.id] = i
		}
		for i, r := range records { // in the provider's order
			if last[r.id] != i {
				continue
			}
			old, exists := stored[r.id]
			var event string
			switch {
			case !exists:
				err = syncRecordInsert(ctx, tx, st.sy.ID, run.ID, r)
				event = EventSyncRecordCreated
				run.Created++
			case old.deleted || string(old.hash) != string(r.hash):
				err = syncRecordReplace(ctx, tx, st.sy.ID, run.ID, r)
				event = EventSyncRecordUpdated
				if old.deleted { // back after a delete: new to the receiver
					event = EventSyncRecordCreated
					run.Created++
				} else {
					run.Updated++
				}
			case old.seenRunID == run.ID: // on an earlier page of this run too: counted there
				continue
			default:
				unchanged = append(unchanged, r.id)
				run.Unchanged++
				continue
			}
			if err != nil {
				return err
			}
			msgs = append(msgs, s.recordMessage(st, run.ID, event, r.id, r.data))
		}
		if err := syncRecordsMarkSeen(ctx, tx, st.sy.ID, run.ID, unchanged); err != nil {
			return err
		}
		if endpoints, err = s.publish(ctx, tx, st.sy.TenantID, msgs); err != nil {
			return err
		}
		run.Pages++
		return syncRunCountPage(ctx, tx, run)
	})
	if err != nil {
		return err
	}
	st.run = run
	s.delivered(endpoints)
	return nil
}

func (s *Service) recordMessage(st *runState, runID, event, recordID string, data []byte) webhooks.MessageIn {
	payload, _ := json.Marshal(map[string]any{
		"type": event, "sync_id": st.sy.ID, "connection_id": st.sy.ConnectionID, "run_id": runID,
		"record_id": recordID, "data": json.RawMessage(data),
	})
	return webhooks.MessageIn{EventType: event, Payload: payload}
}

func (s *Service) publish(ctx context.Context, tx *store.Tx, tenantID string, msgs []webhooks.MessageIn) ([]string, error) {
	if s.publisher == nil || len(msgs) == 0 {
		return nil, nil
	}
	return s.publisher.PublishTx(ctx, tx, tenantID, msgs)
}

// finish commits what needs a complete run: in full mode the deletes of
// records the run did not see, in incremental mode the new cursor; then the
// run's success, the next run's time, and the lease's release.
func (s *Service) finish(ctx context.Context, st *runState) error {
	if st.sy.Mode == SyncFull {
		if err := s.deleteUnseen(ctx, st); err != nil {
			return err
		}
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := s.fence(ctx, tx, st); err != nil {
			return err
		}
		cursor := st.sy.Cursor
		if st.sy.Mode != SyncFull && st.cursor != nil {
			cursor = &st.cursor.text
		}
		next := tx.Now().Add(time.Duration(st.sy.IntervalSeconds) * time.Second)
		if err := syncSucceed(ctx, tx, st.sy.ID, cursor, next); err != nil {
			return err
		}
		if err := syncRunSucceed(ctx, tx, st.run.ID, st.run.Deleted); err != nil {
			return err
		}
		return syncRunsPrune(ctx, tx, st.sy.ID, syncRunsKept)
	})
}

// syncDeleteChunk bounds the deletes (and their messages) one transaction of
// a run's end holds.
const syncDeleteChunk = 500

// deleteUnseen marks deleted, with their messages, the records a complete
// full run did not see, a chunk per transaction so that memory stays bounded
// however many went. Each chunk is true on its own (the complete listing
// lacked those records): a failure part way leaves the rest to the next
// complete run.
func (s *Service) deleteUnseen(ctx context.Context, st *runState) error {
	if st.run.Created+st.run.Updated+st.run.Unchanged == 0 {
		live, err := syncRecordsCountLive(ctx, s.db, st.sy.ID)
		if err != nil {
			return err
		}
		if live > 0 {
			// An empty answer is more often a changed endpoint, a lost
			// permission or a provider's bad day than a cleared account.
			return fmt.Errorf("the provider listed no records at all; the %d stored are not deleted (if they are really gone, delete the sync and create it again)", live)
		}
	}
	for {
		var endpoints []string
		var deleted int
		err := s.db.WithTx(ctx, func(tx *store.Tx) error {
			if err := s.fence(ctx, tx, st); err != nil {
				return err
			}
			unseen, err := syncRecordsUnseen(ctx, tx, st.sy.ID, st.run.ID, syncDeleteChunk)
			if err != nil || len(unseen) == 0 {
				return err
			}
			msgs := make([]webhooks.MessageIn, len(unseen))
			for i, r := range unseen {
				msgs[i] = s.recordMessage(st, st.run.ID, EventSyncRecordDeleted, r.id, r.data)
			}
			// The chunk is every unseen record up to the last one read (the
			// lease keeps other writers out).
			if err := syncRecordsDeleteUnseenThrough(ctx, tx, st.sy.ID, st.run.ID, unseen[len(unseen)-1].id); err != nil {
				return err
			}
			if endpoints, err = s.publish(ctx, tx, st.sy.TenantID, msgs); err != nil {
				return err
			}
			deleted = len(msgs)
			return syncRunCountDeleted(ctx, tx, st.run.ID, st.run.Deleted+deleted)
		})
		if err != nil {
			return err
		}
		st.run.Deleted += deleted
		s.delivered(endpoints)
		if deleted < syncDeleteChunk {
			return nil
		}
	}
}

// failRun records a failed run and schedules a retry with backoff. The cursor
// stays where the last complete run left it.
func (s *Service) failRun(ctx context.Context, st *runState, cause error) error {
	msg := truncate(cause.Error(), 1000)
	if errors.Is(cause, errLeaseLost) {
		// Another node owns the sync now (or it is gone): only the run is ours.
		return syncRunFail(ctx, s.db, st.run.ID, msg, s.db.Now())
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		failures := st.sy.ConsecutiveFailures + 1
		interval := time.Duration(st.sy.IntervalSeconds) * time.Second
		delay := retryDelay(failures, interval)
		if st.conn.ID == "" || st.conn.Status != connect.StatusActive {
			delay = interval // nothing to retry soon: the user must act
		}
		if err := syncFail(ctx, tx, st.sy.ID, st.owner, failures, tx.Now().Add(delay), msg); err != nil {
			return err
		}
		if err := syncRunFail(ctx, tx, st.run.ID, msg, tx.Now()); err != nil {
			return err
		}
		return syncRunsPrune(ctx, tx, st.sy.ID, syncRunsKept)
	})
}

// retryDelay is the wait before retrying after the nth consecutive failure:
// syncRetryBase doubling per failure, capped at the interval (retrying later
// than the next scheduled run would be pointless), with jitter in its upper
// half so syncs that failed together do not retry together.
func retryDelay(n int, interval time.Duration) time.Duration {
	return retry.Policy{Base: syncRetryBase, Cap: interval, Jitter: retry.Upper}.Delay(n)
}

// Queue is the River queue sync runs work in, apart from the default
// queue so that long runs never hold up other jobs; QueueWorkers bounds
// the runs one node works at once.
const (
	Queue        = "syncs"
	QueueWorkers = 4
)

// TickArgs is the periodic job that queues runs of due syncs.
type TickArgs struct{}

// Kind is the job's stable name; it predates the syncs package, and jobs
// already queued under it must still find their worker.
func (TickArgs) Kind() string { return "connect_sync_tick" }

// TickWorker works TickArgs.
type TickWorker struct {
	river.WorkerDefaults[TickArgs]
	Service *Service
}

// Work queues a run job per due sync.
func (w *TickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error {
	return w.Service.scheduleDue(ctx)
}

// RunArgs runs one sync if it is due: queued by the tick, or by the run
// call (Manual), which also runs paused syncs.
type RunArgs struct {
	SyncID string `json:"sync_id"`
	Manual bool   `json:"manual,omitempty"`
}

// Kind is the job's stable name (see TickArgs.Kind).
func (RunArgs) Kind() string { return "connect_sync_run" }

// InsertOpts puts runs in their own queue. Scheduled runs are unique while
// waiting, so a backlog does not queue a sync twice; run calls are not,
// since River may count a finished job as running for a moment, which
// would drop the call, while a surplus job is harmless (it finds the sync
// leased or no longer due).
func (a RunArgs) InsertOpts() river.InsertOpts {
	opts := river.InsertOpts{Queue: Queue}
	if !a.Manual {
		opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
		}}
	}
	return opts
}

// RunWorker works RunArgs.
type RunWorker struct {
	river.WorkerDefaults[RunArgs]
	Service *Service
}

// Timeout lets the job outlast its run, bounded by syncRunTimeout.
func (w *RunWorker) Timeout(*river.Job[RunArgs]) time.Duration {
	return syncRunTimeout + 30*time.Second
}

// Work runs the sync. A failed run is recorded on the sync and retried by
// its schedule, not by River. A run call that finds the sync running waits
// and tries again.
func (w *RunWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	reason := reasonSchedule
	if job.Args.Manual {
		reason = reasonManual
	}
	busy, err := w.Service.runOne(ctx, job.Args.SyncID, reason)
	if busy && job.Args.Manual {
		return river.JobSnooze(5 * time.Second)
	}
	return err
}
