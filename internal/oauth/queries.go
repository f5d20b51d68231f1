package oauth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/store"
)

// The queries of the OAuth provider's tables, as named functions, noun first
// as River's drivers name their operations (docs/architecture.md, issue 13).
// Service methods own the transactions and call these; no other file of the
// package holds SQL text.

const scopeColumns = "name, description, access_level, created_at, updated_at"

func scanScope(sc store.Scanner) (Scope, error) {
	var v Scope
	err := sc.Scan(&v.Name, &v.Description, &v.AccessLevel, &v.CreatedAt, &v.UpdatedAt)
	return v, err
}

func scopeInsert(ctx context.Context, tx *store.Tx, sc Scope) error {
	_, err := tx.Exec(ctx, "INSERT INTO oauth_scopes (name, description, access_level, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		sc.Name, sc.Description, sc.AccessLevel, sc.CreatedAt, sc.UpdatedAt)
	return err
}

func scopeGet(ctx context.Context, q store.Querier, name string) (Scope, error) {
	return scanScope(q.QueryRow(ctx, "SELECT "+scopeColumns+" FROM oauth_scopes WHERE name = ?", name))
}

func scopesList(ctx context.Context, q store.Querier, after string, limit int) ([]Scope, error) {
	rows, err := q.Query(ctx, "SELECT "+scopeColumns+" FROM oauth_scopes WHERE name > ? ORDER BY name LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanScope)
}

func scopeNamesAll(ctx context.Context, q store.Querier) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT name FROM oauth_scopes ORDER BY name")
	if err != nil {
		return nil, err
	}
	names, err := store.Column[string](rows)
	if names == nil {
		names = []string{} // the server metadata lists them as a JSON array
	}
	return names, err
}

// scopeUpdate reports whether the scope existed; an empty accessLevel
// keeps the scope's.
func scopeUpdate(ctx context.Context, tx *store.Tx, name, description, accessLevel string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE oauth_scopes SET description = ?, access_level = COALESCE(?, access_level), updated_at = ? WHERE name = ?",
		description, store.Nullable(accessLevel), tx.Now(), name))
}

// scopeDelete reports whether the scope existed.
func scopeDelete(ctx context.Context, q store.Querier, name string) (bool, error) {
	return store.Changed(q.Exec(ctx, "DELETE FROM oauth_scopes WHERE name = ?", name))
}

const resourceColumns = "id, identifier, name, scopes, created_at, updated_at"

func scanResource(sc store.Scanner) (Resource, error) {
	var r Resource
	var scopes string
	if err := sc.Scan(&r.ID, &r.Identifier, &r.Name, &scopes, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return Resource{}, err
	}
	var err error
	r.Scopes, err = unmarshalList(scopes)
	return r, err
}

func resourceInsert(ctx context.Context, tx *store.Tx, r Resource) error {
	_, err := tx.Exec(ctx, "INSERT INTO oauth_resources ("+resourceColumns+") VALUES (?, ?, ?, ?, ?, ?)",
		r.ID, r.Identifier, r.Name, marshalList(r.Scopes), r.CreatedAt, r.UpdatedAt)
	return err
}

func resourceGetByID(ctx context.Context, q store.Querier, resourceID string) (Resource, error) {
	return resourceFromRow(q.QueryRow(ctx, "SELECT "+resourceColumns+" FROM oauth_resources WHERE id = ?", resourceID), resourceID)
}

func resourceGetByIdentifier(ctx context.Context, q store.Querier, identifier string) (Resource, error) {
	return resourceFromRow(q.QueryRow(ctx, "SELECT "+resourceColumns+" FROM oauth_resources WHERE identifier = ?", identifier), identifier)
}

func resourcesList(ctx context.Context, q store.Querier, after string, limit int) ([]Resource, error) {
	rows, err := q.Query(ctx, "SELECT "+resourceColumns+" FROM oauth_resources WHERE id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanResource)
}

func resourceIdentifiersAll(ctx context.Context, q store.Querier) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT identifier FROM oauth_resources ORDER BY identifier")
	if err != nil {
		return nil, err
	}
	identifiers, err := store.Column[string](rows)
	if identifiers == nil {
		identifiers = []string{} // the server metadata lists them as a JSON array
	}
	return identifiers, err
}

func resourceUpdate(ctx context.Context, tx *store.Tx, r Resource) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_resources SET identifier = ?, name = ?, scopes = ?, updated_at = ? WHERE id = ?",
		r.Identifier, r.Name, marshalList(r.Scopes), r.UpdatedAt, r.ID)
	return err
}

// resourceDelete reports whether the resource existed.
func resourceDelete(ctx context.Context, q store.Querier, resourceID string) (bool, error) {
	return store.Changed(q.Exec(ctx, "DELETE FROM oauth_resources WHERE id = ?", resourceID))
}

