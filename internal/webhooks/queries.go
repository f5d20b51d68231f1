package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
)

// The queries of the outgoing webhook tables: event_types, endpoints,
// endpoint_events, messages, deliveries, attempts and webhook_recoveries
// (docs/architecture.md, "Where queries live").

const endpointColumns = `id, tenant_id, url, description, event_types, channels, headers, metadata, delivery_order,
	rate_limit, max_concurrency, retry_schedule, disabled, disabled_reason, disabled_at, created_at, updated_at,
	type, broker, broker_credentials IS NOT NULL`

func scanEndpoint(s store.Scanner, extra ...any) (Endpoint, error) {
	var (
		e                                       Endpoint
		eventTypes, channels, headers, metadata []byte
		rateLimit, maxConcurrency               sql.NullInt64
		schedule                                []byte
		disabledReason                          sql.NullString
		broker                                  sql.NullString
	)
	dest := append([]any{&e.ID, &e.TenantID, &e.URL, &e.Description, &eventTypes, &channels, &headers, &metadata, &e.DeliveryOrder,
		&rateLimit, &maxConcurrency, &schedule, &e.Disabled, &disabledReason, &e.DisabledAt, &e.CreatedAt, &e.UpdatedAt,
		&e.Type, &broker, &e.CredentialsSet}, extra...)
	if err := s.Scan(dest...); err != nil {
		return Endpoint{}, err
	}
	for _, f := range []struct {
		raw []byte
		dst any
	}{{eventTypes, &e.EventTypes}, {channels, &e.Channels}, {headers, &e.Headers}, {metadata, &e.Metadata}} {
		if err := json.Unmarshal(f.raw, f.dst); err != nil {
			return Endpoint{}, fmt.Errorf("endpoint %s: %w", e.ID, err)
		}
	}
	if len(schedule) > 0 {
		if err := json.Unmarshal(schedule, &e.RetrySchedule); err != nil {
			return Endpoint{}, fmt.Errorf("endpoint %s retry schedule: %w", e.ID, err)
		}
	}
	if rateLimit.Valid {
		n := int(rateLimit.Int64)
		e.RateLimit = &n
	}
	if maxConcurrency.Valid {
		n := int(maxConcurrency.Int64)
		e.MaxConcurrency = &n
	}
	e.DisabledReason = disabledReason.String
	if broker.Valid {
		e.Broker = &destinations.Settings{}
		if err := json.Unmarshal([]byte(broker.String), e.Broker); err != nil {
			return Endpoint{}, fmt.Errorf("endpoint %s broker settings: %w", e.ID, err)
		}
	}
	return e, nil
}

func scheduleArg(schedule []int) any {
	if schedule == nil {
		return nil
	}
	return mustJSON(schedule)
}

func brokerArg(b *destinations.Settings) any {
	if b == nil {
		return nil
	}
	return mustJSON(b)
}

func endpointInsert(ctx context.Context, tx *store.Tx, e Endpoint, sealedSecret, sealedCredentials []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO endpoints (id, tenant_id, url, description, event_types, channels, headers, metadata,
		delivery_order, rate_limit, max_concurrency, retry_schedule, secret, disabled, created_at, updated_at, type, broker, broker_credentials)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.TenantID, e.URL, e.Description, mustJSON(e.EventTypes), mustJSON(e.Channels), mustJSON(e.Headers), mustJSON(e.Metadata),
		e.DeliveryOrder, e.RateLimit, e.MaxConcurrency, scheduleArg(e.RetrySchedule), sealedSecret, e.Disabled, e.CreatedAt, e.UpdatedAt,
		e.Type, brokerArg(e.Broker), sealedCredentials)
	return err
}

// endpointGetBrokerCredentials returns an endpoint's sealed broker
// credentials, nil when it has none.
func endpointGetBrokerCredentials(ctx context.Context, q store.Querier, endpointID string) (sealed []byte, err error) {
	err = q.QueryRow(ctx, "SELECT broker_credentials FROM endpoints WHERE id = ?", endpointID).Scan(&sealed)
	return sealed, err
}

func endpointSetBrokerCredentials(ctx context.Context, tx *store.Tx, endpointID string, sealed []byte) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET broker_credentials = ? WHERE id = ?", sealed, endpointID)
	return err
}

func endpointGetOfTenant(ctx context.Context, q store.Querier, tenantID, endpointID string) (Endpoint, error) {
	return scanEndpoint(q.QueryRow(ctx, "SELECT "+endpointColumns+" FROM endpoints WHERE id = ? AND tenant_id = ?", endpointID, tenantID))
}

func endpointsList(ctx context.Context, q store.Querier, tenantID, after string, limit int) ([]Endpoint, error) {
	rows, err := q.Query(ctx, "SELECT "+endpointColumns+" FROM endpoints WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?", tenantID, after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(s store.Scanner) (Endpoint, error) { return scanEndpoint(s) })
}

