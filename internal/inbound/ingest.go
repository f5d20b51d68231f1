package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/verify"
)

// Event statuses.
const (
	StatusReceived  = "received"  // stored; not forwarded yet
	StatusDuplicate = "duplicate" // the provider sent this event before, within the window
	StatusForwarded = "forwarded"
	StatusFailed    = "failed"
)

// maxEventIDLen bounds a stored event identity; longer ones are stored as
// their hash, which deduplicates as well.
const maxEventIDLen = 200

// droppedHeaders are never stored: they carry credentials, or describe the
// connection rather than the event.
var droppedHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true,
	"Connection": true, "Keep-Alive": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// keptHeaders are the request's headers as stored with the event.
func keptHeaders(h http.Header, cfg verify.Config) map[string]string {
	secret := http.CanonicalHeaderKey(cfg.Header)
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if droppedHeaders[k] || (cfg.Scheme == verify.SchemeAPIKey && k == secret) {
			continue
		}
		out[k] = strings.Join(vs, ", ")
	}
	return out
}

// errVerification is the answer to a request that failed verification. The
// detail is the verifier's, which names what was wrong but never echoes the
// body or a signature.
func errVerification(e *verify.Error) error {
	return apperr.Errorf(apperr.Unauthorized, "the request could not be verified (%s): %s", e.Reason, e.Message)
}

// HandleIngest receives a provider's webhook at a source's ingest URL.
func HandleIngest(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Ingest URL for a source: verifies the request over its raw bytes, stores it once per event identity, then answers the provider",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.ingest(w, r)
		}),
	}
}

func (s *Service) ingest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sourceID, err := sourceFromPath(r)
	if err != nil {
		httpapi.Error(w, r, apperr.Errorf(apperr.NotFound, "no source at this URL"))
		return
	}
	src, v, err := s.ingestSource(ctx, sourceID)
	if err != nil {
		httpapi.Error(w, r, err)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			httpapi.Error(w, r, apperr.Errorf(apperr.TooLarge, "the request body is larger than %d bytes", tooLarge.Limit))
			return
		}
		httpapi.Error(w, r, apperr.Errorf(apperr.Invalid, "could not read the request body"))
		return
	}
	now := time.Now()
	res, err := v.Verify(verify.Request{Header: r.Header, Query: r.URL.Query(), Body: body, Now: now})
	var verr *verify.Error
	if errors.As(err, &verr) {
		s.metrics.rejected.WithLabelValues(src.ID, string(verr.Reason)).Inc()
		httpapi.Error(w, r, errVerification(verr))
		return
	} else if err != nil {
		httpapi.Error(w, r, err)
		return
	}
	if res.Challenge != "" { // Slack's url_verification: answered, not stored
		s.metrics.events.WithLabelValues(src.ID, "challenge").Inc()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, res.Challenge) //nolint:errcheck // the provider may be gone
		return
	}
	duplicate, err := s.store(ctx, src, r.Method, keptHeaders(r.Header, src.verifier), body, res, now)
	if err != nil {
		httpapi.Error(w, r, err)
		return
	}
	outcome := "new"
	if duplicate {
		outcome = "duplicate"
	}
	s.metrics.events.WithLabelValues(src.ID, outcome).Inc()
	w.Header().Set("Content-Type", src.Response.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(src.Response.Body)))
	w.WriteHeader(src.Response.Status)
	io.WriteString(w, src.Response.Body) //nolint:errcheck // the provider may be gone
}

