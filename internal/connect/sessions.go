package connect

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/vault"
)

// Connect session statuses. A session moves forward only, each step a
// conditional update, so its token, its state and its code are each used
// once.
const (
	sessionPending     = "pending"     // created; its URL not yet opened
	sessionOpened      = "opened"      // opened by a browser, which it is now bound to
	sessionAuthorizing = "authorizing" // the browser went to the provider
	sessionCompleted   = "completed"
	sessionFailed      = "failed"
)

// Session is a connect session: one end user's way through the connect flow.
type Session struct {
	ID            string   `json:"id" doc:"The session's ID."`
	TenantID      string   `json:"tenant_id" doc:"The tenant the end user belongs to."`
	EndUserID     string   `json:"end_user_id" doc:"The SaaS's ID of the end user who will connect."`
	IntegrationID string   `json:"integration_id" doc:"The integration to connect through."`
	Scopes        []string `json:"scopes" doc:"The scopes to ask the provider for."`
	ReturnURL     string   `json:"return_url" doc:"Where the browser goes when the flow ends." format:"uri"`
	// ConnectionID names the connection this session repairs; empty for a
	// session that makes a new connection.
	ConnectionID string    `json:"connection_id,omitempty" doc:"ConnectionID names the connection this session repairs; empty for a session that makes a new connection."`
	ExpiresAt    time.Time `json:"expires_at" doc:"When the session's link expires."`
	CreatedAt    time.Time `json:"created_at" doc:"When the session was created."`

	providerID   string
	status       string
	browserHash  []byte
	csrfHash     []byte
	codeVerifier []byte // sealed
	config       map[string]string
	openerOrigin string
	returnTo     string
}

// NewSession is what the SaaS asks for when it creates a session.
type NewSession struct {
	TenantID, EndUserID, IntegrationID string
	// Scopes replace the integration's for this connection when given.
	Scopes    []string
	ReturnURL string
	// ConnectionID, when given, makes the session repair that connection
	// (one in needs_reauth, say) in place instead of making a new one.
	ConnectionID string
	// OpenerOrigin, for a session started from an embedded component, is
	// the origin of the page that opened the connect popup: the flow ends
	// on Patchbay's done page, which tells that page (and only that origin)
	// the outcome. ReturnTo, optional, is where the done page then sends
	// the browser. Either makes ReturnURL the done page.
	OpenerOrigin, ReturnTo string
}

// CreatedSession is a new session with its single-use token and URL, which
// the SaaS sends its user's browser to.
type CreatedSession struct {
	Session
	Token string `json:"token" doc:"The session's single-use token, part of url."`
	URL   string `json:"url" doc:"The page to send the end user's browser to." format:"uri"`
}

// CreateSession starts a connect flow. The token is shown only now and
// stored as its SHA-256.
func (s *Service) CreateSession(ctx context.Context, ns NewSession) (CreatedSession, error) {
	var err error
	if ns.TenantID, err = tenants.Own(ctx, ns.TenantID); err != nil {
		return CreatedSession{}, err
	}
	in, err := s.Integration(ctx, ns.IntegrationID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return CreatedSession{}, apperr.InvalidFields(map[string]string{"integration_id": "no integration " + ns.IntegrationID})
	} else if err != nil {
		return CreatedSession{}, err
	}
	p, err := s.catalog.Provider(in.ProviderID)
	if err != nil {
		return CreatedSession{}, err
	}
	if p.Auth.Mode == catalog.AuthOAuth2ClientCredentials {
		return CreatedSession{}, apperr.InvalidFields(map[string]string{"integration_id": "its provider uses client credentials, which need no user to connect"})
	}
	if ns.ConnectionID != "" {
		c, err := s.connection(ctx, s.db, ns.ConnectionID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return CreatedSession{}, repairProblem("no connection " + ns.ConnectionID)
		} else if err != nil {
			return CreatedSession{}, err
		}
		if c.TenantID != ns.TenantID || c.EndUserID != ns.EndUserID || c.IntegrationID != ns.IntegrationID {
			return CreatedSession{}, repairProblem("belongs to another tenant, end user or integration than this session's")
		}
	}
	if ns.OpenerOrigin != "" || ns.ReturnTo != "" {
		ns.ReturnURL = s.cfg.PublicURL + donePath
	}
	token := vault.NewToken("pbcs_")
	cs := CreatedSession{Session: Session{
		ID: id.New("cs"), TenantID: ns.TenantID, EndUserID: ns.EndUserID, IntegrationID: in.ID, Scopes: nonNil(ns.Scopes),
		ReturnURL: ns.ReturnURL, ConnectionID: ns.ConnectionID, openerOrigin: ns.OpenerOrigin, returnTo: ns.ReturnTo,
	}, Token: token, URL: s.cfg.PublicURL + "/connect/" + token}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tenants.MustExist(ctx, tx, ns.TenantID); err != nil {
			return err
		}
		cs.CreatedAt, cs.ExpiresAt = tx.Now(), tx.Now().Add(s.cfg.SessionTTL)
		return sessionInsert(ctx, tx, cs, vault.HashToken(token))
	})
	if err != nil {
		return CreatedSession{}, err
	}
	return cs, nil
}

