package connect

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
)

// Connection statuses.
const (
	StatusActive = "active"
	// StatusNeedsReauth means the provider refused the refresh token
	// (invalid_grant): the user must connect again.
	StatusNeedsReauth = "needs_reauth"
)

// Connection is one end user's authorized access to a provider's API. It
// never shows credentials; GET …/credentials does.
type Connection struct {
	ID            string       `json:"id" doc:"The connection's ID."`
	TenantID      string       `json:"tenant_id" doc:"The tenant the end user belongs to."`
	EndUserID     string       `json:"end_user_id" doc:"The SaaS's ID of the end user who connected."`
	IntegrationID string       `json:"integration_id" doc:"The integration the connection was made through."`
	Provider      ProviderInfo `json:"provider" doc:"The provider the connection reaches."`
	Status        string       `json:"status" doc:"active, or needs_reauth once the provider refused to refresh: the user must connect again." enum:"active,needs_reauth"`
	Scopes        []string     `json:"scopes" doc:"The scopes the provider granted."`
	// Config holds the values of the provider's fields that are not secret,
	// such as a subdomain.
	Config map[string]string `json:"config" doc:"Holds the values of the provider's fields that are not secret, such as a subdomain."`
	// ExpiresAt is when the current access token expires; null when it does
	// not.
	ExpiresAt   *time.Time `json:"expires_at" doc:"When the current access token expires; null when it does not."`
	RefreshedAt *time.Time `json:"refreshed_at" doc:"When the access token was last refreshed; null if never."`
	CreatedAt   time.Time  `json:"created_at" doc:"When the connection was made."`
	UpdatedAt   time.Time  `json:"updated_at" doc:"When the connection last changed."`

	sealed          []byte
	refreshFailures int // transient refresh failures in a row
}

// ProviderInfo is what a connection shows of its provider.
type ProviderInfo struct {
	ID          string           `json:"id" doc:"The provider's ID in the catalog."`
	DisplayName string           `json:"display_name" doc:"The provider's name for people."`
	Logo        string           `json:"logo,omitempty" doc:"The provider's logo URL." format:"uri"`
	AuthMode    catalog.AuthMode `json:"auth_mode" doc:"How the provider authenticates API calls." enum:"oauth2,oauth2_client_credentials,api_key,basic"`
}

// secrets is what a connection keeps encrypted.
type secrets struct {
	AccessToken  string `json:"access_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type,omitempty"`
	// Fields are the values of the provider's secret fields (API keys,
	// passwords).
	Fields map[string]string `json:"fields,omitempty"`
}

// Credentials are a connection's usable credentials, as the credentials call
// returns them.
type Credentials struct {
	ConnectionID string `json:"connection_id" doc:"The connection these credentials belong to."`
	ProviderID   string `json:"provider_id" doc:"The provider they are for."`
	// AccessToken is the current OAuth access token.
	AccessToken string     `json:"access_token,omitempty" doc:"The current OAuth access token."`
	TokenType   string     `json:"token_type,omitempty" doc:"The access token's type, usually Bearer."`
	ExpiresAt   *time.Time `json:"expires_at,omitempty" doc:"When the access token expires; null if it does not."`
	// Secrets are the secret field values of API-key and basic connections.
	Secrets map[string]string `json:"secrets,omitempty" doc:"The secret field values of API-key and basic connections."`
	// Config are the connection's values that are not secret.
	Config map[string]string `json:"config" doc:"The connection's values that are not secret."`
}

func credentialsAAD(connectionID string) string {
	return "connections/" + connectionID + "/credentials"
}

// ProviderInfo is what connections show of a provider in the catalog.
func (s *Service) ProviderInfo(providerID string) ProviderInfo {
	p, ok := s.catalog.Get(providerID)
	if !ok {
		return ProviderInfo{ID: providerID}
	}
	return ProviderInfo{ID: p.ID, DisplayName: p.DisplayName, Logo: p.Logo, AuthMode: p.Auth.Mode}
}

// newConnection is what a completed connect flow stores.
type newConnection struct {
	session   Session
	scopes    []string
	config    map[string]string
	secrets   secrets
	expiresAt time.Time
}

// newConnectionRecord returns the active connection nc describes: a new one,
// or the one its session repairs.
func (s *Service) newConnectionRecord(nc newConnection) Connection {
	c := Connection{
		ID: cmp.Or(nc.session.ConnectionID, id.New("conn")), TenantID: nc.session.TenantID, EndUserID: nc.session.EndUserID,
		IntegrationID: nc.session.IntegrationID, Provider: s.ProviderInfo(nc.session.providerID), Status: StatusActive,
		Scopes: nonNil(nc.scopes), Config: nc.config,
	}
	if c.Config == nil {
		c.Config = map[string]string{}
	}
	if !nc.expiresAt.IsZero() {
		t := nc.expiresAt.UTC().Truncate(time.Microsecond)
		c.ExpiresAt = &t
	}
	return c
}

