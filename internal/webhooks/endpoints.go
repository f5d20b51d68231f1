package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/vault"
	"github.com/patchbay/patchbay/webhook"
)

// Delivery orders an endpoint can ask for.
const (
	OrderUnordered = "unordered"
	OrderFIFO      = "fifo"
)

// Endpoint is a customer's URL that receives a tenant's messages.
type Endpoint struct {
	ID       string `json:"id" doc:"The endpoint's ID."`
	TenantID string `json:"tenant_id" doc:"The tenant the endpoint belongs to."`
	// Type is http (the default) or a message broker (destinations.Types).
	Type string `json:"type" enum:"http,nats,rabbitmq,kafka,redis,mqtt" doc:"Where deliveries go: http POSTs to the url; the others publish to the broker at the url."`
	URL  string `json:"url" example:"https://hooks.acme.example/patchbay" doc:"Where deliveries are POSTed, or the broker's address for a broker type." format:"uri"`
	// Broker holds a broker endpoint's settings; nil for http.
	Broker *destinations.Settings `json:"broker,omitempty" doc:"A broker endpoint's settings (subject, exchange, topic, stream key…); absent for http."`
	// CredentialsSet tells whether broker credentials are stored; they are
	// never returned.
	CredentialsSet bool   `json:"credentials_set" doc:"Whether broker credentials are stored (sealed; they are never returned)."`
	Description    string `json:"description" doc:"What the endpoint is for."`
	// EventTypes filters the messages sent; empty means all.
	EventTypes []string `json:"event_types" doc:"Filters the messages sent; empty means all."`
	// Channels filters by channel; empty means all. A message with channels
	// goes to endpoints sharing one of them, or having none.
	Channels []string          `json:"channels" doc:"Filters by channel; empty means all. A message with channels goes to endpoints sharing one of them, or having none."`
	Headers  map[string]string `json:"headers" doc:"Extra headers sent with each delivery."`
	Metadata map[string]string `json:"metadata" doc:"The SaaS's own key-value pairs about the endpoint."`
	// DeliveryOrder is unordered (the default) or fifo.
	DeliveryOrder string `json:"delivery_order" enum:"unordered,fifo" doc:"unordered (the default) or fifo: one delivery at a time, in publish order."`
	// RateLimit caps deliveries per second; nil means no cap.
	RateLimit *int `json:"rate_limit" doc:"Caps deliveries per second; null means no cap."`
	// MaxConcurrency caps deliveries in flight; nil means the default.
	MaxConcurrency *int `json:"max_concurrency" doc:"Caps deliveries in flight; null means the default."`
	// RetrySchedule is the delay in seconds before each retry; nil means the
	// installation's schedule.
	RetrySchedule  []int      `json:"retry_schedule" doc:"The delay in seconds before each retry; null means the installation's schedule."`
	Disabled       bool       `json:"disabled" doc:"Whether deliveries are paused."`
	DisabledReason string     `json:"disabled_reason,omitempty" doc:"Why the endpoint was disabled, when it was."`
	DisabledAt     *time.Time `json:"disabled_at,omitempty" doc:"When it was disabled; null while enabled."`
	CreatedAt      time.Time  `json:"created_at" doc:"When the endpoint was created."`
	UpdatedAt      time.Time  `json:"updated_at" doc:"When the endpoint last changed."`
}

// endpointSecrets are the keys that sign an endpoint's deliveries: the
// current one, and during a rotation the previous one until its time is up.
type endpointSecrets struct {
	current       string
	previous      string
	previousUntil *time.Time
}

func secretAAD(endpointID string, which string) string {
	return "endpoint:" + endpointID + ":" + which
}

