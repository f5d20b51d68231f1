// Package inbound receives webhooks that providers such as Stripe, GitHub,
// Shopify and Slack send to the SaaS: each source has an ingest URL; every
// request to it is verified over its raw bytes, deduplicated by the
// provider's event identity, and committed before it is acknowledged.
package inbound

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/jobs"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/ttlcache"
	"github.com/patchbay/patchbay/internal/vault"
	"github.com/patchbay/patchbay/internal/webhooks"
	"github.com/patchbay/patchbay/verify"
)

// DedupeWindowDefault is how long an event identity is remembered unless a
// source says otherwise.
const DedupeWindowDefault = 7 * 24 * time.Hour

// sourceCacheTTL bounds how long another node may keep using a source's
// previous settings (a rotated-out secret, say) after a change; the node
// that makes the change drops its copy at once.
const sourceCacheTTL = 5 * time.Second

// Response is what a source answers the provider once an event is stored.
type Response struct {
	Status      int    `json:"status" doc:"The HTTP status to answer the provider with."`
	Body        string `json:"body" doc:"The body to answer with."`
	ContentType string `json:"content_type" doc:"The body's media type."`
}

// Source is where one provider sends its webhooks.
type Source struct {
	ID       string  `json:"id" doc:"The source's ID; its ingest URL is /in/{id}."`
	Name     string  `json:"name" doc:"The source's name."`
	TenantID *string `json:"tenant_id" doc:"The tenant the source belongs to; null for an installation-wide source."`
	// IngestURL is the URL to give the provider. A source with scheme none
	// has no credential but its URL, whose ingest token is kept only as a
	// hash: its ingest URL is shown when the source is made, when it becomes
	// a none source, and when its token is rotated, and is null elsewhere.
	IngestURL *string `json:"ingest_url" format:"uri" doc:"The URL to give the provider. A source with scheme none has no credential but its URL, whose ingest token is kept only as a hash: its ingest URL is shown when the source is made, when it becomes a none source, and when its token is rotated, and is null elsewhere."`
	// Verifier is how requests are verified, without its secrets.
	Verifier    verify.Config `json:"verifier" doc:"How requests are verified, without its secrets."`
	SecretCount int           `json:"secret_count" doc:"How many signing secrets verify signatures (two during a rotation)."`
	// DedupeWindowSeconds is how long an event identity is remembered.
	DedupeWindowSeconds int `json:"dedupe_window_seconds" doc:"How long an event identity is remembered."`
	// DestinationURL receives each new event; nil keeps events only.
	DestinationURL *string `json:"destination_url" format:"uri" doc:"Receives each new event; null keeps events only."`
	// ForwardHeaderPrefix, when set, forwards the provider's headers under
	// this prefix.
	ForwardHeaderPrefix string `json:"forward_header_prefix" doc:"When set, forwards the provider's headers under this prefix."`
	// Route, when set, re-emits each new event as an outgoing message.
	Route    *Route   `json:"route" doc:"When set, re-emits each new event as an outgoing message."`
	Response Response `json:"response" doc:"What Patchbay answers the provider with after accepting an event."`
	// Consume, when set, has the source read events from a message broker
	// too, into the same pipeline as its ingest URL.
	Consume *destinations.Consume `json:"consume,omitempty" doc:"A broker the source also consumes events from (NATS, RabbitMQ, Kafka, Redis); absent for HTTP only."`
	// ConsumeCredentialsSet tells whether broker credentials are stored;
	// they are never returned.
	ConsumeCredentialsSet bool      `json:"consume_credentials_set" doc:"Whether credentials for the consumed broker are stored (sealed, never returned)."`
	CreatedAt             time.Time `json:"created_at" doc:"When the source was created."`
	UpdatedAt             time.Time `json:"updated_at" doc:"When the source last changed."`

	verifier   verify.Config // with its secrets
	endpointID string        // the forwarding endpoint, when DestinationURL is set
	// tokenHash is the SHA-256 of a none source's ingest token; ingestToken
	// is the token itself, only while the request that made it is answered.
	tokenHash   []byte
	ingestToken string
	// consumeCredentials are new credentials to seal, when given.
	consumeCredentials *destinations.Credentials
}

// IngestTokenPrefix begins every ingest token, so that one is recognised
// where it should not be (a log, a paste).
const IngestTokenPrefix = "pbi_"

