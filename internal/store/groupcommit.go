package store

import (
	"context"
	"sync"
)

// GroupCommit commits requests in shared transactions: requests that arrive
// while a commit is running share the next one, so a burst costs a few
// commits instead of one each, and every caller returns only once its own
// request is durable. It has no goroutine while idle: the first request to
// find none committing leads and commits the queue, its own request first.
// If more arrived meanwhile, a goroutine takes over, so the leader's caller
// waits for one commit, not for the whole burst.
type GroupCommit[R any] struct {
	// Commit writes a group in one transaction. If it fails, each request is
	// committed again alone, so that one bad request cannot fail the others;
	// unless the database is unavailable (IsUnavailable), which fails them
	// all alike, and retrying each alone would only hold the callers longer.
	Commit func(ctx context.Context, group []R) error
	// Weight is a request's share of Max, the most one transaction takes (a
	// first request heavier than Max still goes alone); nil counts each
	// request as one.
	Weight func(R) int
	Max    int

	mu      sync.Mutex
	queue   []*groupReq[R]
	leading bool
}

type groupReq[R any] struct {
	r    R
	err  error
	done chan struct{}
}

// Submit commits r, with whatever else is queued, and returns once it is
// committed, or failed.
func (g *GroupCommit[R]) Submit(ctx context.Context, r R) error {
	req := &groupReq[R]{r: r, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, req)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if lead {
		// The transactions must not die with the leader's request: others
		// wait on them.
		ctx = context.WithoutCancel(ctx)
		if g.commitNext(ctx) {
			go func() {
				for g.commitNext(ctx) {
				}
			}()
		}
	}
	<-req.done
	return req.err
}

// commitNext commits the next group from the queue and reports whether more
// requests wait; when none does, leadership ends.
func (g *GroupCommit[R]) commitNext(ctx context.Context) bool {
	g.mu.Lock()
	group, n := g.queue, 0
	for i, req := range group {
		if g.Weight != nil {
			n += g.Weight(req.r)
		} else {
			n++
		}
		if n > g.Max && i > 0 {
			group = group[:i]
			break
		}
	}
	g.queue = g.queue[len(group):]
	g.mu.Unlock()

	g.run(ctx, group)

	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.leading = false
		return false
	}
	return true
}

// run commits a group, each request alone if the shared transaction fails,
// and answers every request in it.
func (g *GroupCommit[R]) run(ctx context.Context, group []*groupReq[R]) {
	rs := make([]R, len(group))
	for i, req := range group {
		rs[i] = req.r
	}
	err := g.Commit(ctx, rs)
	for _, req := range group {
		if err != nil && len(group) > 1 && !IsUnavailable(err) {
			req.err = g.Commit(ctx, []R{req.r})
		} else {
			req.err = err
		}
		close(req.done)
	}
}

// Pending reports whether a commit is running and how many requests wait for
// the next one: what a test needs to arrange a group, or a metric to show.
func (g *GroupCommit[R]) Pending() (committing bool, queued int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.leading, len(g.queue)
}
