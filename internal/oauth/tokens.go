package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// TokenResponse is the token endpoint's answer (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken  string `json:"access_token" doc:"The access token."`
	TokenType    string `json:"token_type" doc:"The token's type." enum:"Bearer,DPoP"`
	ExpiresIn    int64  `json:"expires_in" doc:"Seconds until the access token expires."`
	RefreshToken string `json:"refresh_token,omitempty" doc:"A refresh token, when the grant gives one."`
	Scope        string `json:"scope" doc:"The granted scopes, separated by spaces."`
	// IssuedTokenType answers a token exchange (RFC 8693 §2.2.1).
	IssuedTokenType string `json:"issued_token_type,omitempty" doc:"Answers a token exchange (RFC 8693 §2.2.1)."`
}

// issued is a token row to create.
type issued struct {
	appID           string
	authorizationID *string // nil for client_credentials
	familyID        string
	scopes          []string
	userID, teamID  *string
	refresh         bool
	// resources and grantScopes are what the grant covers, for later
	// refreshes; audiences are the access token's aud.
	resources, grantScopes, audiences []string
	// actor is the act claim of an exchanged token, as JSON, or nil.
	actor *string
	// expires, when set, ends the access token sooner than the usual
	// lifetime: an exchanged token never outlives the token it came from.
	expires *time.Time
}

// issue creates an access token, and a refresh token when asked, in tx and
// returns them; only their hashes are stored.
func (s *Service) issue(ctx context.Context, tx *store.Tx, t issued) (TokenResponse, error) {
	resp, row := s.newTokens(t, tx.Now())
	return resp, tokenInsert(ctx, tx, row)
}

// newTokens makes the tokens of a grant and the row that stores them.
func (s *Service) newTokens(t issued, now time.Time) (TokenResponse, tokenRow) {
	accessExpires := now.Add(s.cfg.AccessTokenTTL)
	if t.expires != nil && t.expires.Before(accessExpires) {
		accessExpires = *t.expires
	}
	resp := TokenResponse{AccessToken: vault.NewToken(prefixAccess), TokenType: "Bearer", ExpiresIn: int64(accessExpires.Sub(now) / time.Second),
		Scope: strings.Join(t.scopes, " ")}
	var refreshHash []byte
	var refreshExpires *time.Time
	if t.refresh {
		resp.RefreshToken = vault.NewToken(prefixRefresh)
		refreshHash = vault.HashToken(resp.RefreshToken)
		exp := now.Add(s.cfg.RefreshTokenTTL)
		refreshExpires = &exp
	}
	return resp, tokenRow{issued: t, id: id.New("tok"), accessHash: vault.HashToken(resp.AccessToken), refreshHash: refreshHash,
		accessExpires: accessExpires, refreshExpires: refreshExpires, createdAt: now}
}

