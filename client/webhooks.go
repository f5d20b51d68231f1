package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// EventType is a kind of event the SaaS publishes.
type EventType struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Example     json.RawMessage `json:"example,omitempty"`
	Archived    bool            `json:"archived"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// CreateEventType registers an event type.
func (c *Client) CreateEventType(ctx context.Context, et EventType, opts ...RequestOption) (*EventType, error) {
	in := map[string]any{"name": et.Name, "description": et.Description}
	if et.Schema != nil {
		in["schema"] = et.Schema
	}
	if et.Example != nil {
		in["example"] = et.Example
	}
	var out EventType
	_, err := c.do(ctx, http.MethodPost, "/v1/event-types", nil, in, &out, opts)
	return &out, err
}

// ArchiveEventType archives an event type: messages of it are refused.
func (c *Client) ArchiveEventType(ctx context.Context, name string, opts ...RequestOption) (*EventType, error) {
	var out EventType
	_, err := c.do(ctx, http.MethodDelete, "/v1/event-types/"+url.PathEscape(name), nil, nil, &out, opts)
	return &out, err
}

// Endpoint is a customer's URL receiving a tenant's messages.
type Endpoint struct {
	ID             string            `json:"id"`
	TenantID       string            `json:"tenant_id"`
	URL            string            `json:"url"`
	Description    string            `json:"description"`
	EventTypes     []string          `json:"event_types"`
	Channels       []string          `json:"channels"`
	Headers        map[string]string `json:"headers"`
	Metadata       map[string]string `json:"metadata"`
	DeliveryOrder  string            `json:"delivery_order"`
	RateLimit      *int              `json:"rate_limit"`
	MaxConcurrency *int              `json:"max_concurrency"`
	RetrySchedule  []int             `json:"retry_schedule"`
	Disabled       bool              `json:"disabled"`
	DisabledReason string            `json:"disabled_reason"`
	DisabledAt     *time.Time        `json:"disabled_at"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	// Type is http or a message broker: nats, rabbitmq, kafka, redis, mqtt.
	Type string `json:"type"`
	// Broker holds a broker endpoint's settings.
	Broker *BrokerSettings `json:"broker,omitempty"`
	// CredentialsSet tells whether broker credentials are stored; they are
	// never returned.
	CredentialsSet bool `json:"credentials_set"`
	// Secret is returned only by CreateEndpoint.
	Secret string `json:"secret,omitempty"`
}

// BrokerSettings are a broker endpoint's settings besides its address (the
// URL) and credentials; docs/destinations.md says which apply to which
// broker. Templates may use {event_type}, {message_id} and {tenant_id}.
type BrokerSettings struct {
	Subject    string   `json:"subject,omitempty"`
	Stream     string   `json:"stream,omitempty"`
	Exchange   string   `json:"exchange,omitempty"`
	RoutingKey string   `json:"routing_key,omitempty"`
	Transient  bool     `json:"transient,omitempty"`
	Topic      string   `json:"topic,omitempty"`
	Key        string   `json:"key,omitempty"`
	Brokers    []string `json:"brokers,omitempty"`
	SASL       string   `json:"sasl,omitempty"`
	TLS        bool     `json:"tls,omitempty"`
	StreamKey  string   `json:"stream_key,omitempty"`
	MaxLen     int64    `json:"max_len,omitempty"`
}

