package embed

import (
	"context"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
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

// MintedToken is a new token with its secret, shown only this once.
type MintedToken struct {
	Token
	Secret string `json:"token"`
}

// HandleMint mints an embed token.
func HandleMint(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Secret:  true,
		Summary: "Mint an embed token for one of a tenant's users, for the browser components; the response holds the token, shown only once",
		Request: mintRequest{}, Response: MintedToken{}, Status: http.StatusCreated,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := httpapi.Decode[mintRequest](r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if req.TenantID, err = tenants.Own(r.Context(), req.TenantID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			t, secret, err := s.Mint(r.Context(), req.newToken())
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusCreated, MintedToken{Token: t, Secret: secret})
		}),
	}
}

// HandleList lists a tenant's embed tokens.
func HandleList(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "List a tenant's embed tokens, newest first (never the tokens themselves)",
		Response: httpapi.List[Token]{},
		Query:    append([]httpapi.Param{{Name: "tenant_id", Description: "the tenant (required unless the key is restricted to one)"}}, httpapi.PageParams...),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			tenantID, err := tenants.Own(r.Context(), r.URL.Query().Get("tenant_id"))
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if msg := tenants.ValidID(tenantID); msg != "" {
				httpapi.Error(w, r, apperr.InvalidFields(map[string]string{"tenant_id": msg}))
				return
			}
			list, err := s.List(r.Context(), tenantID, page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(t Token) string { return t.ID }))
		}),
	}
}

// HandleRevoke revokes an embed token.
func HandleRevoke(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "Revoke an embed token; it stops working at once",
		Response: Token{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tokenID, err := httpapi.PathID(r, "embed_token_id", "emb")
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			t, err := s.Revoke(r.Context(), tokenID)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, t)
		}),
	}
}