// codeVerifierRE is RFC 7636 §4.1.
var codeVerifierRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// verifyPKCE checks a code verifier against the S256 challenge stored with
// the code. RFC 9700 §2.1.1: a verifier without a challenge is refused too,
// so an attacker cannot strip PKCE from the authorization request.
func verifyPKCE(challenge, verifier string) *tokenError {
	switch {
	case challenge == "" && verifier == "":
		return nil
	case challenge == "":
		return invalidGrant("code_verifier was sent but the authorization request had no code_challenge")
	case verifier == "":
		return invalidGrant("code_verifier is required: the authorization request had a code_challenge")
	case !codeVerifierRE.MatchString(verifier):
		return invalidGrant("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) != 1 {
		return invalidGrant("code_verifier does not match the code_challenge")
	}
	return nil
}

// exchangeCode is the authorization_code grant (RFC 6749 §4.1.3). A code
// works once: presenting it again revokes what it was exchanged for, since
// the second party is either a thief or the victim of one (RFC 6749 §4.1.2).
func (s *Service) exchangeCode(ctx context.Context, app App, form url.Values) (TokenResponse, error) {
	code, redirectURI := form.Get("code"), form.Get("redirect_uri")
	if code == "" {
		return TokenResponse{}, invalidRequest("code is missing")
	}
	if redirectURI == "" {
		return TokenResponse{}, invalidRequest("redirect_uri is missing: send the one used in the authorization request")
	}
	var reused bool
	resp, err := s.grouped(ctx, func(ctx context.Context, tx *store.Tx) (TokenResponse, error) {
		reused = false
		c, err := codeGet(ctx, tx, vault.HashToken(code))
		authID, familyID, storedRedirect := c.AuthorizationID, c.FamilyID, c.RedirectURI
		if errors.Is(err, sql.ErrNoRows) || err == nil && c.AppID != app.ID {
			return TokenResponse{}, invalidGrant("the code is unknown, expired or issued to another client")
		} else if err != nil {
			return TokenResponse{}, err
		}
		if c.UsedAt != nil {
			reused = true
			return TokenResponse{}, tokensRevokeFamily(ctx, tx, familyID)
		}
		if tx.Now().After(c.ExpiresAt) {
			return TokenResponse{}, invalidGrant("the code is unknown, expired or issued to another client")
		}
		if redirectURI != storedRedirect {
			return TokenResponse{}, invalidGrant("redirect_uri differs from the one in the authorization request")
		}
		// The app's redirect URIs may have changed since the code was
		// issued (a metadata document is re-read): a code is good only
		// while the URI it went to is still the app's.
		if _, ok := matchRedirectURI(app.RedirectURIs, storedRedirect); !ok {
			return TokenResponse{}, invalidGrant("redirect_uri is no longer one of the client's redirect URIs")
		}
		if terr := verifyPKCE(c.CodeChallenge, form.Get("code_verifier")); terr != nil {
			return TokenResponse{}, terr
		}
		if first, err := codeMarkUsed(ctx, tx, vault.HashToken(code)); err != nil {
			return TokenResponse{}, err
		} else if !first { // a concurrent exchange won
			reused = true
			return TokenResponse{}, tokensRevokeFamily(ctx, tx, familyID)
		}
		userID, teamID, revokedAt, err := authorizationGrantee(ctx, tx, authID)
		if err != nil {
			return TokenResponse{}, err
		}
		if revokedAt != nil {
			return TokenResponse{}, invalidGrant("the user has revoked this app's authorization")
		}
		granted, err := unmarshalList(c.Scopes)
		if err != nil {
			return TokenResponse{}, err
		}
		grantedResources, err := unmarshalList(c.Resources)
		if err != nil {
			return TokenResponse{}, err
		}
		b, err := s.bind(ctx, tx, grantedResources, form["resource"], granted, false)
		if err != nil {
			return TokenResponse{}, err
		}
		return s.issue(ctx, tx, issued{appID: app.ID, authorizationID: &authID, familyID: familyID, scopes: b.scopes,
			userID: &userID, teamID: &teamID, refresh: true, resources: grantedResources, grantScopes: granted, audiences: b.audiences})
	})
	if reused && err == nil {
		return TokenResponse{}, invalidGrant("the code was already used; the tokens issued for it are now revoked")
	}
	return resp, err
}

// refresh is the refresh_token grant (RFC 6749 §6) with rotation: every use
// returns a new refresh token and retires the old one. A retired token used
// again after the grace period means two parties hold it, so the whole family
// is revoked (RFC 9700 §4.14.2).
func (s *Service) refresh(ctx context.Context, app App, form url.Values) (TokenResponse, error) {
	presented := form.Get("refresh_token")
	if presented == "" {
		return TokenResponse{}, invalidRequest("refresh_token is missing")
	}
	requested := parseScope(form.Get("scope"))
	var reused bool
	resp, err := s.grouped(ctx, func(ctx context.Context, tx *store.Tx) (TokenResponse, error) {
		reused = false
		rt, err := refreshTokenGet(ctx, tx, vault.HashToken(presented))
		familyID, grantScopes := rt.familyID, rt.grantScopes
		if errors.Is(err, sql.ErrNoRows) || err == nil && (rt.appID != app.ID || rt.revokedAt != nil || rt.refreshExpires == nil || tx.Now().After(*rt.refreshExpires)) {
			return TokenResponse{}, invalidGrant("the refresh token is unknown, expired, revoked or issued to another client")
		} else if err != nil {
			return TokenResponse{}, err
		}
		if rt.authRevokedAt != nil {
			return TokenResponse{}, invalidGrant("the user has revoked this app's authorization")
		}
		if rt.rotatedAt != nil && tx.Now().Sub(*rt.rotatedAt) > s.cfg.RefreshReuseGrace {
			reused = true
			return TokenResponse{}, tokensRevokeFamily(ctx, tx, familyID)
		}
		if grantScopes == "[]" { // a token from before grant_scopes
			grantScopes = rt.scopes
		}
		granted, err := unmarshalList(grantScopes)
		if err != nil {
			return TokenResponse{}, err
		}
		if len(requested) > 0 {
			if !containsAll(granted, requested) {
				return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "scope asks for more than was granted: " + strings.Join(granted, " ")}
			}
			granted = requested
		}
		grantedResources, err := unmarshalList(rt.resources)
		if err != nil {
			return TokenResponse{}, err
		}
		b, err := s.bind(ctx, tx, grantedResources, form["resource"], granted, len(requested) > 0)
		if err != nil {
			return TokenResponse{}, err
		}
		if err := tokenMarkRotated(ctx, tx, rt.id); err != nil {
			return TokenResponse{}, err
		}
		// The refresh token keeps covering every granted resource, so that a
		// client can get tokens for each in turn (RFC 8707 §2.2).
		return s.issue(ctx, tx, issued{appID: app.ID, authorizationID: rt.authorizationID, familyID: familyID, scopes: b.scopes,
			userID: rt.userID, teamID: rt.teamID, refresh: true, resources: grantedResources, grantScopes: granted, audiences: b.audiences})
	})
	if reused && err == nil {
		return TokenResponse{}, invalidGrant("the refresh token was already used; every token of its family is now revoked")
	}
	return resp, err
}