func repairProblem(msg string) error {
	return apperr.InvalidFields(map[string]string{"connection_id": msg})
}

// knownSession turns a session lookup's sql.ErrNoRows into the flow's
// unknown_session.
func knownSession(ss Session, err error) (Session, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, errFlow("unknown_session", "This link is not valid. Start connecting again from the application.")
	}
	return ss, err
}

func codeVerifierAAD(sessionID string) string {
	return "connect_sessions/" + sessionID + "/code_verifier"
}

// FlowError is a problem in the browser flow, shown to the user on
// Patchbay's page or sent to the SaaS's return URL as error=Code.
type FlowError struct {
	Code    string
	Message string // for the end user
}

func (e *FlowError) Error() string { return e.Code + ": " + e.Message }

func errFlow(code, msg string) *FlowError { return &FlowError{Code: code, Message: msg} }

// connectPage is what the connect page shows.
type connectPage struct {
	Session     Session
	Provider    *catalog.Provider
	Integration Integration
	Scopes      []string
	Fields      []catalog.Field
	Values      map[string]string
	Problems    map[string]string
	Message     string
	CSRF        string
	Action      string
	OAuth       bool
}

// pageScope is a scope as the connect page lists it: what it gives, when the
// provider's definition says, and its name.
type pageScope struct{ Name, Description string }

// ScopeList pairs each scope asked for with the provider's description of
// it, for the page.
func (pg connectPage) ScopeList() []pageScope {
	out := make([]pageScope, len(pg.Scopes))
	for i, n := range pg.Scopes {
		out[i] = pageScope{Name: n, Description: pg.Provider.Auth.ScopeDescriptions[n]}
	}
	return out
}

// OpenSession opens a session's URL: the first browser to open it binds it
// by a cookie secret minted now, never one the browser brings (an attacker
// may have planted that), and the token cannot be opened again by anyone
// else. The same browser may reload the page. Each page gets a fresh random
// CSRF token, kept on the session as its hash.
func (s *Service) OpenSession(ctx context.Context, token string, browser BrowserSecrets) (connectPage, string, error) {
	ss, err := knownSession(sessionGetByTokenHash(ctx, s.db, vault.HashToken(token)))
	if err != nil {
		return connectPage{}, "", err
	}
	if time.Now().After(ss.ExpiresAt) {
		return connectPage{}, "", errFlow("expired", "This link has expired. Start connecting again from the application.")
	}
	browserSecret := browser(ss.ID)
	csrf := vault.NewToken("")
	var step func(tx *store.Tx) (bool, error)
	switch {
	case ss.status == sessionPending:
		browserSecret = vault.NewToken("pbcb_")
		step = func(tx *store.Tx) (bool, error) {
			return sessionOpen(ctx, tx, ss.ID, vault.HashToken(browserSecret), vault.HashToken(csrf))
		}
	case ss.status == sessionOpened && s.sameBrowser(ss, browserSecret):
		step = func(tx *store.Tx) (bool, error) { return sessionRenewCSRF(ctx, tx, ss.ID, vault.HashToken(csrf)) }
	default:
		return connectPage{}, "", errFlow("used", "This link was already used. Start connecting again from the application.")
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		done, err := step(tx)
		if err != nil {
			return err
		}
		if !done {
			return errFlow("used", "This link was already used. Start connecting again from the application.")
		}
		return nil
	})
	if err != nil {
		return connectPage{}, "", err
	}
	pg, err := s.page(ctx, ss, csrf)
	return pg, browserSecret, err
}