// BrokerCredentials authenticate to a broker; they are sealed and never
// returned.
type BrokerCredentials struct {
	Token    string `json:"token,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Creds    string `json:"creds,omitempty"`
}

// EndpointParams are an endpoint's writable fields; nil fields are left out
// (on update: left unchanged).
type EndpointParams struct {
	// Type is http (the default) or a broker; it cannot change.
	Type   *string         `json:"type,omitempty"`
	Broker *BrokerSettings `json:"broker,omitempty"`
	// Credentials replace the stored ones when given.
	Credentials    *BrokerCredentials `json:"credentials,omitempty"`
	URL            *string            `json:"url,omitempty"`
	Description    *string            `json:"description,omitempty"`
	EventTypes     *[]string          `json:"event_types,omitempty"`
	Channels       *[]string          `json:"channels,omitempty"`
	Headers        *map[string]string `json:"headers,omitempty"`
	Metadata       *map[string]string `json:"metadata,omitempty"`
	DeliveryOrder  *string            `json:"delivery_order,omitempty"`
	RateLimit      *int               `json:"rate_limit,omitempty"`
	MaxConcurrency *int               `json:"max_concurrency,omitempty"`
	RetrySchedule  *[]int             `json:"retry_schedule,omitempty"`
	Disabled       *bool              `json:"disabled,omitempty"`
	// Secret (whsec_…) on create only; empty makes one.
	Secret string `json:"secret,omitempty"`
}

// Ptr returns a pointer to v, for the optional fields of params.
func Ptr[T any](v T) *T { return &v }

func endpointsPath(tenantID string) string {
	return "/v1/tenants/" + url.PathEscape(tenantID) + "/endpoints"
}

// CreateEndpoint adds an endpoint to a tenant; the result carries its secret.
func (c *Client) CreateEndpoint(ctx context.Context, tenantID string, p EndpointParams, opts ...RequestOption) (*Endpoint, error) {
	var out Endpoint
	_, err := c.do(ctx, http.MethodPost, endpointsPath(tenantID), nil, p, &out, opts)
	return &out, err
}

// Endpoint returns one endpoint.
func (c *Client) Endpoint(ctx context.Context, tenantID, endpointID string) (*Endpoint, error) {
	var out Endpoint
	_, err := c.do(ctx, http.MethodGet, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID), nil, nil, &out, nil)
	return &out, err
}

// UpdateEndpoint changes an endpoint.
func (c *Client) UpdateEndpoint(ctx context.Context, tenantID, endpointID string, p EndpointParams, opts ...RequestOption) (*Endpoint, error) {
	var out Endpoint
	_, err := c.do(ctx, http.MethodPatch, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID), nil, p, &out, opts)
	return &out, err
}

// DeleteEndpoint removes an endpoint.
func (c *Client) DeleteEndpoint(ctx context.Context, tenantID, endpointID string, opts ...RequestOption) error {
	_, err := c.do(ctx, http.MethodDelete, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID), nil, nil, nil, opts)
	return err
}

// EndpointSecret returns an endpoint's current signing secret.
func (c *Client) EndpointSecret(ctx context.Context, tenantID, endpointID string) (string, error) {
	var out struct {
		Secret string `json:"secret"`
	}
	_, err := c.do(ctx, http.MethodGet, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID)+"/secret", nil, nil, &out, nil)
	return out.Secret, err
}

// RotateEndpointSecret starts a new secret (empty makes one) and returns it;
// the old one keeps signing alongside for the installation's overlap.
func (c *Client) RotateEndpointSecret(ctx context.Context, tenantID, endpointID, secret string, opts ...RequestOption) (string, error) {
	var out struct {
		Secret string `json:"secret"`
	}
	_, err := c.do(ctx, http.MethodPost, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID)+"/secret/rotate", nil,
		map[string]string{"secret": secret}, &out, opts)
	return out.Secret, err
}

// MessageParams is an event to publish.
type MessageParams struct {
	EventType string   `json:"event_type"`
	Payload   any      `json:"payload"`
	EventID   string   `json:"event_id,omitempty"`
	Channels  []string `json:"channels,omitempty"`
}

// Message is a published event.
type Message struct {
	ID        string          `json:"id"`
	TenantID  string          `json:"tenant_id"`
	EventType string          `json:"event_type"`
	EventID   string          `json:"event_id"`
	Channels  []string        `json:"channels"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
	// Deliveries are filled by Message (one per matching endpoint).
	Deliveries []Delivery `json:"deliveries"`
}