// clientCredentials is the client_credentials grant (RFC 6749 §4.4): a token
// for the app itself, within its allowed scopes, with no refresh token.
func (s *Service) clientCredentials(ctx context.Context, app App, form url.Values) (TokenResponse, error) {
	if app.ClientType != Confidential {
		return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "unauthorized_client", Description: "public clients cannot use client_credentials"}
	}
	// A self-registered client is nobody the SaaS knows: it acts only for
	// users who authorized it.
	if app.Registration != registrationAdmin {
		return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "unauthorized_client", Description: "self-registered clients cannot use client_credentials"}
	}
	scopes := parseScope(form.Get("scope"))
	explicit := len(scopes) > 0
	if !explicit {
		scopes = app.Scopes
	}
	if len(scopes) == 0 {
		return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "the app has no scopes to ask for"}
	}
	for _, sc := range scopes {
		if !slices.Contains(app.Scopes, sc) {
			return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "the app may not ask for the scope " + sc}
		}
	}
	// The app acts for itself, so it may name any registered resource.
	b, err := s.bind(ctx, s.db, nil, form["resource"], scopes, explicit)
	if err != nil {
		return TokenResponse{}, err
	}
	// One statement, so no transaction of its own is needed: a round trip on
	// PostgreSQL, a shared commit on SQLite.
	resp, row := s.newTokens(issued{appID: app.ID, familyID: id.New("tfam"), scopes: b.scopes,
		resources: b.resources, grantScopes: b.scopes, audiences: b.audiences}, s.db.Now())
	return resp, tokenInsertGrouped(ctx, s.db, row)
}

// grouped runs a grant's transaction, sharing its commit with concurrent
// grants (store.WithGroupTx): token requests are many small writes.
func (s *Service) grouped(ctx context.Context, fn func(ctx context.Context, tx *store.Tx) (TokenResponse, error)) (TokenResponse, error) {
	var resp TokenResponse
	err := s.db.WithGroupTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		resp, err = fn(ctx, tx)
		return err
	})
	return resp, err
}