// appInsert stores a new app.
func appInsert(ctx context.Context, tx *store.Tx, app App) error {
	_, err := tx.Exec(ctx, `INSERT INTO oauth_apps (id, team_id, name, description, client_id, client_type, client_secret,
		redirect_uris, scopes, logo_url, homepage_url, policy_url, terms_url, is_published, token_exchange, exchange_audiences, registration,
		registration_token, registered_from, token_endpoint_auth_method, created_at, updated_at, developer_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		app.ID, app.TeamID, app.Name, app.Description, app.ClientID, app.ClientType, app.secret,
		marshalList(app.RedirectURIs), marshalList(app.Scopes), app.LogoURL, app.HomepageURL, app.PolicyURL, app.TermsURL, app.IsPublished, app.TokenExchange,
		marshalList(app.ExchangeAudiences), app.Registration, app.registrationToken, app.registeredFrom, app.authMethod, app.CreatedAt, app.UpdatedAt, app.DeveloperName)
	return err
}

// appColumns are read from oauth_apps as "a".
const appColumns = `a.id, a.team_id, a.name, a.description, a.client_id, a.client_type, a.client_secret, a.previous_client_secret,
	a.previous_secret_expires_at, a.redirect_uris, a.scopes, a.logo_url, a.homepage_url, a.is_published, a.created_at, a.updated_at,
	a.token_exchange, a.exchange_audiences, a.registration, a.registration_token, a.token_endpoint_auth_method, a.metadata_expires_at,
	a.logo_hash, a.logo_content_type, a.policy_url, a.terms_url, a.developer_name`

// appScan receives appColumns from a row, alone or after other columns.
type appScan struct {
	app                          App
	redirects, scopes, exchanges string
	logoHash, logoType           sql.NullString
}

func (as *appScan) dest() []any {
	a := &as.app
	return []any{&a.ID, &a.TeamID, &a.Name, &a.Description, &a.ClientID, &a.ClientType, &a.secret, &a.previousSecret,
		&a.PreviousSecretExpiresAt, &as.redirects, &as.scopes, &a.LogoURL, &a.HomepageURL, &a.IsPublished, &a.CreatedAt, &a.UpdatedAt,
		&a.TokenExchange, &as.exchanges, &a.Registration, &a.registrationToken, &a.authMethod, &a.metadataExpiresAt, &as.logoHash, &as.logoType,
		&a.PolicyURL, &a.TermsURL, &a.DeveloperName}
}

func (as *appScan) finish() (App, error) {
	if as.logoHash.Valid {
		as.app.LogoUploadURL = assets.Path(as.logoHash.String, as.logoType.String)
	}
	var err error
	if as.app.RedirectURIs, err = unmarshalList(as.redirects); err != nil {
		return App{}, err
	}
	if as.app.Scopes, err = unmarshalList(as.scopes); err != nil {
		return App{}, err
	}
	as.app.ExchangeAudiences, err = unmarshalList(as.exchanges)
	return as.app, err
}

func scanApp(sc store.Scanner) (App, error) {
	var as appScan
	if err := sc.Scan(as.dest()...); err != nil {
		return App{}, err
	}
	return as.finish()
}

func appFromRow(row *sql.Row, what string) (App, error) {
	a, err := scanApp(row)
	if errors.Is(err, sql.ErrNoRows) {
		return App{}, apperr.Errorf(apperr.NotFound, "app %s not found", what)
	}
	return a, err
}

func appGetByID(ctx context.Context, q store.Querier, appID string) (App, error) {
	return appFromRow(q.QueryRow(ctx, "SELECT "+appColumns+" FROM oauth_apps a WHERE id = ?", appID), appID)
}

func appGetByClientID(ctx context.Context, q store.Querier, clientID string) (App, error) {
	return appFromRow(q.QueryRow(ctx, "SELECT "+appColumns+" FROM oauth_apps a WHERE client_id = ?", clientID), clientID)
}

// appsList returns a page of apps, all or (teamID not empty) one team's.
func appsList(ctx context.Context, db store.Querier, teamID, after string, limit int) ([]App, error) {
	query, args := "SELECT "+appColumns+" FROM oauth_apps a WHERE id > ? ORDER BY id LIMIT ?", []any{after, limit}
	if teamID != "" {
		query, args = "SELECT "+appColumns+" FROM oauth_apps a WHERE team_id = ? AND id > ? ORDER BY id LIMIT ?", []any{teamID, after, limit}
	}
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanApp)
}

// appUpdate stores an app's writable fields (appFields).
func appUpdate(ctx context.Context, tx *store.Tx, a App) error {
	_, err := tx.Exec(ctx, `UPDATE oauth_apps SET name = ?, description = ?, developer_name = ?, redirect_uris = ?, scopes = ?, logo_url = ?,
		homepage_url = ?, policy_url = ?, terms_url = ?, is_published = ?, token_exchange = ?, exchange_audiences = ?, updated_at = ? WHERE id = ?`,
		a.Name, a.Description, a.DeveloperName, marshalList(a.RedirectURIs), marshalList(a.Scopes), a.LogoURL, a.HomepageURL, a.PolicyURL, a.TermsURL, a.IsPublished,
		a.TokenExchange, marshalList(a.ExchangeAudiences), a.UpdatedAt, a.ID)
	return err
}

// appUpdateFromDocument stores what a metadata document says of its app.
func appUpdateFromDocument(ctx context.Context, tx *store.Tx, a App) error {
	_, err := tx.Exec(ctx, `UPDATE oauth_apps SET name = ?, redirect_uris = ?, scopes = ?, logo_url = ?, homepage_url = ?,
		policy_url = ?, terms_url = ?, metadata_expires_at = ?, updated_at = ? WHERE id = ?`,
		a.Name, marshalList(a.RedirectURIs), marshalList(a.Scopes), a.LogoURL, a.HomepageURL, a.PolicyURL, a.TermsURL, a.metadataExpiresAt,
		a.UpdatedAt, a.ID)
	return err
}

func appSetMetadataExpiry(ctx context.Context, tx *store.Tx, appID string, expiresAt *time.Time) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_apps SET metadata_expires_at = ? WHERE id = ?", expiresAt, appID)
	return err
}

func appUpdateSecrets(ctx context.Context, tx *store.Tx, a App) error {
	_, err := tx.Exec(ctx, `UPDATE oauth_apps SET client_secret = ?, previous_client_secret = ?, previous_secret_expires_at = ?,
		updated_at = ? WHERE id = ?`, a.secret, a.previousSecret, a.PreviousSecretExpiresAt, a.UpdatedAt, a.ID)
	return err
}

// appDelete reports whether the app existed.
func appDelete(ctx context.Context, db store.Querier, appID string) (bool, error) {
	return store.Changed(db.Exec(ctx, "DELETE FROM oauth_apps WHERE id = ?", appID))
}

// appRevokeGrants revokes every authorization and token of an app.
func appRevokeGrants(ctx context.Context, tx *store.Tx, appID string) error {
	if _, err := tx.Exec(ctx, "UPDATE oauth_authorizations SET revoked_at = ? WHERE app_id = ? AND revoked_at IS NULL", tx.Now(), appID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE oauth_tokens SET revoked_at = ? WHERE app_id = ? AND revoked_at IS NULL", tx.Now(), appID)
	return err
}

// appsCountSelfRegistered counts the apps that registered themselves, all
// of them or those counted against one source (registered_from).
func appsCountSelfRegistered(ctx context.Context, q store.Querier, from *string) (int, error) {
	query, args := "SELECT COUNT(*) FROM oauth_apps WHERE registration <> ?", []any{registrationAdmin}
	if from != nil {
		query, args = query+" AND registered_from = ?", append(args, *from)
	}
	var n int
	err := q.QueryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// appReplaceRegistrationToken replaces an app's registration access token
// if it is still old; it reports whether it was.
func appReplaceRegistrationToken(ctx context.Context, db store.Querier, appID string, old, replacement []byte) (bool, error) {
	return store.Changed(db.Exec(ctx, "UPDATE oauth_apps SET registration_token = ? WHERE id = ? AND registration_token = ?", replacement, appID, old))
}

// appUpdateRegistered stores what a client may change of its own
// registration (RFC 7592 §2.2).
func appUpdateRegistered(ctx context.Context, db store.Querier, app App) error {
	_, err := db.Exec(ctx, `UPDATE oauth_apps SET name = ?, redirect_uris = ?, scopes = ?, logo_url = ?, homepage_url = ?,
		policy_url = ?, terms_url = ?, token_endpoint_auth_method = ?, updated_at = ? WHERE id = ?`,
		app.Name, marshalList(app.RedirectURIs), marshalList(app.Scopes), app.LogoURL, app.HomepageURL, app.PolicyURL, app.TermsURL,
		app.authMethod, app.UpdatedAt, app.ID)
	return err
}

func initialTokenInsert(ctx context.Context, db store.Querier, t InitialAccessToken, tokenHash []byte) error {
	_, err := db.Exec(ctx, "INSERT INTO oauth_initial_access_tokens (id, token, description, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		t.ID, tokenHash, t.Description, t.CreatedAt, t.ExpiresAt)
	return err
}

// initialTokenGetByHash returns the ID and expiry of the initial access
// token whose hash is tokenHash.
func initialTokenGetByHash(ctx context.Context, q store.Querier, tokenHash []byte) (string, *time.Time, error) {
	var tokenID string
	var expiresAt *time.Time
	err := q.QueryRow(ctx, "SELECT id, expires_at FROM oauth_initial_access_tokens WHERE token = ?", tokenHash).Scan(&tokenID, &expiresAt)
	return tokenID, expiresAt, err
}

func initialTokensList(ctx context.Context, db store.Querier, after string, limit int) ([]InitialAccessToken, error) {
	rows, err := db.Query(ctx, "SELECT id, description, created_at, expires_at FROM oauth_initial_access_tokens WHERE id > ? ORDER BY id LIMIT ?",
		after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (InitialAccessToken, error) {
		var t InitialAccessToken
		err := sc.Scan(&t.ID, &t.Description, &t.CreatedAt, &t.ExpiresAt)
		return t, err
	})
}

// initialTokenDelete reports whether the token existed.
func initialTokenDelete(ctx context.Context, db store.Querier, tokenID string) (bool, error) {
	return store.Changed(db.Exec(ctx, "DELETE FROM oauth_initial_access_tokens WHERE id = ?", tokenID))
}

// newRequest is an authorization request to store, waiting for a sign-in:
// for a stored app (AppID) or for an unsaved metadata-document client
// (MetadataClientID and MetadataClient); without RedirectURI for a device.
type newRequest struct {
	ID                         string
	AppID, MetadataClientID    *string
	MetadataClient             *string
	LoginChallenge, Browser    []byte
	RedirectURI, Scopes, State string
	CodeChallenge, ClientAddr  string
	Resources                  string
	ExpiresAt                  time.Time
}

func requestInsert(ctx context.Context, tx *store.Tx, r newRequest) error {
	_, err := tx.Exec(ctx, `INSERT INTO oauth_requests (id, app_id, metadata_client_id, metadata_client, login_challenge, browser, status,
		redirect_uri, scopes, state, code_challenge, client_addr, resources, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.AppID, r.MetadataClientID, r.MetadataClient, r.LoginChallenge, r.Browser, statusLogin,
		r.RedirectURI, r.Scopes, r.State, r.CodeChallenge, r.ClientAddr, r.Resources, tx.Now(), r.ExpiresAt)
	return err
}

// pendingRowsCount counts the unexpired rows of table in status that match
// where (conditions ending in AND, with args).
func pendingRowsCount(ctx context.Context, q store.Querier, table, where string, args []any, status string, now time.Time) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+table+" WHERE "+where+"status = ? AND expires_at > ?", append(args, status, now)...).Scan(&n)
	return n, err
}

