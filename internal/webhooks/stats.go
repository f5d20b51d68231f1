package webhooks

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// EndpointStats summarises an endpoint's recent attempts.
type EndpointStats struct {
	Window      string  `json:"window"`
	Attempts    int     `json:"attempts"`
	Successes   int     `json:"successes"`
	Failures    int     `json:"failures"`
	SuccessRate float64 `json:"success_rate"`
	// Latency of attempts in the window, in milliseconds; over the most
	// recent statsSample attempts when there are more.
	LatencyMS LatencyStats `json:"latency_ms"`
	// Deliveries counts the endpoint's deliveries by status, all time.
	Deliveries map[string]int `json:"deliveries"`
	// LastError is what went wrong with the most recent failed attempt in
	// the window: its error, or the status it was answered with.
	LastError string `json:"last_error,omitempty"`
	// Buckets split the window into statsBuckets equal parts, oldest first,
	// for a chart; over the same sample as LatencyMS.
	Buckets []StatsBucket `json:"buckets"`
}

// StatsBucket counts the attempts of one part of a stats window.
type StatsBucket struct {
	Start     time.Time `json:"start"`
	Succeeded int       `json:"succeeded"`
	Failed    int       `json:"failed"`
}

// statsBuckets is how many parts a window is split into.
const statsBuckets = 24

// LatencyStats are latency percentiles in milliseconds.
type LatencyStats struct {
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// statsSample bounds the attempts read to compute percentiles.
const statsSample = 50_000

// Stats returns an endpoint's attempt statistics over a window ending now.
func (s *Service) Stats(ctx context.Context, tenantID, endpointID string, window time.Duration) (EndpointStats, error) {
	if _, err := s.Endpoint(ctx, tenantID, endpointID); err != nil {
		return EndpointStats{}, err
	}
	st := EndpointStats{Window: window.String(), Deliveries: map[string]int{StatusPending: 0, StatusSucceeded: 0, StatusFailed: 0}}
	err := s.db.QueryRow(ctx, `SELECT count(*), COALESCE(sum(CASE WHEN success THEN 1 ELSE 0 END), 0) FROM attempts
		WHERE endpoint_id = ? AND attempted_at >= ?`, endpointID, time.Now().Add(-window)).Scan(&st.Attempts, &st.Successes)
	if err != nil {
		return st, fmt.Errorf("endpoint stats: %w", err)
	}
	st.Failures = st.Attempts - st.Successes
	if st.Attempts > 0 {
		st.SuccessRate = float64(st.Successes) / float64(st.Attempts)
	}
	now := time.Now()
	start, width := now.Add(-window), window/statsBuckets
	st.Buckets = make([]StatsBucket, statsBuckets)
	for i := range st.Buckets {
		st.Buckets[i].Start = start.Add(time.Duration(i) * width).UTC()
	}
	rows, err := s.db.Query(ctx, `SELECT attempted_at, success, duration_ms, status_code, error FROM attempts
		WHERE endpoint_id = ? AND attempted_at >= ? ORDER BY attempted_at DESC LIMIT ?`, endpointID, start, statsSample)
	if err != nil {
		return st, err
	}
	var ds []int64
	for rows.Next() {
		var at time.Time
		var ok bool
		var d int64
		var code sql.NullInt64
		var errText sql.NullString
		if err := rows.Scan(&at, &ok, &d, &code, &errText); err != nil {
			rows.Close()
			return st, err
		}
		ds = append(ds, d)
		b := &st.Buckets[min(statsBuckets-1, max(0, int(at.Sub(start)/width)))]
		if ok {
			b.Succeeded++
			continue
		}
		b.Failed++
		if st.LastError == "" { // newest first
			st.LastError = cmp.Or(errText.String, fmt.Sprintf("answered %d", code.Int64))
		}
	}
	rows.Close()
	if len(ds) > 0 {
		slices.Sort(ds)
		at := func(p float64) int64 { return ds[min(len(ds)-1, int(float64(len(ds))*p))] }
		st.LatencyMS = LatencyStats{P50: at(.5), P90: at(.9), P99: at(.99), Max: ds[len(ds)-1]}
	}
	counts, err := s.db.Query(ctx, "SELECT status, count(*) FROM deliveries WHERE endpoint_id = ? GROUP BY status", endpointID)
	if err != nil {
		return st, err
	}
	defer counts.Close()
	for counts.Next() {
		var status string
		var n int
		if err := counts.Scan(&status, &n); err != nil {
			return st, err
		}
		st.Deliveries[status] = n
	}
	return st, counts.Err()
}
