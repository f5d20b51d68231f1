package branding

import (
	"context"
	"database/sql"
	"errors"

	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/store"
)

// The branding table's queries. Row id "" is the installation's; any other
// is the tenant's of that ID, whose tenant_id column ties it to the tenant
// so that purging the tenant removes it.

// AssetsInUse selects the hashes of the logos branding shows, for the asset
// store's cleanup.
const AssetsInUse = "SELECT logo_hash FROM branding WHERE logo_hash IS NOT NULL"

func brandingGet(ctx context.Context, q store.Querier, id string) (Branding, bool, error) {
	var b Branding
	var product, accent, theme, support, terms, privacy, logoHash, logoType sql.NullString
	var updated sql.NullTime
	err := q.QueryRow(ctx, `SELECT b.product_name, b.accent_color, b.theme, b.support_url, b.terms_url, b.privacy_url, b.logo_hash, a.content_type, b.updated_at
		FROM branding b LEFT JOIN assets a ON a.hash = b.logo_hash WHERE b.id = ?`, id).
		Scan(&product, &accent, &theme, &support, &terms, &privacy, &logoHash, &logoType, &updated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Branding{}, false, nil
	case err != nil:
		return Branding{}, false, err
	}
	b.Settings = Settings{ProductName: product.String, AccentColor: accent.String, Theme: theme.String,
		SupportURL: support.String, TermsURL: terms.String, PrivacyURL: privacy.String}
	if logoHash.Valid {
		b.LogoURL = assets.Path(logoHash.String, logoType.String)
	}
	if updated.Valid {
		t := updated.Time.UTC()
		b.UpdatedAt = &t
	}
	return b, true, nil
}

// tenantColumn is the tenant_id to store for row id.
func tenantColumn(id string) *string {
	if id == installationID {
		return nil
	}
	return &id
}

func brandingUpsertSettings(ctx context.Context, tx *store.Tx, id string, set Settings) error {
	_, err := tx.Exec(ctx, `INSERT INTO branding (id, tenant_id, product_name, accent_color, theme, support_url, terms_url, privacy_url, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET product_name = excluded.product_name, accent_color = excluded.accent_color, theme = excluded.theme,
			support_url = excluded.support_url, terms_url = excluded.terms_url, privacy_url = excluded.privacy_url, updated_at = excluded.updated_at`,
		id, tenantColumn(id), store.Nullable(set.ProductName), store.Nullable(set.AccentColor), store.Nullable(set.Theme),
		store.Nullable(set.SupportURL), store.Nullable(set.TermsURL), store.Nullable(set.PrivacyURL), tx.Now())
	return err
}

func brandingSetLogo(ctx context.Context, tx *store.Tx, id string, hash *string) error {
	_, err := tx.Exec(ctx, `INSERT INTO branding (id, tenant_id, logo_hash, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET logo_hash = excluded.logo_hash, updated_at = excluded.updated_at`,
		id, tenantColumn(id), hash, tx.Now())
	return err
}

func brandingDelete(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.Exec(ctx, "DELETE FROM branding WHERE id = ?", id)
	return err
}

// InstallationBranding returns the installation's stored branding (zero
// fields where none is set), for the automation catalog.
func InstallationBranding(ctx context.Context, q store.Querier) (Branding, error) {
	b, _, err := brandingGet(ctx, q, installationID)
	return b, err
}
