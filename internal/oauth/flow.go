package oauth

import (
	"cmp"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/vault"
)

// Request statuses, from /oauth/authorize to the code.
const (
	statusLogin    = "login"    // waiting for the SaaS to sign the user in
	statusConsent  = "consent"  // signed in; waiting for the user's decision
	statusApproved = "approved" // consent given through the SaaS's own page
	statusDenied   = "denied"   // login or consent refused
	statusDone     = "done"     // the browser was sent back to the app
)

// authRequest is one authorization attempt, as stored.
type authRequest struct {
	ID            string
	App           App
	Status        string
	RedirectURI   string
	Scopes        []string
	GrantedScopes []string
	State         string
	CodeChallenge string
	Resources     []string
	UserID        string
	TeamID        string
	Account       Account
	DenyError     string
	DenyDesc      string
	browser       []byte
	csrf          []byte
	ExpiresAt     time.Time
}

// StartAuthorization checks an authorization request and records it. It
// returns where to send the browser: the SaaS's login page with a login
// challenge, and the secret, minted now, that binds the request to the
// browser (its flow cookie).
func (s *Service) StartAuthorization(ctx context.Context, q url.Values) (string, flowBrowser, error) {
	req, ferr := parseAuthorize(q)
	if ferr != nil {
		return "", flowBrowser{}, ferr
	}
	app, err := s.clientApp(ctx, req.ClientID)
	_, redirectOK := matchRedirectURI(app.RedirectURIs, req.RedirectURI)
	var bad *errMetadataDocument
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return "", flowBrowser{}, pageError("invalid_client", "no app has this client_id")
	case errors.As(err, &bad) && bad.full && redirectOK:
		// As a registration over the caps is answered (429
		// temporarily_unavailable), and the client may try again later.
		return "", flowBrowser{}, &flowError{Code: "temporarily_unavailable", Description: bad.Error(), RedirectURI: req.RedirectURI, State: req.State}
	case errors.As(err, &bad) && (bad.full || bad.transient):
		status := http.StatusServiceUnavailable
		if bad.full {
			status = http.StatusTooManyRequests
		}
		return "", flowBrowser{}, &flowError{Code: "temporarily_unavailable", Description: bad.Error() + "; try again later", pageStatus: status,
			retryAfter: metadataRetryAfter}
	case errors.As(err, &bad):
		return "", flowBrowser{}, pageError("invalid_client", bad.Error())
	case err != nil:
		return "", flowBrowser{}, err
	case !redirectOK:
		return "", flowBrowser{}, pageError("invalid_request", "redirect_uri is not one of the app's registered redirect URIs (they must match exactly)")
	}
	if req, ferr = parseAuthorizeRest(q, req, app); ferr != nil {
		return "", flowBrowser{}, ferr
	}
	if _, unknown, err := s.describeScopes(ctx, req.Scopes); err != nil {
		return "", flowBrowser{}, err
	} else if len(unknown) > 0 {
		return "", flowBrowser{}, &flowError{Code: "invalid_scope", Description: "unknown scope " + unknown[0], RedirectURI: req.RedirectURI, State: req.State}
	}
	if _, code, msg, err := s.targets(ctx, s.db, req.Resources, req.Scopes); err != nil {
		return "", flowBrowser{}, err
	} else if code != "" {
		return "", flowBrowser{}, &flowError{Code: code, Description: msg, RedirectURI: req.RedirectURI, State: req.State}
	}
	loginURL := s.cfg.LoginURL
	if loginURL == "" {
		if !s.cfg.Dev {
			s.logger.ErrorContext(ctx, "an authorization request failed: no --oauth-login-url is set, so users cannot sign in", "client_id", app.ClientID)
			return "", flowBrowser{}, &flowError{Code: "server_error", Description: "no login URL is configured (--oauth-login-url)", RedirectURI: req.RedirectURI, State: req.State}
		}
		loginURL = s.cfg.Issuer + "/oauth/dev/login"
	}
	challenge := vault.NewToken(prefixChallenge)
	b := flowBrowser{requestID: id.New("oreq"), secret: vault.NewToken(prefixChallenge)}
	addr := ratelimit.AddressKey(httpapi.ClientIP(ctx))
	// A client from a metadata document that no user has signed in for
	// yet is not an app: the request carries it (see saveMetadataApp).
	var appID, metadataClientID, metadataClient *string
	if app.ID != "" {
		appID = &app.ID
	} else {
		pending, err := json.Marshal(unsavedClientOf(app))
		if err != nil {
			return "", flowBrowser{}, err
		}
		saved := string(pending)
		metadataClientID, metadataClient = &app.ClientID, &saved
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		over, err := s.overPending(ctx, tx, app, addr)
		if err != nil {
			return err
		}
		if over != "" {
			s.logger.WarnContext(ctx, "an authorization request was refused: too many are pending", "client_id", app.ClientID, "bound", over)
			return &flowError{Code: "temporarily_unavailable", Description: "too many sign-ins are under way " + over + "; try again in a few minutes",
				RedirectURI: req.RedirectURI, State: req.State}
		}
		return requestInsert(ctx, tx, newRequest{ID: b.requestID, AppID: appID, MetadataClientID: metadataClientID, MetadataClient: metadataClient,
			LoginChallenge: vault.HashToken(challenge), Browser: vault.HashToken(b.secret), RedirectURI: req.RedirectURI, Scopes: marshalList(req.Scopes),
			State: req.State, CodeChallenge: req.CodeChallenge, ClientAddr: addr, Resources: marshalList(req.Resources), ExpiresAt: tx.Now().Add(requestTTL)})
	})
	var fe *flowError
	if errors.As(err, &fe) {
		return "", flowBrowser{}, fe
	} else if err != nil {
		return "", flowBrowser{}, fmt.Errorf("record authorization request: %w", err)
	}
	return withQuery(loginURL, url.Values{"login_challenge": {challenge}}), b, nil
}

