package connect

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/retry"
)

// Limits of one run of the refresh job.
const (
	// refreshBatch is how many due connections one query reads.
	refreshBatch = 500
	// refreshConcurrency bounds the refreshes in flight on this node.
	refreshConcurrency = 16
	// refreshPerProvider bounds one provider's share, so a slow provider
	// leaves slots for the others.
	refreshPerProvider = 8
	// refreshProviderTrip is how many transient failures in a row make a run
	// skip the rest of that provider's connections: they keep their tokens
	// until they expire, and the next run tries again. Until its first
	// success in a run a provider gets one refresh at a time, so the trip
	// comes after this many calls, not after a burst.
	refreshProviderTrip = 3
	// refreshRunBudget stops a run from reading more batches; what is left
	// waits for the next run. It keeps a run well inside the default
	// --job-rescue-after (5m), so a live run is not taken for a dead one.
	refreshRunBudget = 2 * time.Minute
)

// RefreshArgs is the periodic job that refreshes access tokens before they
// expire, so that a credentials call rarely waits for a refresh and a token
// never lapses between calls.
type RefreshArgs struct{}

func (RefreshArgs) Kind() string { return "connect_refresh" }

// InsertOpts keeps one run pending or running at a time: a run that outlasts
// the interval is not joined by a second one doing the same work.
func (RefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// RefreshWorker works RefreshArgs.
type RefreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	Service *Service
	// Interval is how often the job runs; each run refreshes what would
	// otherwise come due before the next one.
	Interval time.Duration
}

// Timeout lets a run use its budget and finish its last refreshes.
func (w *RefreshWorker) Timeout(*river.Job[RefreshArgs]) time.Duration {
	return refreshRunBudget + refreshTimeout + 30*time.Second
}

// Work refreshes every active connection due before the next run.
func (w *RefreshWorker) Work(ctx context.Context, _ *river.Job[RefreshArgs]) error {
	run, err := w.Service.refreshDue(ctx, w.Interval)
	if run != (refreshRun{}) {
		w.Service.logger.Info("refresh job run", "refreshed", run.refreshed, "refused", run.refused, "failed", run.failed, "skipped", run.skipped)
	}
	return err
}

// refreshRun counts what one run did.
type refreshRun struct {
	refreshed int
	refused   int // moved to needs_reauth, or deleted meanwhile
	failed    int // transient: retried after a backoff
	skipped   int // their provider tripped in this run
}

// refreshResult is how one connection's refresh went.
type refreshResult int

const (
	refreshed refreshResult = iota
	refused
	failed
)

func (r *refreshRun) add(res refreshResult) {
	switch res {
	case refreshed:
		r.refreshed++
	case refused:
		r.refused++
	case failed:
		r.failed++
	}
}

// providerRun is one provider's state within a run.
type providerRun struct {
	slots chan struct{}

	mu       sync.Mutex
	proven   bool // it has answered once in this run
	failures int  // transient failures in a row
}

func (p *providerRun) state() (proven, tripped bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proven, p.failures >= refreshProviderTrip
}

func (p *providerRun) record(res refreshResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if res == failed {
		p.failures++
	} else {
		p.proven, p.failures = true, 0
	}
}

