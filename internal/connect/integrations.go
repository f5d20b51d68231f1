package connect

import (
	"context"
	"database/sql"
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
	ID         string `json:"id" doc:"The integration's ID."`
	ProviderID string `json:"provider_id" doc:"The catalog provider it connects to."`
	Name       string `json:"name" doc:"The integration's name."`
	ClientID   string `json:"client_id" doc:"The OAuth client ID the SaaS registered with the provider."`
	// Scopes are asked for unless a connect session names others; empty
	// means the provider definition's defaults.
	Scopes []string `json:"scopes" doc:"Asked for unless a connect session names others; empty means the provider definition's defaults."`
	// CallbackURL is the redirect URI to register with the provider.
	CallbackURL string    `json:"callback_url" format:"uri" doc:"The redirect URI to register with the provider."`
	CreatedAt   time.Time `json:"created_at" doc:"When the integration was created."`
	UpdatedAt   time.Time `json:"updated_at" doc:"When the integration last changed."`

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
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		in.CreatedAt, in.UpdatedAt = tx.Now(), tx.Now()
		return integrationInsert(ctx, tx, in, v.Seal([]byte(clientSecret), integrationAAD(in.ID)))
	})
	if err != nil {
		return Integration{}, fmt.Errorf("create integration: %w", err)
	}
	in.CallbackURL = s.CallbackURL()
	return in, nil
}

// integration returns an integration and its sealed client secret.
func (s *Service) integration(ctx context.Context, q store.Querier, integrationID string) (Integration, []byte, error) {
	in, sealed, err := integrationGet(ctx, q, integrationID)
	if errors.Is(err, sql.ErrNoRows) {
		return Integration{}, nil, apperr.Errorf(apperr.NotFound, "integration %s not found", integrationID)
	} else if err != nil {
		return Integration{}, nil, err
	}
	in.CallbackURL = s.CallbackURL()
	return in, sealed, nil
}

// Integration returns an integration, without its secret.
func (s *Service) Integration(ctx context.Context, integrationID string) (Integration, error) {
	in, _, err := s.integration(ctx, s.db, integrationID)
	return in, err
}

// integrationWithSecret returns an integration with its client secret, for
// calls to the provider.
func (s *Service) integrationWithSecret(ctx context.Context, integrationID string) (Integration, error) {
	in, sealed, err := s.integration(ctx, s.db, integrationID)
	if err != nil {
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
	list, err := integrationsList(ctx, s.db, page.After, providerID, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list integrations: %w", err)
	}
	for i := range list {
		list[i].CallbackURL = s.CallbackURL()
	}
	return list, nil
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
		in, sealed, err := s.integration(ctx, tx, integrationID)
		if err != nil {
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
		return in, integrationUpdate(ctx, tx, in, sealed)
	})
}

// DeleteIntegration deletes an integration that no connection uses.
func (s *Service) DeleteIntegration(ctx context.Context, integrationID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		n, err := connectionsCountOfIntegration(ctx, tx, integrationID)
		if err != nil {
			return err
		}
		if n > 0 {
			return apperr.Errorf(apperr.Conflict, "integration %s has %d connections; delete them first", integrationID, n)
		}
		deleted, err := integrationDelete(ctx, tx, integrationID)
		if err != nil {
			return err
		}
		if !deleted {
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