// flowBrowser is what binds a request to the browser that started it: the
// browser holds secret in the request's own cookie, the request its hash.
type flowBrowser struct {
	requestID, secret string
}

// fromBrowser reports whether the browser's flow cookies (a lookup by
// request ID) hold the request's secret.
func (r authRequest) fromBrowser(browser func(requestID string) string) bool {
	return subtle.ConstantTimeCompare(vault.HashToken(browser(r.ID)), r.browser) == 1
}

// overPending says which bound on requests waiting for a sign-in (status
// login, not expired) a new request from addr for the app would exceed, or
// "". Anyone can start a request, so these bounds are what keeps the table's
// size independent of how hard someone tries. On SQLite the check and the
// insert are serialised; on PostgreSQL concurrent requests can overshoot a
// bound by at most their number.
func (s *Service) overPending(ctx context.Context, tx *store.Tx, app App, addr string) (string, error) {
	if app.ID == "" { // an unsaved metadata-document client, counted by its client_id
		return s.overBounds(ctx, tx, "oauth_requests", "metadata_client_id", statusLogin, app.ClientID, addr)
	}
	return s.overBounds(ctx, tx, "oauth_requests", "app_id", statusLogin, app.ID, addr)
}

// overBounds counts the unexpired rows of table in status, per app (the
// column appColumn holding appKey) and client address, per app and in all,
// against the pending bounds.
func (s *Service) overBounds(ctx context.Context, tx *store.Tx, table, appColumn, status, appKey, addr string) (string, error) {
	now := tx.Now()
	for _, b := range []struct {
		what  string
		where string // conditions before the pending ones
		args  []any
		max   int
	}{
		{"from your network for this app", appColumn + " = ? AND client_addr = ? AND ", []any{appKey, addr}, pendingPerAddress},
		{"for this app", appColumn + " = ? AND ", []any{appKey}, s.cfg.PendingRequestsPerApp},
		{"on this service", "", nil, s.cfg.PendingRequests},
	} {
		n, err := pendingRowsCount(ctx, tx, table, b.where, b.args, status, now)
		if err != nil {
			return "", fmt.Errorf("count pending rows of %s: %w", table, err)
		}
		if n >= b.max {
			return b.what, nil
		}
	}
	return "", nil
}