// refreshDue refreshes the active connections whose token comes due within
// their provider's margin plus ahead, through the same flight and lease as
// the credentials call, so a run and concurrent calls on any node still make
// one refresh per connection. It reads due connections in batches, soonest
// first, and refreshes each batch with bounded concurrency, grouped by
// provider so that one provider's trouble does not hold up the others.
func (s *Service) refreshDue(ctx context.Context, ahead time.Duration) (refreshRun, error) {
	var run refreshRun
	var mu sync.Mutex // guards run
	var maxMargin time.Duration
	for _, p := range s.catalog.List() {
		if p.Auth.Mode.OAuth() {
			maxMargin = max(maxMargin, time.Duration(p.Auth.Refresh.Margin))
		}
	}
	providers := map[string]*providerRun{}
	slots := make(chan struct{}, refreshConcurrency)
	stop := time.Now().Add(refreshRunBudget)
	var afterExpiry time.Time
	var afterID string
	for time.Now().Before(stop) && ctx.Err() == nil {
		now := time.Now()
		batch, err := s.dueBatch(ctx, now, now.Add(maxMargin+ahead), afterExpiry, afterID)
		if err != nil {
			return run, err
		}
		if len(batch) == 0 {
			break
		}
		last := batch[len(batch)-1]
		afterExpiry, afterID = *last.ExpiresAt, last.ID

		byProvider := map[string][]Connection{}
		for _, c := range batch {
			if s.due(c, now.Add(ahead)) {
				byProvider[c.Provider.ID] = append(byProvider[c.Provider.ID], c)
			}
		}
		var wg sync.WaitGroup
		for providerID, list := range byProvider {
			pr := providers[providerID]
			if pr == nil {
				pr = &providerRun{slots: make(chan struct{}, refreshPerProvider)}
				providers[providerID] = pr
			}
			wg.Go(func() {
				var pwg sync.WaitGroup
				for _, c := range list {
					pr.slots <- struct{}{}
					proven, tripped := pr.state()
					if tripped || ctx.Err() != nil {
						<-pr.slots
						mu.Lock()
						run.skipped++
						mu.Unlock()
						continue
					}
					slots <- struct{}{}
					one := func() {
						defer func() { <-slots; <-pr.slots }()
						res := s.refreshOne(ctx, c, ahead)
						pr.record(res)
						mu.Lock()
						run.add(res)
						mu.Unlock()
					}
					if proven {
						pwg.Go(one)
					} else {
						one()
					}
				}
				pwg.Wait()
			})
		}
		wg.Wait()
		if len(batch) < refreshBatch {
			break
		}
	}
	return run, nil
}

// refreshOne refreshes one connection. An invalid_grant (the connection
// moves to needs_reauth) or a connection deleted meanwhile is not the
// provider failing.
func (s *Service) refreshOne(ctx context.Context, c Connection, ahead time.Duration) refreshResult {
	creds, err := s.flight.do(c.ID, func() (Credentials, error) {
		return s.refresh(ctx, c.ID, refreshNeed{ahead: ahead})
	})
	if code := apperr.CodeOf(err); code == apperr.Conflict || code == apperr.NotFound {
		return refused
	} else if err != nil {
		return failed
	}
	if creds.ExpiresAt != nil && !creds.ExpiresAt.After(time.Now().Add(ahead)) {
		// Still due without an error: the provider failed while the old
		// token is still valid (backoff recorded already), or there is no
		// refresh token to use.
		s.deferRefresh(ctx, c)
		return failed
	}
	return refreshed
}

// deferRefresh keeps the job from picking a connection it cannot refresh
// (one without a refresh token) on every run. A backoff the failed refresh
// recorded stands.
func (s *Service) deferRefresh(ctx context.Context, c Connection) {
	now := time.Now()
	if err := connectionDeferRefresh(ctx, s.db, c.ID, now.Add(refreshBackoff.Delay(7)), now); err != nil {
		s.logger.Warn("deferring a connection's refresh failed", "connection_id", c.ID, "error", err)
	}
}

// dueBatch reads active connections whose token expires by until, that are
// not backing off, after (afterExpiry, afterID) in (expires_at, id) order.
func (s *Service) dueBatch(ctx context.Context, now, until, afterExpiry time.Time, afterID string) ([]Connection, error) {
	list, err := connectionsDueForRefresh(ctx, s.db, now, until, afterExpiry, afterID, refreshBatch)
	if err != nil {
		return nil, fmt.Errorf("list connections due for refresh: %w", err)
	}
	return s.withProviderInfo(list), nil
}

// recordFailure counts a transient refresh failure and releases the lease;
// the refresh job then leaves the connection alone for refreshBackoff, so a
// provider that is down is not called on every run.
func (s *Service) recordFailure(ctx context.Context, c Connection, owner string, cause error) {
	failures := c.refreshFailures + 1
	if failures == 1 {
		s.logger.Warn("refreshing a connection's token failed; retrying with backoff", "connection_id", c.ID, "provider_id", c.Provider.ID, "error", cause)
	}
	if err := connectionRecordRefreshFailure(ctx, s.db, c.ID, owner, failures, time.Now().Add(refreshBackoff.Delay(failures))); err != nil {
		s.logger.Warn("recording a failed refresh failed; its lease lapses by itself", "connection_id", c.ID, "error", err)
	}
}

// refreshBackoff is how long the refresh job waits after the nth failure in
// a row: a minute doubling up to an hour, never much sooner.
var refreshBackoff = retry.Policy{Base: time.Minute, Cap: time.Hour, Jitter: retry.Upper}
