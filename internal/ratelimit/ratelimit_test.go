package ratelimit

import (
	"testing"
	"time"
)

// len counts the buckets a table holds.
func (t *table[S]) len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		n += len(sh.states)
		sh.mu.Unlock()
	}
	return n
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	for p, wantErr := range map[Policy]bool{
		{Limit: 0}:                                  false,
		{Limit: 100, Window: time.Minute}:           false,
		{Limit: 1, Window: time.Millisecond}:        false,
		{Limit: -1, Window: time.Minute}:            true,
		{Limit: 10}:                                 true,
		{Limit: 10, Window: time.Microsecond}:       true,
		{Limit: 2_000_000_000, Window: time.Second}: true,
	} {
		if err := p.validate(); (err != nil) != wantErr {
			t.Errorf("%+v.validate() = %v, want error: %t", p, err, wantErr)
		}
	}
}
