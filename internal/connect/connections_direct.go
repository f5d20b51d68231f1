package connect

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
)

// DirectConnection is a connection the SaaS creates through the API, with no
// end user's browser: for providers that use client credentials, and for
// API-key and basic providers when the SaaS already holds the credentials.
type DirectConnection struct {
	TenantID, EndUserID, IntegrationID string
	// Scopes replace the integration's for a client-credentials token.
	Scopes []string
	// Values are the provider's fields, secret ones included.
	Values map[string]string
}

// CreateConnection checks a direct connection's credentials with the
// provider (for client credentials, by getting a token) and stores it.
func (s *Service) CreateConnection(ctx context.Context, dc DirectConnection) (Connection, error) {
	var err error
	if dc.TenantID, err = tenants.Own(ctx, dc.TenantID); err != nil {
		return Connection{}, err
	}
	in, err := s.integrationWithSecret(ctx, dc.IntegrationID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Connection{}, apperr.InvalidFields(map[string]string{"integration_id": "no integration " + dc.IntegrationID})
	} else if err != nil {
		return Connection{}, err
	}
	p, err := s.catalog.Provider(in.ProviderID)
	if err != nil {
		return Connection{}, err
	}
	if p.Auth.Mode == catalog.AuthOAuth2 {
		return Connection{}, apperr.InvalidFields(map[string]string{"integration_id": "its provider's users authorize in their browser: create a connect session instead"})
	}
	if err := tenants.MustExist(ctx, s.db, dc.TenantID); err != nil {
		return Connection{}, err
	}
	values, err := p.Values(dc.Values)
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Fields != nil {
		fields := map[string]string{}
		for name, msg := range ae.Fields {
			fields["values/"+name] = msg
		}
		return Connection{}, apperr.InvalidFields(fields)
	} else if err != nil {
		return Connection{}, err
	}
	nc := newConnection{session: Session{TenantID: dc.TenantID, EndUserID: dc.EndUserID, IntegrationID: in.ID, providerID: p.ID},
		scopes: scopes(p, in, dc.Scopes), config: values.Config, secrets: secrets{Fields: values.Secrets}}
	if p.Auth.Mode == catalog.AuthOAuth2ClientCredentials {
		now := time.Now()
		tr, err := s.tokenRequest(ctx, p, in, values.Config, clientCredentialsForm(p, nc.scopes))
		if err != nil {
			return Connection{}, credentialsRefused(p, "the token endpoint", err)
		}
		nc.secrets.AccessToken, nc.secrets.TokenType, nc.scopes, nc.expiresAt = tr.AccessToken, tr.TokenType, tr.granted(nc.scopes), tr.expiry(now)
		// For the verification request only: the stored token is
		// secrets.AccessToken, which refreshes replace.
		values.Secrets = maps.Clone(values.Secrets)
		values.Secrets["access_token"] = tr.AccessToken
	}
	if err := s.verify(ctx, p, values); err != nil {
		return Connection{}, credentialsRefused(p, "the verification request", err)
	}
	c := s.newConnectionRecord(nc)
	if c.sealed, err = s.seal(ctx, c.TenantID, c.ID, nc.secrets); err != nil {
		return Connection{}, err
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		c.CreatedAt, c.UpdatedAt = tx.Now(), tx.Now()
		if err := connectionInsert(ctx, tx, c); err != nil {
			return err
		}
		return s.emit(ctx, tx, "connection.created", map[string]any{
			"connection_id": c.ID, "tenant_id": c.TenantID, "end_user_id": c.EndUserID, "integration_id": c.IntegrationID,
			"provider_id": c.Provider.ID, "scopes": c.Scopes,
		})
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}

// clientCredentialsForm asks a token endpoint for a token for the client
// itself (RFC 6749 section 4.4); it is also how such a token is renewed.
func clientCredentialsForm(p *catalog.Provider, scopes []string) url.Values {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, p.Auth.ScopeSeparator))
	}
	return form
}

// credentialsRefused says that the provider did not accept a direct connection's
// credentials, with the provider's error code but nothing it sent back.
func credentialsRefused(p *catalog.Provider, step string, err error) error {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return apperr.Errorf(apperr.Unprocessable, "%s refused the credentials at %s: %s", p.DisplayName, step, pe.Error())
	}
	return apperr.Errorf(apperr.Unprocessable, "%s could not check the credentials at %s: %v", p.DisplayName, step, err)
}

type createConnectionRequest struct {
	TenantID      string            `json:"tenant_id" doc:"The tenant the end user belongs to."`
	EndUserID     string            `json:"end_user_id" doc:"The SaaS's ID of the end user the connection is for."`
	IntegrationID string            `json:"integration_id" doc:"The integration to connect through."`
	Scopes        []string          `json:"scopes,omitempty" doc:"Scopes to ask the provider for; absent asks for the integration's."`
	Values        map[string]string `json:"values,omitempty" doc:"The credential values the provider's fields ask for (API keys, user names)."`
}

func (req createConnectionRequest) Valid(ctx context.Context) map[string]string {
	return ownerProblems(ctx, req.TenantID, req.EndUserID, req.IntegrationID, req.Scopes)
}

// HandleConnectionCreate creates a connection without the browser flow.
func HandleConnectionCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createConnectionRequest, Connection]{
		Summary: "Create a connection without the browser flow: for client-credentials providers (Patchbay gets and renews the token), " +
			"or API-key and basic providers whose credentials the SaaS already holds (values); checked with the provider's verification request",
		Description: "Stores a connection without sending the user through the connect page: for client-credentials providers, " +
			"or when the SaaS already holds the user's API key or password. Patchbay checks the credentials with the provider first; 422 when the provider refuses them.",
		Status: http.StatusCreated,
		Do: func(r *http.Request, req createConnectionRequest) (Connection, error) {
			return s.CreateConnection(r.Context(), DirectConnection{TenantID: req.TenantID, EndUserID: req.EndUserID,
				IntegrationID: req.IntegrationID, Scopes: req.Scopes, Values: req.Values})
		},
	})
}