// requestBy loads a live request by one of its challenges, with its app: a
// stored one, or the unsaved metadata-document client the request carries.
func (s *Service) requestBy(ctx context.Context, q store.Querier, column, challenge string) (authRequest, error) {
	r, raw, err := requestGetByChallenge(ctx, q, column, vault.HashToken(challenge))
	if errors.Is(err, sql.ErrNoRows) || err == nil && time.Now().After(r.ExpiresAt) {
		return r, apperr.Errorf(apperr.NotFound, "no pending authorization request has this challenge; it may have expired (they last %s)", requestTTL)
	} else if err != nil {
		return r, err
	}
	if raw.appID.Valid {
		r.App, err = appGetByID(ctx, q, raw.appID.String)
	} else {
		r.App, err = unsavedClientApp(raw.metadataClientID.String, raw.metadataClient.String)
	}
	if err != nil {
		return r, err
	}
	if r.Scopes, err = unmarshalList(raw.scopes); err != nil {
		return r, err
	}
	if r.Resources, err = unmarshalList(raw.resources); err != nil {
		return r, err
	}
	if raw.granted.Valid {
		if r.GrantedScopes, err = unmarshalList(raw.granted.String); err != nil {
			return r, err
		}
	}
	return r, nil
}

// LoginRequest is what the SaaS's login page learns about a login challenge.
type LoginRequest struct {
	App    PublicApp `json:"app"`
	Scopes []string  `json:"scopes"`
	// Resources are the resource indicators the app asked for (RFC 8707).
	Resources []string  `json:"resources"`
	ExpiresAt time.Time `json:"expires_at"`
	// redirectURI is where the flow ends, for the dev sign-in page's
	// form-action.
	redirectURI string
}