// store commits an event, deciding in the same transaction whether its
// identity was seen within the source's window. Concurrent copies of one
// event race on the inbound_dedupe row, so exactly one is the original.
func (s *Service) store(ctx context.Context, src Source, method string, headers map[string]string, body []byte, res verify.Result, now time.Time) (bool, error) {
	headerJSON, err := json.Marshal(headers)
	if err != nil {
		return false, err
	}
	var signedAt *time.Time
	if !res.Timestamp.IsZero() {
		signedAt = &res.Timestamp
	}
	var eventID *string
	if res.EventID != "" {
		key := res.EventID
		if len(key) > maxEventIDLen { // keep the key small without refusing a genuine event
			sum := sha256.Sum256([]byte(key))
			key = "sha256:" + hex.EncodeToString(sum[:])
		}
		eventID = &key
	}
	if s.db.Dialect().Name() == store.Postgres && src.Route == nil {
		return s.storePostgres(ctx, src, method, string(headerJSON), body, eventID, signedAt)
	}
	var duplicate bool
	err = s.db.WithGroupTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		duplicate = false
		evtID := id.New("ievt")
		var duplicateOf *string
		status := StatusReceived
		if eventID != nil {
			first, err := claimIdentity(ctx, tx, src, *eventID, evtID)
			if err != nil {
				return err
			}
			if first != evtID {
				duplicate, duplicateOf, status = true, &first, StatusDuplicate
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO inbound_events (id, source_id, event_id, duplicate_of, method, headers, body, signed_at,
			received_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			evtID, src.ID, eventID, duplicateOf, method, string(headerJSON), body, signedAt, tx.Now(), status)
		if err != nil || duplicate || src.Route == nil {
			return err
		}
		_, err = s.jobs.InsertTx(ctx, tx.Tx, RouteArgs{SourceID: src.ID, EventID: evtID}, nil)
		return err
	})
	return duplicate, err
}

// storePostgres is store in one statement, so one round trip. The upsert
// always returns the identity's first event: the row lock it takes orders
// concurrent copies of one event, and the losers see the winner's row.
func (s *Service) storePostgres(ctx context.Context, src Source, method, headers string, body []byte, eventID *string, signedAt *time.Time) (bool, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	var duplicateOf *string
	err := s.db.QueryRow(ctx, `WITH claim AS (
			INSERT INTO inbound_dedupe (source_id, event_id, first_id, expires_at) SELECT $2, $3, $1, $9 WHERE $3::text IS NOT NULL
			ON CONFLICT (source_id, event_id) DO UPDATE SET `+claimSet("$8")+`
			RETURNING first_id
		)
		INSERT INTO inbound_events (id, source_id, event_id, duplicate_of, method, headers, body, signed_at, received_at, status)
		SELECT $1, $2, $3, NULLIF(c.first_id, $1), $4, $5, $6, $7, $8,
			CASE WHEN c.first_id IS NULL OR c.first_id = $1 THEN '`+StatusReceived+`' ELSE '`+StatusDuplicate+`' END
		FROM (SELECT 1) one LEFT JOIN claim c ON true
		RETURNING duplicate_of`,
		id.New("ievt"), src.ID, eventID, method, headers, body, signedAt, now, now.Add(time.Duration(src.DedupeWindowSeconds)*time.Second)).
		Scan(&duplicateOf)
	return duplicateOf != nil, err
}

// claimSet is the upsert's update: an identity's claim is renewed, with this
// event as the first, only once its window has passed at now (a
// placeholder). Both databases evaluate SET against the old row.
func claimSet(now string) string {
	expired := "inbound_dedupe.expires_at <= " + now
	return "first_id = CASE WHEN " + expired + " THEN excluded.first_id ELSE inbound_dedupe.first_id END, " +
		"expires_at = CASE WHEN " + expired + " THEN excluded.expires_at ELSE inbound_dedupe.expires_at END"
}

// claimIdentity records evtID as the first event with this identity, unless
// a live claim exists, and returns the first event's ID either way.
func claimIdentity(ctx context.Context, tx *store.Tx, src Source, eventID, evtID string) (string, error) {
	window := time.Duration(src.DedupeWindowSeconds) * time.Second
	var first string
	err := tx.QueryRow(ctx, `INSERT INTO inbound_dedupe (source_id, event_id, first_id, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (source_id, event_id) DO UPDATE SET `+claimSet("?")+` RETURNING first_id`,
		src.ID, eventID, evtID, tx.Now().Add(window), tx.Now(), tx.Now()).Scan(&first)
	return first, err
}
