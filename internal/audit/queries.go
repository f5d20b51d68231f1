package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of audit_events (docs/architecture.md, "Where queries live").

const eventsInsertSQL = `INSERT INTO audit_events (id, occurred_at, api_key_id, user_id, method, route, object_id, path_ids,
	status, problem_type, replayed, request_id, client_ip)`

const eventCols = 13

// eventsInsert writes events with multi-row INSERTs.
func eventsInsert(ctx context.Context, tx *store.Tx, events []Event) error {
	args := make([]any, 0, len(events)*eventCols)
	for _, e := range events {
		ids, err := json.Marshal(e.PathIDs)
		if err != nil {
			return err
		}
		args = append(args, e.ID, e.OccurredAt, e.APIKeyID, e.UserID, e.Method, e.Route, e.ObjectID, string(ids),
			e.Status, e.ProblemType, e.Replayed, e.RequestID, e.ClientIP)
	}
	return store.InsertRows(ctx, tx, eventsInsertSQL, eventCols, args)
}

const eventColumns = `id, occurred_at, api_key_id, user_id, method, route, object_id, path_ids, status, problem_type, replayed, request_id, client_ip`

// eventsList returns up to limit events that match f, newest first, with IDs
// before the ID before (all when it is empty).
func eventsList(ctx context.Context, q store.Querier, f Filter, before string, limit int) ([]Event, error) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if before != "" {
		add("id < ?", before)
	}
	if f.APIKeyID != "" {
		add("api_key_id = ?", f.APIKeyID)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.Route != "" {
		add("route = ?", f.Route)
	}
	if f.Method != "" {
		add("method = ?", f.Method)
	}
	switch f.Outcome {
	case OutcomeSuccess:
		add("status < ?", 400)
	case OutcomeFailure:
		add("status >= ?", 400)
	}
	if f.Status != 0 {
		add("status = ?", f.Status)
	}
	if !f.Since.IsZero() {
		add("occurred_at >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		add("occurred_at < ?", f.Until)
	}
	rows, err := q.Query(ctx, "SELECT "+eventColumns+" FROM audit_events WHERE "+strings.Join(where, " AND ")+
		" ORDER BY id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(s store.Scanner) (Event, error) {
		var e Event
		var ids []byte
		if err := s.Scan(&e.ID, &e.OccurredAt, &e.APIKeyID, &e.UserID, &e.Method, &e.Route, &e.ObjectID, &ids, &e.Status,
			&e.ProblemType, &e.Replayed, &e.RequestID, &e.ClientIP); err != nil {
			return Event{}, err
		}
		if err := json.Unmarshal(ids, &e.PathIDs); err != nil {
			return Event{}, fmt.Errorf("audit event %s: path_ids: %w", e.ID, err)
		}
		e.OccurredAt = e.OccurredAt.UTC()
		e.Outcome = outcomeOf(e.Status)
		return e, nil
	})
}

// eventsDeleteBefore deletes the events that occurred before cutoff, in
// batches, so a run never holds the writer long.
func eventsDeleteBefore(ctx context.Context, db *store.DB, cutoff time.Time) error {
	return db.ExecBatched(ctx, retentionBatch, `DELETE FROM audit_events WHERE id IN
		(SELECT id FROM audit_events WHERE occurred_at < ? LIMIT ?)`, cutoff)
}