// Delivery is a message on its way to one endpoint.
type Delivery struct {
	ID             string     `json:"id"`
	EndpointID     string     `json:"endpoint_id"`
	MessageID      string     `json:"message_id"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	LastAttemptAt  *time.Time `json:"last_attempt_at"`
	LastStatusCode *int       `json:"last_status_code"`
	CreatedAt      time.Time  `json:"created_at"`
	// AttemptLog is filled by Delivery.
	AttemptLog []Attempt `json:"attempt_log"`
}

// Attempt is one try at a delivery.
type Attempt struct {
	ID           string    `json:"id"`
	AttemptedAt  time.Time `json:"attempted_at"`
	DurationMS   int64     `json:"duration_ms"`
	StatusCode   *int      `json:"status_code"`
	Success      bool      `json:"success"`
	Error        string    `json:"error"`
	ResponseBody string    `json:"response_body"`
}

func tenantPath(tenantID string) string { return "/v1/tenants/" + url.PathEscape(tenantID) }

// Publish publishes a message; it returns once the message is durable.
func (c *Client) Publish(ctx context.Context, tenantID string, p MessageParams, opts ...RequestOption) (*Message, error) {
	var out Message
	_, err := c.do(ctx, http.MethodPost, tenantPath(tenantID)+"/messages", nil, p, &out, opts)
	return &out, err
}

// PublishBatch publishes up to 100 messages in one call.
func (c *Client) PublishBatch(ctx context.Context, tenantID string, ps []MessageParams, opts ...RequestOption) ([]Message, error) {
	var out struct {
		Data []Message `json:"data"`
	}
	_, err := c.do(ctx, http.MethodPost, tenantPath(tenantID)+"/messages/batch", nil, map[string]any{"messages": ps}, &out, opts)
	return out.Data, err
}

// MessageListParams filter a message list.
type MessageListParams struct {
	ListParams
	EventType, Status string
	Since, Until      time.Time
}

// ListMessages returns a page of a tenant's messages, newest first.
func (c *Client) ListMessages(ctx context.Context, tenantID string, p MessageListParams) (*List[Message], error) {
	q := p.query()
	if p.EventType != "" {
		q.Set("event_type", p.EventType)
	}
	if p.Status != "" {
		q.Set("status", p.Status)
	}
	if !p.Since.IsZero() {
		q.Set("since", p.Since.Format(time.RFC3339))
	}
	if !p.Until.IsZero() {
		q.Set("until", p.Until.Format(time.RFC3339))
	}
	var out List[Message]
	_, err := c.do(ctx, http.MethodGet, tenantPath(tenantID)+"/messages", q, nil, &out, nil)
	return &out, err
}

// Message returns a message with its payload and deliveries.
func (c *Client) Message(ctx context.Context, tenantID, messageID string) (*Message, error) {
	var out Message
	_, err := c.do(ctx, http.MethodGet, tenantPath(tenantID)+"/messages/"+url.PathEscape(messageID), nil, nil, &out, nil)
	return &out, err
}

// EndpointDeliveries returns a page of an endpoint's deliveries, optionally in
// one status.
func (c *Client) EndpointDeliveries(ctx context.Context, tenantID, endpointID, status string, p ListParams) (*List[Delivery], error) {
	q := p.query()
	if status != "" {
		q.Set("status", status)
	}
	var out List[Delivery]
	_, err := c.do(ctx, http.MethodGet, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID)+"/deliveries", q, nil, &out, nil)
	return &out, err
}

// Delivery returns a delivery with its attempts.
func (c *Client) Delivery(ctx context.Context, tenantID, deliveryID string) (*Delivery, error) {
	var out Delivery
	_, err := c.do(ctx, http.MethodGet, tenantPath(tenantID)+"/deliveries/"+url.PathEscape(deliveryID), nil, nil, &out, nil)
	return &out, err
}

// ResendDelivery sends a delivery again now.
func (c *Client) ResendDelivery(ctx context.Context, tenantID, deliveryID string, opts ...RequestOption) (*Delivery, error) {
	var out Delivery
	_, err := c.do(ctx, http.MethodPost, tenantPath(tenantID)+"/deliveries/"+url.PathEscape(deliveryID)+"/resend", nil, nil, &out, opts)
	return &out, err
}

// Recovery re-sends an endpoint's failed deliveries in the background.
type Recovery struct {
	ID         string     `json:"id"`
	EndpointID string     `json:"endpoint_id"`
	Since      time.Time  `json:"since"`
	Status     string     `json:"status"`
	Resent     int        `json:"resent"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// RecoverEndpoint starts re-sending every failed delivery of an endpoint
// created since a time.
func (c *Client) RecoverEndpoint(ctx context.Context, tenantID, endpointID string, since time.Time, opts ...RequestOption) (*Recovery, error) {
	var out Recovery
	_, err := c.do(ctx, http.MethodPost, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID)+"/recover", nil,
		map[string]any{"since": since}, &out, opts)
	return &out, err
}

// Recovery returns a recovery's progress.
func (c *Client) Recovery(ctx context.Context, tenantID, endpointID, recoveryID string) (*Recovery, error) {
	var out Recovery
	_, err := c.do(ctx, http.MethodGet, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID)+"/recoveries/"+url.PathEscape(recoveryID), nil, nil, &out, nil)
	return &out, err
}

// EndpointStats summarises an endpoint's recent attempts.
type EndpointStats struct {
	Window      string  `json:"window"`
	Attempts    int     `json:"attempts"`
	Successes   int     `json:"successes"`
	Failures    int     `json:"failures"`
	SuccessRate float64 `json:"success_rate"`
	LatencyMS   struct {
		P50, P90, P99, Max int64
	} `json:"latency_ms"`
	Deliveries map[string]int `json:"deliveries"`
}

// EndpointStats returns an endpoint's statistics over a window (zero means 24h).
func (c *Client) EndpointStats(ctx context.Context, tenantID, endpointID string, window time.Duration) (*EndpointStats, error) {
	q := url.Values{}
	if window > 0 {
		q.Set("window", window.String())
	}
	var out EndpointStats
	_, err := c.do(ctx, http.MethodGet, endpointsPath(tenantID)+"/"+url.PathEscape(endpointID)+"/stats", q, nil, &out, nil)
	return &out, err
}