// endpointUpdate saves an endpoint's fields; healthy forgets its failing
// streak, and unpause ends a pause (an open circuit).
func endpointUpdate(ctx context.Context, tx *store.Tx, e Endpoint, healthy, unpause bool) error {
	_, err := tx.Exec(ctx, `UPDATE endpoints SET url = ?, description = ?, event_types = ?, channels = ?, headers = ?, metadata = ?,
		delivery_order = ?, rate_limit = ?, max_concurrency = ?, retry_schedule = ?, disabled = ?, disabled_reason = ?, disabled_at = ?,
		broker = ?, failing_since = CASE WHEN ? THEN NULL ELSE failing_since END, paused_until = CASE WHEN ? THEN NULL ELSE paused_until END,
		updated_at = ? WHERE id = ?`,
		e.URL, e.Description, mustJSON(nonNil(e.EventTypes)), mustJSON(nonNil(e.Channels)), mustJSON(nonNilMap(e.Headers)), mustJSON(nonNilMap(e.Metadata)),
		e.DeliveryOrder, e.RateLimit, e.MaxConcurrency, scheduleArg(e.RetrySchedule), e.Disabled, store.Nullable(e.DisabledReason), e.DisabledAt,
		brokerArg(e.Broker), healthy, unpause, e.UpdatedAt, e.ID)
	return err
}

// endpointDeleteOfTenant deletes an endpoint with its deliveries and
// attempts, and reports whether the tenant had it.
func endpointDeleteOfTenant(ctx context.Context, tx *store.Tx, tenantID, endpointID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM endpoints WHERE id = ? AND tenant_id = ?", endpointID, tenantID))
}

func endpointGetTenant(ctx context.Context, q store.Querier, endpointID string) (tenantID string, err error) {
	err = q.QueryRow(ctx, "SELECT tenant_id FROM endpoints WHERE id = ?", endpointID).Scan(&tenantID)
	return tenantID, err
}

// endpointGetSecrets returns an endpoint's sealed signing secrets.
func endpointGetSecrets(ctx context.Context, q store.Querier, endpointID string) (current, previous []byte, previousUntil *time.Time, err error) {
	err = q.QueryRow(ctx, "SELECT secret, previous_secret, previous_secret_until FROM endpoints WHERE id = ?", endpointID).
		Scan(&current, &previous, &previousUntil)
	return current, previous, previousUntil, err
}

func endpointSetSecrets(ctx context.Context, tx *store.Tx, endpointID string, current, previous []byte, previousUntil time.Time) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ?, updated_at = ? WHERE id = ?",
		current, previous, previousUntil, tx.Now(), endpointID)
	return err
}

func recordEndpointEvent(ctx context.Context, tx *store.Tx, endpointID, kind, reason string) error {
	_, err := tx.Exec(ctx, "INSERT INTO endpoint_events (id, endpoint_id, kind, reason, created_at) VALUES (?, ?, ?, ?, ?)",
		id.New("epev"), endpointID, kind, reason, tx.Now())
	return err
}

const messageColumns = "id, tenant_id, event_type, event_id, channels, payload, created_at"

func scanMessage(s store.Scanner) (Message, error) {
	var m Message
	var eventID sql.NullString
	var channels []byte
	var payload sql.NullString
	if err := s.Scan(&m.ID, &m.TenantID, &m.EventType, &eventID, &channels, &payload, &m.CreatedAt); err != nil {
		return Message{}, err
	}
	m.EventID = eventID.String
	if payload.Valid {
		m.Payload = json.RawMessage(payload.String)
	}
	if err := json.Unmarshal(channels, &m.Channels); err != nil {
		return Message{}, err
	}
	return m, nil
}

func messageGetByEventID(ctx context.Context, q store.Querier, tenantID, eventID string) (Message, error) {
	return scanMessage(q.QueryRow(ctx, "SELECT "+messageColumns+" FROM messages WHERE tenant_id = ? AND event_id = ?", tenantID, eventID))
}

// messagesInsert inserts messages given as rows of id, tenant_id, event_type,
// event_id, channels, payload and created_at, in multi-row INSERTs.
func messagesInsert(ctx context.Context, tx *store.Tx, rows []any) error {
	return store.InsertRows(ctx, tx, "INSERT INTO messages (id, tenant_id, event_type, event_id, channels, payload, created_at)", 7, rows)
}

// messagesWithHeadersInsert inserts messages with headers of their own, given
// as rows of id, tenant_id, event_type, event_id, channels, payload, headers
// and created_at.
func messagesWithHeadersInsert(ctx context.Context, tx *store.Tx, rows []any) error {
	return store.InsertRows(ctx, tx, "INSERT INTO messages (id, tenant_id, event_type, event_id, channels, payload, headers, created_at)", 8, rows)
}

// deliveriesInsert inserts deliveries given as rows of id, endpoint_id,
// message_id, tenant_id, status, next_attempt_at, created_at and updated_at.
// Their seq follows the order of rows.
func deliveriesInsert(ctx context.Context, tx *store.Tx, rows []any) error {
	return store.InsertRows(ctx, tx, "INSERT INTO deliveries (id, endpoint_id, message_id, tenant_id, status, next_attempt_at, created_at, updated_at)", 8, rows)
}