// BrowserSecrets returns the secret of a session's cookie in the browser
// making the request, or "".
type BrowserSecrets func(sessionID string) string

func (s *Service) sameBrowser(ss Session, browserSecret string) bool {
	if browserSecret == "" || ss.browserHash == nil {
		return false
	}
	return subtle.ConstantTimeCompare(vault.HashToken(browserSecret), ss.browserHash) == 1
}

// page is the connect page of a session, its form carrying csrf.
func (s *Service) page(ctx context.Context, ss Session, csrf string) (connectPage, error) {
	in, err := s.Integration(ctx, ss.IntegrationID)
	if err != nil {
		return connectPage{}, err
	}
	p, err := s.catalog.Provider(in.ProviderID)
	if err != nil {
		return connectPage{}, err
	}
	pg := connectPage{Session: ss, Provider: p, Integration: in, Scopes: scopes(p, in, ss.Scopes), CSRF: csrf,
		Action: "/connect/sessions/" + ss.ID, OAuth: p.Auth.Mode.OAuth(), Values: map[string]string{}}
	for _, f := range p.Fields {
		// OAuth providers ask only for the values their URLs need; the
		// credentials come from the provider.
		if pg.OAuth && f.Secret {
			continue
		}
		pg.Fields = append(pg.Fields, f)
	}
	return pg, nil
}

// scopes are what a connection asks for: those requested (by the session),
// else the integration's, else the provider's defaults.
func scopes(p *catalog.Provider, in Integration, requested []string) []string {
	switch {
	case len(requested) > 0:
		return requested
	case len(in.Scopes) > 0:
		return in.Scopes
	}
	return p.Auth.Scopes
}

// Submission is what the connect page's form posted.
type Submission struct {
	SessionID, BrowserSecret, CSRF string
	Cancel                         bool
	Values                         map[string]string
}

// Outcome is where a step of the flow sends the browser: a redirect, or the
// page again with problems.
type Outcome struct {
	Redirect string
	Page     *connectPage
}