// requestRaw is what requestGetByChallenge reads of a request beyond the
// fields it fills in: the lists as stored and the request's client.
type requestRaw struct {
	scopes, resources                                string
	granted, appID, metadataClientID, metadataClient sql.NullString
}

// requestGetByChallenge reads the request whose column (login_challenge or
// consent_challenge) holds challengeHash; its App is left to the caller.
func requestGetByChallenge(ctx context.Context, q store.Querier, column string, challengeHash []byte) (authRequest, requestRaw, error) {
	var r authRequest
	var raw requestRaw
	var userID, teamID, denyErr, denyDesc, userName, teamName, avatar sql.NullString
	err := q.QueryRow(ctx, `SELECT id, status, redirect_uri, scopes, granted_scopes, state, code_challenge, user_id, team_id, deny_error,
		deny_description, browser, csrf, expires_at, resources, app_id, metadata_client_id, metadata_client, user_name, team_name, avatar_url
		FROM oauth_requests WHERE `+column+` = ?`, challengeHash).Scan(
		&r.ID, &r.Status, &r.RedirectURI, &raw.scopes, &raw.granted, &r.State, &r.CodeChallenge, &userID, &teamID, &denyErr, &denyDesc,
		&r.browser, &r.csrf, &r.ExpiresAt, &raw.resources, &raw.appID, &raw.metadataClientID, &raw.metadataClient, &userName, &teamName, &avatar)
	r.UserID, r.TeamID, r.DenyError, r.DenyDesc = userID.String, teamID.String, denyErr.String, denyDesc.String
	r.Account = Account{UserID: r.UserID, TeamID: r.TeamID, UserName: userName.String, TeamName: teamName.String, AvatarURL: avatar.String}
	return r, raw, err
}

