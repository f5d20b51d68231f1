package embed

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

type mintRequest struct {
	TenantID     string   `json:"tenant_id"`
	UserID       string   `json:"user_id"`
	UserName     string   `json:"user_name,omitempty"`
	Capabilities []string `json:"capabilities"`
	// AllowedOrigins are the pages that may use the token, as browsers send
	// them in Origin: https://app.example.com.
	AllowedOrigins []string `json:"allowed_origins"`
	// TTLSeconds is the token's lifetime: 900 (15 minutes) unless given, at
	// most 3600.
	TTLSeconds int64 `json:"ttl_seconds,omitempty"`
	// Locale is the components' language (en, de); empty follows the browser.
	Locale string `json:"locale,omitempty"`
}

func (req mintRequest) newToken() NewToken {
	return NewToken{TenantID: req.TenantID, UserID: req.UserID, UserName: req.UserName, Capabilities: req.Capabilities,
		AllowedOrigins: req.AllowedOrigins, TTL: time.Duration(req.TTLSeconds) * time.Second, Locale: req.Locale}
}

func (req mintRequest) Valid(context.Context) map[string]string {
	if req.TTLSeconds < 0 || req.TTLSeconds > int64(TTLMax.Seconds()) {
		return map[string]string{"ttl_seconds": "must be from 1 to 3600 seconds"}
	}
	return req.newToken().problems()
}

// ReviewMintScope is the scope a key needs to mint a marketplace:review
// token.
const ReviewMintScope = "marketplace:admin"

// MintedToken is a new token with its secret, shown only this once.
type MintedToken struct {
	Token
	Secret string `json:"token"`
}

// HandleMint mints an embed token.
func HandleMint(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[mintRequest, MintedToken]{
		Secret:  true,
		Summary: "Mint an embed token for one of a tenant's users, for the browser components; the response holds the token, shown only once",
		Status:  http.StatusCreated,
		Do: func(r *http.Request, req mintRequest) (MintedToken, error) {
			var err error
			if req.TenantID, err = tenants.Own(r.Context(), req.TenantID); err != nil {
				return MintedToken{}, err
			}
			if slices.Contains(req.Capabilities, CapMarketplaceReview) {
				// The review console reaches every team's listings: only a
				// key that could review through the admin API may mint it.
				key, _ := auth.KeyFrom(r.Context())
				if err := auth.InstallationAccess(ReviewMintScope).Permit(key); err != nil {
					return MintedToken{}, apperr.Because(apperr.Forbidden, "capability_not_allowed",
						"only an installation-wide API key holding %s may mint a token with %s", ReviewMintScope, CapMarketplaceReview)
				}
			}
			t, secret, err := s.Mint(r.Context(), req.newToken())
			return MintedToken{Token: t, Secret: secret}, err
		},
	})
}

// HandleList lists a tenant's embed tokens.
func HandleList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Token]]{
		Summary: "List a tenant's embed tokens, newest first (never the tokens themselves)",
		Query:   append([]httpapi.Param{{Name: "tenant_id", Description: "the tenant (required unless the key is restricted to one)"}}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Token], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Token]{}, err
			}
			tenantID, err := tenants.Own(r.Context(), r.URL.Query().Get("tenant_id"))
			if err != nil {
				return httpapi.List[Token]{}, err
			}
			if msg := tenants.ValidID(tenantID); msg != "" {
				return httpapi.List[Token]{}, apperr.InvalidFields(map[string]string{"tenant_id": msg})
			}
			list, err := s.List(r.Context(), tenantID, page)
			return httpapi.NewList(page, list, func(t Token) string { return t.ID }), err
		},
	})
}

// HandleRevoke revokes an embed token.
func HandleRevoke(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Token]{
		Summary: "Revoke an embed token; it stops working at once",
		Do: func(r *http.Request, _ httpapi.NoBody) (Token, error) {
			tokenID, err := httpapi.PathID(r, "embed_token_id", "emb")
			if err != nil {
				return Token{}, err
			}
			return s.Revoke(r.Context(), tokenID)
		},
	})
}
