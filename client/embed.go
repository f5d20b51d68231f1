package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// EmbedToken is a token for the browser components, without its secret.
type EmbedToken struct {
	ID             string     `json:"id"`
	TenantID       string     `json:"tenant_id"`
	UserID         string     `json:"user_id"`
	UserName       string     `json:"user_name"`
	Capabilities   []string   `json:"capabilities"`
	AllowedOrigins []string   `json:"allowed_origins"`
	Locale         string     `json:"locale"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
}

// MintedEmbedToken is a new token with its secret (pbe_…), returned only by
// MintEmbedToken: hand it to the page that embeds the components.
type MintedEmbedToken struct {
	EmbedToken
	Token string `json:"token"`
}

// EmbedTokenParams describe a token for one of a tenant's users.
type EmbedTokenParams struct {
	TenantID string `json:"tenant_id"`
	UserID   string `json:"user_id"`
	UserName string `json:"user_name,omitempty"`
	// Capabilities: webhooks, webhooks:read, connections, authorized_apps.
	Capabilities []string `json:"capabilities"`
	// AllowedOrigins are the pages that may use the token, as browsers send
	// them in Origin: https://app.example.com.
	AllowedOrigins []string `json:"allowed_origins"`
	// TTLSeconds is the token's lifetime; 0 means 900, at most 3600.
	TTLSeconds int    `json:"ttl_seconds,omitempty"`
	Locale     string `json:"locale,omitempty"`
}

// MintEmbedToken mints a token for the browser components; the API key needs
// the embed scope.
func (c *Client) MintEmbedToken(ctx context.Context, p EmbedTokenParams, opts ...RequestOption) (*MintedEmbedToken, error) {
	var out MintedEmbedToken
	_, err := c.do(ctx, http.MethodPost, "/v1/embed/tokens", nil, p, &out, opts)
	return &out, err
}

// ListEmbedTokens returns a page of a tenant's tokens, newest first.
func (c *Client) ListEmbedTokens(ctx context.Context, tenantID string, p ListParams) (*List[EmbedToken], error) {
	q := p.query()
	q.Set("tenant_id", tenantID)
	var out List[EmbedToken]
	_, err := c.do(ctx, http.MethodGet, "/v1/embed/tokens", q, nil, &out, nil)
	return &out, err
}

// RevokeEmbedToken revokes a token; it stops working at once.
func (c *Client) RevokeEmbedToken(ctx context.Context, id string, opts ...RequestOption) (*EmbedToken, error) {
	var out EmbedToken
	_, err := c.do(ctx, http.MethodDelete, "/v1/embed/tokens/"+url.PathEscape(id), nil, nil, &out, opts)
	return &out, err
}
