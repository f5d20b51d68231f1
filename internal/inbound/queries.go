package inbound

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
	"github.com/patchbay/patchbay/verify"
)

// The queries of sources, inbound_events and inbound_dedupe (docs/
// architecture.md, "Where queries live"). Events read their forward's status
// by joining the webhooks capability's deliveries table: a read only, for
// filtering and paging a list by status in one statement.

// storedSource is a source as stored: its verifier still sealed.
type storedSource struct {
	Source
	sealed []byte
}

const sourceColumns = `id, name, tenant_id, verifier, dedupe_window_seconds, destination_url, endpoint_id, forward_header_prefix,
	route_event_type, route_tenant_id, route_tenant_pointer, response_status, response_body, response_content_type, ingest_token_hash,
	created_at, updated_at, consume, consume_credentials IS NOT NULL`

func scanSource(sc store.Scanner) (storedSource, error) {
	var st storedSource
	src := &st.Source
	var eventType, routeTenant, routePointer, endpointID, consume sql.NullString
	err := sc.Scan(&src.ID, &src.Name, &src.TenantID, &st.sealed, &src.DedupeWindowSeconds, &src.DestinationURL, &endpointID, &src.ForwardHeaderPrefix,
		&eventType, &routeTenant, &routePointer, &src.Response.Status, &src.Response.Body, &src.Response.ContentType, &src.tokenHash, &src.CreatedAt, &src.UpdatedAt,
		&consume, &src.ConsumeCredentialsSet)
	if err != nil {
		return storedSource{}, err
	}
	src.endpointID = endpointID.String
	if consume.Valid {
		src.Consume = &destinations.Consume{}
		if err := json.Unmarshal([]byte(consume.String), src.Consume); err != nil {
			return storedSource{}, fmt.Errorf("source %s consume: %w", src.ID, err)
		}
	}
	if eventType.Valid {
		src.Route = &Route{EventType: eventType.String, TenantID: routeTenant.String, TenantPointer: routePointer.String}
	}
	return st, nil
}

func sourceGet(ctx context.Context, q store.Querier, sourceID string) (storedSource, error) {
	return scanSource(q.QueryRow(ctx, "SELECT "+sourceColumns+" FROM sources WHERE id = ?", sourceID))
}

