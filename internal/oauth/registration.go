package oauth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// Dynamic client registration (RFC 7591) and its management protocol (RFC
// 7592). A client that registers itself becomes an app with registration
// "dynamic": it may ask only for the scopes the SaaS allows such clients,
// may not use client_credentials (it would act with no user behind it), is
// shown as unreviewed on the consent screen, and is removed when no user has
// authorized it within --oauth-registration-unused-ttl.

// Who may register clients at POST /oauth/register (RFC 7591 §3).
const (
	RegistrationOff   = "off"
	RegistrationToken = "token" // a party holding an initial access token
	RegistrationOpen  = "open"
)

// How an app came to be (App.Registration).
const (
	registrationAdmin   = "admin"
	registrationDynamic = "dynamic"
)

// Defaults of the caps on self-registered clients. Registration needs no
// user, so these are what bounds the table when it is open.
const (
	RegistrationsPerAddressDefault = 20
	RegistrationsPerTokenDefault   = 1000
	MetadataClientsPerHostDefault  = 20
	RegistrationsDefault           = 10000
	RegistrationUnusedTTLDefault   = 24 * time.Hour
)

const (
	prefixRegistrationToken = "pbrat_"
	prefixInitialToken      = "pbiat_"
)

// maxRegistrationBody bounds a registration request: the metadata Patchbay
// keeps fits in a few kilobytes.
const maxRegistrationBody = 64 << 10

// grantTypesDynamic are the grants a self-registered client may use. Not
// the device grant: the consent screen vouches for a self-registered client
// by the host its codes go to, and a device flow sends tokens to whoever
// polls, not to that host.
var grantTypesDynamic = []string{"authorization_code", "refresh_token"}

// ClientMetadata is the client metadata (RFC 7591 §2) that Patchbay keeps.
// Other members are ignored, as §2 requires of members a server does not
// understand.
type ClientMetadata struct {
	RedirectURIs            []string `json:"redirect_uris" format:"uri" doc:"Where the authorization server may send the browser back to."`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method" doc:"How the client authenticates at the token endpoint." enum:"client_secret_basic,client_secret_post,none"`
	GrantTypes              []string `json:"grant_types" doc:"The grant types the client uses."`
	ResponseTypes           []string `json:"response_types" doc:"The response types the client uses."`
	ClientName              string   `json:"client_name" doc:"The client's name for people."`
	ClientURI               string   `json:"client_uri,omitempty" doc:"The client's home page." format:"uri"`
	LogoURI                 string   `json:"logo_uri,omitempty" doc:"The client's logo." format:"uri"`
	PolicyURI               string   `json:"policy_uri,omitempty" doc:"The client's privacy policy." format:"uri"`
	TOSURI                  string   `json:"tos_uri,omitempty" doc:"The client's terms of service." format:"uri"`
	Scope                   string   `json:"scope" doc:"The scopes the client may ask for, separated by spaces."`
}

// problem names the first member of md, by its RFC 7591 §2 name, that no
// self-registered client may have, and says why, or returns "", "". Dynamic
// registration and metadata documents both check with it: a name, redirect
// URIs (when there are any), and https URIs for what the consent screen
// links (§2 lets a server refuse what it will not show).
func (md ClientMetadata) problem() (field, msg string) {
	fields := appFields{LogoURL: &md.LogoURI, HomepageURL: &md.ClientURI}
	if md.ClientName != "" {
		fields.Name = &md.ClientName
	}
	if len(md.RedirectURIs) > 0 {
		fields.RedirectURIs = &md.RedirectURIs
	}
	p := fields.problems()
	for name, v := range map[string]string{"policy_url": md.PolicyURI, "terms_url": md.TOSURI} {
		if msg := checkShownURL(v); msg != "" {
			p[name] = msg
		}
	}
	names := map[string]string{"name": "client_name", "redirect_uris": "redirect_uris", "logo_url": "logo_uri", "homepage_url": "client_uri",
		"policy_url": "policy_uri", "terms_url": "tos_uri"}
	for _, f := range slices.Sorted(maps.Keys(p)) {
		return names[f], p[f]
	}
	return "", ""
}

