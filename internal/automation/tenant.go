package automation

import (
	"context"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
)

// TenantSettings are a tenant's automation switches.
type TenantSettings struct {
	TenantID         string    `json:"tenant_id" doc:"The tenant."`
	PlatformsAllowed bool      `json:"platforms_allowed" doc:"Whether automation platforms may subscribe REST hooks and poll in the tenant."`
	AgentsAllowed    bool      `json:"agents_allowed" doc:"Whether AI agents may call the MCP server's tools for the tenant."`
	UpdatedAt        time.Time `json:"updated_at,omitzero" doc:"When the switches last changed; absent when never set."`
}

// TenantSettingsPatch changes a tenant's switches; absent fields stay.
type TenantSettingsPatch struct {
	PlatformsAllowed *bool `json:"platforms_allowed,omitempty" doc:"Whether automation platforms may subscribe REST hooks and poll in the tenant."`
	AgentsAllowed    *bool `json:"agents_allowed,omitempty" doc:"Whether AI agents may call the MCP server's tools for the tenant."`
}

// The kinds of automation clients the switches govern.
const (
	kindPlatform = "platform"
	kindAgent    = "agent"
)

// allowed refuses a kind of client the tenant switched off.
func (s *Service) allowed(ctx context.Context, tenantID, kind string) error {
	t, err := tenantSettingsGet(ctx, s.db, tenantID)
	if err != nil {
		return err
	}
	if kind == kindPlatform && !t.PlatformsAllowed {
		return apperr.Errorf(apperr.Forbidden, "the team's administrator does not allow automation platforms")
	}
	if kind == kindAgent && !t.AgentsAllowed {
		return apperr.Errorf(apperr.Forbidden, "the team's administrator does not allow AI agents")
	}
	return nil
}

// TenantSettings returns a tenant's switches.
func (s *Service) TenantSettings(ctx context.Context, tenantID string) (TenantSettings, error) {
	if err := tenants.MustExist(ctx, s.db, tenantID); err != nil {
		return TenantSettings{}, err
	}
	return tenantSettingsGet(ctx, s.db, tenantID)
}

// UpdateTenantSettings changes a tenant's switches. Turning platforms off
// refuses new subscriptions and polls and removes the platforms' hooks (and
// so their deliveries) in the tenant.
func (s *Service) UpdateTenantSettings(ctx context.Context, tenantID string, p TenantSettingsPatch) (TenantSettings, error) {
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (TenantSettings, error) {
		if err := tenants.MustExist(ctx, tx, tenantID); err != nil {
			return TenantSettings{}, err
		}
		t, err := tenantSettingsGet(ctx, tx, tenantID)
		if err != nil {
			return TenantSettings{}, err
		}
		setIf(&t.PlatformsAllowed, p.PlatformsAllowed)
		setIf(&t.AgentsAllowed, p.AgentsAllowed)
		t.UpdatedAt = tx.Now()
		if err := tenantSettingsUpsert(ctx, tx, t); err != nil {
			return TenantSettings{}, err
		}
		if !t.PlatformsAllowed {
			ids, err := hookEndpointsOfTenant(ctx, tx, tenantID)
			if err != nil {
				return TenantSettings{}, err
			}
			if err := s.hooks.DeleteEndpointsTx(ctx, tx, ids); err != nil {
				return TenantSettings{}, err
			}
		}
		return t, nil
	})
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