func (s *Service) connection(ctx context.Context, q store.Querier, connectionID string) (Connection, error) {
	c, err := connectionGet(ctx, q, connectionID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !tenants.Visible(ctx, c.TenantID) {
		return Connection{}, apperr.Errorf(apperr.NotFound, "connection %s not found", connectionID)
	}
	c.Provider = s.ProviderInfo(c.Provider.ID)
	return c, err
}

// withProviderInfo fills in what each connection shows of its provider.
func (s *Service) withProviderInfo(list []Connection) []Connection {
	for i := range list {
		list[i].Provider = s.ProviderInfo(list[i].Provider.ID)
	}
	return list
}

// Connection returns a connection without its credentials.
func (s *Service) Connection(ctx context.Context, connectionID string) (Connection, error) {
	return s.connection(ctx, s.db, connectionID)
}

// ConnectionFilter narrows a list; empty fields do not filter.
type ConnectionFilter struct {
	TenantID, EndUserID string
}

// ListConnections returns a page of connections ordered by ID.
func (s *Service) ListConnections(ctx context.Context, f ConnectionFilter, page httpapi.Page) ([]Connection, error) {
	var err error
	if f.TenantID, err = tenants.Own(ctx, f.TenantID); err != nil {
		return nil, err
	}
	list, err := connectionsList(ctx, s.db, page.After, f.TenantID, f.EndUserID, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return s.withProviderInfo(list), nil
}

// open decrypts a connection's secrets.
func (s *Service) open(ctx context.Context, c Connection) (secrets, error) {
	plain, err := s.keys.OpenTenant(ctx, c.TenantID, c.sealed, credentialsAAD(c.ID))
	if err != nil {
		return secrets{}, fmt.Errorf("connection %s credentials: %w", c.ID, err)
	}
	var sec secrets
	if err := json.Unmarshal(plain, &sec); err != nil {
		return secrets{}, fmt.Errorf("connection %s credentials: %w", c.ID, err)
	}
	return sec, nil
}

func (s *Service) seal(ctx context.Context, tenantID, connectionID string, sec secrets) ([]byte, error) {
	v, err := s.keys.TenantForSeal(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(sec)
	if err != nil {
		return nil, err
	}
	return v.Seal(plain, credentialsAAD(connectionID)), nil
}

// DeleteConnection revokes a connection's token at the provider, when the
// provider has a revocation endpoint, and deletes the connection. A failed
// revocation is logged and does not keep the connection: the SaaS asked for
// it to be gone, and the provider's tokens expire or are revoked by the user.
func (s *Service) DeleteConnection(ctx context.Context, connectionID string) error {
	c, err := s.connection(ctx, s.db, connectionID)
	if err != nil {
		return err
	}
	if p, ok := s.catalog.Get(c.Provider.ID); ok && p.Auth.Mode.OAuth() && p.Auth.RevocationURL != "" {
		if err := s.revokeConnection(ctx, p, c); err != nil {
			s.logger.Warn("revoking a deleted connection's token at the provider failed", "connection_id", c.ID, "provider_id", p.ID, "error", err)
		}
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		deleted, err := connectionDelete(ctx, tx, connectionID)
		if err != nil {
			return err
		}
		if !deleted {
			return apperr.Errorf(apperr.NotFound, "connection %s not found", connectionID)
		}
		return s.emit(ctx, tx, "connection.deleted", map[string]any{
			"connection_id": c.ID, "tenant_id": c.TenantID, "end_user_id": c.EndUserID, "provider_id": c.Provider.ID,
		})
	})
}

func (s *Service) revokeConnection(ctx context.Context, p *catalog.Provider, c Connection) error {
	sec, err := s.open(ctx, c)
	if err != nil {
		return err
	}
	in, err := s.integrationWithSecret(ctx, c.IntegrationID)
	if err != nil {
		return err
	}
	// Revoking the refresh token revokes its access tokens too (RFC 7009
	// section 2.1), where the provider issued one.
	token, hint := sec.RefreshToken, "refresh_token"
	if token == "" {
		token, hint = sec.AccessToken, "access_token"
	}
	return s.revoke(ctx, p, in, c.Config, token, hint)
}

// credentials builds the credentials call's answer.
func credentials(c Connection, sec secrets) Credentials {
	return Credentials{
		ConnectionID: c.ID, ProviderID: c.Provider.ID, AccessToken: sec.AccessToken, TokenType: sec.TokenType,
		ExpiresAt: c.ExpiresAt, Secrets: sec.Fields, Config: c.Config,
	}
}

// returnURL adds the outcome of a connect flow to the SaaS's return URL.
func returnURL(base string, params map[string]string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base // checked when the session was made
	}
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// storeConnection stores the connection a connect flow produced, completes
// its session and emits connection.created, all in one transaction. The
// session's conditional update makes the flow single-use: a second callback
// for the same session stores nothing. A session that repairs a connection
// updates it in place instead (same ID, new credentials, active again) and
// emits connection.repaired.
func (s *Service) storeConnection(ctx context.Context, nc newConnection, fromStatus string) (Connection, error) {
	c := s.newConnectionRecord(nc)
	sealed, err := s.seal(ctx, c.TenantID, c.ID, nc.secrets)
	if err != nil {
		return Connection{}, err
	}
	c.sealed = sealed
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		c.CreatedAt, c.UpdatedAt = tx.Now(), tx.Now()
		completed, err := sessionComplete(ctx, tx, nc.session.ID, c.ID, fromStatus)
		if err != nil {
			return err
		}
		if !completed {
			return apperr.Errorf(apperr.Conflict, "this connect session was already used")
		}
		event := map[string]any{
			"connection_id": c.ID, "tenant_id": c.TenantID, "end_user_id": c.EndUserID, "integration_id": c.IntegrationID,
			"provider_id": c.Provider.ID, "session_id": nc.session.ID, "scopes": c.Scopes,
		}
		if nc.session.ConnectionID == "" {
			if err := connectionInsert(ctx, tx, c); err != nil {
				return err
			}
			return s.emit(ctx, tx, "connection.created", event)
		}
		from, createdAt, err := connectionStatusCreated(ctx, tx, c.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Errorf(apperr.Conflict, "the connection this session repairs was deleted")
		} else if err != nil {
			return err
		}
		// The session was checked against the connection's tenant, end user
		// and integration when it was made, and those never change.
		c.CreatedAt = createdAt
		if err := connectionRepair(ctx, tx, c); err != nil {
			return err
		}
		event["previous_status"] = from
		return s.emit(ctx, tx, "connection.repaired", event)
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}
