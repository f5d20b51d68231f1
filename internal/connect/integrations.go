package connect

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
)

// Integration is the SaaS's own OAuth client at a provider: the client ID and
// secret it registered there, and the scopes its users are asked for. There
// may be several per provider (a production and a staging app, say).
type Integration struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	Name       string `json:"name"`
	ClientID   string `json:"client_id"`
	// Scopes are asked for unless a connect session names others; empty
	// means the provider definition's defaults.
	Scopes []string `json:"scopes"`
	// CallbackURL is the redirect URI to register with the provider.
	CallbackURL string    `json:"callback_url"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	clientSecret string
}

func integrationAAD(integrationID string) string {
	return "integrations/" + integrationID + "/client_secret"
}

// CreateIntegration adds an integration for a provider in the catalog. The
// client secret is sealed with the installation's data key and never shown
// again.
func (s *Service) CreateIntegration(ctx context.Context, in Integration, clientSecret string) (Integration, error) {
	p, ok := s.catalog.Get(in.ProviderID)
	if !ok {
		return Integration{}, apperr.InvalidFields(map[string]string{"provider_id": "is not a provider in the catalog (GET /v1/providers)"})
	}
	if p.Auth.Mode.OAuth() && (in.ClientID == "" || clientSecret == "") {
		return Integration{}, apperr.InvalidFields(map[string]string{"client_secret": "client_id and client_secret are required for an OAuth provider"})
	}
	v, err := s.keys.Installation(ctx)
	if err != nil {
		return Integration{}, err
	}
	in.ID = id.New("int")
	in.Scopes = nonNil(in.Scopes)
	scopes, _ := json.Marshal(in.Scopes)
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		in.CreatedAt, in.UpdatedAt = tx.Now(), tx.Now()
		_, err := tx.Exec(ctx, `INSERT INTO integrations (id, provider_id, name, client_id, client_secret, scopes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, in.ID, in.ProviderID, in.Name, in.ClientID,
			v.Seal([]byte(clientSecret), integrationAAD(in.ID)), string(scopes), in.CreatedAt, in.UpdatedAt)
		return err
	})
	if err != nil {
		return Integration{}, fmt.Errorf("create integration: %w", err)
	}
	in.CallbackURL = s.CallbackURL()
	return in, nil
}

const integrationColumns = "id, provider_id, name, client_id, client_secret, scopes, created_at, updated_at"

// scanIntegration reads a row; the client secret stays sealed in sealed.
func (s *Service) scanIntegration(sc store.Scanner) (Integration, []byte, error) {
	var in Integration
	var sealed []byte
	var scopes string
	if err := sc.Scan(&in.ID, &in.ProviderID, &in.Name, &in.ClientID, &sealed, &scopes, &in.CreatedAt, &in.UpdatedAt); err != nil {
		return Integration{}, nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &in.Scopes); err != nil {
		return Integration{}, nil, fmt.Errorf("integration %s scopes: %w", in.ID, err)
	}
	in.CallbackURL = s.CallbackURL()
	return in, sealed, nil
}

// Integration returns an integration, without its secret.
func (s *Service) Integration(ctx context.Context, integrationID string) (Integration, error) {
	in, _, err := s.scanIntegration(s.db.QueryRow(ctx, "SELECT "+integrationColumns+" FROM integrations WHERE id = ?", integrationID))
	if errors.Is(err, sql.ErrNoRows) {
		return Integration{}, apperr.Errorf(apperr.NotFound, "integration %s not found", integrationID)
	}
	return in, err
}

// integrationWithSecret returns an integration with its client secret, for
// calls to the provider.
func (s *Service) integrationWithSecret(ctx context.Context, integrationID string) (Integration, error) {
	in, sealed, err := s.scanIntegration(s.db.QueryRow(ctx, "SELECT "+integrationColumns+" FROM integrations WHERE id = ?", integrationID))
	if errors.Is(err, sql.ErrNoRows) {
		return Integration{}, apperr.Errorf(apperr.NotFound, "integration %s not found", integrationID)
	} else if err != nil {
		return Integration{}, err
	}
	v, err := s.keys.Installation(ctx)
	if err != nil {
		return Integration{}, err
	}
	plain, err := v.Open(sealed, integrationAAD(in.ID))
	if err != nil {
		return Integration{}, fmt.Errorf("integration %s client secret: %w", in.ID, err)
	}
	in.clientSecret = string(plain)
	return in, nil
}

// ListIntegrations returns a page of integrations ordered by ID, optionally of
// one provider.
func (s *Service) ListIntegrations(ctx context.Context, providerID string, page httpapi.Page) ([]Integration, error) {
	rows, err := s.db.Query(ctx, "SELECT "+integrationColumns+` FROM integrations
		WHERE id > ? AND (? = '' OR provider_id = ?) ORDER BY id LIMIT ?`, page.After, providerID, providerID, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list integrations: %w", err)
	}
	defer rows.Close()
	var list []Integration
	for rows.Next() {
		in, _, err := s.scanIntegration(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, in)
	}
	return list, rows.Err()
}

// IntegrationChange holds the fields to change; nil leaves one as it is.
type IntegrationChange struct {
	Name         *string
	ClientID     *string
	ClientSecret *string
	Scopes       *[]string
}

// UpdateIntegration changes an integration. A new client secret takes effect
// for the next token request.
func (s *Service) UpdateIntegration(ctx context.Context, integrationID string, ch IntegrationChange) (Integration, error) {
	v, err := s.keys.Installation(ctx)
	if err != nil {
		return Integration{}, err
	}
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Integration, error) {
		in, sealed, err := s.scanIntegration(tx.QueryRow(ctx, "SELECT "+integrationColumns+" FROM integrations WHERE id = ?", integrationID))
		if errors.Is(err, sql.ErrNoRows) {
			return Integration{}, apperr.Errorf(apperr.NotFound, "integration %s not found", integrationID)
		} else if err != nil {
			return Integration{}, err
		}
		if ch.Name != nil {
			in.Name = *ch.Name
		}
		if ch.ClientID != nil {
			in.ClientID = *ch.ClientID
		}
		if ch.Scopes != nil {
			in.Scopes = nonNil(*ch.Scopes)
		}
		if ch.ClientSecret != nil {
			sealed = v.Seal([]byte(*ch.ClientSecret), integrationAAD(in.ID))
		}
		in.UpdatedAt = tx.Now()
		scopes, _ := json.Marshal(in.Scopes)
		_, err = tx.Exec(ctx, "UPDATE integrations SET name = ?, client_id = ?, client_secret = ?, scopes = ?, updated_at = ? WHERE id = ?",
			in.Name, in.ClientID, sealed, string(scopes), in.UpdatedAt, in.ID)
		return in, err
	})
}

// DeleteIntegration deletes an integration that no connection uses.
func (s *Service) DeleteIntegration(ctx context.Context, integrationID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM connections WHERE integration_id = ?", integrationID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Errorf(apperr.Conflict, "integration %s has %d connections; delete them first", integrationID, n)
		}
		res, err := tx.Exec(ctx, "DELETE FROM integrations WHERE id = ?", integrationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Errorf(apperr.NotFound, "integration %s not found", integrationID)
		}
		return nil
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