// requestSignedIn moves a request waiting for a sign-in on to consent.
func requestSignedIn(ctx context.Context, tx *store.Tx, requestID string, who Account, consentHash []byte) error {
	_, err := tx.Exec(ctx, `UPDATE oauth_requests SET status = ?, user_id = ?, team_id = ?, user_name = ?, team_name = ?, avatar_url = ?,
		consent_challenge = ? WHERE id = ? AND status = ?`,
		statusConsent, who.UserID, who.TeamID, store.Nullable(who.UserName), store.Nullable(who.TeamName), store.Nullable(who.AvatarURL),
		consentHash, requestID, statusLogin)
	return err
}

// requestSetApp points a request at the app its metadata-document client
// was stored as.
func requestSetApp(ctx context.Context, tx *store.Tx, requestID, appID string) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_requests SET app_id = ?, metadata_client_id = NULL, metadata_client = NULL WHERE id = ?", appID, requestID)
	return err
}

// requestDeny ends a request in status want with an error for the app.
func requestDeny(ctx context.Context, tx *store.Tx, requestID, want, errorCode, description string, consentHash []byte) error {
	_, err := tx.Exec(ctx, `UPDATE oauth_requests SET status = ?, deny_error = ?, deny_description = ?, consent_challenge = ?
		WHERE id = ? AND status = ?`, statusDenied, errorCode, description, consentHash, requestID, want)
	return err
}