// RegistrationResponse is the client information response (RFC 7591 §3.2.1,
// RFC 7592 §3). The client secret and registration access token are in the
// registration's answer only: Patchbay keeps only their hashes.
type RegistrationResponse struct {
	ClientID                string `json:"client_id" doc:"The new client's ID."`
	ClientSecret            string `json:"client_secret,omitempty" doc:"The client secret, for confidential clients; shown only here."`
	ClientIDIssuedAt        int64  `json:"client_id_issued_at" doc:"When the client ID was issued, in seconds since the epoch."`
	ClientSecretExpiresAt   *int64 `json:"client_secret_expires_at,omitempty" doc:"When the secret expires, in seconds since the epoch; 0 for never."`
	RegistrationAccessToken string `json:"registration_access_token,omitempty" doc:"The token that reads, updates and deletes this registration."`
	RegistrationClientURI   string `json:"registration_client_uri" doc:"The URL of this registration." format:"uri"`
	ClientMetadata
}

// registrationError is an RFC 7591 §3.2.2 error, or one of RFC 6750 §3.1
// when the bearer token (initial or registration access token) is wrong.
func registrationError(status int, code, description string) *tokenError {
	return &tokenError{Status: status, Code: code, Description: description}
}

func invalidMetadata(description string) *tokenError {
	return registrationError(http.StatusBadRequest, "invalid_client_metadata", description)
}

// parseClientMetadata reads and checks a registration or update request. It
// returns the app fields to store; a request that cannot be honoured as
// asked is refused rather than quietly changed, so the client learns why.
func (s *Service) parseClientMetadata(ctx context.Context, r *http.Request) (ClientMetadata, map[string]json.RawMessage, *tokenError) {
	var md ClientMetadata
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return md, nil, invalidMetadata("the body must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRegistrationBody))
	if err != nil {
		return md, nil, invalidMetadata(fmt.Sprintf("the body could not be read or is larger than %d bytes", maxRegistrationBody))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return md, nil, invalidMetadata("the body must be a JSON object")
	}
	if err := json.Unmarshal(body, &md); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return md, nil, invalidMetadata(te.Field + " has the wrong type")
		}
		return md, nil, invalidMetadata("the body must be a JSON object")
	}
	if terr := s.checkClientMetadata(ctx, &md); terr != nil {
		return md, nil, terr
	}
	return md, raw, nil
}

// checkClientMetadata validates md against the registration policy and
// fills in the defaults of RFC 7591 §2.
func (s *Service) checkClientMetadata(ctx context.Context, md *ClientMetadata) *tokenError {
	md.TokenEndpointAuthMethod = cmp.Or(md.TokenEndpointAuthMethod, "client_secret_basic")
	if !slices.Contains([]string{"none", "client_secret_basic", "client_secret_post"}, md.TokenEndpointAuthMethod) {
		return invalidMetadata("token_endpoint_auth_method must be none, client_secret_basic or client_secret_post")
	}
	if len(md.GrantTypes) == 0 {
		md.GrantTypes = []string{"authorization_code"}
	}
	for _, g := range md.GrantTypes {
		if !slices.Contains(grantTypesDynamic, g) {
			return invalidMetadata("grant_types may hold only " + strings.Join(grantTypesDynamic, ", ") + "; " + g + " is not available to self-registered clients")
		}
	}
	if len(md.ResponseTypes) == 0 {
		md.ResponseTypes = []string{"code"}
	}
	if len(md.ResponseTypes) != 1 || md.ResponseTypes[0] != "code" {
		return invalidMetadata(`response_types must be ["code"]`)
	}
	// RFC 7591 §2.1: authorization_code goes with the code response type,
	// and with redirect URIs to send codes to.
	if slices.Contains(md.GrantTypes, "authorization_code") {
		if len(md.RedirectURIs) == 0 {
			return registrationError(http.StatusBadRequest, "invalid_redirect_uri", "redirect_uris is required for the authorization_code grant")
		}
	} else if len(md.RedirectURIs) > 0 {
		return invalidMetadata("redirect_uris are only used with the authorization_code grant")
	}
	if field, msg := md.problem(); field == "redirect_uris" {
		return registrationError(http.StatusBadRequest, "invalid_redirect_uri", "redirect_uris: "+msg)
	} else if field != "" {
		return invalidMetadata(field + " " + msg)
	}
	scopes := parseScope(md.Scope)
	if md.Scope == "" {
		scopes = s.cfg.RegistrationScopes
	}
	for _, sc := range scopes {
		if !slices.Contains(s.cfg.RegistrationScopes, sc) {
			return invalidMetadata("the scope " + sc + " is not available to self-registered clients")
		}
	}
	if err := s.checkAppScopes(ctx, scopes); err != nil {
		return invalidMetadata("scope names a scope this server does not have")
	}
	md.Scope = strings.Join(scopes, " ")
	return nil
}