// Submit handles the connect page's form. For OAuth providers it sends the
// browser to the provider with state and PKCE; for API-key and basic
// providers it checks the values with the verification request and stores
// the connection.
func (s *Service) Submit(ctx context.Context, sub Submission) (Outcome, error) {
	ss, err := knownSession(sessionGetByID(ctx, s.db, sub.SessionID))
	if err != nil {
		return Outcome{}, err
	}
	if !s.sameBrowser(ss, sub.BrowserSecret) || ss.csrfHash == nil || subtle.ConstantTimeCompare(vault.HashToken(sub.CSRF), ss.csrfHash) != 1 {
		return Outcome{}, errFlow("wrong_browser", "This page was opened in another browser or has expired. Start connecting again from the application.")
	}
	if ss.status != sessionOpened {
		return Outcome{}, errFlow("used", "This link was already used. Start connecting again from the application.")
	}
	if time.Now().After(ss.ExpiresAt) {
		return Outcome{}, errFlow("expired", "This link has expired. Start connecting again from the application.")
	}
	if sub.Cancel {
		return Outcome{Redirect: s.fail(ctx, ss, sessionOpened, "access_denied")}, nil
	}
	pg, err := s.page(ctx, ss, sub.CSRF) // a page shown again keeps the token its form was checked with
	if err != nil {
		return Outcome{}, err
	}
	input := map[string]string{}
	for _, f := range pg.Fields {
		if v, ok := sub.Values[f.Name]; ok {
			input[f.Name] = strings.TrimSpace(v)
		}
		if !f.Secret { // shown again if the page is (a secret never is)
			pg.Values[f.Name] = input[f.Name]
		}
	}
	values, err := pg.Provider.Values(input)
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Fields != nil {
			pg.Problems = ae.Fields
			return Outcome{Page: &pg}, nil
		}
		return Outcome{}, err
	}
	if pg.OAuth {
		u, err := s.authorizeURL(ctx, ss, pg, values.Config)
		if err != nil {
			return Outcome{}, err
		}
		return Outcome{Redirect: u}, nil
	}
	if err := s.verify(ctx, pg.Provider, values); err != nil {
		s.logger.Info("a connect form's credentials failed verification", "session_id", ss.ID, "provider_id", pg.Provider.ID, "error", err)
		pg.Message = pg.Provider.DisplayName + " did not accept these credentials. Check them and try again."
		return Outcome{Page: &pg}, nil
	}
	c, err := s.storeConnection(ctx, newConnection{session: ss, scopes: pg.Scopes, config: values.Config,
		secrets: secrets{Fields: values.Secrets}}, sessionOpened)
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Redirect: returnURL(ss.ReturnURL, map[string]string{"session_id": ss.ID, "connection_id": c.ID, "status": "connected"})}, nil
}

// authorizeURL records the state and PKCE verifier on the session and
// returns the provider's authorization URL.
func (s *Service) authorizeURL(ctx context.Context, ss Session, pg connectPage, config map[string]string) (string, error) {
	p := pg.Provider
	base, err := catalog.ExpandURL(p.Auth.AuthorizationURL, config)
	if err != nil {
		return "", fmt.Errorf("authorization URL: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	v, err := s.keys.TenantForSeal(ctx, ss.TenantID)
	if err != nil {
		return "", err
	}
	state := vault.NewToken("")
	q := u.Query()
	for k, val := range p.Auth.AuthorizationParams {
		q.Set(k, val)
	}
	q.Set("response_type", "code")
	q.Set("client_id", pg.Integration.ClientID)
	q.Set("redirect_uri", s.CallbackURL())
	q.Set("state", state)
	if len(pg.Scopes) > 0 {
		q.Set("scope", strings.Join(pg.Scopes, p.Auth.ScopeSeparator))
	}
	var sealedVerifier []byte
	if p.Auth.PKCE {
		verifier := vault.NewToken("")
		challenge := sha256.Sum256([]byte(verifier))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(challenge[:]))
		q.Set("code_challenge_method", "S256")
		sealedVerifier = v.Seal([]byte(verifier), codeVerifierAAD(ss.ID))
	}
	u.RawQuery = q.Encode()
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		authorizing, err := sessionAuthorize(ctx, tx, ss.ID, vault.HashToken(state), sealedVerifier, config)
		if err != nil {
			return err
		}
		if !authorizing {
			return errFlow("used", "This link was already used. Start connecting again from the application.")
		}
		return nil
	})
	return u.String(), err
}