// PublicApp is what users and the SaaS's pages may see of an app.
type PublicApp struct {
	ID          string `json:"id"`
	ClientID    string `json:"client_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	LogoURL     string `json:"logo_url"`
	HomepageURL string `json:"homepage_url"`
	PolicyURL   string `json:"policy_url,omitempty"`
	TermsURL    string `json:"terms_url,omitempty"`
	TeamID      string `json:"team_id"`
	// Published is whether the SaaS has published the app (listed it for
	// its users); pages say so.
	Published bool `json:"published"`
	// Registration is "admin", "dynamic" or "metadata_document"; a
	// self-registered app names itself and nobody has reviewed it, so pages
	// show its Host beside the name it claims: the host serving its metadata
	// document, or for a dynamic app that of its first redirect URI (where
	// codes go).
	Registration string `json:"registration"`
	Host         string `json:"host,omitempty"`
}

func (a App) public() PublicApp {
	p := PublicApp{ID: a.ID, ClientID: a.ClientID, Name: a.Name, Description: a.Description, LogoURL: cmp.Or(a.LogoUploadURL, a.LogoURL),
		HomepageURL: a.HomepageURL, PolicyURL: a.PolicyURL, TermsURL: a.TermsURL, TeamID: a.TeamID, Published: a.IsPublished,
		Registration: a.Registration}
	switch {
	case a.Registration == registrationMetadata:
		// The host that serves its document vouches for it.
		if u, err := url.Parse(a.ClientID); err == nil {
			p.Host = u.Hostname()
		}
	case a.Registration != registrationAdmin && len(a.RedirectURIs) > 0:
		if u, err := url.Parse(a.RedirectURIs[0]); err == nil {
			p.Host = u.Hostname()
		}
	}
	return p
}

// publicApp is the request's app as users see it. A dynamic client is known
// by the host its codes go to, so the host shown is that of the redirect URI
// this request uses, not of any other the client registered.
func (r authRequest) publicApp() PublicApp {
	p := r.App.public()
	if r.App.Registration == registrationDynamic && r.RedirectURI != "" {
		if u, err := url.Parse(r.RedirectURI); err == nil {
			p.Host = u.Hostname()
		}
	}
	return p
}

// LoginRequest returns a pending login challenge's request.
func (s *Service) LoginRequest(ctx context.Context, challenge string) (LoginRequest, error) {
	r, err := s.pending(ctx, s.db, "login_challenge", challenge, statusLogin)
	if err != nil {
		return LoginRequest{}, err
	}
	return LoginRequest{App: r.publicApp(), Scopes: r.Scopes, Resources: r.Resources, ExpiresAt: r.ExpiresAt, redirectURI: r.RedirectURI}, nil
}

// pending loads a request that must be in status want.
func (s *Service) pending(ctx context.Context, q store.Querier, column, challenge, want string) (authRequest, error) {
	r, err := s.requestBy(ctx, q, column, challenge)
	if err != nil {
		return r, err
	}
	if r.Status != want {
		return r, apperr.Errorf(apperr.Conflict, "this authorization request has already been answered")
	}
	return r, nil
}

// Redirect is where the SaaS sends the browser next.
type Redirect struct {
	RedirectTo string `json:"redirect_to"`
}

// Account is who signed in, as the SaaS's login page reports it: the IDs
// that grants are kept under, and optionally how to show them to people.
type Account struct {
	UserID string `json:"user_id"`
	TeamID string `json:"team_id"`
	// UserName and TeamName are display names for the consent screen's
	// "signed in as"; without them it shows the IDs.
	UserName string `json:"user_name,omitempty"`
	TeamName string `json:"team_name,omitempty"`
	// AvatarURL is an https URL of the user's picture; Patchbay copies it
	// once through its outbound guard and never links it.
	AvatarURL string `json:"avatar_url,omitempty"`
}

// AcceptLogin records who signed in, and returns where the browser goes
// next: Patchbay's consent step.
func (s *Service) AcceptLogin(ctx context.Context, challenge string, who Account) (Redirect, error) {
	consent := vault.NewToken(prefixChallenge)
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		r, err := s.pending(ctx, tx, "login_challenge", challenge, statusLogin)
		if err != nil {
			return err
		}
		if r.App.ID == "" {
			// A user signed in for a metadata-document client: only now is
			// it stored, and counted against the caps.
			app, over, err := s.saveMetadataApp(ctx, tx, r.App)
			if err != nil {
				return err
			}
			if over != "" {
				s.logger.WarnContext(ctx, "a metadata-document client was refused: too many", "client_id", r.App.ClientID, "bound", over)
				return requestDeny(ctx, tx, r.ID, statusLogin, "temporarily_unavailable",
					"too many self-registered clients are known "+over+"; unused ones expire", vault.HashToken(consent))
			}
			if err := requestSetApp(ctx, tx, r.ID, app.ID); err != nil {
				return err
			}
		}
		return requestSignedIn(ctx, tx, r.ID, who, vault.HashToken(consent))
	})
	if err != nil {
		return Redirect{}, err
	}
	return Redirect{RedirectTo: s.consentURL(consent)}, nil
}

// RejectLogin ends a request whose user did not or could not sign in; the
// app receives errorCode (access_denied unless given).
func (s *Service) RejectLogin(ctx context.Context, challenge, errorCode, description string) (Redirect, error) {
	return s.reject(ctx, "login_challenge", challenge, statusLogin, errorCode, description)
}

// RejectConsent ends a request whose user declined.
func (s *Service) RejectConsent(ctx context.Context, challenge, errorCode, description string) (Redirect, error) {
	return s.reject(ctx, "consent_challenge", challenge, statusConsent, errorCode, description)
}

func (s *Service) reject(ctx context.Context, column, challenge, want, errorCode, description string) (Redirect, error) {
	if errorCode == "" {
		errorCode, description = "access_denied", "the user or the service declined the request"
	}
	consent := vault.NewToken(prefixChallenge)
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		r, err := s.pending(ctx, tx, column, challenge, want)
		if err != nil {
			return err
		}
		return requestDeny(ctx, tx, r.ID, want, errorCode, description, vault.HashToken(consent))
	})
	if err != nil {
		return Redirect{}, err
	}
	return Redirect{RedirectTo: s.consentURL(consent)}, nil
}

func (s *Service) consentURL(challenge string) string {
	return s.cfg.Issuer + "/oauth/consent?consent_challenge=" + url.QueryEscape(challenge)
}

// ConsentRequest is what a consent page shows.
type ConsentRequest struct {
	App PublicApp `json:"app"`
	// Account is who signed in: user_id and team_id, and the display names
	// and avatar when the login page gave them.
	Account
	// Scopes are those requested, with their descriptions.
	Scopes []Scope `json:"scopes"`
	// GrantedScopes are those the user already granted this app.
	GrantedScopes []string `json:"granted_scopes"`
	// Resources are the APIs and MCP servers the app will reach with the
	// tokens (RFC 8707); empty when it named none.
	Resources []ConsentResource `json:"resources"`
	ExpiresAt time.Time         `json:"expires_at"`
	// Device is true when the user entered a device's user code at the
	// verification page (RFC 8628) rather than following an app's link: the
	// page should say that a device is asking, and ask the user to allow
	// only a device they started just now (§5.4, remote phishing).
	Device bool `json:"device"`
	// DeviceVerification is where and when that code came from; set only
	// with Device, and missing once the code was entered in another browser
	// (this request can then no longer approve it).
	DeviceVerification *DeviceVerification `json:"device_verification,omitempty"`
}

// DeviceVerification is the context of a device's user code, for a consent
// page to weigh: a device on another network than the browser, or one that
// asked long ago, is more likely someone else's.
type DeviceVerification struct {
	// RequestedAt is when the device asked for its code; ExpiresAt when the
	// code stops working.
	RequestedAt time.Time `json:"requested_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	// DeviceAddress is the network address the device asked from (an IPv6
	// address as its /64); SameNetwork says whether the browser that
	// entered the code came from the same one.
	DeviceAddress string `json:"device_address"`
	SameNetwork   bool   `json:"same_network"`
}

