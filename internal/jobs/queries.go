package jobs

import (
	"context"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of River's job table that Patchbay runs itself (docs/
// architecture.md, "Where queries live"); everything else goes through River.

type jobCount struct {
	kind, state string
	count       float64
}

func jobsCountByKindState(ctx context.Context, q store.Querier) ([]jobCount, error) {
	rows, err := q.Query(ctx, "SELECT kind, state, count(*) FROM river_job GROUP BY kind, state")
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(s store.Scanner) (jobCount, error) {
		var n jobCount
		if err := s.Scan(&n.kind, &n.state, &n.count); err != nil {
			return jobCount{}, err
		}
		return n, nil
	})
}
