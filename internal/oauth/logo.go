package oauth

import (
	"context"
	"net/http"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// SetAppLogo stores body, an image of declaredType, as the app's uploaded
// logo, which pages show instead of the one its logo_url points to.
func (s *Service) SetAppLogo(ctx context.Context, appID, declaredType string, body []byte) (App, error) {
	if s.cfg.Assets == nil {
		return App{}, apperr.Errorf(apperr.Unavailable, "logo uploads are not configured on this node")
	}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		a, err := s.cfg.Assets.PutUpload(ctx, tx, declaredType, body)
		if err != nil {
			return err
		}
		changed, err := appSetLogo(ctx, tx, appID, a.Hash, a.ContentType)
		if err != nil {
			return err
		}
		if !changed {
			return apperr.Errorf(apperr.NotFound, "app %s not found", appID)
		}
		return nil
	})
	if err != nil {
		return App{}, err
	}
	return s.App(ctx, appID)
}

// HandleAppLogoPut uploads an app's logo.
func HandleAppLogoPut(s *Service) httpapi.Endpoint {
	return assets.HandleUpload("Upload an app's logo, shown on the consent screen instead of logo_url's", App{},
		func(r *http.Request, contentType string, body []byte) (any, error) {
			appID, err := appFromPath(r)
			if err != nil {
				return nil, err
			}
			return s.SetAppLogo(r.Context(), appID, contentType, body)
		})
}