// sourcesList returns up to limit sources after the ID after, only tenantID's
// unless it is empty.
func sourcesList(ctx context.Context, q store.Querier, tenantID, after string, limit int) ([]storedSource, error) {
	where, args := "id > ?", []any{after}
	if tenantID != "" {
		where, args = "tenant_id = ? AND id > ?", []any{tenantID, after}
	}
	rows, err := q.Query(ctx, "SELECT "+sourceColumns+" FROM sources WHERE "+where+" ORDER BY id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanSource)
}

func sourceInsert(ctx context.Context, tx *store.Tx, src Source, sealed []byte) error {
	eventType, routeTenant, routePointer := src.Route.columns()
	_, err := tx.Exec(ctx, `INSERT INTO sources (id, name, tenant_id, scheme, verifier, dedupe_window_seconds, destination_url,
		endpoint_id, forward_header_prefix, route_event_type, route_tenant_id, route_tenant_pointer, response_status, response_body,
		response_content_type, ingest_token_hash, created_at, updated_at, consume) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		src.ID, src.Name, src.TenantID, string(src.verifier.Scheme), sealed, src.DedupeWindowSeconds, src.DestinationURL,
		store.Nullable(src.endpointID), src.ForwardHeaderPrefix, eventType, routeTenant, routePointer, src.Response.Status, src.Response.Body,
		src.Response.ContentType, src.tokenHash, src.CreatedAt, src.UpdatedAt, consumeArg(src.Consume))
	return err
}

func sourceUpdate(ctx context.Context, tx *store.Tx, src Source, sealed []byte) error {
	eventType, routeTenant, routePointer := src.Route.columns()
	_, err := tx.Exec(ctx, `UPDATE sources SET name = ?, tenant_id = ?, scheme = ?, verifier = ?, dedupe_window_seconds = ?,
		destination_url = ?, endpoint_id = ?, forward_header_prefix = ?, route_event_type = ?, route_tenant_id = ?, route_tenant_pointer = ?,
		response_status = ?, response_body = ?, response_content_type = ?, ingest_token_hash = ?, updated_at = ?, consume = ? WHERE id = ?`,
		src.Name, src.TenantID, string(src.verifier.Scheme), sealed, src.DedupeWindowSeconds, src.DestinationURL,
		store.Nullable(src.endpointID), src.ForwardHeaderPrefix, eventType, routeTenant, routePointer, src.Response.Status, src.Response.Body,
		src.Response.ContentType, src.tokenHash, src.UpdatedAt, consumeArg(src.Consume), src.ID)
	return err
}

func consumeArg(c *destinations.Consume) any {
	if c == nil {
		return nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings, a bool and a slice of strings
	}
	return string(b)
}

func sourceSetConsumeCredentials(ctx context.Context, tx *store.Tx, sourceID string, sealed []byte) error {
	_, err := tx.Exec(ctx, "UPDATE sources SET consume_credentials = ? WHERE id = ?", sealed, sourceID)
	return err
}

// sourceGetConsumeCredentials returns a source's sealed broker credentials,
// nil when it has none.
func sourceGetConsumeCredentials(ctx context.Context, q store.Querier, sourceID string) (sealed []byte, err error) {
	err = q.QueryRow(ctx, "SELECT consume_credentials FROM sources WHERE id = ?", sourceID).Scan(&sealed)
	return sealed, err
}

// sourcesConsuming lists the sources that consume from a broker, with when
// each last changed.
func sourcesConsuming(ctx context.Context, q store.Querier) (map[string]time.Time, error) {
	rows, err := q.Query(ctx, "SELECT id, updated_at FROM sources WHERE consume IS NOT NULL")
	if err != nil {
		return nil, err
	}
	type row struct {
		id string
		at time.Time
	}
	list, err := store.Collect(rows, func(sc store.Scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.id, &r.at)
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(list))
	for _, r := range list {
		out[r.id] = r.at
	}
	return out, nil
}

func sourceSetIngestToken(ctx context.Context, tx *store.Tx, sourceID string, tokenHash []byte) error {
	_, err := tx.Exec(ctx, "UPDATE sources SET ingest_token_hash = ?, updated_at = ? WHERE id = ?", tokenHash, tx.Now(), sourceID)
	return err
}

func sourceIDsWithoutIngestToken(ctx context.Context, q store.Querier) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT id FROM sources WHERE scheme = ? AND ingest_token_hash IS NULL ORDER BY id", string(verify.SchemeNone))
	if err != nil {
		return nil, err
	}
	return store.Column[string](rows)
}

func sourceDelete(ctx context.Context, q store.Querier, sourceID string) error {
	_, err := q.Exec(ctx, "DELETE FROM sources WHERE id = ?", sourceID)
	return err
}

// eventStatus is an event's status: its own for a duplicate, else its
// forward's.
const eventStatus = `CASE WHEN e.status = '` + StatusDuplicate + `' THEN e.status WHEN d.status = 'succeeded' THEN '` + StatusForwarded +
	`' WHEN d.status = 'failed' THEN '` + StatusFailed + `' ELSE '` + StatusReceived + `' END`

// eventColumns name the forward's delivery only while it exists: removing a
// source's destination removes its deliveries.
const eventColumns = "e.id, e.source_id, e.event_id, e.duplicate_of, " + eventStatus + ", d.id, e.method, e.headers, e.body, e.body IS NULL, e.signed_at, e.received_at, " +
	"e.transformation_version, e.transformation_error"

const eventFrom = " FROM inbound_events e LEFT JOIN deliveries d ON d.id = e.delivery_id"

func scanEvent(sc store.Scanner) (Event, error) {
	var e Event
	var headers string
	var body []byte
	// An empty body and a removed one both scan as nil on SQLite: only IS NULL
	// tells them apart.
	if err := sc.Scan(&e.ID, &e.SourceID, &e.EventID, &e.DuplicateOf, &e.Status, &e.DeliveryID, &e.Method, &headers, &body, &e.BodyRemoved,
		&e.SignedAt, &e.ReceivedAt, &e.TransformationVersion, &e.TransformationError); err != nil {
		return Event{}, err
	}
	if err := json.Unmarshal([]byte(headers), &e.Headers); err != nil {
		return Event{}, fmt.Errorf("event %s headers: %w", e.ID, err)
	}
	e.Body = json.RawMessage("null")
	if !e.BodyRemoved {
		e.Body = rawBody(body)
	}
	return e, nil
}

// eventsList returns up to limit of a source's events that match f, after the
// ID after, oldest first.
func eventsList(ctx context.Context, q store.Querier, sourceID string, f EventFilter, after string, limit int) ([]Event, error) {
	where := []string{"e.source_id = ?", "e.id > ?"}
	args := []any{sourceID, after}
	if f.Status != "" {
		where, args = append(where, eventStatus+" = ?"), append(args, f.Status)
	}
	if f.EventID != "" {
		where, args = append(where, "e.event_id = ?"), append(args, f.EventID)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "e.received_at >= ?"), append(args, f.Since)
	}
	if !f.Until.IsZero() {
		where, args = append(where, "e.received_at < ?"), append(args, f.Until)
	}
	rows, err := q.Query(ctx, "SELECT "+eventColumns+eventFrom+" WHERE "+strings.Join(where, " AND ")+" ORDER BY e.id LIMIT ?",
		append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanEvent)
}

func eventGet(ctx context.Context, q store.Querier, sourceID, eventID string) (Event, error) {
	return scanEvent(q.QueryRow(ctx, "SELECT "+eventColumns+eventFrom+" WHERE e.source_id = ? AND e.id = ?", sourceID, eventID))
}

// eventGetBody returns an event's headers (JSON) and body, and whether the
// retention job removed the body.
func eventGetBody(ctx context.Context, q store.Querier, sourceID, eventID string) (headers string, body []byte, removed bool, err error) {
	err = q.QueryRow(ctx, "SELECT headers, body, body IS NULL FROM inbound_events WHERE source_id = ? AND id = ?", sourceID, eventID).
		Scan(&headers, &body, &removed)
	return headers, body, removed, err
}

// eventGetForForward locks an event and returns its headers (JSON) and body,
// whether the body was removed, and its forward's delivery while that exists.
// Locked first, then read by a statement of its own, which sees what a
// replay that held the lock committed.
func eventGetForForward(ctx context.Context, tx *store.Tx, eventID string) (headers string, body []byte, removed bool, deliveryID *string, err error) {
	if err = tx.LockRow(ctx, "inbound_events", "id", eventID); err != nil {
		return "", nil, false, nil, err
	}
	err = tx.QueryRow(ctx, "SELECT e.headers, e.body, e.body IS NULL, d.id"+eventFrom+" WHERE e.id = ?", eventID).
		Scan(&headers, &body, &removed, &deliveryID)
	return headers, body, removed, deliveryID, err
}

func eventSetDelivery(ctx context.Context, tx *store.Tx, eventID, deliveryID string) error {
	_, err := tx.Exec(ctx, "UPDATE inbound_events SET delivery_id = ? WHERE id = ?", deliveryID, eventID)
	return err
}

// eventsInsert stores a group of ingested events in one multi-row INSERT.
func eventsInsert(ctx context.Context, tx *store.Tx, group []*ingestReq) error {
	args := make([]any, 0, 13*len(group))
	for _, r := range group {
		status := StatusReceived
		if r.duplicateOf != nil {
			status = StatusDuplicate
		}
		var version, failure *string
		if tr := r.transformed; tr != nil {
			version, failure = store.Nullable(tr.version), store.Nullable(tr.failure)
			if tr.cancel {
				failure = store.Nullable("cancelled by the transformation")
			}
		}
		args = append(args, r.id, r.src.ID, r.eventID, r.duplicateOf, r.method, r.headers, r.body, r.signedAt, tx.Now(), status, r.deliveryID,
			version, failure)
	}
	_, err := tx.Exec(ctx, `INSERT INTO inbound_events (id, source_id, event_id, duplicate_of, method, headers, body, signed_at,
		received_at, status, delivery_id, transformation_version, transformation_error)`+store.ValuesList(len(group), 13), args...)
	return err
}

// eventsEmptyBefore empties the bodies and headers of events received before
// cutoff, in batches.
func eventsEmptyBefore(ctx context.Context, db *store.DB, cutoff time.Time) error {
	return db.ExecBatched(ctx, webhooks.RetentionBatch, `UPDATE inbound_events SET body = NULL, headers = '{}' WHERE id IN
		(SELECT id FROM inbound_events WHERE received_at < ? AND body IS NOT NULL LIMIT ?)`, cutoff)
}

// dedupeClaim claims the identities of claims, sorted by the caller, in one
// upsert, and marks each request whose identity has a live claim a
// duplicate of the claim's first event.
func dedupeClaim(ctx context.Context, tx *store.Tx, claims []*ingestReq) error {
	args := make([]any, 0, 4*len(claims)+2)
	byKey := make(map[identity]*ingestReq, len(claims))
	for _, r := range claims {
		args = append(args, r.src.ID, *r.eventID, r.id, tx.Now().Add(time.Duration(r.src.DedupeWindowSeconds)*time.Second))
		byKey[identity{r.src.ID, *r.eventID}] = r
	}
	rows, err := tx.Query(ctx, `INSERT INTO inbound_dedupe (source_id, event_id, first_id, expires_at)`+store.ValuesList(len(claims), 4)+`
		ON CONFLICT (source_id, event_id) DO UPDATE SET `+claimSet("?")+` RETURNING source_id, event_id, first_id`,
		append(args, tx.Now(), tx.Now())...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k identity
		var firstID string
		if err := rows.Scan(&k.source, &k.event, &firstID); err != nil {
			return err
		}
		if r := byKey[k]; r != nil && firstID != r.id {
			r.duplicateOf = &firstID
		}
	}
	return rows.Err()
}

// claimSet is the upsert's update: an identity's claim is renewed, with this
// event as the first, only once its window has passed at now (a
// placeholder). Both databases evaluate SET against the old row.
func claimSet(now string) string {
	expired := "inbound_dedupe.expires_at <= " + now
	return "first_id = CASE WHEN " + expired + " THEN excluded.first_id ELSE inbound_dedupe.first_id END, " +
		"expires_at = CASE WHEN " + expired + " THEN excluded.expires_at ELSE inbound_dedupe.expires_at END"
}

func dedupeDeleteExpired(ctx context.Context, q store.Querier, now time.Time) error {
	_, err := q.Exec(ctx, "DELETE FROM inbound_dedupe WHERE expires_at < ?", now)
	return err
}