// bearerToken returns the request's RFC 6750 bearer token, or "".
func bearerToken(r *http.Request) string {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

var invalidToken = registrationError(http.StatusUnauthorized, "invalid_token", "the bearer token is missing, unknown or expired")

// Register answers a client registration request (RFC 7591 §3).
func (s *Service) Register(ctx context.Context, r *http.Request) (RegistrationResponse, error) {
	// Each registration is counted against its source: the initial access
	// token that authorized it, or else the client address it came from.
	source := registrationSource{from: ratelimit.AddressKey(httpapi.ClientIP(ctx)), max: s.cfg.RegistrationsPerAddress, what: "from your network"}
	switch s.cfg.Registration {
	case RegistrationOff:
		return RegistrationResponse{}, registrationError(http.StatusForbidden, "access_denied", "client registration is turned off on this server")
	case RegistrationToken:
		tokenID, err := s.checkInitialToken(ctx, bearerToken(r))
		if err != nil {
			return RegistrationResponse{}, err
		}
		source = registrationSource{from: "token:" + tokenID, max: s.cfg.RegistrationsPerToken, what: "with this initial access token"}
	default:
		// Open registration: every request is an unauthenticated one.
		if terr := s.limitAddress(ctx); terr != nil {
			return RegistrationResponse{}, terr
		}
	}
	md, _, terr := s.parseClientMetadata(ctx, r)
	if terr != nil {
		return RegistrationResponse{}, terr
	}
	var raw [16]byte
	rand.Read(raw[:])
	app := App{ID: id.New("app"), ClientID: "pbc_" + base64.RawURLEncoding.EncodeToString(raw[:]), Registration: registrationDynamic,
		registeredFrom: source.from}
	applyMetadata(&app, md)
	app.ClientType, app.authMethod = Public, md.TokenEndpointAuthMethod
	var secret string
	if md.TokenEndpointAuthMethod != "none" {
		app.ClientType = Confidential
		secret = vault.NewToken(prefixClientSecret)
		app.secret = vault.HashToken(secret)
	}
	regToken := vault.NewToken(prefixRegistrationToken)
	app.registrationToken = vault.HashToken(regToken)
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if over, err := s.overRegistrations(ctx, tx, source); err != nil {
			return err
		} else if over != "" {
			s.logger.WarnContext(ctx, "a client registration was refused: too many", "bound", over)
			return registrationError(http.StatusTooManyRequests, "temporarily_unavailable", "too many clients are registered "+over+"; unused ones expire")
		}
		app.CreatedAt, app.UpdatedAt = tx.Now(), tx.Now()
		return appInsert(ctx, tx, app)
	})
	var te *tokenError
	if errors.As(err, &te) {
		return RegistrationResponse{}, te
	} else if err != nil {
		return RegistrationResponse{}, fmt.Errorf("register client: %w", err)
	}
	resp := s.registrationResponse(app)
	resp.ClientSecret, resp.RegistrationAccessToken = secret, regToken
	return resp, nil
}

// applyMetadata sets an app's fields from registered metadata.
func applyMetadata(app *App, md ClientMetadata) {
	app.Name = md.ClientName
	if app.Name == "" {
		app.Name = "Unnamed app"
	}
	app.RedirectURIs, app.LogoURL, app.HomepageURL, app.PolicyURL, app.TermsURL = md.RedirectURIs, md.LogoURI, md.ClientURI, md.PolicyURI, md.TOSURI
	if app.RedirectURIs == nil {
		app.RedirectURIs = []string{}
	}
	app.Scopes = parseScope(md.Scope)
	if app.Scopes == nil {
		app.Scopes = []string{}
	}
}

