package webhooks

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// EndpointStats summarises an endpoint's recent attempts.
type EndpointStats struct {
	Window      string  `json:"window" doc:"The window the figures cover, as a Go duration such as 24h0m0s."`
	Attempts    int     `json:"attempts" doc:"Delivery attempts in the window."`
	Successes   int     `json:"successes" doc:"Attempts the endpoint accepted."`
	Failures    int     `json:"failures" doc:"Attempts that failed."`
	SuccessRate float64 `json:"success_rate" doc:"Successes divided by attempts, 0 to 1."`
	// Latency of attempts in the window, in milliseconds; over the most
	// recent statsSample attempts when there are more.
	LatencyMS LatencyStats `json:"latency_ms" doc:"Latency of attempts in the window, in milliseconds; over the most recent statsSample attempts when there are more."`
	// Deliveries counts the endpoint's deliveries by status, all time.
	Deliveries map[string]int `json:"deliveries" doc:"Counts the endpoint's deliveries by status, all time."`
	// LastError is what went wrong with the most recent failed attempt in
	// the window: its error, or the status it was answered with.
	LastError string `json:"last_error,omitempty" doc:"What went wrong with the most recent failed attempt in the window: its error, or the status it was answered with."`
	// Buckets split the window into statsBuckets equal parts, oldest first,
	// for a chart; over the same sample as LatencyMS.
	Buckets []StatsBucket `json:"buckets" doc:"Split the window into statsBuckets equal parts, oldest first, for a chart; over the same sample as LatencyMS."`
}

// StatsBucket counts the attempts of one part of a stats window.
type StatsBucket struct {
	Start     time.Time `json:"start" doc:"The start of the bucket."`
	Succeeded int       `json:"succeeded" doc:"Attempts that succeeded in the bucket."`
	Failed    int       `json:"failed" doc:"Attempts that failed in the bucket."`
}

// statsBuckets is how many parts a window is split into.
const statsBuckets = 24

// LatencyStats are latency percentiles in milliseconds.
type LatencyStats struct {
	P50 int64 `json:"p50" doc:"The median, in milliseconds."`
	P90 int64 `json:"p90" doc:"The 90th percentile, in milliseconds."`
	P99 int64 `json:"p99" doc:"The 99th percentile, in milliseconds."`
	Max int64 `json:"max" doc:"The longest, in milliseconds."`
}

// statsSample bounds the attempts read to compute percentiles.
const statsSample = 50_000

// Stats returns an endpoint's attempt statistics over a window ending now.
func (s *Service) Stats(ctx context.Context, tenantID, endpointID string, window time.Duration) (EndpointStats, error) {
	if _, err := s.Endpoint(ctx, tenantID, endpointID); err != nil {
		return EndpointStats{}, err
	}
	st := EndpointStats{Window: window.String(), Deliveries: map[string]int{StatusPending: 0, StatusSucceeded: 0, StatusFailed: 0}}
	since := time.Now().Add(-window)
	var err error
	st.Attempts, st.Successes, err = attemptsCountSince(ctx, s.db, endpointID, since)
	if err != nil {
		return st, fmt.Errorf("endpoint stats: %w", err)
	}
	st.Failures = st.Attempts - st.Successes
	if st.Attempts > 0 {
		st.SuccessRate = float64(st.Successes) / float64(st.Attempts)
	}
	width := window / statsBuckets
	st.Buckets = make([]StatsBucket, statsBuckets)
	for i := range st.Buckets {
		st.Buckets[i].Start = since.Add(time.Duration(i) * width).UTC()
	}
	sample, err := attemptsSince(ctx, s.db, endpointID, since, statsSample)
	if err != nil {
		return st, err
	}
	ds := make([]int64, 0, len(sample))
	for _, a := range sample {
		ds = append(ds, a.DurationMS)
		b := &st.Buckets[min(statsBuckets-1, max(0, int(a.At.Sub(since)/width)))]
		if a.Success {
			b.Succeeded++
			continue
		}
		b.Failed++
		if st.LastError == "" { // newest first
			st.LastError = cmp.Or(a.Error.String, fmt.Sprintf("answered %d", a.StatusCode.Int64))
		}
	}
	if len(ds) > 0 {
		slices.Sort(ds)
		at := func(p float64) int64 { return ds[min(len(ds)-1, int(float64(len(ds))*p))] }
		st.LatencyMS = LatencyStats{P50: at(.5), P90: at(.9), P99: at(.99), Max: ds[len(ds)-1]}
	}
	counts, err := deliveriesCountByStatus(ctx, s.db, endpointID)
	if err != nil {
		return st, err
	}
	maps.Copy(st.Deliveries, counts)
	return st, nil
}