// SealedColumns are the columns the configured encryption key seals: the
// endpoints' signing secrets, which rotating that key reseals.
func SealedColumns() []vault.Column {
	return []vault.Column{
		{Table: "endpoints", Column: "secret", AAD: func(id string) string { return secretAAD(id, "secret") }},
		{Table: "endpoints", Column: "previous_secret", AAD: func(id string) string { return secretAAD(id, "previous_secret") }},
		{Table: "endpoints", Column: "broker_credentials", AAD: func(id string) string { return secretAAD(id, "broker_credentials") }},
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain slices and maps of strings and ints reach here
	}
	return string(b)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// CreateEndpoint adds an endpoint to a tenant. An empty secret gets a new one.
func (s *Service) CreateEndpoint(ctx context.Context, e Endpoint, secret string) (Endpoint, error) {
	return s.CreateBrokerEndpoint(ctx, e, secret, destinations.Credentials{})
}

// CreateBrokerEndpoint adds an endpoint with its broker credentials, which
// are sealed (empty ones are not stored).
func (s *Service) CreateBrokerEndpoint(ctx context.Context, e Endpoint, secret string, creds destinations.Credentials) (Endpoint, error) {
	if secret == "" {
		secret = webhook.NewSecret()
	}
	e.ID = id.New("ep")
	e.EventTypes, e.Channels = nonNil(e.EventTypes), nonNil(e.Channels)
	e.Headers, e.Metadata = nonNilMap(e.Headers), nonNilMap(e.Metadata)
	if e.DeliveryOrder == "" {
		e.DeliveryOrder = OrderUnordered
	}
	if e.Type == "" {
		e.Type = destinations.TypeHTTP
	}
	sealed := s.vault.Seal([]byte(secret), secretAAD(e.ID, "secret"))
	var sealedCreds []byte
	if !creds.Empty() {
		sealedCreds = s.vault.Seal([]byte(mustJSON(creds)), secretAAD(e.ID, "broker_credentials"))
		e.CredentialsSet = true
	}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		live, err := tenants.Live(ctx, tx, []string{e.TenantID})
		if err != nil {
			return err
		}
		if !live[e.TenantID] {
			return tenantNotFound(e.TenantID)
		}
		e.CreatedAt, e.UpdatedAt = tx.Now(), tx.Now()
		return endpointInsert(ctx, tx, e, sealed, sealedCreds)
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("create endpoint: %w", err)
	}
	return e, nil
}

// Endpoint returns one endpoint of a tenant.
func (s *Service) Endpoint(ctx context.Context, tenantID, endpointID string) (Endpoint, error) {
	e, err := endpointGetOfTenant(ctx, s.db, tenantID, endpointID)
	if errors.Is(err, sql.ErrNoRows) {
		return Endpoint{}, apperr.Errorf(apperr.NotFound, "endpoint %s not found for tenant %s", endpointID, tenantID)
	}
	return e, err
}

// Endpoints returns a page of a tenant's endpoints.
func (s *Service) Endpoints(ctx context.Context, tenantID string, page httpapi.Page) ([]Endpoint, error) {
	list, err := endpointsList(ctx, s.db, tenantID, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	return list, nil
}

// UpdateEndpoint saves an endpoint's changed fields. Re-enabling a disabled
// endpoint resumes its deliveries, and the change is recorded; re-enabling it
// or changing its URL ends a pause (an open circuit), so new deliveries go
// out at once.
func (s *Service) UpdateEndpoint(ctx context.Context, tenantID, endpointID string, change func(e *Endpoint)) (Endpoint, error) {
	return s.UpdateBrokerEndpoint(ctx, tenantID, endpointID, change, nil)
}

// UpdateBrokerEndpoint is UpdateEndpoint that also replaces the broker
// credentials when creds is not nil (empty ones remove them).
func (s *Service) UpdateBrokerEndpoint(ctx context.Context, tenantID, endpointID string, change func(e *Endpoint), creds *destinations.Credentials) (Endpoint, error) {
	e, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Endpoint, error) {
		e, err := endpointGetOfTenant(ctx, tx, tenantID, endpointID)
		if errors.Is(err, sql.ErrNoRows) {
			return Endpoint{}, apperr.Errorf(apperr.NotFound, "endpoint %s not found for tenant %s", endpointID, tenantID)
		} else if err != nil {
			return Endpoint{}, err
		}
		wasDisabled, oldURL := e.Disabled, e.URL
		change(&e)
		e.UpdatedAt = tx.Now()
		switch {
		case wasDisabled && !e.Disabled:
			e.DisabledAt, e.DisabledReason = nil, ""
			if err := recordEndpointEvent(ctx, tx, e.ID, "enabled", "enabled through the API"); err != nil {
				return Endpoint{}, err
			}
		case !wasDisabled && e.Disabled:
			now := tx.Now()
			e.DisabledAt, e.DisabledReason = &now, "disabled through the API"
			if err := recordEndpointEvent(ctx, tx, e.ID, "disabled", e.DisabledReason); err != nil {
				return Endpoint{}, err
			}
		}
		reenabled := wasDisabled && !e.Disabled
		if creds != nil {
			var sealed []byte
			if !creds.Empty() {
				sealed = s.vault.Seal([]byte(mustJSON(*creds)), secretAAD(e.ID, "broker_credentials"))
			}
			e.CredentialsSet = sealed != nil
			if err := endpointSetBrokerCredentials(ctx, tx, e.ID, sealed); err != nil {
				return Endpoint{}, err
			}
		}
		return e, endpointUpdate(ctx, tx, e, reenabled, reenabled || e.URL != oldURL)
	})
	if err != nil {
		return Endpoint{}, err
	}
	s.wake()
	return e, nil
}