// newIngestToken gives a none source a fresh ingest token: 256 random bits,
// of which only the hash is stored.
func (src *Source) newIngestToken() {
	src.ingestToken = vault.NewToken(IngestTokenPrefix)
	src.tokenHash = vault.HashToken(src.ingestToken)
}

// syncIngestToken keeps the rule that a none source, and only a none
// source, has an ingest token: one is made when a source becomes none.
func (src *Source) syncIngestToken() {
	switch {
	case src.verifier.Scheme != verify.SchemeNone:
		src.tokenHash, src.ingestToken = nil, ""
	case src.tokenHash == nil:
		src.newIngestToken()
	}
}

// admits reports whether a request to the ingest URL with this token (""
// for none) reaches the source: a none source needs its token, compared in
// constant time; any other source is reached by its ID alone.
func (src Source) admits(token string) bool {
	if src.verifier.Scheme != verify.SchemeNone {
		return token == ""
	}
	if token == "" || src.tokenHash == nil {
		return false
	}
	return subtle.ConstantTimeCompare(vault.HashToken(token), src.tokenHash) == 1
}

// Route sends a source's new events on to a tenant's endpoints as outgoing
// messages: the event's body is the payload, its ID the message's event_id.
type Route struct {
	EventType string `json:"event_type" doc:"The event type to publish each verified event as."`
	// TenantID is the tenant every event goes to; or else TenantPointer, an
	// RFC 6901 JSON pointer to the tenant's ID in the event's body.
	TenantID      string `json:"tenant_id,omitempty" doc:"The tenant every event goes to; or else TenantPointer, an RFC 6901 JSON pointer to the tenant's ID in the event's body."`
	TenantPointer string `json:"tenant_pointer,omitempty" doc:"A JSON pointer to the tenant ID inside each event's body, when tenant_id is not fixed."`
}

// Service manages sources and ingests their events.
type Service struct {
	db        *store.DB
	vault     *vault.Vault
	jobs      jobs.Inserter
	hooks     *webhooks.Service
	publicURL string
	metrics   *metrics

	ingests store.GroupCommit[*ingestReq]

	cache *ttlcache.Cache[string, cachedSource]

	transforms   Transformer // runs sources' transformations; nil for none
	transformLog *slog.Logger
}

type cachedSource struct {
	src      Source
	verifier *verify.Verifier
}

// metrics are labelled by scheme, never by source: a label is readable by
// whoever scrapes /metrics, and identifiers there would map an installation's
// sources for anyone who can reach it.
type metrics struct {
	events   *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

// NewService returns the inbound service. publicURL is the base of ingest
// URLs; the metrics are registered on reg.
func NewService(db *store.DB, v *vault.Vault, jobs jobs.Inserter, hooks *webhooks.Service, publicURL string, reg prometheus.Registerer) *Service {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_inbound_events_total", Help: "Verified incoming webhook requests by verifier scheme and outcome (new, duplicate, challenge).",
		}, []string{"scheme", "outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_inbound_rejected_total", Help: "Incoming webhook requests that failed verification, by verifier scheme and reason.",
		}, []string{"scheme", "reason"}),
	}
	reg.MustRegister(m.events, m.rejected)
	s := &Service{db: db, vault: v, jobs: jobs, hooks: hooks, publicURL: publicURL, metrics: m,
		cache: ttlcache.New[string, cachedSource](sourceCacheTTL)}
	s.ingests = store.GroupCommit[*ingestReq]{Commit: s.commitIngests, Max: maxIngestGroup}
	return s
}

func sealAAD(sourceID string) string { return "sources/" + sourceID + "/verifier" }

// SealedColumns are the columns the configured encryption key seals: the
// sources' verifier configurations, which rotating that key reseals.
func SealedColumns() []vault.Column {
	return []vault.Column{{Table: "sources", Column: "verifier", AAD: sealAAD},
		{Table: "sources", Column: "consume_credentials", AAD: consumeAAD}}
}

func consumeAAD(sourceID string) string { return "sources/" + sourceID + "/consume_credentials" }

// checkConsume checks a source's broker settings, and the credentials
// given with them.
func (s *Service) checkConsume(src Source) error {
	if src.Consume == nil {
		if src.consumeCredentials != nil && !src.consumeCredentials.Empty() {
			return apperr.InvalidFields(map[string]string{"consume_credentials": "apply only with consume"})
		}
		return nil
	}
	var creds destinations.Credentials
	if src.consumeCredentials != nil {
		creds = *src.consumeCredentials
	}
	if p := destinations.ConsumeProblems(*src.Consume, creds, s.hooks.Outbound()); len(p) > 0 {
		return apperr.InvalidFields(p)
	}
	return nil
}

