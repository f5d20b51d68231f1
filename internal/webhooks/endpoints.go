package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
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
	ID          string `json:"id"`
	TenantID    string `json:"tenant_id"`
	URL         string `json:"url"`
	Description string `json:"description"`
	// EventTypes filters the messages sent; empty means all.
	EventTypes []string `json:"event_types"`
	// Channels filters by channel; empty means all. A message with channels
	// goes to endpoints sharing one of them, or having none.
	Channels []string          `json:"channels"`
	Headers  map[string]string `json:"headers"`
	Metadata map[string]string `json:"metadata"`
	// DeliveryOrder is unordered (the default) or fifo.
	DeliveryOrder string `json:"delivery_order"`
	// RateLimit caps deliveries per second; nil means no cap.
	RateLimit *int `json:"rate_limit"`
	// MaxConcurrency caps deliveries in flight; nil means the default.
	MaxConcurrency *int `json:"max_concurrency"`
	// RetrySchedule is the delay in seconds before each retry; nil means the
	// installation's schedule.
	RetrySchedule  []int      `json:"retry_schedule"`
	Disabled       bool       `json:"disabled"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
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
	}
}

const endpointColumns = `id, tenant_id, url, description, event_types, channels, headers, metadata, delivery_order,
	rate_limit, max_concurrency, retry_schedule, disabled, disabled_reason, disabled_at, created_at, updated_at`

func scanEndpoint(s store.Scanner, extra ...any) (Endpoint, error) {
	var (
		e                                       Endpoint
		eventTypes, channels, headers, metadata []byte
		rateLimit, maxConcurrency               sql.NullInt64
		schedule                                []byte
		disabledReason                          sql.NullString
	)
	dest := append([]any{&e.ID, &e.TenantID, &e.URL, &e.Description, &eventTypes, &channels, &headers, &metadata, &e.DeliveryOrder,
		&rateLimit, &maxConcurrency, &schedule, &e.Disabled, &disabledReason, &e.DisabledAt, &e.CreatedAt, &e.UpdatedAt}, extra...)
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
	return e, nil
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
	if secret == "" {
		secret = webhook.NewSecret()
	}
	e.ID = id.New("ep")
	e.EventTypes, e.Channels = nonNil(e.EventTypes), nonNil(e.Channels)
	e.Headers, e.Metadata = nonNilMap(e.Headers), nonNilMap(e.Metadata)
	if e.DeliveryOrder == "" {
		e.DeliveryOrder = OrderUnordered
	}
	sealed := s.vault.Seal([]byte(secret), secretAAD(e.ID, "secret"))
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tenantExists(ctx, tx, e.TenantID); err != nil {
			return err
		}
		e.CreatedAt, e.UpdatedAt = tx.Now(), tx.Now()
		_, err := tx.Exec(ctx, `INSERT INTO endpoints (id, tenant_id, url, description, event_types, channels, headers, metadata,
			delivery_order, rate_limit, max_concurrency, retry_schedule, secret, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.TenantID, e.URL, e.Description, mustJSON(e.EventTypes), mustJSON(e.Channels), mustJSON(e.Headers), mustJSON(e.Metadata),
			e.DeliveryOrder, e.RateLimit, e.MaxConcurrency, scheduleArg(e.RetrySchedule), sealed, e.Disabled, e.CreatedAt, e.UpdatedAt)
		return err
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("create endpoint: %w", err)
	}
	return e, nil
}

func scheduleArg(schedule []int) any {
	if schedule == nil {
		return nil
	}
	return mustJSON(schedule)
}

func tenantExists(ctx context.Context, tx *store.Tx, tenantID string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM tenants WHERE id = ? AND deleted_at IS NULL", tenantID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Errorf(apperr.NotFound, "tenant %s not found", tenantID)
	}
	return err
}

