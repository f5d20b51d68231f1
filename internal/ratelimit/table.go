package ratelimit

import (
	"hash/maphash"
	"sync"
	"time"
)

// shardCount is how many independently locked maps a table spreads buckets
// over. Every request takes one shard lock, so requests for different API keys
// rarely wait on each other, while one lock per shard (rather than one per
// bucket) keeps the hot path to a single lock and a map lookup.
const shardCount = 64

// sweepEvery is how often a shard drops idle buckets. Buckets are dropped only
// when forgetting them changes no decision, so this bounds memory to the
// buckets active in the last window plus this interval.
const sweepEvery = time.Minute

// table holds per-bucket state of type S.
type table[S any] struct {
	seed   maphash.Seed
	shards [shardCount]shard[S]
	// idle reports whether a bucket's state at time now is the same as a new
	// state's, so that the bucket can be forgotten.
	idle func(s *S, now int64) bool
}

type shard[S any] struct {
	mu        sync.Mutex
	states    map[string]*S
	nextSweep int64
	_         [40]byte // one shard per 64-byte cache line: no false sharing between locks
}

func newTable[S any](idle func(s *S, now int64) bool) *table[S] {
	return &table[S]{seed: maphash.MakeSeed(), idle: idle}
}

// lock locks the shard that holds bucket and returns it with the bucket's
// state, created if missing (fresh reports that). now is in the unit the idle
// function expects; the caller unlocks sh.mu.
func (t *table[S]) lock(bucket string, now int64) (sh *shard[S], s *S, fresh bool) {
	sh = &t.shards[maphash.String(t.seed, bucket)%shardCount]
	sh.mu.Lock()
	if sh.states == nil {
		sh.states = make(map[string]*S)
		sh.nextSweep = now + int64(sweepEvery)
	} else if now >= sh.nextSweep {
		for k, v := range sh.states {
			if t.idle(v, now) {
				delete(sh.states, k)
			}
		}
		sh.nextSweep = now + int64(sweepEvery)
	}
	if s = sh.states[bucket]; s == nil {
		s = new(S)
		sh.states[bucket] = s
		fresh = true
	}
	return sh, s, fresh
}