// registrationResponse describes a dynamic app as RFC 7591 §3.2.1 does.
func (s *Service) registrationResponse(app App) RegistrationResponse {
	resp := RegistrationResponse{
		ClientID: app.ClientID, ClientIDIssuedAt: app.CreatedAt.Unix(),
		RegistrationClientURI: s.cfg.Issuer + "/oauth/register/" + url.PathEscape(app.ClientID),
		ClientMetadata: ClientMetadata{
			RedirectURIs: app.RedirectURIs, TokenEndpointAuthMethod: app.authMethod, GrantTypes: grantTypesDynamic,
			ResponseTypes: []string{"code"}, ClientName: app.Name, ClientURI: app.HomepageURL, LogoURI: app.LogoURL,
			PolicyURI: app.PolicyURL, TOSURI: app.TermsURL, Scope: strings.Join(app.Scopes, " "),
		},
	}
	if app.ClientType == Confidential {
		never := int64(0) // RFC 7591 §3.2.1: 0 means the secret does not expire
		resp.ClientSecretExpiresAt = &never
	}
	return resp
}

// registrationSource is what a self-registered client is counted against
// besides the total: the client address of an open registration, the
// initial access token of a registration with one (the SaaS trusts its
// holder, which may register from few addresses, as an automation platform
// does), or the host serving a metadata document. from is stored as the
// app's registered_from.
type registrationSource struct {
	from string
	max  int
	what string // how the refusal names the source
}

// overRegistrations says which cap a new self-registered client (dynamic or
// from a metadata document) from source would exceed, or "".
func (s *Service) overRegistrations(ctx context.Context, q store.Querier, source registrationSource) (string, error) {
	for _, b := range []struct {
		what string
		from *string // nil: all sources
		max  int
	}{
		{source.what, &source.from, source.max},
		{"on this server", nil, s.cfg.Registrations},
	} {
		n, err := appsCountSelfRegistered(ctx, q, b.from)
		if err != nil {
			return "", fmt.Errorf("count registrations: %w", err)
		}
		if n >= b.max {
			return b.what, nil
		}
	}
	return "", nil
}

// checkInitialToken authenticates a registration with an initial access
// token and returns the token's ID. A failure costs the address one of its
// unauthenticated requests.
func (s *Service) checkInitialToken(ctx context.Context, token string) (string, error) {
	tokenID, expiresAt, err := initialTokenGetByHash(ctx, s.db, vault.HashToken(token))
	if err == nil && (expiresAt == nil || time.Now().Before(*expiresAt)) && token != "" {
		return tokenID, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if terr := s.limitAddress(ctx); terr != nil {
		return "", terr
	}
	return "", invalidToken
}

// registeredApp authenticates a call to a client configuration endpoint
// (RFC 7592 §2): the registration access token must be the one issued to
// this client_id. Every failure looks the same, as §2.1 asks, and costs the
// address one of its unauthenticated requests.
func (s *Service) registeredApp(ctx context.Context, r *http.Request, clientID string) (App, error) {
	token := bearerToken(r)
	app, err := s.appByClientID(ctx, clientID)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return App{}, err
	}
	if err == nil && token != "" && app.Registration == registrationDynamic && app.registrationToken != nil &&
		subtle.ConstantTimeCompare(vault.HashToken(token), app.registrationToken) == 1 {
		return app, nil
	}
	if terr := s.limitAddress(ctx); terr != nil {
		return App{}, terr
	}
	return App{}, invalidToken
}

// ReadRegistration is RFC 7592 §2.1.
func (s *Service) ReadRegistration(ctx context.Context, r *http.Request, clientID string) (RegistrationResponse, error) {
	app, err := s.registeredApp(ctx, r, clientID)
	if err != nil {
		return RegistrationResponse{}, err
	}
	return s.withNewRegistrationToken(ctx, app)
}

// withNewRegistrationToken answers a client configuration request with a new
// registration access token, which replaces the one the request used: RFC
// 7592 §3 requires the token in every answer, and only its hash is kept.
// Of concurrent requests with one token, only the first gets a new one.
func (s *Service) withNewRegistrationToken(ctx context.Context, app App) (RegistrationResponse, error) {
	token := vault.NewToken(prefixRegistrationToken)
	replaced, err := appReplaceRegistrationToken(ctx, s.db, app.ID, app.registrationToken, vault.HashToken(token))
	if err != nil {
		return RegistrationResponse{}, fmt.Errorf("renew registration access token: %w", err)
	}
	s.clients.Forget(app.ClientID)
	if !replaced {
		return RegistrationResponse{}, invalidToken
	}
	resp := s.registrationResponse(app)
	resp.RegistrationAccessToken = token
	return resp, nil
}

