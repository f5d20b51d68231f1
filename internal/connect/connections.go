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
	ID            string       `json:"id"`
	TenantID      string       `json:"tenant_id"`
	EndUserID     string       `json:"end_user_id"`
	IntegrationID string       `json:"integration_id"`
	Provider      ProviderInfo `json:"provider"`
	Status        string       `json:"status"`
	Scopes        []string     `json:"scopes"`
	// Config holds the values of the provider's fields that are not secret,
	// such as a subdomain.
	Config map[string]string `json:"config"`
	// ExpiresAt is when the current access token expires; null when it does
	// not.
	ExpiresAt   *time.Time `json:"expires_at"`
	RefreshedAt *time.Time `json:"refreshed_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`

	sealed          []byte
	refreshFailures int // transient refresh failures in a row
}

// ProviderInfo is what a connection shows of its provider.
type ProviderInfo struct {
	ID          string           `json:"id"`
	DisplayName string           `json:"display_name"`
	Logo        string           `json:"logo,omitempty"`
	AuthMode    catalog.AuthMode `json:"auth_mode"`
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
	ConnectionID string `json:"connection_id"`
	ProviderID   string `json:"provider_id"`
	// AccessToken is the current OAuth access token.
	AccessToken string     `json:"access_token,omitempty"`
	TokenType   string     `json:"token_type,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// Secrets are the secret field values of API-key and basic connections.
	Secrets map[string]string `json:"secrets,omitempty"`
	// Config are the connection's values that are not secret.
	Config map[string]string `json:"config"`
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

// insertConnection stores a new connection with its credentials sealed by
// the tenant's data key (sealed by the caller, who knows the ID).
func insertConnection(ctx context.Context, tx *store.Tx, c Connection) error {
	scopes, _ := json.Marshal(nonNil(c.Scopes))
	config, _ := json.Marshal(c.Config)
	_, err := tx.Exec(ctx, `INSERT INTO connections (id, tenant_id, end_user_id, integration_id, provider_id, status, scopes, config,
		credentials, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.TenantID, c.EndUserID, c.IntegrationID, c.Provider.ID, c.Status, string(scopes), string(config),
		c.sealed, c.ExpiresAt, c.CreatedAt, c.UpdatedAt)
	return err
}

const connectionColumns = `id, tenant_id, end_user_id, integration_id, provider_id, status, scopes, config, credentials,
	expires_at, refreshed_at, created_at, updated_at, refresh_failures`

func (s *Service) scanConnection(sc store.Scanner) (Connection, error) {
	var c Connection
	var scopes, config string
	var expires, refreshed sql.NullTime
	err := sc.Scan(&c.ID, &c.TenantID, &c.EndUserID, &c.IntegrationID, &c.Provider.ID, &c.Status, &scopes, &config, &c.sealed,
		&expires, &refreshed, &c.CreatedAt, &c.UpdatedAt, &c.refreshFailures)
	if err != nil {
		return Connection{}, err
	}
	if expires.Valid {
		c.ExpiresAt = &expires.Time
	}
	if refreshed.Valid {
		c.RefreshedAt = &refreshed.Time
	}
	if err := json.Unmarshal([]byte(scopes), &c.Scopes); err != nil {
		return Connection{}, fmt.Errorf("connection %s scopes: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(config), &c.Config); err != nil {
		return Connection{}, fmt.Errorf("connection %s config: %w", c.ID, err)
	}
	c.Provider = s.ProviderInfo(c.Provider.ID)
	return c, nil
}

// scanConnections reads and closes rows of connectionColumns.
func (s *Service) scanConnections(rows *sql.Rows) ([]Connection, error) {
	defer rows.Close()
	var list []Connection
	for rows.Next() {
		c, err := s.scanConnection(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

func (s *Service) connection(ctx context.Context, q store.Querier, connectionID string) (Connection, error) {
	c, err := s.scanConnection(q.QueryRow(ctx, "SELECT "+connectionColumns+" FROM connections WHERE id = ?", connectionID))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !tenants.Visible(ctx, c.TenantID) {
		return Connection{}, apperr.Errorf(apperr.NotFound, "connection %s not found", connectionID)
	}
	return c, err
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
	rows, err := s.db.Query(ctx, "SELECT "+connectionColumns+` FROM connections WHERE id > ?
		AND (? = '' OR tenant_id = ?) AND (? = '' OR end_user_id = ?) ORDER BY id LIMIT ?`,
		page.After, f.TenantID, f.TenantID, f.EndUserID, f.EndUserID, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return s.scanConnections(rows)
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
		res, err := tx.Exec(ctx, "DELETE FROM connections WHERE id = ?", connectionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
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
		res, err := tx.Exec(ctx, "UPDATE connect_sessions SET status = ?, connection_id = ?, updated_at = ? WHERE id = ? AND status = ?",
			sessionCompleted, c.ID, tx.Now(), nc.session.ID, fromStatus)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Errorf(apperr.Conflict, "this connect session was already used")
		}
		event := map[string]any{
			"connection_id": c.ID, "tenant_id": c.TenantID, "end_user_id": c.EndUserID, "integration_id": c.IntegrationID,
			"provider_id": c.Provider.ID, "session_id": nc.session.ID, "scopes": c.Scopes,
		}
		if nc.session.ConnectionID == "" {
			if err := insertConnection(ctx, tx, c); err != nil {
				return err
			}
			return s.emit(ctx, tx, "connection.created", event)
		}
		var from string
		if err := tx.QueryRow(ctx, "SELECT status, created_at FROM connections WHERE id = ?", c.ID).Scan(&from, &c.CreatedAt); errors.Is(err, sql.ErrNoRows) {
			return apperr.Errorf(apperr.Conflict, "the connection this session repairs was deleted")
		} else if err != nil {
			return err
		}
		if err := repairConnection(ctx, tx, c); err != nil {
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

// repairConnection replaces a connection's credentials with those of a new
// connect flow and makes it active again; its refresh history starts over.
// The session was checked against the connection's tenant, end user and
// integration when it was made, and those never change.
func repairConnection(ctx context.Context, tx *store.Tx, c Connection) error {
	scopes, _ := json.Marshal(nonNil(c.Scopes))
	config, _ := json.Marshal(c.Config)
	_, err := tx.Exec(ctx, `UPDATE connections SET status = ?, scopes = ?, config = ?, credentials = ?, expires_at = ?, updated_at = ?,
		refresh_failures = 0, next_refresh_at = NULL, refresh_lease_owner = NULL, refresh_lease_until = NULL WHERE id = ?`,
		c.Status, string(scopes), string(config), c.sealed, c.ExpiresAt, c.UpdatedAt, c.ID)
	return err
}
