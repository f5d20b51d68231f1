package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

// RequireKey rejects requests without a valid admin API key with 401 and a
// WWW-Authenticate challenge (RFC 6750), and puts the key in the context.
func RequireKey(keys *Keys) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := bearer(r)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay"`)
				httpapi.Error(w, r, apperr.Errorf(apperr.Unauthorized, "send an admin API key as Authorization: Bearer pbk_…"))
				return
			}
			key, err := keys.Authenticate(r.Context(), token)
			if err != nil {
				if apperr.CodeOf(err) == apperr.Unauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay", error="invalid_token"`)
				}
				httpapi.Error(w, r, err)
				return
			}
			if info := httpapi.InfoFrom(r.Context()); info != nil {
				info.APIKeyID = key.ID
			}
			ctx := WithKey(r.Context(), key)
			if key.TenantID != nil {
				ctx = tenants.Restrict(ctx, *key.TenantID)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

type createKeyRequest struct {
	Name string `json:"name" doc:"A name that says who or what uses the key."`
	// RateLimit overrides the default requests per window for this key.
	RateLimit *int64 `json:"rate_limit,omitempty" doc:"Overrides the default requests per window for this key."`
	// Scopes default to the calling key's own.
	Scopes []string `json:"scopes,omitempty" doc:"The scopes the key holds; absent gives it the calling key's own."`
	// TenantID restricts the key to one tenant; it defaults to the calling
	// key's tenant.
	TenantID *string `json:"tenant_id,omitempty" doc:"Restricts the key to one tenant; it defaults to the calling key's tenant."`
}

func (req createKeyRequest) Valid(context.Context) map[string]string {
	problems := validScopes(req.Scopes)
	if msg := validName(req.Name); msg != "" {
		problems["name"] = msg
	}
	if req.TenantID != nil {
		if msg := tenants.ValidID(*req.TenantID); msg != "" {
			problems["tenant_id"] = msg
		}
	}
	if req.RateLimit != nil && *req.RateLimit < 1 {
		problems["rate_limit"] = "must be at least 1"
	}
	return problems
}

func validName(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "is required"
	case len(name) > 200:
		return "must be at most 200 bytes"
	}
	return ""
}

// CreatedKey is a new key with its secret, which is shown only this once.
type CreatedKey struct {
	Key
	Secret string `json:"key" doc:"The key itself (pbk_…), shown only in this response; Patchbay keeps only its hash."`
}

// HandleCreate creates an API key.
func HandleCreate(keys *Keys) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createKeyRequest, CreatedKey]{
		Secret:      true,
		Summary:     "Create an admin API key with no more scopes than the calling key (by default, the same) and restricted to its tenant if it is; the response holds the key, shown only once",
		Description: "Creates a key for a service or a person. It may hold no scope the calling key lacks, and a tenant-restricted caller can create only keys restricted to its tenant (403 otherwise). The key's secret is in this answer only; store it at once.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createKeyRequest) (CreatedKey, error) {
			caller, _ := KeyFrom(r.Context())
			nk := NewKey{Name: req.Name, RateLimit: req.RateLimit, Scopes: req.Scopes, TenantID: req.TenantID}
			if nk.Scopes == nil {
				nk.Scopes = caller.Scopes
			}
			if nk.TenantID == nil {
				nk.TenantID = caller.TenantID
			}
			if err := caller.Covers(nk.Scopes, nk.TenantID); err != nil {
				return CreatedKey{}, err
			}
			key, secret, err := keys.Create(r.Context(), nk)
			if err != nil {
				return CreatedKey{}, err
			}
			return CreatedKey{Key: key, Secret: secret}, nil
		},
	})
}

// HandleList lists API keys.
func HandleList(keys *Keys) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Key]]{
		Summary:     "List admin API keys, revoked ones included",
		Description: "Lists admin API keys, newest first, without their secrets; revoked keys are listed with revoked_at. Use it to audit which keys exist and what they may do.", Query: httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Key], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Key]{}, err
			}
			list, err := keys.List(r.Context(), page)
			return httpapi.NewList(page, list, func(k Key) string { return k.ID }), err
		},
	})
}

// keyID reads and checks the {key_id} path parameter.
func keyID(r *http.Request) (string, error) { return httpapi.PathID(r, "key_id", "key") }

// HandleGet returns one API key.
func HandleGet(keys *Keys) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Key]{
		Summary:     "Get an admin API key",
		Description: "Returns one key's name, scopes, tenant restriction and rate limit, never its secret. 404 for an unknown key.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Key, error) {
			kid, err := keyID(r)
			if err != nil {
				return Key{}, err
			}
			return keys.Key(r.Context(), kid)
		},
	})
}

type updateKeyRequest struct {
	Name *string `json:"name,omitempty" doc:"A new name for the key; absent keeps the old one."`
	// RateLimit of 0 returns the key to the installation's default.
	RateLimit *int64 `json:"rate_limit,omitempty" doc:"A new rate limit; 0 returns the key to the installation's default."`
}

func (req updateKeyRequest) Valid(context.Context) map[string]string {
	problems := map[string]string{}
	if req.Name != nil {
		if msg := validName(*req.Name); msg != "" {
			problems["name"] = msg
		}
	}
	if req.RateLimit != nil && *req.RateLimit < 0 {
		problems["rate_limit"] = "must be 0 (the default) or more"
	}
	return problems
}

// HandleUpdate renames a key or sets its rate limit.
func HandleUpdate(keys *Keys) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[updateKeyRequest, Key]{
		Summary:     "Rename an admin API key or set its own rate limit (0 restores the default)",
		Description: "Renames a key or gives it its own rate limit; scopes and tenant cannot change (create a new key instead). 404 for an unknown key.",
		Do: func(r *http.Request, req updateKeyRequest) (Key, error) {
			kid, err := keyID(r)
			if err != nil {
				return Key{}, err
			}
			if err := mayManage(r.Context(), keys, kid); err != nil {
				return Key{}, err
			}
			return keys.Update(r.Context(), kid, req.Name, req.RateLimit)
		},
	})
}

// mayManage refuses changing or revoking a key that holds more than the
// calling key, which could not have made it either: a lesser keys:admin key
// cannot revoke the installation's own key, nor lift a stronger key's rate
// limit. A key's scopes and tenant never change, so checking first is enough.
func mayManage(ctx context.Context, keys *Keys, keyID string) error {
	caller, _ := KeyFrom(ctx)
	target, err := keys.Key(ctx, keyID)
	if err != nil {
		return err
	}
	if caller.Covers(target.Scopes, target.TenantID) != nil {
		return apperr.Errorf(apperr.Forbidden, "API key %s holds more than this key, so this key cannot change or revoke it", keyID)
	}
	return nil
}

// HandleRevoke revokes a key.
func HandleRevoke(keys *Keys) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Key]{
		Summary:     "Revoke an admin API key; it stops working at once on this node and within a second on the others",
		Description: "Revokes a key: requests with it answer 401 from then on. The key stays listed with revoked_at.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Key, error) {
			kid, err := keyID(r)
			if err != nil {
				return Key{}, err
			}
			if err := mayManage(r.Context(), keys, kid); err != nil {
				return Key{}, err
			}
			return keys.Revoke(r.Context(), kid)
		},
	})
}