// UpdateRegistration is RFC 7592 §2.2: the request replaces the client's
// metadata. It must name the client, may repeat its secret (which must then
// match), and may not change whether the client has a secret.
func (s *Service) UpdateRegistration(ctx context.Context, r *http.Request, clientID string) (RegistrationResponse, error) {
	app, err := s.registeredApp(ctx, r, clientID)
	if err != nil {
		return RegistrationResponse{}, err
	}
	md, raw, terr := s.parseClientMetadata(ctx, r)
	if terr != nil {
		return RegistrationResponse{}, terr
	}
	var sentID, sentSecret string
	json.Unmarshal(raw["client_id"], &sentID)         //nolint:errcheck // a wrong type reads as "" and is refused below
	json.Unmarshal(raw["client_secret"], &sentSecret) //nolint:errcheck // likewise
	if sentID != app.ClientID {
		return RegistrationResponse{}, invalidMetadata("client_id must be given and be this client's")
	}
	for _, f := range []string{"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"} {
		if _, ok := raw[f]; ok {
			return RegistrationResponse{}, invalidMetadata(f + " must not be sent in an update")
		}
	}
	if _, ok := raw["client_secret"]; ok && !app.secretMatches(sentSecret, time.Now()) {
		return RegistrationResponse{}, invalidMetadata("client_secret does not match this client's")
	}
	if (md.TokenEndpointAuthMethod == "none") != (app.ClientType == Public) {
		return RegistrationResponse{}, invalidMetadata("token_endpoint_auth_method cannot change between none and a client secret; register a new client")
	}
	applyMetadata(&app, md)
	app.authMethod = md.TokenEndpointAuthMethod
	app.UpdatedAt = s.db.Now()
	err = appUpdateRegistered(ctx, s.db, app)
	s.clients.Forget(app.ClientID)
	if err != nil {
		return RegistrationResponse{}, fmt.Errorf("update registration: %w", err)
	}
	return s.withNewRegistrationToken(ctx, app)
}

// DeleteRegistration is RFC 7592 §2.3: the client and everything issued to
// it are gone.
func (s *Service) DeleteRegistration(ctx context.Context, r *http.Request, clientID string) error {
	app, err := s.registeredApp(ctx, r, clientID)
	if err != nil {
		return err
	}
	return s.DeleteApp(ctx, app.ID)
}

// InitialAccessToken lets its holder register clients when registration is
// "token" (RFC 7591 §3). The token itself is shown once, at creation.
type InitialAccessToken struct {
	ID          string     `json:"id" doc:"The token's ID."`
	Description string     `json:"description" doc:"What the token is for."`
	CreatedAt   time.Time  `json:"created_at" doc:"When the token was created."`
	ExpiresAt   *time.Time `json:"expires_at" doc:"When the token expires; null if it does not."`
}

// CreatedInitialAccessToken is a new initial access token with the token
// itself, shown only in the answer that issues it.
type CreatedInitialAccessToken struct {
	InitialAccessToken
	Token string `json:"token" doc:"The token itself, shown only in this response."`
}

// CreateInitialAccessToken issues an initial access token; expiresIn zero
// means it lasts until deleted.
func (s *Service) CreateInitialAccessToken(ctx context.Context, description string, expiresIn time.Duration) (CreatedInitialAccessToken, error) {
	t := CreatedInitialAccessToken{InitialAccessToken{ID: id.New("oiat"), Description: description, CreatedAt: s.db.Now()}, vault.NewToken(prefixInitialToken)}
	if expiresIn > 0 {
		exp := t.CreatedAt.Add(expiresIn)
		t.ExpiresAt = &exp
	}
	if err := initialTokenInsert(ctx, s.db, t.InitialAccessToken, vault.HashToken(t.Token)); err != nil {
		return CreatedInitialAccessToken{}, fmt.Errorf("create initial access token: %w", err)
	}
	return t, nil
}

// ListInitialAccessTokens returns a page of initial access tokens, without
// the tokens.
func (s *Service) ListInitialAccessTokens(ctx context.Context, page httpapi.Page) ([]InitialAccessToken, error) {
	list, err := initialTokensList(ctx, s.db, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list initial access tokens: %w", err)
	}
	return list, nil
}

// DeleteInitialAccessToken withdraws an initial access token; the clients
// registered with it stay.
func (s *Service) DeleteInitialAccessToken(ctx context.Context, tokenID string) error {
	if found, err := initialTokenDelete(ctx, s.db, tokenID); err != nil {
		return err
	} else if !found {
		return apperr.Errorf(apperr.NotFound, "initial access token %s not found", tokenID)
	}
	return nil
}
