package oauth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// Introspection is the answer of the introspection endpoint (RFC 7662 §2.2).
// An inactive token is exactly {"active":false}.
type Introspection struct {
	Active bool `json:"active" doc:"Whether the token is valid now; every other field is absent when it is not."`
	// TokenType is Bearer for access tokens (RFC 7662 §2.2 uses RFC 6749's
	// token types); TokenUse says which kind of token was presented.
	TokenType string `json:"token_type,omitempty" doc:"Bearer for access tokens (RFC 7662 §2.2 uses RFC 6749's token types); TokenUse says which kind of token was presented."`
	TokenUse  string `json:"token_use,omitempty" doc:"Access_token or refresh_token."` // access_token or refresh_token
	Scope     string `json:"scope,omitempty" doc:"The token's scopes, separated by spaces."`
	ClientID  string `json:"client_id,omitempty" doc:"The client the token was issued to."`
	AppID     string `json:"app_id,omitempty" doc:"The app's ID."`
	// Subject is the user for tokens a user granted, and the client_id for
	// the app's own client_credentials tokens.
	Subject   string `json:"sub,omitempty" doc:"The user for tokens a user granted, and the client_id for the app's own client_credentials tokens."`
	TeamID    string `json:"team_id,omitempty" doc:"The team the token was granted for, when the SaaS tracks one."`
	ExpiresAt int64  `json:"exp,omitempty" doc:"When the token expires, in seconds since the epoch."`
	IssuedAt  int64  `json:"iat,omitempty" doc:"When the token was issued, in seconds since the epoch."`
	Issuer    string `json:"iss,omitempty" doc:"The issuer's identifier." format:"uri"`
	// Audience lists the resources an access token is for (RFC 8707); a
	// resource server must refuse a token whose aud does not name it.
	Audience []string `json:"aud,omitempty" doc:"Lists the resources an access token is for (RFC 8707); a resource server must refuse a token whose aud does not name it."`
	// Actor is the party that obtained the token by token exchange and, nested,
	// those before it (RFC 8693 §4.1).
	Actor json.RawMessage `json:"act,omitempty" doc:"The party that obtained the token by token exchange and, nested, those before it (RFC 8693 §4.1)."`
}

// storedToken is a token row found by one of its hashes.
type storedToken struct {
	id, appID, clientID, familyID, scopes string
	audiences                             string
	userID, teamID, authorizationID       *string
	actor                                 *string
	accessExpires, createdAt              time.Time
	refreshExpires, rotatedAt, revokedAt  *time.Time
	refresh                               bool // found by its refresh token
}

// findToken looks a presented token up as an access token, then as a refresh
// token, or the other way round when the hint says so (RFC 7009 §2.1).
func (s *Service) findToken(ctx context.Context, q store.Querier, token, hint string) (storedToken, error) {
	columns := []string{"access_token", "refresh_token"}
	if hint == "refresh_token" {
		columns[0], columns[1] = columns[1], columns[0]
	}
	h := vault.HashToken(token)
	for _, column := range columns {
		t, err := tokenGetByHash(ctx, q, column, h)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		t.refresh = column == "refresh_token"
		return t, err
	}
	return storedToken{}, sql.ErrNoRows
}

// Introspect describes a token (RFC 7662). onlyApp, when set, limits the
// answer to that app's own tokens: an app may introspect what it was issued,
// not other apps' tokens.
func (s *Service) Introspect(ctx context.Context, token, hint, onlyApp string) (Introspection, error) {
	out, err := s.introspect(ctx, token, hint, onlyApp)
	s.metrics.introspection(out, err)
	return out, err
}

func (s *Service) introspect(ctx context.Context, token, hint, onlyApp string) (Introspection, error) {
	inactive := Introspection{}
	if token == "" || len(token) > maxFormValue {
		return inactive, nil
	}
	t, err := s.findToken(ctx, s.db, token, hint)
	if errors.Is(err, sql.ErrNoRows) {
		return inactive, nil
	} else if err != nil {
		return inactive, err
	}
	now := s.db.Now() // the store's clock, which stamped the token
	if t.revokedAt != nil || onlyApp != "" && t.appID != onlyApp {
		return inactive, nil
	}
	out := Introspection{Active: true, TokenType: "Bearer", TokenUse: "access_token", ClientID: t.clientID, AppID: t.appID,
		Subject: t.clientID, IssuedAt: t.createdAt.Unix(), Issuer: s.cfg.Issuer, ExpiresAt: t.accessExpires.Unix()}
	if t.refresh {
		if t.refreshExpires == nil || !now.Before(*t.refreshExpires) || t.rotatedAt != nil {
			return inactive, nil
		}
		out.TokenType, out.TokenUse, out.ExpiresAt = "", "refresh_token", t.refreshExpires.Unix()
	} else if !now.Before(t.accessExpires) {
		return inactive, nil
	} else {
		if out.Audience, err = unmarshalList(t.audiences); err != nil {
			return inactive, err
		}
		if t.actor != nil {
			out.Actor = json.RawMessage(*t.actor)
		}
	}
	scopes, err := unmarshalList(t.scopes)
	if err != nil {
		return inactive, err
	}
	out.Scope = strings.Join(scopes, " ")
	if t.userID != nil {
		out.Subject = *t.userID
	}
	if t.teamID != nil {
		out.TeamID = *t.teamID
	}
	return out, nil
}

// Revoke is the revocation endpoint (RFC 7009): revoking a refresh token
// revokes its whole family, access tokens included; revoking an access token
// revokes it and the refresh token issued with it. Unknown tokens, and other
// apps' tokens, are answered the same as a success, so nothing is revealed.
func (s *Service) Revoke(ctx context.Context, r *http.Request) error {
	form, terr := readForm(r)
	if terr != nil {
		return terr
	}
	creds, terr := parseClientCredentials(r, form)
	if terr != nil {
		return terr
	}
	app, err := s.authenticate(ctx, creds)
	if err != nil {
		return err
	}
	token := form.Get("token")
	if token == "" {
		return invalidRequest("token is missing")
	}
	if hint := form.Get("token_type_hint"); hint != "" && hint != "access_token" && hint != "refresh_token" {
		return &tokenError{Status: http.StatusBadRequest, Code: "unsupported_token_type", Description: "token_type_hint must be access_token or refresh_token"}
	}
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		t, err := s.findToken(ctx, tx, token, form.Get("token_type_hint"))
		if errors.Is(err, sql.ErrNoRows) || err == nil && t.appID != app.ID {
			return nil
		} else if err != nil {
			return err
		}
		if t.refresh {
			return tokensRevokeFamily(ctx, tx, t.familyID)
		}
		return tokenRevoke(ctx, tx, t.id)
	})
}

// introspectionCaller authenticates a caller of the introspection endpoint
// by client credentials and returns its app's ID.
func (s *Service) introspectionCaller(ctx context.Context, r *http.Request) (string, error) {
	form, terr := readForm(r)
	if terr != nil {
		return "", terr
	}
	creds, terr := parseClientCredentials(r, form)
	if terr != nil {
		return "", terr
	}
	app, err := s.authenticate(ctx, creds)
	if err != nil {
		return "", err
	}
	if app.ClientType != Confidential {
		return "", &tokenError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "public clients cannot introspect tokens"}
	}
	return app.ID, nil
}