// Callback finishes the OAuth flow when the provider sends the browser back:
// it exchanges the code, runs the verification request, stores the
// connection and returns the SaaS's return URL with the outcome.
func (s *Service) Callback(ctx context.Context, query url.Values, browser BrowserSecrets) (string, error) {
	state := query.Get("state")
	if state == "" {
		return "", errFlow("invalid_request", "The provider sent the browser back without the state of the request.")
	}
	ss, err := knownSession(sessionGetByStateHash(ctx, s.db, vault.HashToken(state)))
	if err != nil {
		return "", err
	}
	if !s.sameBrowser(ss, browser(ss.ID)) {
		return "", errFlow("wrong_browser", "This sign-in was started in another browser. Start connecting again from the application.")
	}
	if ss.status != sessionAuthorizing {
		return "", errFlow("used", "This link was already used. Start connecting again from the application.")
	}
	if time.Now().After(ss.ExpiresAt) {
		return s.fail(ctx, ss, sessionAuthorizing, "expired"), nil
	}
	if e := query.Get("error"); e != "" {
		code := "provider_error"
		if e == "access_denied" {
			code = "access_denied"
		}
		return s.fail(ctx, ss, sessionAuthorizing, code), nil
	}
	code := query.Get("code")
	if code == "" {
		return s.fail(ctx, ss, sessionAuthorizing, "invalid_request"), nil
	}
	in, err := s.integrationWithSecret(ctx, ss.IntegrationID)
	if err != nil {
		return "", err
	}
	p, err := s.catalog.Provider(in.ProviderID)
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {s.CallbackURL()}}
	if ss.codeVerifier != nil {
		verifier, err := s.keys.OpenTenant(ctx, ss.TenantID, ss.codeVerifier, codeVerifierAAD(ss.ID))
		if err != nil {
			return "", fmt.Errorf("session %s code verifier: %w", ss.ID, err)
		}
		form.Set("code_verifier", string(verifier))
	}
	now := time.Now()
	tr, err := s.tokenRequest(ctx, p, in, ss.config, form)
	if err != nil {
		s.logger.Info("a connect flow's code exchange failed", "session_id", ss.ID, "provider_id", p.ID, "error", err)
		return s.fail(ctx, ss, sessionAuthorizing, "token_exchange_failed"), nil
	}
	values := catalog.Values{Config: ss.config, Secrets: map[string]string{"access_token": tr.AccessToken}}
	if err := s.verify(ctx, p, values); err != nil {
		s.logger.Info("a new connection failed its verification request", "session_id", ss.ID, "provider_id", p.ID, "error", err)
		return s.fail(ctx, ss, sessionAuthorizing, "verification_failed"), nil
	}
	c, err := s.storeConnection(ctx, newConnection{session: ss, scopes: tr.granted(scopes(p, in, ss.Scopes)), config: ss.config,
		secrets:   secrets{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, TokenType: tr.TokenType},
		expiresAt: tr.expiry(now)}, sessionAuthorizing)
	if err != nil {
		return "", err
	}
	return returnURL(ss.ReturnURL, map[string]string{"session_id": ss.ID, "connection_id": c.ID, "status": "connected"}), nil
}

// fail ends a session as failed, emits connection.failed, and returns the
// SaaS's return URL with the error. If the session moved on meanwhile, the
// error still goes back, but nothing is recorded twice.
func (s *Service) fail(ctx context.Context, ss Session, from, code string) string {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		failed, err := sessionFail(ctx, tx, ss.ID, from)
		if err != nil || !failed {
			return err
		}
		return s.emit(ctx, tx, "connection.failed", map[string]any{
			"session_id": ss.ID, "tenant_id": ss.TenantID, "end_user_id": ss.EndUserID, "integration_id": ss.IntegrationID,
			"provider_id": ss.providerID, "error": code,
		})
	})
	if err != nil {
		s.logger.Error("recording a failed connect session", "session_id", ss.ID, "error", err)
	}
	return returnURL(ss.ReturnURL, map[string]string{"session_id": ss.ID, "status": "failed", "error": code})
}

// SessionCleanupArgs is the periodic job that removes connect sessions a
// day after they expired; the connections they made stay.
type SessionCleanupArgs struct{}

func (SessionCleanupArgs) Kind() string { return "connect_session_cleanup" }

// SessionCleanupWorker works SessionCleanupArgs.
type SessionCleanupWorker struct {
	river.WorkerDefaults[SessionCleanupArgs]
	DB *store.DB
}

func (w *SessionCleanupWorker) Work(ctx context.Context, _ *river.Job[SessionCleanupArgs]) error {
	return sessionsDeleteExpiredBefore(ctx, w.DB, time.Now().Add(-24*time.Hour))
}