// Token answers a token request: authenticate the client, rate-limit it,
// and run the grant.
func (s *Service) Token(ctx context.Context, r *http.Request) (TokenResponse, error) {
	grant := "unknown"
	resp, err := s.token(ctx, r, &grant)
	s.metrics.grant(grant, err)
	return resp, err
}

// token is Token; it sets *grant to the grant type once the form is read.
func (s *Service) token(ctx context.Context, r *http.Request, grant *string) (TokenResponse, error) {
	form, terr := readForm(r)
	if terr != nil {
		return TokenResponse{}, terr
	}
	*grant = grantLabel(form.Get("grant_type"))
	creds, terr := parseClientCredentials(r, form)
	if terr != nil {
		return TokenResponse{}, terr
	}
	app, err := s.authenticate(ctx, creds)
	if err != nil {
		return TokenResponse{}, err
	}
	if app.Registration == registrationMetadata {
		if app, err = s.currentMetadataApp(ctx, app.ClientID); err != nil {
			return TokenResponse{}, err
		}
	}
	// After authentication, so that nobody can spend another client's quota;
	// a public client was limited per address instead (see authenticate).
	if app.ClientType == Confidential {
		if terr := s.limit(ctx, app.ClientID); terr != nil {
			return TokenResponse{}, terr
		}
	}
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		return s.exchangeCode(ctx, app, form)
	case "refresh_token":
		return s.refresh(ctx, app, form)
	case "client_credentials":
		return s.clientCredentials(ctx, app, form)
	case grantTokenExchange:
		return s.exchangeToken(ctx, app, form)
	case grantDeviceCode:
		return s.deviceToken(ctx, app, form)
	case "":
		return TokenResponse{}, invalidRequest("grant_type is missing")
	default:
		return TokenResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "unsupported_grant_type",
			Description: "grant_type must be authorization_code, refresh_token, client_credentials, " + grantTokenExchange + " or " + grantDeviceCode}
	}
}

// limit applies the per-client rate limit of the token endpoint. Like the
// API's limiter it fails open: an outage of the limiter is logged, not
// turned into refused logins.
func (s *Service) limit(ctx context.Context, clientID string) *tokenError {
	if s.cfg.TokenRateLimit.Limit <= 0 {
		return nil
	}
	d, err := s.limiter.Allow(ctx, "oauth-client:"+clientID, s.cfg.TokenRateLimit)
	if err != nil {
		s.logger.WarnContext(ctx, "token rate limit not applied; request allowed", "err", err)
		return nil
	}
	if !d.Allowed {
		return &tokenError{Status: http.StatusTooManyRequests, Code: "temporarily_unavailable",
			Description: "this client is making too many token requests; retry later", RetryAfter: d.RetryAfter}
	}
	return nil
}

// authenticate authenticates a caller of the token, revocation or
// introspection endpoint, limiting per client address what no secret
// proves: a public client's requests (anyone may send its client_id) before
// they run, and failed authentications. So one party's failures cost only
// its own address's quota, never the client's.
func (s *Service) authenticate(ctx context.Context, creds clientCredentials) (App, error) {
	if creds.Secret == "" {
		if terr := s.limitAddress(ctx); terr != nil {
			return App{}, terr
		}
	}
	app, err := s.authenticateClient(ctx, creds)
	if err == invalidClient && creds.Secret != "" {
		if terr := s.limitAddress(ctx); terr != nil {
			return App{}, terr
		}
	}
	return app, err
}

// limitAddress takes one of the client address's unauthenticated requests.
func (s *Service) limitAddress(ctx context.Context) *tokenError {
	d := s.addresses.Allow(ctx, "oauth", s.cfg.AddressRateLimit)
	if !d.Allowed {
		return &tokenError{Status: http.StatusTooManyRequests, Code: "temporarily_unavailable",
			Description: "too many unauthenticated or failed requests from this address; retry later", RetryAfter: d.RetryAfter}
	}
	return nil
}