// ConsentResource is a requested resource as a consent page shows it.
type ConsentResource struct {
	Resource string `json:"resource"`
	Name     string `json:"name"`
}

// ConsentRequest returns a pending consent challenge's request.
func (s *Service) ConsentRequest(ctx context.Context, challenge string) (ConsentRequest, error) {
	r, err := s.pending(ctx, s.db, "consent_challenge", challenge, statusConsent)
	if err != nil {
		return ConsentRequest{}, err
	}
	return s.describeConsent(ctx, r)
}

func (s *Service) describeConsent(ctx context.Context, r authRequest) (ConsentRequest, error) {
	scopes, _, err := s.describeScopes(ctx, r.Scopes)
	if err != nil {
		return ConsentRequest{}, err
	}
	granted, _, err := s.grantedScopes(ctx, s.db, r.App.ID, r.UserID, r.TeamID)
	if err != nil {
		return ConsentRequest{}, err
	}
	resources := []ConsentResource{}
	for _, ident := range r.Resources {
		res, err := s.resourceByIdentifier(ctx, s.db, ident)
		switch {
		case apperr.CodeOf(err) == apperr.NotFound: // removed since the request began: name it by its URL
			resources = append(resources, ConsentResource{Resource: ident, Name: ident})
		case err != nil:
			return ConsentRequest{}, err
		default:
			resources = append(resources, ConsentResource{Resource: ident, Name: res.Name})
		}
	}
	c := ConsentRequest{App: r.publicApp(), Account: r.Account, Scopes: scopes, GrantedScopes: granted,
		Resources: resources, ExpiresAt: r.ExpiresAt, Device: r.isDevice()}
	if c.Device {
		if c.DeviceVerification, err = s.deviceVerification(ctx, r.ID); err != nil {
			return ConsentRequest{}, err
		}
	}
	return c, nil
}

