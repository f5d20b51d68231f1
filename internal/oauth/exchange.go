package oauth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/store"
)

// Identifiers of RFC 8693 §3.
const (
	grantTokenExchange   = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
)

// actorClaim is the act of an exchanged token (RFC 8693 §4.1): the client
// that exchanged it and, nested, whoever acted before.
type actorClaim struct {
	Subject string          `json:"sub"`
	Actor   json.RawMessage `json:"act,omitempty"`
}

// exchangeRequest is a token exchange request's parameters, as parsed.
type exchangeRequest struct {
	subject string
	scopes  []string
	// targets are the resource and audience parameters: Patchbay's
	// audiences are resource identifiers, so audience (RFC 8693 §2.1) names
	// them just as resource does.
	targets []string
}

// parseExchange checks what a token exchange request must have and may not
// have (RFC 8693 §2.1), before anything is looked up.
func parseExchange(form url.Values) (exchangeRequest, *tokenError) {
	subjectType := form.Get("subject_token_type")
	req := exchangeRequest{subject: form.Get("subject_token"), scopes: parseScope(form.Get("scope"))}
	switch {
	case req.subject == "":
		return req, invalidRequest("subject_token is missing")
	case subjectType == "":
		return req, invalidRequest("subject_token_type is missing")
	case subjectType != tokenTypeAccessToken:
		return req, invalidRequest("subject_token_type must be " + tokenTypeAccessToken)
	case form.Has("actor_token") || form.Has("actor_token_type"):
		return req, invalidRequest("actor_token is not supported: the authenticated client is the actor")
	case form.Has("requested_token_type") && form.Get("requested_token_type") != tokenTypeAccessToken:
		return req, invalidRequest("requested_token_type must be " + tokenTypeAccessToken + ", the only type issued")
	}
	targets, msg := parseResourceParams(slices.Concat(form["resource"], form["audience"]))
	if msg != "" {
		return req, invalidTarget(msg)
	}
	req.targets = targets
	return req, nil
}

// exchangeToken is the token exchange grant (RFC 8693): a service the SaaS
// trusts (an app with token exchange enabled) trades a user's access token
// for one with another audience (among its app's exchange audiences) or
// fewer scopes (within both the subject token's and its app's scopes), under
// the same authorization. The service authenticates as the client and is recorded as
// the actor; it never needs the user's token to reach the next resource.
// The new token ends no later than the one it came from, and dies with it
// when the authorization is revoked or the token family is.
func (s *Service) exchangeToken(ctx context.Context, app App, form url.Values) (TokenResponse, error) {
	if app.ClientType != Confidential || !app.TokenExchange {
		return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "unauthorized_client",
			Description: "this client may not exchange tokens: the service enables token exchange per app"}
	}
	req, terr := parseExchange(form)
	if terr != nil {
		return TokenResponse{}, terr
	}
	subject, requested, targets := req.subject, req.scopes, req.targets
	return s.grouped(ctx, func(ctx context.Context, tx *store.Tx) (TokenResponse, error) {
		t, err := s.findToken(ctx, tx, subject, "access_token")
		if errors.Is(err, sql.ErrNoRows) {
			return TokenResponse{}, invalidRequest("subject_token is not an active access token")
		} else if err != nil {
			return TokenResponse{}, err
		}
		now := tx.Now()
		if t.refresh || t.revokedAt != nil || !now.Before(t.accessExpires) {
			return TokenResponse{}, invalidRequest("subject_token is not an active access token")
		}
		if t.authorizationID == nil {
			return TokenResponse{}, invalidRequest("subject_token was not granted by a user: an app's own token cannot be exchanged")
		}
		_, _, authRevokedAt, err := authorizationGrantee(ctx, tx, *t.authorizationID)
		if err != nil {
			return TokenResponse{}, err
		}
		if authRevokedAt != nil {
			return TokenResponse{}, invalidRequest("subject_token is not an active access token")
		}
		scopes, err := unmarshalList(t.scopes)
		if err != nil {
			return TokenResponse{}, err
		}
		// The new token has what both the user granted and the service may
		// ask for: the SaaS bounds each service by its app's scopes.
		if len(requested) > 0 {
			if !containsAll(scopes, requested) {
				return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "scope asks for more than the subject token has"}
			}
			if !containsAll(app.Scopes, requested) {
				return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "scope asks for more than this client may ask for"}
			}
			scopes = requested
		} else {
			scopes = slices.DeleteFunc(scopes, func(sc string) bool { return !slices.Contains(app.Scopes, sc) })
			if len(scopes) == 0 {
				return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "the subject token has none of the scopes this client may ask for"}
			}
		}
		b := binding{scopes: scopes}
		if len(targets) == 0 {
			// Without a target the token keeps the subject token's audience.
			if b.audiences, err = unmarshalList(t.audiences); err != nil {
				return TokenResponse{}, err
			}
			b.resources = b.audiences
		} else if b, err = s.bind(ctx, tx, nil, targets, scopes, len(requested) > 0); err != nil {
			return TokenResponse{}, err
		}
		// The SaaS names the audiences each service may exchange for; a
		// token for any other (the subject token's own included) is refused.
		if len(b.audiences) == 0 {
			return TokenResponse{}, invalidTarget("name a resource: this client may exchange only for the resources the service allows it")
		}
		for _, aud := range b.audiences {
			if !slices.Contains(app.ExchangeAudiences, aud) {
				return TokenResponse{}, invalidTarget("this client may not exchange tokens for the audience " + aud)
			}
		}
		act := actorClaim{Subject: app.ClientID}
		if t.actor != nil {
			act.Actor = json.RawMessage(*t.actor)
		}
		actJSON, err := json.Marshal(act)
		if err != nil {
			return TokenResponse{}, err
		}
		actor := string(actJSON)
		resp, err := s.issue(ctx, tx, issued{appID: app.ID, authorizationID: t.authorizationID, familyID: t.familyID, scopes: b.scopes,
			userID: t.userID, teamID: t.teamID, resources: b.resources, grantScopes: b.scopes, audiences: b.audiences, actor: &actor, expires: &t.accessExpires})
		resp.IssuedTokenType = tokenTypeAccessToken
		return resp, err
	})
}

// ExchangeFor is the token exchange grant made in-process by a service of
// Patchbay's own (the automation MCP server) acting as the confidential app
// appID: the same rules and policy as at the token endpoint (the app must
// have token exchange on and may exchange only for its exchange
// audiences), and the app is recorded as the actor. It returns the new
// access token.
func (s *Service) ExchangeFor(ctx context.Context, appID, subjectToken, audience string, scopes []string) (string, error) {
	app, err := appGetByID(ctx, s.db, appID)
	if err != nil {
		return "", fmt.Errorf("token exchange as app %s: %w", appID, err)
	}
	form := url.Values{"subject_token": {subjectToken}, "subject_token_type": {tokenTypeAccessToken}, "resource": {audience}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	resp, err := s.exchangeToken(ctx, app, form)
	if err != nil {
		return "", err
	}
	return resp.AccessToken, nil
}