// requestApprove records the SaaS's consent page's approval.
func requestApprove(ctx context.Context, tx *store.Tx, requestID, grantedScopes string, consentHash []byte) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_requests SET status = ?, granted_scopes = ?, consent_challenge = ? WHERE id = ? AND status = ?",
		statusApproved, grantedScopes, consentHash, requestID, statusConsent)
	return err
}

func requestSetCSRF(ctx context.Context, db store.Querier, requestID string, csrfHash []byte) error {
	_, err := db.Exec(ctx, "UPDATE oauth_requests SET csrf = ? WHERE id = ?", csrfHash, requestID)
	return err
}

// requestMarkDone ends a request that is still in status from; it reports
// whether it was.
func requestMarkDone(ctx context.Context, tx *store.Tx, requestID, from string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE oauth_requests SET status = ?, csrf = NULL WHERE id = ? AND status = ?", statusDone, requestID, from))
}

// storedCode is an authorization code's row but for the hashed code; the
// lists are JSON as stored.
type storedCode struct {
	AppID, AuthorizationID, FamilyID, RedirectURI, Scopes, CodeChallenge, Resources string
	ExpiresAt                                                                       time.Time
	UsedAt                                                                          *time.Time
}

func codeInsert(ctx context.Context, tx *store.Tx, c storedCode, codeHash []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO oauth_codes (code, app_id, authorization_id, family_id, redirect_uri, scopes, code_challenge,
		resources, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		codeHash, c.AppID, c.AuthorizationID, c.FamilyID, c.RedirectURI, c.Scopes, c.CodeChallenge, c.Resources, tx.Now(), c.ExpiresAt)
	return err
}

// storedAuthorization is what a grant reads of an authorization.
type storedAuthorization struct {
	id, scopes, resources string
	revokedAt             *time.Time
}

// authorizationGet reads the authorization, live or revoked, of an app by a
// user in a team.
func authorizationGet(ctx context.Context, q store.Querier, appID, userID, teamID string) (storedAuthorization, error) {
	var z storedAuthorization
	err := q.QueryRow(ctx, "SELECT id, scopes, resources, revoked_at FROM oauth_authorizations WHERE app_id = ? AND user_id = ? AND team_id = ?",
		appID, userID, teamID).Scan(&z.id, &z.scopes, &z.resources, &z.revokedAt)
	return z, err
}

func authorizationInsert(ctx context.Context, tx *store.Tx, authID, appID, userID, teamID, scopes, resources string) error {
	_, err := tx.Exec(ctx, `INSERT INTO oauth_authorizations (id, app_id, user_id, team_id, scopes, resources, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, authID, appID, userID, teamID, scopes, resources, tx.Now(), tx.Now())
	return err
}

// authorizationRenew sets what an authorization grants, live again if it
// was revoked.
func authorizationRenew(ctx context.Context, tx *store.Tx, authID, scopes, resources string) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_authorizations SET scopes = ?, resources = ?, revoked_at = NULL, updated_at = ? WHERE id = ?",
		scopes, resources, tx.Now(), authID)
	return err
}

// tokenRow is a token pair to store: the grant's fields, and the hashes
// and lifetimes newTokens made.
type tokenRow struct {
	issued
	id                       string
	accessHash, refreshHash  []byte
	accessExpires, createdAt time.Time
	refreshExpires           *time.Time
}

const tokenInsertQuery = `INSERT INTO oauth_tokens (id, app_id, authorization_id, family_id, access_token, refresh_token, scopes,
	user_id, team_id, access_expires_at, refresh_expires_at, created_at, resources, grant_scopes, audiences, actor)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func (t tokenRow) args() []any {
	return []any{t.id, t.appID, t.authorizationID, t.familyID, t.accessHash, t.refreshHash, marshalList(t.scopes),
		t.userID, t.teamID, t.accessExpires, t.refreshExpires, t.createdAt, marshalList(t.resources), marshalList(t.grantScopes),
		marshalList(t.audiences), t.actor}
}

func tokenInsert(ctx context.Context, tx *store.Tx, t tokenRow) error {
	_, err := tx.Exec(ctx, tokenInsertQuery, t.args()...)
	return err
}

// tokenInsertGrouped stores a token pair alone, sharing its commit with
// concurrent writes (store.DB.ExecGrouped).
func tokenInsertGrouped(ctx context.Context, db *store.DB, t tokenRow) error {
	return db.ExecGrouped(ctx, tokenInsertQuery, t.args()...)
}

// tokenGetByHash reads the token whose column (access_token or
// refresh_token) holds hash, with its app's client_id.
func tokenGetByHash(ctx context.Context, q store.Querier, column string, hash []byte) (storedToken, error) {
	var t storedToken
	err := q.QueryRow(ctx, `SELECT t.id, t.app_id, a.client_id, t.family_id, t.scopes, t.user_id, t.team_id, t.access_expires_at,
		t.created_at, t.refresh_expires_at, t.rotated_at, t.revoked_at, t.audiences, t.authorization_id, t.actor
		FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id WHERE t.`+column+` = ?`, hash).
		Scan(&t.id, &t.appID, &t.clientID, &t.familyID, &t.scopes, &t.userID, &t.teamID, &t.accessExpires, &t.createdAt,
			&t.refreshExpires, &t.rotatedAt, &t.revokedAt, &t.audiences, &t.authorizationID, &t.actor)
	return t, err
}

func tokenRevoke(ctx context.Context, tx *store.Tx, tokenID string) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", tx.Now(), tokenID)
	return err
}

// tokensRevokeFamily revokes every token descended from one code.
func tokensRevokeFamily(ctx context.Context, tx *store.Tx, familyID string) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL", tx.Now(), familyID)
	return err
}

