package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestGroupCommit checks that requests queued during a commit share the next
// one, that the leader returns once its own request is committed, and that a
// failing request does not fail the others in its group.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	errBad := errors.New("bad request")
	var mu sync.Mutex
	var commits [][]string
	started := make(chan []string, 10)
	release := make(chan struct{}, 10)
	g := GroupCommit[string]{Max: 10, Weight: func(string) int { return 1 },
		Commit: func(_ context.Context, group []string) error {
			started <- group
			<-release
			if slices.Contains(group, "bad") {
				return errBad
			}
			mu.Lock()
			commits = append(commits, group)
			mu.Unlock()
			return nil
		}}

	leader := make(chan error, 1)
	go func() { leader <- g.Submit(t.Context(), "a") }()
	if got := <-started; !slices.Equal(got, []string{"a"}) {
		t.Fatalf("first group %v, want [a]", got)
	}
	// b, bad and c queue up behind the commit of a.
	others := map[string]chan error{}
	for _, r := range []string{"b", "bad", "c"} {
		others[r] = make(chan error, 1)
		go func() { others[r] <- g.Submit(t.Context(), r) }()
		waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.queue) == len(others) })
	}
	release <- struct{}{}
	if err := <-leader; err != nil {
		t.Fatalf("leader: %v", err)
	}
	// The leader has returned although the next group is not committed yet.
	if got := <-started; !slices.Equal(got, []string{"b", "bad", "c"}) {
		t.Fatalf("second group %v, want [b bad c]", got)
	}
	for range 4 { // the shared transaction, then each request alone
		release <- struct{}{}
	}
	for r, want := range map[string]error{"b": nil, "bad": errBad, "c": nil} {
		if err := <-others[r]; !errors.Is(err, want) {
			t.Errorf("submit(%s) = %v, want %v", r, err, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := [][]string{{"a"}, {"b"}, {"c"}}; !slices.EqualFunc(commits, want, slices.Equal) {
		t.Errorf("committed %v, want %v", commits, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitOutage checks that a group that fails because the database
// is away fails at once, without each request being tried again alone.
func TestGroupCommitOutage(t *testing.T) {
	t.Parallel()
	outage := &pgconn.PgError{Code: "57P01"}
	var mu sync.Mutex
	var commits int
	release := make(chan struct{})
	g := GroupCommit[string]{Max: 10, Commit: func(_ context.Context, group []string) error {
		mu.Lock()
		commits++
		first := commits == 1
		mu.Unlock()
		if first {
			<-release // hold the first commit so the others queue into one group
		}
		return outage
	}}
	errs := make(chan error, 4)
	go func() { errs <- g.Submit(t.Context(), "a") }()
	waitFor(t, func() bool { c, _ := g.Pending(); return c })
	for _, r := range []string{"b", "c", "d"} {
		go func() { errs <- g.Submit(t.Context(), r) }()
	}
	waitFor(t, func() bool { _, q := g.Pending(); return q == 3 })
	close(release)
	for range 4 {
		if err := <-errs; !errors.Is(err, outage) {
			t.Errorf("submit: %v, want the outage", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if commits != 2 {
		t.Errorf("%d commits, want 2 (a alone, then b, c and d together, none again alone)", commits)
	}
}