// endpointFiltersOfTenants returns the enabled endpoints of tenantIDs, by
// tenant, in ID order: one statement for all of them.
func endpointFiltersOfTenants(ctx context.Context, q store.Querier, tenantIDs []string) (map[string][]endpointFilter, error) {
	found := map[string][]endpointFilter{}
	if len(tenantIDs) == 0 {
		return found, nil
	}
	ids := store.PadPow2(slices.Clone(tenantIDs))
	args := make([]any, 0, 1+len(ids))
	args = append(args, false)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.Query(ctx, `SELECT tenant_id, id, event_types, channels, payload_filter FROM endpoints
		WHERE disabled = ? AND tenant_id IN (`+store.Placeholders(len(ids))+`) ORDER BY tenant_id, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var tenantID string
		var types, channels []byte
		var payload sql.NullString
		f := endpointFilter{}
		if err := rows.Scan(&tenantID, &f.id, &types, &channels, &payload); err != nil {
			return nil, err
		}
		if payload.Valid {
			dec := json.NewDecoder(strings.NewReader(payload.String))
			if err := dec.Decode(&f.payload); err != nil {
				return nil, fmt.Errorf("endpoint %s payload filter: %w", f.id, err)
			}
		}
		if err := json.Unmarshal(types, &f.eventTypes); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(channels, &f.channels); err != nil {
			return nil, err
		}
		found[tenantID] = append(found[tenantID], f)
	}
	return found, rows.Err()
}

// messagesList returns up to limit of a tenant's messages that match f,
// without payloads, newest first, with IDs before the ID before (all when it
// is empty).
func messagesList(ctx context.Context, q store.Querier, tenantID string, f MessageFilter, before string, limit int) ([]Message, error) {
	where := []string{"m.tenant_id = ?"}
	args := []any{tenantID}
	if before != "" {
		where, args = append(where, "m.id < ?"), append(args, before)
	}
	if f.EventType != "" {
		where, args = append(where, "m.event_type = ?"), append(args, f.EventType)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "m.created_at >= ?"), append(args, f.Since)
	}
	if !f.Until.IsZero() {
		where, args = append(where, "m.created_at < ?"), append(args, f.Until)
	}
	if f.Status != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.status = ?)"), append(args, f.Status)
	}
	args = append(args, limit)
	rows, err := q.Query(ctx, "SELECT m.id, m.tenant_id, m.event_type, m.event_id, m.channels, NULL, m.created_at FROM messages m WHERE "+
		strings.Join(where, " AND ")+" ORDER BY m.id DESC LIMIT ?", args...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanMessage)
}

func messageGetOfTenant(ctx context.Context, q store.Querier, tenantID, messageID string) (Message, error) {
	return scanMessage(q.QueryRow(ctx, "SELECT "+messageColumns+" FROM messages WHERE id = ? AND tenant_id = ?", messageID, tenantID))
}

const deliveryColumns = `id, endpoint_id, message_id, (SELECT m.event_type FROM messages m WHERE m.id = deliveries.message_id),
	status, attempts, next_attempt_at, last_attempt_at, last_status_code, created_at`

func scanDelivery(s store.Scanner) (Delivery, error) {
	var d Delivery
	var code sql.NullInt64
	if err := s.Scan(&d.ID, &d.EndpointID, &d.MessageID, &d.EventType, &d.Status, &d.Attempts, &d.NextAttemptAt, &d.LastAttemptAt, &code, &d.CreatedAt); err != nil {
		return Delivery{}, err
	}
	if code.Valid {
		c := int(code.Int64)
		d.LastStatusCode = &c
	}
	if d.Status != StatusPending {
		d.NextAttemptAt = nil
	}
	return d, nil
}

// deliveriesWhere returns up to limit deliveries that match where, newest
// first.
func deliveriesWhere(ctx context.Context, q store.Querier, where string, args []any, limit int) ([]Delivery, error) {
	rows, err := q.Query(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE "+where+" ORDER BY id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanDelivery)
}

func deliveriesOfMessage(ctx context.Context, q store.Querier, messageID string, limit int) ([]Delivery, error) {
	return deliveriesWhere(ctx, q, "message_id = ?", []any{messageID}, limit)
}

// deliveriesOfEndpoint returns up to limit of a tenant's endpoint's
// deliveries that match f, newest first, with IDs before the ID before (all
// when it is empty).
func deliveriesOfEndpoint(ctx context.Context, q store.Querier, tenantID, endpointID string, f DeliveryFilter, before string, limit int) ([]Delivery, error) {
	where, args := "endpoint_id = ?", []any{endpointID}
	if f.Status != "" {
		where, args = where+" AND status = ?", append(args, f.Status)
	}
	if f.EventType != "" {
		where, args = where+" AND message_id IN (SELECT id FROM messages WHERE tenant_id = ? AND event_type = ?)", append(args, tenantID, f.EventType)
	}
	if !f.Since.IsZero() {
		where, args = where+" AND created_at >= ?", append(args, f.Since)
	}
	if !f.Until.IsZero() {
		where, args = where+" AND created_at < ?", append(args, f.Until)
	}
	if before != "" {
		where, args = where+" AND id < ?", append(args, before)
	}
	return deliveriesWhere(ctx, q, where, args, limit)
}

func deliveryGet(ctx context.Context, q store.Querier, deliveryID string) (Delivery, error) {
	return scanDelivery(q.QueryRow(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE id = ?", deliveryID))
}

func deliveryGetOfTenant(ctx context.Context, q store.Querier, tenantID, deliveryID string) (Delivery, error) {
	return scanDelivery(q.QueryRow(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE id = ? AND tenant_id = ?", deliveryID, tenantID))
}

// deliveryResendOfTenant makes a tenant's delivery pending and due now, with
// a fresh schedule, and reports whether the tenant had it.
func deliveryResendOfTenant(ctx context.Context, tx *store.Tx, tenantID, deliveryID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE deliveries SET status = ?, attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND tenant_id = ?",
		StatusPending, tx.Now(), tx.Now(), deliveryID, tenantID))
}

// endpointUnpauseOfDelivery ends the pause of a delivery's endpoint.
func endpointUnpauseOfDelivery(ctx context.Context, tx *store.Tx, deliveryID string) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET paused_until = NULL WHERE id = (SELECT endpoint_id FROM deliveries WHERE id = ?)", deliveryID)
	return err
}

// attemptsOfDelivery returns up to limit of a delivery's attempts, oldest
// first.
func attemptsOfDelivery(ctx context.Context, q store.Querier, deliveryID string, limit int) ([]Attempt, error) {
	rows, err := q.Query(ctx, `SELECT id, attempted_at, duration_ms, status_code, success, error, response_body, transformation_version
		FROM attempts WHERE delivery_id = ? ORDER BY attempted_at, id LIMIT ?`, deliveryID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(s store.Scanner) (Attempt, error) {
		var a Attempt
		var code sql.NullInt64
		var errText, transformed sql.NullString
		var body []byte
		if err := s.Scan(&a.ID, &a.AttemptedAt, &a.DurationMS, &code, &a.Success, &errText, &body, &transformed); err != nil {
			return Attempt{}, err
		}
		a.TransformationVersion = transformed.String
		if code.Valid {
			c := int(code.Int64)
			a.StatusCode = &c
		}
		a.Error, a.ResponseBody = errText.String, string(body)
		return a, nil
	})
}

// endpointUnpause ends an endpoint's pause (an open circuit).
func endpointUnpause(ctx context.Context, tx *store.Tx, endpointID string) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET paused_until = NULL WHERE id = ?", endpointID)
	return err
}

// endpointDisable turns an endpoint off for reason, at tx.Now().
func endpointDisable(ctx context.Context, tx *store.Tx, endpointID, reason string) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET disabled = ?, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id = ?",
		true, reason, tx.Now(), tx.Now(), endpointID)
	return err
}

type endpointURL struct{ id, url string }

// endpointURLsLike returns up to limit endpoints whose URL matches the LIKE
// pattern (whose escape character is a backslash), in ID order.
func endpointURLsLike(ctx context.Context, q store.Querier, pattern string, limit int) ([]endpointURL, error) {
	rows, err := q.Query(ctx, `SELECT id, url FROM endpoints WHERE url LIKE ? ESCAPE '\' ORDER BY id LIMIT ?`, pattern, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(s store.Scanner) (endpointURL, error) {
		var ep endpointURL
		if err := s.Scan(&ep.id, &ep.url); err != nil {
			return endpointURL{}, err
		}
		return ep, nil
	})
}

