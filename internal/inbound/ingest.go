package inbound

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
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
// their hash, which deduplicates as well (as are those PostgreSQL cannot
// store as text).
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
		Summary:     "Ingest URL for a source: verifies the request over its raw bytes, stores it once per event identity, then answers the provider",
		Description: "Give this URL to the provider. Patchbay verifies the signature over the raw bytes, stores the event once per provider event ID within the dedupe window, answers at once, and forwards or publishes it in the background. A request that fails verification is refused with a problem, and is not stored.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.ingest(w, r)
		}),
	}
}

// HandleHandshake answers a provider that checks a source's ingest URL with
// a GET request before sending events (verifier.handshake).
func HandleHandshake(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "Ingest URL, GET: answers the provider's URL check (Meta's hub.challenge, Dropbox's challenge, X's crc_token) as the source's verifier.handshake says",
		Description: "Some providers check an ingest URL with a GET before sending events (Meta's hub.challenge, Dropbox's challenge, X's CRC). Patchbay answers as the source's verifier.handshake says; 404 when the source has no handshake.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			src, v, err := s.ingestSourceOf(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			reply, err := v.Handshake(verify.Request{Header: r.Header, Query: r.URL.Query()})
			var verr *verify.Error
			switch {
			case errors.Is(err, verify.ErrNoHandshake):
				w.Header().Set("Allow", http.MethodPost)
				httpapi.Error(w, r, apperr.Errorf(apperr.MethodNotAllowed,
					"this source takes events by POST; set verifier.handshake for a provider that checks the URL with GET"))
				return
			case errors.As(err, &verr):
				s.metrics.rejected.WithLabelValues(string(src.verifier.Scheme), string(verr.Reason)).Inc()
				httpapi.Error(w, r, errVerification(verr))
				return
			case err != nil:
				httpapi.Error(w, r, err)
				return
			}
			s.metrics.events.WithLabelValues(string(src.verifier.Scheme), "challenge").Inc()
			w.Header().Set("Content-Type", reply.ContentType)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			io.WriteString(w, reply.Body) //nolint:errcheck // the provider may be gone
		}),
	}
}

// ingestSourceOf returns the source an ingest URL names: /in/{source_id},
// or /in/{source_id}/{ingest_token} for a source with scheme none.
func (s *Service) ingestSourceOf(r *http.Request) (Source, *verify.Verifier, error) {
	sourceID, err := sourceFromPath(r)
	if err != nil {
		return Source{}, nil, errNoSource
	}
	return s.ingestSource(r.Context(), sourceID, r.PathValue("ingest_token"))
}

func (s *Service) ingest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	src, v, err := s.ingestSourceOf(r)
	if err != nil {
		httpapi.Error(w, r, err)
		return
	}
	body, err := httpapi.ReadBody(r)
	if err != nil {
		httpapi.Error(w, r, err)
		return
	}
	now := time.Now()
	res, err := v.Verify(verify.Request{Header: r.Header, Query: r.URL.Query(), Body: body, Now: now})
	var verr *verify.Error
	if errors.As(err, &verr) {
		s.metrics.rejected.WithLabelValues(string(src.verifier.Scheme), string(verr.Reason)).Inc()
		httpapi.Error(w, r, errVerification(verr))
		return
	} else if err != nil {
		httpapi.Error(w, r, err)
		return
	}
	if res.Challenge != "" { // Slack's url_verification: answered, not stored
		s.metrics.events.WithLabelValues(string(src.verifier.Scheme), "challenge").Inc()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, res.Challenge) //nolint:errcheck // the provider may be gone
		return
	}
	duplicate, err := s.store(ctx, src, r.Method, keptHeaders(r.Header, src.verifier), body, res)
	if err != nil {
		httpapi.Error(w, r, err)
		return
	}
	outcome := "new"
	if duplicate {
		outcome = "duplicate"
	}
	s.metrics.events.WithLabelValues(string(src.verifier.Scheme), outcome).Inc()
	w.Header().Set("Content-Type", src.Response.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(src.Response.Body)))
	w.WriteHeader(src.Response.Status)
	io.WriteString(w, src.Response.Body) //nolint:errcheck // the provider may be gone
}

// ingestReq is one event on its way into the database.
type ingestReq struct {
	src      Source
	id       string
	method   string
	headers  string
	body     []byte
	eventID  *string
	signedAt *time.Time
	// forward, when the source has a destination, is what goes to it.
	forward *webhooks.Forward
	// transformed is what the source's transformation made of the event.
	transformed *transformed
	// duplicateOf is the commit's answer: the first event with this
	// identity, when it is not this one; deliveryID is the forward's.
	duplicateOf *string
	deliveryID  *string
}

// maxIngestGroup bounds the events one transaction stores: 11 parameters
// each stays far below either database's limit.
const maxIngestGroup = 256