// grantedScopes returns the scopes and resources of a live authorization,
// or none.
func (s *Service) grantedScopes(ctx context.Context, q store.Querier, appID, userID, teamID string) ([]string, []string, error) {
	z, err := authorizationGet(ctx, q, appID, userID, teamID)
	if err == nil && z.revokedAt != nil {
		err = sql.ErrNoRows
	}
	if errors.Is(err, sql.ErrNoRows) {
		return []string{}, []string{}, nil
	} else if err != nil {
		return nil, nil, err
	}
	sc, err := unmarshalList(z.scopes)
	if err != nil {
		return nil, nil, err
	}
	res, err := unmarshalList(z.resources)
	return sc, res, err
}

// AcceptConsent records the SaaS's consent page's approval. grant narrows the
// scopes granted; empty grants all that were requested.
func (s *Service) AcceptConsent(ctx context.Context, challenge string, grant []string) (Redirect, error) {
	consent := vault.NewToken(prefixChallenge)
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		r, err := s.pending(ctx, tx, "consent_challenge", challenge, statusConsent)
		if err != nil {
			return err
		}
		if len(grant) == 0 {
			grant = r.Scopes
		}
		for _, sc := range grant {
			if !slices.Contains(r.Scopes, sc) {
				return apperr.InvalidFields(map[string]string{"grant_scopes": sc + " was not requested"})
			}
		}
		return requestApprove(ctx, tx, r.ID, marshalList(grant), vault.HashToken(consent))
	})
	if err != nil {
		return Redirect{}, err
	}
	return Redirect{RedirectTo: s.consentURL(consent)}, nil
}

// consentStep is what the browser at /oauth/consent gets: a redirect, or
// the consent screen to render.
type consentStep struct {
	RedirectTo string
	Screen     *consentScreen
}

type consentScreen struct {
	ConsentRequest
	Challenge string
	CSRF      string
	NewScopes []Scope
	// redirectURI is where the decision sends the browser, for the
	// screen's form-action.
	redirectURI string
	// Device is set for a request started at the device verification page.
	Device bool
}

// ConsentStep moves a request on when the browser arrives at the consent
// step: to the app when the user already granted every scope or a decision
// was made elsewhere, to the SaaS's consent page if it has one, or to
// Patchbay's consent screen.
func (s *Service) consentStep(ctx context.Context, challenge string, browser func(requestID string) string) (consentStep, error) {
	r, err := s.requestBy(ctx, s.db, "consent_challenge", challenge)
	if err != nil {
		return consentStep{}, pageError("invalid_request", "this sign-in link is unknown or has expired; start again from the app")
	}
	if !r.fromBrowser(browser) {
		return consentStep{}, pageError("access_denied", "this sign-in was started in another browser; start again from the app")
	}
	switch r.Status {
	case statusApproved:
		return s.finish(ctx, r, r.GrantedScopes)
	case statusDenied:
		return s.finishDenied(ctx, r, r.DenyError, r.DenyDesc)
	case statusConsent:
	default:
		return consentStep{}, pageError("invalid_request", "this sign-in link has already been used; start again from the app")
	}
	granted, grantedResources, err := s.grantedScopes(ctx, s.db, r.App.ID, r.UserID, r.TeamID)
	if err != nil {
		return consentStep{}, err
	}
	// A resource the user has not granted is news too: the consent screen
	// names what the app will reach. A device request always asks: whoever
	// typed the code may have been sent it by someone else (RFC 8628 §5.4).
	if containsAll(granted, r.Scopes) && containsAll(grantedResources, r.Resources) && !r.isDevice() {
		return s.finish(ctx, r, r.Scopes)
	}
	if s.cfg.ConsentURL != "" {
		return consentStep{RedirectTo: withQuery(s.cfg.ConsentURL, url.Values{"consent_challenge": {challenge}})}, nil
	}
	described, err := s.describeConsent(ctx, r)
	if err != nil {
		return consentStep{}, err
	}
	csrf := vault.NewToken("")
	if err := requestSetCSRF(ctx, s.db, r.ID, vault.HashToken(csrf)); err != nil {
		return consentStep{}, err
	}
	screen := &consentScreen{ConsentRequest: described, Challenge: challenge, CSRF: csrf, redirectURI: r.RedirectURI, Device: r.isDevice()}
	for _, sc := range described.Scopes {
		// A device gets a token family of its own, so it is shown all it gets.
		if !slices.Contains(granted, sc.Name) || r.isDevice() {
			screen.NewScopes = append(screen.NewScopes, sc)
		}
	}
	return consentStep{Screen: screen}, nil
}