func recoveryInsert(ctx context.Context, tx *store.Tx, tenantID string, rec Recovery) error {
	_, err := tx.Exec(ctx, `INSERT INTO webhook_recoveries (id, tenant_id, endpoint_id, since, status, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		rec.ID, tenantID, rec.EndpointID, rec.Since, rec.Status, rec.CreatedAt)
	return err
}

func recoveryGet(ctx context.Context, q store.Querier, tenantID, endpointID, recoveryID string) (Recovery, error) {
	var r Recovery
	err := q.QueryRow(ctx, `SELECT id, endpoint_id, since, status, resent, created_at, finished_at FROM webhook_recoveries
		WHERE id = ? AND tenant_id = ? AND endpoint_id = ?`, recoveryID, tenantID, endpointID).
		Scan(&r.ID, &r.EndpointID, &r.Since, &r.Status, &r.Resent, &r.CreatedAt, &r.FinishedAt)
	return r, err
}

// recoveryGetProgress returns what a recovery's next page needs: its
// endpoint, the time it started from, its status and the last seq it
// requeued.
func recoveryGetProgress(ctx context.Context, q store.Querier, recoveryID string) (endpointID string, since time.Time, status string, cursor int64, err error) {
	err = q.QueryRow(ctx, "SELECT endpoint_id, since, status, cursor_seq FROM webhook_recoveries WHERE id = ?", recoveryID).
		Scan(&endpointID, &since, &status, &cursor)
	return endpointID, since, status, cursor, err
}

// recoveryAdvance adds resent to a recovery's count and moves its cursor;
// done completes it at tx.Now().
func recoveryAdvance(ctx context.Context, tx *store.Tx, recoveryID string, resent int, cursor int64, done bool) error {
	var err error
	if done {
		_, err = tx.Exec(ctx, "UPDATE webhook_recoveries SET resent = resent + ?, cursor_seq = ?, status = ?, finished_at = ? WHERE id = ?",
			resent, cursor, "completed", tx.Now(), recoveryID)
	} else {
		_, err = tx.Exec(ctx, "UPDATE webhook_recoveries SET resent = resent + ?, cursor_seq = ? WHERE id = ?", resent, cursor, recoveryID)
	}
	return err
}

// deliveriesFailedSince returns the seqs of up to limit of an endpoint's
// failed deliveries created since since, after the seq after, in order.
func deliveriesFailedSince(ctx context.Context, q store.Querier, endpointID string, since time.Time, after int64, limit int) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT seq FROM deliveries WHERE endpoint_id = ? AND status = ? AND created_at >= ? AND seq > ?
		ORDER BY seq LIMIT ?`, endpointID, StatusFailed, since, after, limit)
	if err != nil {
		return nil, err
	}
	return store.Column[int64](rows)
}