// sealConsumeCredentials writes new broker credentials, when given.
func (s *Service) sealConsumeCredentials(ctx context.Context, tx *store.Tx, src *Source) error {
	if src.consumeCredentials == nil {
		return nil
	}
	var sealed []byte
	if !src.consumeCredentials.Empty() && src.Consume != nil {
		plain, err := json.Marshal(*src.consumeCredentials)
		if err != nil {
			return err
		}
		sealed = s.vault.Seal(plain, consumeAAD(src.ID))
	}
	src.ConsumeCredentialsSet = sealed != nil
	return sourceSetConsumeCredentials(ctx, tx, src.ID, sealed)
}

func (s *Service) seal(src Source) ([]byte, error) {
	plain, err := json.Marshal(src.verifier)
	if err != nil {
		return nil, err
	}
	return s.vault.Seal(plain, sealAAD(src.ID)), nil
}

// CreateSource adds a source.
func (s *Service) CreateSource(ctx context.Context, src Source) (Source, error) {
	if only, restricted := tenants.RestrictedTo(ctx); restricted && src.TenantID == nil {
		src.TenantID = &only
	}
	if err := restrictedSource(ctx, src); err != nil {
		return Source{}, err
	}
	src.ID = id.New("src")
	if err := s.checkConsume(src); err != nil {
		return Source{}, err
	}
	src.syncIngestToken()
	sealed, err := s.seal(src)
	if err != nil {
		return Source{}, err
	}
	if err := s.syncForwarding(ctx, &src); err != nil {
		return Source{}, err
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		src.CreatedAt, src.UpdatedAt = tx.Now(), tx.Now()
		if src.TenantID != nil {
			if err := tenants.MustExist(ctx, tx, *src.TenantID); err != nil {
				return err
			}
		}
		if err := sourceInsert(ctx, tx, src, sealed); err != nil {
			return err
		}
		return s.sealConsumeCredentials(ctx, tx, &src)
	})
	if err != nil {
		if src.endpointID != "" {
			s.hooks.DeleteEndpoint(context.WithoutCancel(ctx), ForwardingTenant, src.endpointID) //nolint:errcheck // best effort: the source was not made
		}
		return Source{}, err
	}
	return s.present(src), nil
}

// columns are a route as stored: all NULL without one.
func (r *Route) columns() (eventType, tenantID, pointer *string) {
	if r == nil {
		return nil, nil, nil
	}
	return &r.EventType, store.Nullable(r.TenantID), store.Nullable(r.TenantPointer)
}

// present fills in what a source shows and hides its secrets.
func (s *Service) present(src Source) Source {
	src.IngestURL = nil
	switch {
	case src.verifier.Scheme != verify.SchemeNone:
		u := s.publicURL + "/in/" + src.ID
		src.IngestURL = &u
	case src.ingestToken != "":
		u := s.publicURL + "/in/" + src.ID + "/" + src.ingestToken
		src.IngestURL = &u
	}
	src.Verifier = src.verifier
	src.Verifier.Secrets, src.Verifier.VerifyToken = nil, ""
	src.SecretCount = len(src.verifier.Secrets)
	return src
}

// open decrypts a stored source's verifier.
func (s *Service) open(st storedSource) (Source, error) {
	src := st.Source
	plain, err := s.vault.Open(st.sealed, sealAAD(src.ID))
	if err != nil {
		return Source{}, fmt.Errorf("source %s verifier: %w", src.ID, err)
	}
	if err := json.Unmarshal(plain, &src.verifier); err != nil {
		return Source{}, fmt.Errorf("source %s verifier: %w", src.ID, err)
	}
	return src, nil
}

func (s *Service) source(ctx context.Context, q store.Querier, sourceID string) (Source, error) {
	st, err := sourceGet(ctx, q, sourceID)
	var src Source
	if err == nil {
		src, err = s.open(st)
	}
	if errors.Is(err, sql.ErrNoRows) || err == nil && !tenants.Visible(ctx, src.tenant()) {
		return Source{}, apperr.Errorf(apperr.NotFound, "source %s not found", sourceID)
	}
	return src, err
}

// tenant is the source's tenant, or "" for a source of none.
func (src Source) tenant() string {
	if src.TenantID == nil {
		return ""
	}
	return *src.TenantID
}