// Endpoint returns one endpoint of a tenant.
func (s *Service) Endpoint(ctx context.Context, tenantID, endpointID string) (Endpoint, error) {
	e, err := scanEndpoint(s.db.QueryRow(ctx, "SELECT "+endpointColumns+" FROM endpoints WHERE id = ? AND tenant_id = ?", endpointID, tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return Endpoint{}, apperr.Errorf(apperr.NotFound, "endpoint %s not found for tenant %s", endpointID, tenantID)
	}
	return e, err
}

// Endpoints returns a page of a tenant's endpoints.
func (s *Service) Endpoints(ctx context.Context, tenantID string, page httpapi.Page) ([]Endpoint, error) {
	rows, err := s.db.Query(ctx, "SELECT "+endpointColumns+" FROM endpoints WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?", tenantID, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	defer rows.Close()
	var list []Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// UpdateEndpoint saves an endpoint's changed fields. Re-enabling a disabled
// endpoint resumes its deliveries, and the change is recorded; re-enabling it
// or changing its URL ends a pause (an open circuit), so new deliveries go
// out at once.
func (s *Service) UpdateEndpoint(ctx context.Context, tenantID, endpointID string, change func(e *Endpoint)) (Endpoint, error) {
	e, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Endpoint, error) {
		e, err := scanEndpoint(tx.QueryRow(ctx, "SELECT "+endpointColumns+" FROM endpoints WHERE id = ? AND tenant_id = ?", endpointID, tenantID))
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
		_, err = tx.Exec(ctx, `UPDATE endpoints SET url = ?, description = ?, event_types = ?, channels = ?, headers = ?, metadata = ?,
			delivery_order = ?, rate_limit = ?, max_concurrency = ?, retry_schedule = ?, disabled = ?, disabled_reason = ?, disabled_at = ?,
			failing_since = CASE WHEN ? THEN NULL ELSE failing_since END, paused_until = CASE WHEN ? THEN NULL ELSE paused_until END,
			updated_at = ? WHERE id = ?`,
			e.URL, e.Description, mustJSON(nonNil(e.EventTypes)), mustJSON(nonNil(e.Channels)), mustJSON(nonNilMap(e.Headers)), mustJSON(nonNilMap(e.Metadata)),
			e.DeliveryOrder, e.RateLimit, e.MaxConcurrency, scheduleArg(e.RetrySchedule), e.Disabled, nullString(e.DisabledReason), e.DisabledAt,
			wasDisabled && !e.Disabled, wasDisabled && !e.Disabled || e.URL != oldURL, e.UpdatedAt, e.ID)
		return e, err
	})
	if err != nil {
		return Endpoint{}, err
	}
	s.wake()
	return e, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// DeleteEndpoint removes an endpoint with its deliveries and attempts.
func (s *Service) DeleteEndpoint(ctx context.Context, tenantID, endpointID string) error {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM endpoints WHERE id = ? AND tenant_id = ?", endpointID, tenantID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Errorf(apperr.NotFound, "endpoint %s not found for tenant %s", endpointID, tenantID)
		}
		return nil
	})
	if err == nil {
	}
	return err
}

// secrets loads and decrypts an endpoint's signing secrets.
func (s *Service) secrets(ctx context.Context, q interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}, endpointID string) (endpointSecrets, error) {
	var current, previous []byte
	var sec endpointSecrets
	err := q.QueryRow(ctx, "SELECT secret, previous_secret, previous_secret_until FROM endpoints WHERE id = ?", endpointID).
		Scan(&current, &previous, &sec.previousUntil)
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
		var tenant string
		if err := tx.QueryRow(ctx, "SELECT tenant_id FROM endpoints WHERE id = ?", endpointID).Scan(&tenant); errors.Is(err, sql.ErrNoRows) || tenant != tenantID {
			return apperr.Errorf(apperr.NotFound, "endpoint %s not found for tenant %s", endpointID, tenantID)
		} else if err != nil {
			return err
		}
		sec, err := s.secrets(ctx, tx, endpointID)
		if err != nil {
			return err
		}
		until := tx.Now().Add(overlap)
		_, err = tx.Exec(ctx, "UPDATE endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ?, updated_at = ? WHERE id = ?",
			s.vault.Seal([]byte(newSecret), secretAAD(endpointID, "secret")),
			s.vault.Seal([]byte(sec.current), secretAAD(endpointID, "previous_secret")), until, tx.Now(), endpointID)
		return err
	})
	if err != nil {
		return "", err
	}
	return newSecret, nil
}

func recordEndpointEvent(ctx context.Context, tx *store.Tx, endpointID, kind, reason string) error {
	_, err := tx.Exec(ctx, "INSERT INTO endpoint_events (id, endpoint_id, kind, reason, created_at) VALUES (?, ?, ?, ?, ?)",
		id.New("epev"), endpointID, kind, reason, tx.Now())
	return err
}
