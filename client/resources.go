package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// APIKey is an admin API key, without its secret.
type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Hint      string     `json:"hint"`
	RateLimit *int64     `json:"rate_limit"`
	Scopes    []string   `json:"scopes"`
	TenantID  *string    `json:"tenant_id"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// CreatedAPIKey is a new key with its secret, returned only by CreateAPIKey.
type CreatedAPIKey struct {
	APIKey
	Key string `json:"key"`
}

// CreateAPIKeyParams describe a new key.
type CreateAPIKeyParams struct {
	Name string `json:"name"`
	// RateLimit is the key's own requests per window; nil uses the default.
	RateLimit *int64 `json:"rate_limit,omitempty"`
	// Scopes the key holds; nil gives it the calling key's own. A key cannot
	// grant more than it holds.
	Scopes []string `json:"scopes,omitempty"`
	// TenantID restricts the key to one tenant; nil gives it the calling
	// key's restriction, if any.
	TenantID *string `json:"tenant_id,omitempty"`
}

// UpdateAPIKeyParams change a key; nil fields stay as they are. A RateLimit
// of 0 restores the installation's default.
type UpdateAPIKeyParams struct {
	Name      *string `json:"name,omitempty"`
	RateLimit *int64  `json:"rate_limit,omitempty"`
}

// CreateAPIKey creates an admin API key.
func (c *Client) CreateAPIKey(ctx context.Context, p CreateAPIKeyParams, opts ...RequestOption) (*CreatedAPIKey, error) {
	var out CreatedAPIKey
	_, err := c.do(ctx, http.MethodPost, "/v1/api-keys", nil, p, &out, opts)
	return &out, err
}

// ListAPIKeys returns a page of API keys.
func (c *Client) ListAPIKeys(ctx context.Context, p ListParams) (*List[APIKey], error) {
	var out List[APIKey]
	_, err := c.do(ctx, http.MethodGet, "/v1/api-keys", p.query(), nil, &out, nil)
	return &out, err
}

// APIKey returns one API key.
func (c *Client) APIKey(ctx context.Context, id string) (*APIKey, error) {
	var out APIKey
	_, err := c.do(ctx, http.MethodGet, "/v1/api-keys/"+url.PathEscape(id), nil, nil, &out, nil)
	return &out, err
}

// UpdateAPIKey renames a key or sets its rate limit.
func (c *Client) UpdateAPIKey(ctx context.Context, id string, p UpdateAPIKeyParams, opts ...RequestOption) (*APIKey, error) {
	var out APIKey
	_, err := c.do(ctx, http.MethodPatch, "/v1/api-keys/"+url.PathEscape(id), nil, p, &out, opts)
	return &out, err
}

// RevokeAPIKey revokes a key.
func (c *Client) RevokeAPIKey(ctx context.Context, id string, opts ...RequestOption) (*APIKey, error) {
	var out APIKey
	_, err := c.do(ctx, http.MethodDelete, "/v1/api-keys/"+url.PathEscape(id), nil, nil, &out, opts)
	return &out, err
}

// Tenant is one of the SaaS's customers, under the SaaS's own ID.
type Tenant struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Metadata  map[string]string `json:"metadata"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// TenantParams are a tenant's fields.
type TenantParams struct {
	Name     string            `json:"name"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// PutTenant creates the tenant or replaces its fields, and reports whether it
// was created.
func (c *Client) PutTenant(ctx context.Context, id string, p TenantParams, opts ...RequestOption) (*Tenant, bool, error) {
	var out Tenant
	status, err := c.do(ctx, http.MethodPut, "/v1/tenants/"+url.PathEscape(id), nil, p, &out, opts)
	return &out, status == http.StatusCreated, err
}

// Tenant returns one tenant.
func (c *Client) Tenant(ctx context.Context, id string) (*Tenant, error) {
	var out Tenant
	_, err := c.do(ctx, http.MethodGet, "/v1/tenants/"+url.PathEscape(id), nil, nil, &out, nil)
	return &out, err
}

// ListTenants returns a page of tenants, ordered by ID.
func (c *Client) ListTenants(ctx context.Context, p ListParams) (*List[Tenant], error) {
	var out List[Tenant]
	_, err := c.do(ctx, http.MethodGet, "/v1/tenants", p.query(), nil, &out, nil)
	return &out, err
}

// AllTenants iterates over every tenant, fetching pages as it goes.
func (c *Client) AllTenants(ctx context.Context) iter.Seq2[Tenant, error] {
	return all(ctx, c.ListTenants)
}

// DeleteTenant deletes a tenant; its data is purged in the background.
func (c *Client) DeleteTenant(ctx context.Context, id string, opts ...RequestOption) error {
	_, err := c.do(ctx, http.MethodDelete, "/v1/tenants/"+url.PathEscape(id), nil, nil, nil, opts)
	return err
}

// Ready reports whether the installation can serve: nil when its database
// answers.
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodGet, "/readyz", nil, nil, nil, nil)
	return err
}
