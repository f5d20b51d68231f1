package store

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// OutageLog keeps a database outage to two log lines: a warning when it
// starts and one line with its length when it ends. Without it, every
// worker's poll and every failed query logs its own error for as long as the
// database is away: River alone logged twenty lines a second.
//
// It is a slog.Handler around the node's own. A warning or error that
// carries an error IsUnavailable recognises, or that comes from a component
// that logs database errors as text (River, marked with the attribute
// component=jobs) while the database does not answer, starts an outage and
// is dropped; the outage ends when the database answers a ping again.
type OutageLog struct {
	shared *outageState
	next   slog.Handler
	// textErrors marks a handler for a component whose errors are text.
	textErrors bool
}

type outageState struct {
	db     *DB
	logger *slog.Logger // the handler underneath, for the outage's own lines
	mu     sync.Mutex
	since  time.Time // zero while the database answers
	// dropped counts the log lines held back during this outage.
	dropped int
	closed  chan struct{}
}

// outagePoll is how often a database that is away is tried, so that the
// recovery is noticed (and logged) within this of it.
const outagePoll = 250 * time.Millisecond

// NewOutageLog returns a handler that logs db's outages once, passing
// everything else to next. Close stops its watch when the node stops.
func NewOutageLog(db *DB, next slog.Handler) *OutageLog {
	return &OutageLog{shared: &outageState{db: db, logger: slog.New(next), closed: make(chan struct{})}, next: next}
}

// Close ends the watch of an outage that is still on.
func (h *OutageLog) Close() { close(h.shared.closed) }

// Down reports whether an outage is on.
func (h *OutageLog) Down() bool {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	return !h.shared.since.IsZero()
}

func (h *OutageLog) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *OutageLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn || !h.aboutOutage(ctx, r) {
		return h.next.Handle(ctx, r)
	}
	cause := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" || a.Key == "err" {
			cause += ": " + a.Value.String()
			return false
		}
		return true
	})
	h.shared.begin(cause)
	return nil
}

// aboutOutage reports whether r reports the database being away.
func (h *OutageLog) aboutOutage(ctx context.Context, r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Resolve().Any().(error); ok && IsUnavailable(err) {
			found = true
		}
		return !found
	})
	if found || !h.textErrors {
		return found
	}
	if h.Down() {
		return true
	}
	// An error as text: ask the database whether it is there.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return IsUnavailable(h.shared.db.Ping(ctx))
}

func (h *OutageLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	for _, a := range attrs {
		if a.Key == "component" && a.Value.String() == "jobs" {
			c.textErrors = true
		}
	}
	return &c
}

func (h *OutageLog) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	return &c
}

// begin counts a line about an outage, starting the outage (with its one
// warning and its watch) if none is on.
func (s *outageState) begin(cause string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped++
	if !s.since.IsZero() {
		return
	}
	s.since, s.dropped = time.Now(), 0
	s.logger.Warn("the database is unavailable: requests that need it get 503 with Retry-After and workers wait; "+
		"further errors about it are not logged until it is back", "database", s.db.Location(), "first_error", cause)
	go s.watch()
}

// watch pings the database until it answers, then ends the outage.
func (s *outageState) watch() {
	t := time.NewTicker(outagePoll)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.db.Ping(ctx)
		cancel()
		if err != nil {
			continue
		}
		s.mu.Lock()
		s.logger.Info("the database is available again", "database", s.db.Location(),
			"outage_seconds", time.Since(s.since).Round(time.Millisecond).Seconds(), "lines_not_logged", s.dropped)
		s.since, s.dropped = time.Time{}, 0
		s.mu.Unlock()
		return
	}
}