func codeGet(ctx context.Context, q store.Querier, codeHash []byte) (storedCode, error) {
	var c storedCode
	err := q.QueryRow(ctx, `SELECT app_id, authorization_id, family_id, redirect_uri, scopes, code_challenge, resources, expires_at, used_at
		FROM oauth_codes WHERE code = ?`, codeHash).
		Scan(&c.AppID, &c.AuthorizationID, &c.FamilyID, &c.RedirectURI, &c.Scopes, &c.CodeChallenge, &c.Resources, &c.ExpiresAt, &c.UsedAt)
	return c, err
}

// codeMarkUsed reports whether this was the code's first use.
func codeMarkUsed(ctx context.Context, tx *store.Tx, codeHash []byte) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE oauth_codes SET used_at = ? WHERE code = ? AND used_at IS NULL", tx.Now(), codeHash))
}

// authorizationGrantee returns who granted an authorization, and when it
// was revoked if it was.
func authorizationGrantee(ctx context.Context, q store.Querier, authID string) (userID, teamID string, revokedAt *time.Time, err error) {
	err = q.QueryRow(ctx, "SELECT user_id, team_id, revoked_at FROM oauth_authorizations WHERE id = ?", authID).Scan(&userID, &teamID, &revokedAt)
	return userID, teamID, revokedAt, err
}

// storedRefreshToken is what a refresh reads of the token presented, with
// the revocation of its authorization.
type storedRefreshToken struct {
	id, appID, familyID, scopes, grantScopes, resources string
	authorizationID, userID, teamID                     *string
	refreshExpires, rotatedAt, revokedAt, authRevokedAt *time.Time
}

func refreshTokenGet(ctx context.Context, q store.Querier, refreshHash []byte) (storedRefreshToken, error) {
	var t storedRefreshToken
	err := q.QueryRow(ctx, `SELECT t.id, t.app_id, t.authorization_id, t.family_id, t.scopes, t.grant_scopes, t.resources, t.user_id,
		t.team_id, t.refresh_expires_at, t.rotated_at, t.revoked_at, z.revoked_at
		FROM oauth_tokens t LEFT JOIN oauth_authorizations z ON z.id = t.authorization_id WHERE t.refresh_token = ?`, refreshHash).
		Scan(&t.id, &t.appID, &t.authorizationID, &t.familyID, &t.scopes, &t.grantScopes, &t.resources, &t.userID, &t.teamID,
			&t.refreshExpires, &t.rotatedAt, &t.revokedAt, &t.authRevokedAt)
	return t, err
}

// tokenMarkRotated records the first use of a refresh token.
func tokenMarkRotated(ctx context.Context, tx *store.Tx, tokenID string) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_tokens SET rotated_at = ? WHERE id = ? AND rotated_at IS NULL", tx.Now(), tokenID)
	return err
}

// storedDeviceCode is a device code's row but for its hashed codes; the
// lists are JSON as stored.
type storedDeviceCode struct {
	ID, AppID, Scopes, Resources, Status string
	Interval                             int64
	ClientAddr                           string
	AuthorizationID, GrantedScopes       *string
	LastPolledAt                         *time.Time
	ExpiresAt                            time.Time
}

func deviceCodeInsert(ctx context.Context, tx *store.Tx, d storedDeviceCode, deviceHash, userHash []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO oauth_device_codes (id, app_id, device_code, user_code, scopes, resources, status, poll_interval,
		client_addr, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.AppID, deviceHash, userHash, d.Scopes, d.Resources, d.Status, d.Interval, d.ClientAddr, tx.Now(), d.ExpiresAt)
	return err
}