// checkSource answers 404 for a source a caller restricted to a tenant may
// not reach; unrestricted callers skip the read.
func (s *Service) checkSource(ctx context.Context, sourceID string) error {
	if _, restricted := tenants.RestrictedTo(ctx); !restricted {
		return nil
	}
	_, err := s.source(ctx, s.db, sourceID)
	return err
}

// restrictedSource refuses, for a caller restricted to a tenant, a source of
// no tenant or another, or one whose events it would re-emit to another
// tenant: by a JSON pointer, the event's sender would choose the tenant.
func restrictedSource(ctx context.Context, src Source) error {
	only, restricted := tenants.RestrictedTo(ctx)
	switch {
	case !restricted:
		return nil
	case src.TenantID == nil:
		return apperr.Errorf(apperr.Forbidden, "this API key is restricted to tenant %s; its sources belong to that tenant", only)
	case *src.TenantID != only:
		return tenants.NotFound(*src.TenantID)
	case src.Route == nil:
		return nil
	case src.Route.TenantPointer != "":
		return apperr.Errorf(apperr.Forbidden, "this API key is restricted to tenant %s; its sources route events only to that tenant, not to one read from the body", only)
	case src.Route.TenantID != only:
		return tenants.NotFound(src.Route.TenantID)
	}
	return nil
}

// Source returns a source without its secrets.
func (s *Service) Source(ctx context.Context, sourceID string) (Source, error) {
	src, err := s.source(ctx, s.db, sourceID)
	if err != nil {
		return Source{}, err
	}
	return s.present(src), nil
}

// ListSources returns a page of sources ordered by ID.
func (s *Service) ListSources(ctx context.Context, tenantID string, page httpapi.Page) ([]Source, error) {
	tenantID, err := tenants.Own(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	stored, err := sourcesList(ctx, s.db, tenantID, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	list := make([]Source, 0, len(stored))
	for _, st := range stored {
		src, err := s.open(st)
		if err != nil {
			return nil, err
		}
		list = append(list, s.present(src))
	}
	return list, nil
}

// UpdateSource changes the given fields of a source.
func (s *Service) UpdateSource(ctx context.Context, sourceID string, f sourceFields) (Source, error) {
	defer s.forget(sourceID)
	src, err := s.source(ctx, s.db, sourceID)
	if err != nil {
		return Source{}, err
	}
	f.apply(&src)
	if err := restrictedSource(ctx, src); err != nil {
		return Source{}, err
	}
	if err := s.checkConsume(src); err != nil {
		return Source{}, err
	}
	src.syncIngestToken()
	// The forwarding endpoint is the webhooks service's; it changes first, in
	// a transaction of its own, and the source row then records it. An
	// endpoint made for this update goes again if the update fails.
	oldEndpoint := src.endpointID
	if err := s.syncForwarding(ctx, &src); err != nil {
		return Source{}, err
	}
	updated, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Source, error) {
		if src.TenantID != nil {
			if err := tenants.MustExist(ctx, tx, *src.TenantID); err != nil {
				return Source{}, err
			}
		}
		sealed, err := s.seal(src)
		if err != nil {
			return Source{}, err
		}
		src.UpdatedAt = tx.Now()
		if err := sourceUpdate(ctx, tx, src, sealed); err != nil {
			return Source{}, err
		}
		return src, s.sealConsumeCredentials(ctx, tx, &src)
	})
	if err != nil {
		if oldEndpoint == "" && src.endpointID != "" {
			// Best effort: an endpoint no source names is never sent anything.
			s.hooks.DeleteEndpoint(ctx, ForwardingTenant, src.endpointID) //nolint:errcheck
		}
		return Source{}, err
	}
	src = updated
	if oldEndpoint != "" && src.endpointID == "" {
		// Its deliveries go with it: nothing more is forwarded.
		if err := s.hooks.DeleteEndpoint(ctx, ForwardingTenant, oldEndpoint); err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return Source{}, err
		}
	}
	return s.present(src), nil
}