// decide applies the user's answer on Patchbay's consent screen.
func (s *Service) decide(ctx context.Context, challenge string, browser func(requestID string) string, csrf string, decision string) (consentStep, error) {
	r, err := s.requestBy(ctx, s.db, "consent_challenge", challenge)
	if err != nil {
		return consentStep{}, pageError("invalid_request", "this sign-in link is unknown or has expired; start again from the app")
	}
	if !r.fromBrowser(browser) || r.csrf == nil || subtle.ConstantTimeCompare(vault.HashToken(csrf), r.csrf) != 1 {
		return consentStep{}, pageError("access_denied", "the form could not be verified (CSRF check failed); start again from the app")
	}
	if r.Status != statusConsent {
		return consentStep{}, pageError("invalid_request", "this sign-in link has already been used; start again from the app")
	}
	switch decision {
	case decisionApprove:
		return s.finish(ctx, r, r.Scopes)
	case decisionSwitch:
		return s.switchAccount(ctx, r)
	}
	return s.finishDenied(ctx, r, "access_denied", "the user denied the request")
}

// The consent screen's decisions; anything else denies.
const (
	decisionApprove = "approve"
	decisionSwitch  = "switch"
)

// switchAccount sends a request waiting for consent back to the SaaS's login
// page, for a user signed in as someone else: who signed in is forgotten, and
// a new login challenge replaces the old one. The login page gets
// prompt=select_account so that it offers another account instead of
// accepting the current session again.
func (s *Service) switchAccount(ctx context.Context, r authRequest) (consentStep, error) {
	loginURL := s.cfg.LoginURL
	if loginURL == "" {
		loginURL = s.cfg.Issuer + "/oauth/dev/login" // consent was reached, so this is development
	}
	login := vault.NewToken(prefixChallenge)
	changed, err := requestBackToLogin(ctx, s.db, r.ID, vault.HashToken(login))
	if err != nil {
		return consentStep{}, err
	}
	if !changed {
		return consentStep{}, pageError("invalid_request", "this sign-in link has already been used; start again from the app")
	}
	return consentStep{RedirectTo: withQuery(loginURL, url.Values{"login_challenge": {login}, "prompt": {"select_account"}})}, nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// finish grants scopes and sends the browser back to the app with a code.
// The status update is conditional, so a request yields at most one code.
func (s *Service) finish(ctx context.Context, r authRequest, scopes []string) (consentStep, error) {
	if r.isDevice() {
		return s.finishDevice(ctx, r, scopes)
	}
	code := vault.NewToken(prefixCode)
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := s.markDone(ctx, tx, r); err != nil {
			return err
		}
		authID, err := s.grant(ctx, tx, r.App.ID, r.UserID, r.TeamID, scopes, r.Resources)
		if err != nil {
			return err
		}
		return codeInsert(ctx, tx, storedCode{AppID: r.App.ID, AuthorizationID: authID, FamilyID: id.New("tfam"), RedirectURI: r.RedirectURI,
			Scopes: marshalList(scopes), CodeChallenge: r.CodeChallenge, Resources: marshalList(r.Resources), ExpiresAt: tx.Now().Add(codeTTL)},
			vault.HashToken(code))
	})
	if err != nil {
		return consentStep{}, err
	}
	return consentStep{RedirectTo: withQuery(r.RedirectURI, url.Values{"code": {code}, "state": {r.State}, "iss": {s.cfg.Issuer}})}, nil
}