// deliveriesRequeueFailed makes an endpoint's failed deliveries created
// since since, with seqs from first to last, pending and due now with a
// fresh schedule.
func deliveriesRequeueFailed(ctx context.Context, tx *store.Tx, endpointID string, since time.Time, first, last int64) error {
	_, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, attempts = 0, next_attempt_at = ?, updated_at = ?
		WHERE endpoint_id = ? AND status = ? AND seq >= ? AND seq <= ? AND created_at >= ?`,
		StatusPending, tx.Now(), tx.Now(), endpointID, StatusFailed, first, last, since)
	return err
}

// deliveriesCountByStatus counts an endpoint's deliveries by status.
func deliveriesCountByStatus(ctx context.Context, q store.Querier, endpointID string) (map[string]int, error) {
	rows, err := q.Query(ctx, "SELECT status, count(*) FROM deliveries WHERE endpoint_id = ? GROUP BY status", endpointID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, err
		}
		counts[status] = n
	}
	return counts, rows.Err()
}

// attemptsCountSince counts an endpoint's attempts since since, and those
// that succeeded.
func attemptsCountSince(ctx context.Context, q store.Querier, endpointID string, since time.Time) (attempts, successes int, err error) {
	err = q.QueryRow(ctx, `SELECT count(*), COALESCE(sum(CASE WHEN success THEN 1 ELSE 0 END), 0) FROM attempts
		WHERE endpoint_id = ? AND attempted_at >= ?`, endpointID, since).Scan(&attempts, &successes)
	return attempts, successes, err
}

// attemptsDurationsSince returns the durations of an endpoint's latest limit
// attempts since since, in milliseconds, newest first.
// attemptSample is what stats read of one attempt.
type attemptSample struct {
	At         time.Time
	Success    bool
	DurationMS int64
	StatusCode sql.NullInt64
	Error      sql.NullString
}

// attemptsSince returns up to limit of an endpoint's attempts made since
// since, newest first.
func attemptsSince(ctx context.Context, q store.Querier, endpointID string, since time.Time, limit int) ([]attemptSample, error) {
	rows, err := q.Query(ctx, `SELECT attempted_at, success, duration_ms, status_code, error FROM attempts
		WHERE endpoint_id = ? AND attempted_at >= ? ORDER BY attempted_at DESC LIMIT ?`, endpointID, since, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (attemptSample, error) {
		var a attemptSample
		err := sc.Scan(&a.At, &a.Success, &a.DurationMS, &a.StatusCode, &a.Error)
		return a, err
	})
}

// messagesEmptyBefore removes the payloads of messages created before cutoff,
// in batches.
func messagesEmptyBefore(ctx context.Context, db *store.DB, cutoff time.Time) error {
	return db.ExecBatched(ctx, RetentionBatch, `UPDATE messages SET payload = NULL WHERE id IN
		(SELECT id FROM messages WHERE created_at < ? AND payload IS NOT NULL LIMIT ?)`, cutoff)
}

// attemptsEmptyBefore removes the response bodies of attempts made before
// cutoff, in batches.
func attemptsEmptyBefore(ctx context.Context, db *store.DB, cutoff time.Time) error {
	return db.ExecBatched(ctx, RetentionBatch, `UPDATE attempts SET response_body = NULL WHERE id IN
		(SELECT id FROM attempts WHERE attempted_at < ? AND response_body IS NOT NULL LIMIT ?)`, cutoff)
}

const eventTypeColumns = "name, description, schema, example, archived, created_at, updated_at"

func scanEventType(row store.Scanner) (EventType, error) {
	var et EventType
	var schema, example []byte
	if err := row.Scan(&et.Name, &et.Description, &schema, &example, &et.Archived, &et.CreatedAt, &et.UpdatedAt); err != nil {
		return EventType{}, err
	}
	var err error
	if et.Schema, err = compactJSON(schema); err != nil {
		return EventType{}, fmt.Errorf("event type %s schema: %w", et.Name, err)
	}
	if et.Example, err = compactJSON(example); err != nil {
		return EventType{}, fmt.Errorf("event type %s example: %w", et.Name, err)
	}
	return et, nil
}

func eventTypeInsert(ctx context.Context, tx *store.Tx, et EventType) error {
	_, err := tx.Exec(ctx, "INSERT INTO event_types (name, description, schema, example, archived, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		et.Name, et.Description, jsonArg(et.Schema), jsonArg(et.Example), et.Archived, et.CreatedAt, et.UpdatedAt)
	return err
}

// eventTypeInsertUnlessExists inserts et unless a type of its name exists,
// which it leaves as it is.
func eventTypeInsertUnlessExists(ctx context.Context, tx *store.Tx, et EventType) error {
	_, err := tx.Exec(ctx, `INSERT INTO event_types (name, description, schema, example, archived, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		et.Name, et.Description, jsonArg(et.Schema), jsonArg(et.Example), et.Archived, et.CreatedAt, et.UpdatedAt)
	return err
}