const deviceCodeColumns = "id, app_id, scopes, resources, status, poll_interval, client_addr, authorization_id, granted_scopes, last_polled_at, expires_at"

func scanDeviceCode(sc store.Scanner) (storedDeviceCode, error) {
	var d storedDeviceCode
	err := sc.Scan(&d.ID, &d.AppID, &d.Scopes, &d.Resources, &d.Status, &d.Interval, &d.ClientAddr, &d.AuthorizationID, &d.GrantedScopes,
		&d.LastPolledAt, &d.ExpiresAt)
	return d, err
}

func deviceCodeGetByUserCode(ctx context.Context, q store.Querier, userHash []byte) (storedDeviceCode, error) {
	return scanDeviceCode(q.QueryRow(ctx, "SELECT "+deviceCodeColumns+" FROM oauth_device_codes WHERE user_code = ?", userHash))
}

func deviceCodeGetByDeviceCode(ctx context.Context, q store.Querier, deviceHash []byte) (storedDeviceCode, error) {
	return scanDeviceCode(q.QueryRow(ctx, "SELECT "+deviceCodeColumns+" FROM oauth_device_codes WHERE device_code = ?", deviceHash))
}

// deviceCodeAttachRequest makes requestID the pending device code's latest
// authorization request; it reports whether the code was still pending.
func deviceCodeAttachRequest(ctx context.Context, tx *store.Tx, deviceID, requestID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE oauth_device_codes SET request_id = ? WHERE id = ? AND status = ?", requestID, deviceID, deviceCodePending))
}

// deviceVerificationGet describes the device code whose latest request is
// requestID, with the client address of that request's browser.
func deviceVerificationGet(ctx context.Context, q store.Querier, requestID string) (DeviceVerification, string, error) {
	var v DeviceVerification
	var browserAddr string
	err := q.QueryRow(ctx, `SELECT d.created_at, d.expires_at, d.client_addr, r.client_addr
		FROM oauth_device_codes d JOIN oauth_requests r ON r.id = d.request_id WHERE d.request_id = ?`, requestID).
		Scan(&v.RequestedAt, &v.ExpiresAt, &v.DeviceAddress, &browserAddr)
	return v, browserAddr, err
}

// deviceCodeSettle records the user's answer on the pending, unexpired
// device code whose latest request is requestID; it reports whether there
// was one.
func deviceCodeSettle(ctx context.Context, tx *store.Tx, requestID, status string, authID, granted *string) (bool, error) {
	return store.Changed(tx.Exec(ctx, `UPDATE oauth_device_codes SET status = ?, authorization_id = ?, granted_scopes = ?
		WHERE request_id = ? AND status = ? AND expires_at > ?`, status, authID, granted, requestID, deviceCodePending, tx.Now()))
}

// deviceCodePolled records a poll, with the interval the device must keep
// from now on.
func deviceCodePolled(ctx context.Context, tx *store.Tx, deviceID string, interval int64) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_device_codes SET poll_interval = ?, last_polled_at = ? WHERE id = ?", interval, tx.Now(), deviceID)
	return err
}

// deviceCodeMarkDone marks an approved device code as exchanged for tokens;
// it reports whether it was still approved (a concurrent poll may have won).
func deviceCodeMarkDone(ctx context.Context, tx *store.Tx, deviceID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE oauth_device_codes SET status = ?, last_polled_at = ? WHERE id = ? AND status = ?",
		deviceCodeDone, tx.Now(), deviceID, deviceCodeApproved))
}

// authorizationsListLive returns a page of a user's live authorizations in
// a team, with their apps.
func authorizationsListLive(ctx context.Context, db store.Querier, userID, teamID, after string, limit int) ([]Authorization, error) {
	rows, err := db.Query(ctx, `SELECT z.id, z.user_id, z.team_id, z.scopes, z.resources, z.created_at, z.updated_at, `+appColumns+`
		FROM oauth_authorizations z JOIN oauth_apps a ON a.id = z.app_id
		WHERE z.user_id = ? AND z.team_id = ? AND z.revoked_at IS NULL AND z.id > ? ORDER BY z.id LIMIT ?`,
		userID, teamID, after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (Authorization, error) {
		var z Authorization
		var scopes, resources string
		var as appScan
		if err := sc.Scan(append([]any{&z.ID, &z.UserID, &z.TeamID, &scopes, &resources, &z.CreatedAt, &z.UpdatedAt}, as.dest()...)...); err != nil {
			return z, err
		}
		app, err := as.finish()
		if err != nil {
			return z, err
		}
		z.App = app.public()
		if z.Scopes, err = unmarshalList(scopes); err != nil {
			return z, err
		}
		z.Resources, err = unmarshalList(resources)
		return z, err
	})
}

// authorizationRevoke reports whether the authorization was live.
func authorizationRevoke(ctx context.Context, tx *store.Tx, authID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE oauth_authorizations SET revoked_at = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL", tx.Now(), tx.Now(), authID))
}