func (s *Service) finishDenied(ctx context.Context, r authRequest, code, description string) (consentStep, error) {
	if r.isDevice() {
		return s.finishDeviceDenied(ctx, r)
	}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error { return s.markDone(ctx, tx, r) })
	if err != nil {
		return consentStep{}, err
	}
	return consentStep{RedirectTo: errorRedirect(&flowError{Code: code, Description: description, RedirectURI: r.RedirectURI, State: r.State}, s.cfg.Issuer)}, nil
}

func (s *Service) markDone(ctx context.Context, tx *store.Tx, r authRequest) error {
	done, err := requestMarkDone(ctx, tx, r.ID, r.Status)
	if err != nil {
		return err
	}
	if !done {
		return pageError("invalid_request", "this sign-in link has already been used; start again from the app")
	}
	return nil
}

// grant records that a user granted scopes and resources to an app for a
// team: the union with what a live authorization already has, or anew after
// a revocation.
func (s *Service) grant(ctx context.Context, tx *store.Tx, appID, userID, teamID string, scopes, resources []string) (string, error) {
	z, err := authorizationGet(ctx, tx, appID, userID, teamID)
	if errors.Is(err, sql.ErrNoRows) {
		authID := id.New("oauthz")
		if err := authorizationInsert(ctx, tx, authID, appID, userID, teamID, marshalList(scopes), marshalList(resources)); err != nil {
			return "", err
		}
		return authID, s.granted(ctx, tx, Grant{AuthorizationID: authID, AppID: appID, UserID: userID, TeamID: teamID, Scopes: scopes})
	} else if err != nil {
		return "", err
	}
	scopeUnion, resourceUnion := scopes, resources
	if z.revokedAt == nil {
		if scopeUnion, err = unionWithStored(z.scopes, scopes); err != nil {
			return "", err
		}
		if resourceUnion, err = unionWithStored(z.resources, resources); err != nil {
			return "", err
		}
	}
	if err := authorizationRenew(ctx, tx, z.id, marshalList(scopeUnion), marshalList(resourceUnion)); err != nil {
		return "", err
	}
	return z.id, s.granted(ctx, tx, Grant{AuthorizationID: z.id, AppID: appID, UserID: userID, TeamID: teamID, Scopes: scopeUnion})
}

// unionWithStored returns the stored list followed by what add has that it
// lacks.
func unionWithStored(stored string, add []string) ([]string, error) {
	union, err := unmarshalList(stored)
	if err != nil {
		return nil, err
	}
	for _, v := range add {
		if !slices.Contains(union, v) {
			union = append(union, v)
		}
	}
	return union, nil
}

// errorRedirect is the app's redirect URI with an authorization error.
func errorRedirect(e *flowError, issuer string) string {
	return withQuery(e.RedirectURI, url.Values{"error": {e.Code}, "error_description": {e.Description}, "state": {e.State}, "iss": {issuer}})
}

// devLogin is the development sign-in page's accept: like AcceptLogin, but
// called by the browser, so it must be the browser that started the request.
func (s *Service) devLogin(ctx context.Context, challenge string, browser func(requestID string) string, userID, teamID string) (string, error) {
	if !s.cfg.Dev {
		return "", pageError("invalid_request", "the development sign-in page is only served with --dev")
	}
	r, err := s.requestBy(ctx, s.db, "login_challenge", challenge)
	if err != nil {
		return "", pageError("invalid_request", "this sign-in link is unknown or has expired; start again from the app")
	}
	if !r.fromBrowser(browser) {
		return "", pageError("access_denied", "this sign-in was started in another browser; start again from the app")
	}
	if tenants.ValidID(userID) != "" || tenants.ValidID(teamID) != "" {
		return "", pageError("invalid_request", "user and team IDs must be 1 to 128 letters, digits and . _ - : @")
	}
	redirect, err := s.AcceptLogin(ctx, challenge, Account{UserID: userID, TeamID: teamID})
	return redirect.RedirectTo, err
}