func eventTypeGet(ctx context.Context, q store.Querier, name string) (EventType, error) {
	return scanEventType(q.QueryRow(ctx, "SELECT "+eventTypeColumns+" FROM event_types WHERE name = ?", name))
}

// eventTypeGetLocked reads an event type and locks it until tx ends.
func eventTypeGetLocked(ctx context.Context, tx *store.Tx, name string) (EventType, error) {
	if err := tx.LockRow(ctx, "event_types", "name", name); err != nil {
		return EventType{}, err
	}
	return eventTypeGet(ctx, tx, name)
}

// eventTypeGetSchema returns whether an event type is archived, and its
// schema (nil without one).
func eventTypeGetSchema(ctx context.Context, q store.Querier, name string) (archived bool, schema []byte, err error) {
	err = q.QueryRow(ctx, "SELECT archived, schema FROM event_types WHERE name = ?", name).Scan(&archived, &schema)
	return archived, schema, err
}

// eventTypesList returns up to limit event types after the name after, in
// name order; archived ones only when includeArchived is set.
func eventTypesList(ctx context.Context, q store.Querier, after string, limit int, includeArchived bool) ([]EventType, error) {
	query := "SELECT " + eventTypeColumns + " FROM event_types WHERE name > ? AND archived = false ORDER BY name LIMIT ?"
	if includeArchived {
		query = "SELECT " + eventTypeColumns + " FROM event_types WHERE name > ? ORDER BY name LIMIT ?"
	}
	rows, err := q.Query(ctx, query, after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanEventType)
}

func eventTypeUpdate(ctx context.Context, tx *store.Tx, et EventType) error {
	_, err := tx.Exec(ctx, "UPDATE event_types SET description = ?, schema = ?, example = ?, archived = ?, updated_at = ? WHERE name = ?",
		et.Description, jsonArg(et.Schema), jsonArg(et.Example), et.Archived, et.UpdatedAt, et.Name)
	return err
}

// eventTypeArchive archives an event type at tx.Now(); an archived one is
// left as it is.
func eventTypeArchive(ctx context.Context, tx *store.Tx, name string) error {
	_, err := tx.Exec(ctx, "UPDATE event_types SET archived = ?, updated_at = ? WHERE name = ? AND archived = false", true, tx.Now(), name)
	return err
}