// RotateIngestToken gives a none source a new ingest token, which ends the
// old one at once on this node and within seconds on the others. The answer
// shows the new ingest URL; it is not kept.
func (s *Service) RotateIngestToken(ctx context.Context, sourceID string) (Source, error) {
	defer s.forget(sourceID)
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Source, error) {
		src, err := s.source(ctx, tx, sourceID)
		if err != nil {
			return Source{}, err
		}
		if src.verifier.Scheme != verify.SchemeNone {
			return Source{}, apperr.Errorf(apperr.Conflict,
				"source %s has scheme %s: only a source with scheme none has an ingest token; its ingest URL is %s/in/%s",
				src.ID, src.verifier.Scheme, s.publicURL, src.ID)
		}
		src.newIngestToken()
		src.UpdatedAt = tx.Now()
		if err := sourceSetIngestToken(ctx, tx, src.ID, src.tokenHash); err != nil {
			return Source{}, err
		}
		return s.present(src), nil
	})
}

// SourcesWithoutIngestToken lists the sources with scheme none that have no
// ingest token: made before tokens existed, they answer 404 at every URL
// until RotateIngestToken gives them one.
func (s *Service) SourcesWithoutIngestToken(ctx context.Context) ([]string, error) {
	ids, err := sourceIDsWithoutIngestToken(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("sources without an ingest token: %w", err)
	}
	return ids, nil
}

// DeleteSource removes a source and its events; its ingest URL stops
// accepting at once on this node, and within seconds on the others.
func (s *Service) DeleteSource(ctx context.Context, sourceID string) error {
	defer s.forget(sourceID)
	src, err := s.source(ctx, s.db, sourceID)
	if err != nil {
		return err
	}
	if err := sourceDelete(ctx, s.db, sourceID); err != nil {
		return err
	}
	if src.endpointID != "" {
		if err := s.hooks.DeleteEndpoint(ctx, ForwardingTenant, src.endpointID); err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return err
		}
	}
	return nil
}

// ForwardingTenant owns the endpoints that forward sources' events. "!" is
// not allowed in tenant IDs, so no API call can name it, and lists skip it.
const ForwardingTenant = "!inbound"

// syncForwarding makes the source's forwarding endpoint match its
// destination: created, moved to a new URL, or (when the destination is
// removed) left for the caller to delete once the source no longer names it.
func (s *Service) syncForwarding(ctx context.Context, src *Source) error {
	if src.DestinationURL == nil {
		src.endpointID = ""
		return nil
	}
	if err := s.hooks.CheckEndpointURL(*src.DestinationURL); err != nil {
		return apperr.InvalidFields(map[string]string{"destination_url": err.Error()})
	}
	if src.endpointID == "" {
		// The tenant is made with the first forwarding source, so that an
		// installation without one has no tenant it did not ask for.
		err := s.db.WithTx(ctx, func(tx *store.Tx) error {
			return tenants.Ensure(ctx, tx, ForwardingTenant, "Incoming webhook forwarding")
		})
		if err != nil {
			return err
		}
		ep, err := s.hooks.CreateEndpoint(ctx, webhooks.Endpoint{TenantID: ForwardingTenant, URL: *src.DestinationURL,
			Description: "forwards the events of source " + src.ID}, "")
		if err != nil {
			return err
		}
		src.endpointID = ep.ID
		return nil
	}
	_, err := s.hooks.UpdateEndpoint(ctx, ForwardingTenant, src.endpointID, func(e *webhooks.Endpoint) { e.URL = *src.DestinationURL })
	return err
}

func (s *Service) forget(sourceID string) { s.cache.Forget(sourceID) }

// errNoSource is the answer of an ingest URL that reaches no source: an
// unknown ID, a none source without its token, or a wrong token, alike, so
// that the answer tells nothing about which.
var errNoSource = apperr.Errorf(apperr.NotFound, "no source at this URL")

// ingestSource returns the source at an ingest URL (its ID and, for a none
// source, its token) and its verifier, from a short cache: the database and
// the decryption stay out of the hot path.
func (s *Service) ingestSource(ctx context.Context, sourceID, token string) (Source, *verify.Verifier, error) {
	src, v, err := s.cachedSource(ctx, sourceID)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && !src.admits(token) {
		return Source{}, nil, errNoSource
	}
	return src, v, err
}

func (s *Service) cachedSource(ctx context.Context, sourceID string) (Source, *verify.Verifier, error) {
	if c, ok := s.cache.Get(sourceID); ok {
		return c.src, c.verifier, nil
	}
	src, err := s.source(ctx, s.db, sourceID)
	if err != nil {
		return Source{}, nil, err
	}
	v, err := verify.New(src.verifier)
	if err != nil {
		return Source{}, nil, fmt.Errorf("source %s verifier: %w", sourceID, err)
	}
	s.cache.Put(sourceID, cachedSource{src: src, verifier: v})
	return src, v, nil
}