// store commits an event, deciding in the same transaction whether its
// identity was seen within the source's window. Events that arrive together
// share a transaction (store.GroupCommit) and its multi-row statements.
func (s *Service) store(ctx context.Context, src Source, method string, headers map[string]string, body []byte, res verify.Result) (bool, error) {
	headerJSON, err := json.Marshal(headers)
	if err != nil {
		return false, err
	}
	r := &ingestReq{src: src, id: id.New("ievt"), method: method, headers: string(headerJSON), body: body}
	if !res.Timestamp.IsZero() {
		r.signedAt = &res.Timestamp
	}
	if res.EventID != "" {
		key := res.EventID
		if len(key) > maxEventIDLen || !httpapi.IsText(key) {
			// Kept small, and storable as text on PostgreSQL (no invalid
			// UTF-8, no NUL), without refusing a genuine event or merging
			// two: its hash deduplicates as well.
			sum := sha256.Sum256([]byte(key))
			key = "sha256:" + hex.EncodeToString(sum[:])
		}
		r.eventID = &key
	}
	r.transformed = s.applyTransformation(ctx, src, headers, body)
	if tr := r.transformed; tr == nil && src.endpointID != "" {
		f := src.forward(headers, body)
		r.forward = &f
	} else if tr != nil && tr.failure == "" && !tr.cancel && src.endpointID != "" {
		f := src.forward(tr.headers, tr.body)
		r.forward = &f
	}
	if err := s.ingests.Submit(ctx, r); err != nil {
		return false, err
	}
	if r.deliveryID != nil {
		s.hooks.Delivered([]string{src.endpointID})
	}
	return r.duplicateOf != nil, nil
}

// forward is what goes to the source's destination for an event: its body as
// it came, with forwardHeaders.
func (src Source) forward(headers map[string]string, body []byte) webhooks.Forward {
	return webhooks.Forward{TenantID: ForwardingTenant, EndpointID: src.endpointID, EventType: "inbound." + string(src.verifier.Scheme),
		Body: body, Headers: forwardHeaders(headers, src.ForwardHeaderPrefix)}
}

// forwardHeaders are the headers a forwarded event carries: its original
// Content-Type, and with a prefix every header it came with, renamed.
func forwardHeaders(received map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	if ct := received["Content-Type"]; ct != "" {
		out["Content-Type"] = ct
	}
	if prefix == "" {
		return out
	}
	for k, v := range received {
		out[prefix+k] = v
	}
	return out
}

type identity struct{ source, event string }

// commitIngests stores a group of events in one transaction: one upsert
// claims every identity in the group, one insert writes every event. The
// commit acknowledges the events, so one whose answer is lost is resolved
// (WithResolvedTx), not answered 503 for events that were stored.
func (s *Service) commitIngests(ctx context.Context, group []*ingestReq) error {
	return s.db.WithResolvedTx(ctx, func(tx *store.Tx) error {
		first := map[identity]*ingestReq{}
		var claims []*ingestReq
		for _, r := range group {
			r.duplicateOf, r.deliveryID = nil, nil // a group that failed is committed again, request by request
			if r.eventID == nil {
				continue
			}
			if k := (identity{r.src.ID, *r.eventID}); first[k] == nil {
				first[k] = r
				claims = append(claims, r)
			}
		}
		if err := claimIdentities(ctx, tx, claims); err != nil {
			return err
		}
		for _, r := range group { // copies within the group follow their first
			if r.eventID == nil {
				continue
			}
			if f := first[identity{r.src.ID, *r.eventID}]; f != r {
				r.duplicateOf = cmp.Or(f.duplicateOf, &f.id)
			}
		}
		var forwards []webhooks.Forward
		var forwarded []*ingestReq
		for _, r := range group {
			if r.duplicateOf == nil && r.forward != nil {
				forwards, forwarded = append(forwards, *r.forward), append(forwarded, r)
			}
		}
		if len(forwards) > 0 {
			deliveryIDs, err := s.hooks.EnqueueTx(ctx, tx, forwards)
			if err != nil {
				return err
			}
			for i, r := range forwarded {
				r.deliveryID = &deliveryIDs[i]
			}
		}
		if err := eventsInsert(ctx, tx, group); err != nil {
			return err
		}
		for _, r := range group {
			if r.duplicateOf == nil && r.src.Route != nil && r.routes() {
				args := RouteArgs{SourceID: r.src.ID, EventID: r.id}
				if r.transformed != nil {
					args.Routed = r.transformed.routed
				}
				if _, err := s.jobs.InsertTx(ctx, tx.Tx, args, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// claimIdentities records each request as the first event with its
// identity, unless a live claim exists, in which case the request becomes a
// duplicate of the claim's event. The claims are made in one order on every
// node, so concurrent groups cannot deadlock on each other's rows; the row
// lock orders concurrent copies of one event, and the losers see the
// winner's row.
func claimIdentities(ctx context.Context, tx *store.Tx, claims []*ingestReq) error {
	if len(claims) == 0 {
		return nil
	}
	slices.SortFunc(claims, func(a, b *ingestReq) int {
		return cmp.Or(strings.Compare(a.src.ID, b.src.ID), strings.Compare(*a.eventID, *b.eventID))
	})
	return dedupeClaim(ctx, tx, claims)
}

// routes reports whether the event is re-emitted: not when its source's
// transformation failed or dropped it.
func (r *ingestReq) routes() bool {
	return r.transformed == nil || (r.transformed.failure == "" && !r.transformed.cancel)
}