// endpointsDueUnleased returns up to limit enabled endpoints with deliveries
// due at now that no other node holds a lease on. Asked per endpoint, with
// the status as a literal so the partial index deliveries_due serves it: the
// cost follows pending work, not history.
func endpointsDueUnleased(ctx context.Context, q store.Querier, node string, now time.Time, limit int) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT e.id FROM endpoints e WHERE e.disabled = ?
		AND (e.lease_owner IS NULL OR e.lease_until < ? OR e.lease_owner = ?)
		AND EXISTS (SELECT 1 FROM deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= ?)
		LIMIT ?`, false, now, node, now, limit)
	if err != nil {
		return nil, err
	}
	return store.Column[string](rows)
}

// endpointGetWithHealth returns an endpoint with when it started failing and
// how many attempts in a row failed.
func endpointGetWithHealth(ctx context.Context, q store.Querier, endpointID string) (e Endpoint, failingSince *time.Time, consecutiveFailures int, err error) {
	e, err = scanEndpoint(q.QueryRow(ctx, "SELECT "+endpointColumns+", failing_since, consecutive_failures FROM endpoints WHERE id = ?", endpointID),
		&failingSince, &consecutiveFailures)
	return e, failingSince, consecutiveFailures, err
}

// endpointRecordSuccess records at tx.Now() that an endpoint answered, with
// the failures in a row counted since.
func endpointRecordSuccess(ctx context.Context, tx *store.Tx, endpointID string, failures int) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET last_success_at = ?, failing_since = NULL, consecutive_failures = ? WHERE id = ?",
		tx.Now(), failures, endpointID)
	return err
}

// endpointRecordFailure records that an endpoint is failing, since tx.Now()
// unless it was already, with failures in a row.
func endpointRecordFailure(ctx context.Context, tx *store.Tx, endpointID string, failures int) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET failing_since = COALESCE(failing_since, ?), consecutive_failures = ? WHERE id = ?",
		tx.Now(), failures, endpointID)
	return err
}

// endpointPause pauses an endpoint until until (its circuit is open, or it
// asked to wait).
func endpointPause(ctx context.Context, tx *store.Tx, endpointID string, until time.Time) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET paused_until = ? WHERE id = ?", until, endpointID)
	return err
}

// deliveriesPostponeDue moves an endpoint's pending deliveries due before its
// paused_until to that time. It reads the pause itself: one ended since (a
// resend by hand, say) moves nothing.
func deliveriesPostponeDue(ctx context.Context, q store.Querier, endpointID string) error {
	_, err := q.Exec(ctx, `UPDATE deliveries SET next_attempt_at = (SELECT paused_until FROM endpoints WHERE id = ?)
	WHERE endpoint_id = ? AND status = ? AND next_attempt_at < (SELECT paused_until FROM endpoints WHERE id = ?)`,
		endpointID, endpointID, StatusPending, endpointID)
	return err
}

// pendingRow is a pending delivery with its message, and its endpoint's
// state when it was read.
type pendingRow struct {
	due                 // payload and headers unset
	payload             sql.NullString
	headers             sql.NullString
	endpointUpdatedAt   time.Time
	failingSince        *time.Time
	consecutiveFailures int
	pausedUntil         *time.Time
}

// deliveriesPending returns up to limit of an endpoint's pending deliveries
// in seq order: those due at now, or, for a FIFO endpoint, the oldest ones
// whether due or not (later ones wait behind them).
func deliveriesPending(ctx context.Context, q store.Querier, endpointID string, fifo bool, now time.Time, limit int) ([]pendingRow, error) {
	const columns = `SELECT d.id, d.message_id, d.attempts, d.next_attempt_at, m.created_at, m.event_type, m.payload, m.headers,
		e.updated_at, e.failing_since, e.consecutive_failures, e.paused_until
		FROM deliveries d JOIN messages m ON m.id = d.message_id JOIN endpoints e ON e.id = d.endpoint_id`
	query := columns + " WHERE d.endpoint_id = ? AND d.status = ? AND d.next_attempt_at <= ? ORDER BY d.seq LIMIT ?"
	args := []any{endpointID, StatusPending, now, limit}
	if fifo {
		query = columns + " WHERE d.endpoint_id = ? AND d.status = ? ORDER BY d.seq LIMIT ?"
		args = []any{endpointID, StatusPending, limit}
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(s store.Scanner) (pendingRow, error) {
		var r pendingRow
		if err := s.Scan(&r.id, &r.messageID, &r.attempts, &r.nextAt, &r.publishedAt, &r.eventType, &r.payload, &r.headers, &r.endpointUpdatedAt,
			&r.failingSince, &r.consecutiveFailures, &r.pausedUntil); err != nil {
			return pendingRow{}, err
		}
		return r, nil
	})
}

// attemptsInsert inserts attempts given as rows of id, delivery_id,
// endpoint_id, attempted_at, duration_ms, status_code, success, error,
// response_body, node and transformation_version.
func attemptsInsert(ctx context.Context, tx *store.Tx, rows []any) error {
	return store.InsertRows(ctx, tx, `INSERT INTO attempts (id, delivery_id, endpoint_id, attempted_at, duration_ms, status_code, success, error,
		response_body, node, transformation_version)`, attemptColumns, rows)
}

// attemptColumns is the number of values per row of attemptsInsert.
const attemptColumns = 11

// deliveryRecordAttempt records a delivery's failed attempt: its new status,
// attempt count and next attempt time (nil when it failed for good). Planned
// on each run: the deliveries table grows fast, and a plan cached while it
// was small would scan all of it.
func deliveryRecordAttempt(ctx context.Context, tx *store.Tx, deliveryID, status string, attempts int, next *time.Time, at time.Time, code any) error {
	_, err := tx.ExecPlannedEachRun(ctx, `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?,
		last_status_code = ?, updated_at = ? WHERE id = ?`, status, attempts, next, at, code, tx.Now(), deliveryID)
	return err
}

// deliveriesRecordSuccess marks deliveries that were answered with code as
// succeeded, in one statement planned on each run, each with its own attempt
// time.
func deliveriesRecordSuccess(ctx context.Context, tx *store.Tx, code int, results []result) error {
	// The ELSE gives the placeholders their type on PostgreSQL.
	rs := store.PadPow2(results)
	args := make([]any, 0, 3*len(rs)+3)
	args = append(args, StatusSucceeded)
	for _, r := range rs {
		args = append(args, r.id, r.at.UTC())
	}
	var status any = code
	if code == 0 {
		status = nil // a broker's acknowledgement has no status code
	}
	args = append(args, status, tx.Now())
	for _, r := range rs {
		args = append(args, r.id)
	}
	_, err := tx.ExecPlannedEachRun(ctx, "UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = NULL, last_attempt_at = CASE id"+
		strings.Repeat(" WHEN ? THEN ?", len(rs))+" ELSE last_attempt_at END, last_status_code = ?, updated_at = ? WHERE id IN ("+
		store.Placeholders(len(rs))+")", args...)
	return err
}

// deliveriesBacklog counts the pending deliveries due at now, up to
// backlogCountCap, and returns when the oldest of them fell due (nil when
// none is). Both read the partial index deliveries_due only: the status is
// written into the query, not bound, so that a generic plan of the
// prepared statement can still prove the index's predicate.
func deliveriesBacklog(ctx context.Context, q store.Querier, now time.Time) (int64, *time.Time, error) {
	var n int64
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? LIMIT ?) AS due`,
		now, backlogCountCap).Scan(&n); err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, nil
	}
	var oldest time.Time
	if err := q.QueryRow(ctx, `SELECT next_attempt_at FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
		ORDER BY next_attempt_at LIMIT 1`, now).Scan(&oldest); err != nil {
		return 0, nil, err
	}
	return n, &oldest, nil
}