// DeleteEndpoint removes an endpoint with its deliveries and attempts.
func (s *Service) DeleteEndpoint(ctx context.Context, tenantID, endpointID string) error {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		deleted, err := endpointDeleteOfTenant(ctx, tx, tenantID, endpointID)
		if err != nil {
			return err
		}
		if !deleted {
			return apperr.Errorf(apperr.NotFound, "endpoint %s not found for tenant %s", endpointID, tenantID)
		}
		return nil
	})
	if err == nil {
		s.brokers.Forget(endpointID) // this node's connection; other nodes close theirs when idle
	}
	return err
}

// secrets loads and decrypts an endpoint's signing secrets.
func (s *Service) secrets(ctx context.Context, q store.Querier, endpointID string) (endpointSecrets, error) {
	var sec endpointSecrets
	current, previous, previousUntil, err := endpointGetSecrets(ctx, q, endpointID)
	sec.previousUntil = previousUntil
	if err != nil {
		return sec, err
	}
	plain, err := s.vault.Open(current, secretAAD(endpointID, "secret"))
	if err != nil {
		return sec, fmt.Errorf("endpoint %s secret: %w", endpointID, err)
	}
	sec.current = string(plain)
	if previous != nil {
		plain, err := s.vault.Open(previous, secretAAD(endpointID, "previous_secret"))
		if err != nil {
			return sec, fmt.Errorf("endpoint %s previous secret: %w", endpointID, err)
		}
		sec.previous = string(plain)
	}
	return sec, nil
}

// Secret returns an endpoint's current signing secret.
func (s *Service) Secret(ctx context.Context, tenantID, endpointID string) (string, error) {
	if _, err := s.Endpoint(ctx, tenantID, endpointID); err != nil {
		return "", err
	}
	sec, err := s.secrets(ctx, s.db, endpointID)
	return sec.current, err
}

// RotateSecret makes a new secret current. The old one keeps signing beside
// it for the overlap, so receivers can switch without dropping a delivery.
func (s *Service) RotateSecret(ctx context.Context, tenantID, endpointID, newSecret string, overlap time.Duration) (string, error) {
	if newSecret == "" {
		newSecret = webhook.NewSecret()
	}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if tenant, err := endpointGetTenant(ctx, tx, endpointID); errors.Is(err, sql.ErrNoRows) || tenant != tenantID {
			return apperr.Errorf(apperr.NotFound, "endpoint %s not found for tenant %s", endpointID, tenantID)
		} else if err != nil {
			return err
		}
		sec, err := s.secrets(ctx, tx, endpointID)
		if err != nil {
			return err
		}
		until := tx.Now().Add(overlap)
		return endpointSetSecrets(ctx, tx, endpointID, s.vault.Seal([]byte(newSecret), secretAAD(endpointID, "secret")),
			s.vault.Seal([]byte(sec.current), secretAAD(endpointID, "previous_secret")), until)
	})
	if err != nil {
		return "", err
	}
	return newSecret, nil
}

// brokerCredentials loads and decrypts an endpoint's broker credentials.
func (s *Service) brokerCredentials(ctx context.Context, q store.Querier, endpointID string) (destinations.Credentials, error) {
	var c destinations.Credentials
	sealed, err := endpointGetBrokerCredentials(ctx, q, endpointID)
	if err != nil || sealed == nil {
		return c, err
	}
	plain, err := s.vault.Open(sealed, secretAAD(endpointID, "broker_credentials"))
	if err != nil {
		return c, fmt.Errorf("endpoint %s broker credentials: %w", endpointID, err)
	}
	if err := json.Unmarshal(plain, &c); err != nil {
		return c, fmt.Errorf("endpoint %s broker credentials: %w", endpointID, err)
	}
	return c, nil
}