func tokensRevokeByAuthorization(ctx context.Context, tx *store.Tx, authID string) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_tokens SET revoked_at = ? WHERE authorization_id = ? AND revoked_at IS NULL", tx.Now(), authID)
	return err
}

// authorizationRevokeOfUserApp revokes what a user granted an app in a
// team, and reports whether there was such a live authorization.
func authorizationRevokeOfUserApp(ctx context.Context, tx *store.Tx, userID, teamID, appID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, `UPDATE oauth_authorizations SET revoked_at = ?, updated_at = ?
		WHERE user_id = ? AND team_id = ? AND app_id = ? AND revoked_at IS NULL`, tx.Now(), tx.Now(), userID, teamID, appID))
}

// tokensRevokeOfUserApp revokes the tokens issued under what a user granted
// an app in a team.
func tokensRevokeOfUserApp(ctx context.Context, tx *store.Tx, userID, teamID, appID string) error {
	_, err := tx.Exec(ctx, `UPDATE oauth_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND authorization_id IN
		(SELECT id FROM oauth_authorizations WHERE user_id = ? AND team_id = ? AND app_id = ?)`, tx.Now(), userID, teamID, appID)
	return err
}

// cleanupExpired removes the requests that expired by now, the device codes
// that expired before deviceCutoff, the codes, tokens and authorizations
// that ended before cutoff, and the self-registered apps made before
// unusedCutoff that no user authorized: anyone can make those, so what
// nobody uses must not pile up.
func cleanupExpired(ctx context.Context, db store.Querier, now, cutoff, deviceCutoff, unusedCutoff time.Time) error {
	for _, stmt := range []struct {
		query string
		args  []any
	}{
		{"DELETE FROM oauth_requests WHERE expires_at < ?", []any{now}},
		{"DELETE FROM oauth_device_codes WHERE expires_at < ?", []any{deviceCutoff}},
		{"DELETE FROM oauth_codes WHERE expires_at < ?", []any{cutoff}},
		{`DELETE FROM oauth_tokens WHERE revoked_at < ? OR (access_expires_at < ? AND (refresh_expires_at IS NULL OR refresh_expires_at < ?))`,
			[]any{cutoff, cutoff, cutoff}},
		{"DELETE FROM oauth_authorizations WHERE revoked_at < ?", []any{cutoff}},
		{`DELETE FROM oauth_apps WHERE registration <> ? AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM oauth_authorizations z WHERE z.app_id = oauth_apps.id)`,
			[]any{registrationAdmin, unusedCutoff}},
	} {
		if _, err := db.Exec(ctx, stmt.query, stmt.args...); err != nil {
			return err
		}
	}
	return nil
}

// AssetsInUse selects the hashes of the assets apps show, for the asset
// store's cleanup.
const AssetsInUse = "SELECT logo_hash FROM oauth_apps WHERE logo_hash IS NOT NULL"

// appSetLogo points an app at an uploaded logo; it reports whether the app
// exists.
func appSetLogo(ctx context.Context, tx *store.Tx, appID, hash, contentType string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE oauth_apps SET logo_hash = ?, logo_content_type = ?, updated_at = ? WHERE id = ?",
		hash, contentType, tx.Now(), appID))
}

// requestBackToLogin sends a request waiting for consent back to the login
// step under a new login challenge, forgetting who signed in; it reports
// whether the request was still waiting for consent.
func requestBackToLogin(ctx context.Context, q store.Querier, requestID string, loginHash []byte) (bool, error) {
	return store.Changed(q.Exec(ctx, `UPDATE oauth_requests SET status = ?, login_challenge = ?, consent_challenge = NULL,
		user_id = NULL, team_id = NULL, user_name = NULL, team_name = NULL, avatar_url = NULL WHERE id = ? AND status = ?`,
		statusLogin, loginHash, requestID, statusConsent))
}

// grantsLive returns the live authorizations that where (a condition on
// oauth_authorizations' columns, written in code) selects, as grants.
func grantsLive(ctx context.Context, q store.Querier, where string, args ...any) ([]Grant, error) {
	rows, err := q.Query(ctx, "SELECT id, app_id, user_id, team_id, scopes FROM oauth_authorizations WHERE revoked_at IS NULL AND "+where, args...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (Grant, error) {
		var g Grant
		var scopes string
		if err := sc.Scan(&g.AuthorizationID, &g.AppID, &g.UserID, &g.TeamID, &scopes); err != nil {
			return g, err
		}
		g.Scopes, err = unmarshalList(scopes)
		return g, err
	})
}

// ScopeCatalog returns every scope in name order, for the automation
// catalog and its checks of actions' scopes.
func ScopeCatalog(ctx context.Context, q store.Querier) ([]Scope, error) {
	rows, err := q.Query(ctx, "SELECT "+scopeColumns+" FROM oauth_scopes ORDER BY name")
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanScope)
}