// endpointsByState counts the endpoints as healthy, failing, circuit_open
// (paused until after now) and disabled.
func endpointsByState(ctx context.Context, q store.Querier, now time.Time) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT CASE
			WHEN disabled THEN 'disabled'
			WHEN paused_until IS NOT NULL AND paused_until > ? THEN 'circuit_open'
			WHEN consecutive_failures > 0 THEN 'failing'
			ELSE 'healthy' END AS state, COUNT(*)
		FROM endpoints GROUP BY 1`, now)
	if err != nil {
		return nil, err
	}
	type count struct {
		state string
		n     int64
	}
	counts, err := store.Collect(rows, func(s store.Scanner) (count, error) {
		var c count
		return c, s.Scan(&c.state, &c.n)
	})
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, c := range counts {
		out[c.state] += c.n
	}
	return out, nil
}

// LiveEventTypes returns every event type that is not archived, in name
// order, for the automation catalog.
func LiveEventTypes(ctx context.Context, q store.Querier) ([]EventType, error) {
	rows, err := q.Query(ctx, "SELECT "+eventTypeColumns+" FROM event_types WHERE archived = false ORDER BY name")
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanEventType)
}

// LiveEventType returns an event type that is not archived, or sql.ErrNoRows.
func LiveEventType(ctx context.Context, q store.Querier, name string) (EventType, error) {
	return scanEventType(q.QueryRow(ctx, "SELECT "+eventTypeColumns+" FROM event_types WHERE name = ? AND archived = false", name))
}

// RecentMessagesOfType returns up to limit of a tenant's messages of one
// event type with their payloads, newest first, with IDs before the ID
// before (all when empty): what polling triggers list.
func RecentMessagesOfType(ctx context.Context, q store.Querier, tenantID, eventType, before string, limit int) ([]Message, error) {
	rows, err := q.Query(ctx, "SELECT "+messageColumns+` FROM messages WHERE tenant_id = ? AND event_type = ? AND (? = '' OR id < ?)
		ORDER BY id DESC LIMIT ?`, tenantID, eventType, before, before, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanMessage)
}

func endpointSetPayloadFilter(ctx context.Context, tx *store.Tx, endpointID, filter string) error {
	_, err := tx.Exec(ctx, "UPDATE endpoints SET payload_filter = ? WHERE id = ?", filter, endpointID)
	return err
}

// endpointDelete deletes an endpoint with its deliveries and attempts.
func endpointDelete(ctx context.Context, tx *store.Tx, endpointID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM endpoints WHERE id = ?", endpointID))
}

func endpointHealthGet(ctx context.Context, q store.Querier, endpointID string) (EndpointHealth, error) {
	var h EndpointHealth
	var reason sql.NullString
	var last *time.Time
	err := q.QueryRow(ctx, "SELECT disabled, disabled_reason, consecutive_failures, last_success_at FROM endpoints WHERE id = ?", endpointID).
		Scan(&h.Disabled, &reason, &h.ConsecutiveFailures, &last)
	h.DisabledReason = reason.String
	if last != nil {
		at := last.UTC().Format(time.RFC3339)
		h.LastSuccessAt = &at
	}
	return h, err
}
