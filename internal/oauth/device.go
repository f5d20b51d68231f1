package oauth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// The device authorization grant (RFC 8628): a CLI or a device without a
// browser asks for a device code and a short user code, shows the user code,
// and polls the token endpoint while the user enters it at the verification
// page on another device, signs in through the SaaS and consents, exactly as
// in the authorization-code flow. The request the verification page starts
// is an ordinary authorization request without a redirect URI; finishing it
// approves the device code instead of issuing a code.

const (
	DeviceCodeTTLDefault      = 15 * time.Minute
	DevicePollIntervalDefault = 5 * time.Second

	// deviceExpiredKept is how long an expired device code is kept, so that
	// a device still polling learns expired_token rather than invalid_grant.
	// Short, because pending codes are bounded but expired ones are not.
	deviceExpiredKept = 10 * time.Minute

	grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	prefixDevice    = "pbdc_"
)

// Device code statuses.
const (
	deviceCodePending  = "pending"  // waiting for the user
	deviceCodeApproved = "approved" // the user consented; the device may fetch its tokens
	deviceCodeDenied   = "denied"   // the user or the SaaS refused
	deviceCodeDone     = "done"     // tokens were issued
)

// userCodeAlphabet has no vowels, so codes spell no words, and no letters
// that look alike (RFC 8628 §6.1). Eight of them give 20^8 ≈ 2^34.6 codes:
// with codes that expire in minutes and a per-address limit on the
// verification page, guessing a live one is impractical.
const (
	userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"
	userCodeLength   = 8
)

// newUserCode returns a user code as stored (no separator), drawn uniformly.
func newUserCode() string {
	code := make([]byte, 0, userCodeLength)
	var b [1]byte
	for len(code) < userCodeLength {
		rand.Read(b[:])
		// 240 is the largest multiple of 20 below 256: no bias.
		if b[0] < 240 {
			code = append(code, userCodeAlphabet[b[0]%20])
		}
	}
	return string(code)
}

// displayUserCode splits a user code in two halves for reading aloud.
func displayUserCode(code string) string {
	return code[:userCodeLength/2] + "-" + code[userCodeLength/2:]
}

// normalizeUserCode reads what a user typed: any case, with or without the
// dash and spaces. It returns "" when the result cannot be a user code.
func normalizeUserCode(typed string) string {
	if len(typed) > 32 {
		return ""
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ':
		case strings.ContainsRune(userCodeAlphabet, r):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() != userCodeLength {
		return ""
	}
	return b.String()
}

// DeviceAuthResponse is the device authorization endpoint's answer (RFC 8628
// §3.2).
type DeviceAuthResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// DeviceAuthorization answers a device authorization request (RFC 8628
// §3.1): the client authenticates as at the token endpoint (a public client
// sends its client_id), and asks for some of its scopes.
func (s *Service) DeviceAuthorization(ctx context.Context, r *http.Request) (DeviceAuthResponse, error) {
	form, terr := readForm(r)
	if terr != nil {
		return DeviceAuthResponse{}, terr
	}
	creds, terr := parseClientCredentials(r, form)
	if terr != nil {
		return DeviceAuthResponse{}, terr
	}
	app, err := s.authenticate(ctx, creds)
	if err != nil {
		return DeviceAuthResponse{}, err
	}
	if app.Registration != registrationAdmin { // see grantTypesDynamic
		return DeviceAuthResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "unauthorized_client",
			Description: "the device flow is open only to apps the SaaS registered, not to self-registered clients"}
	}
	if app.ClientType == Confidential {
		if terr := s.limit(ctx, app.ClientID); terr != nil {
			return DeviceAuthResponse{}, terr
		}
	}
	scopes := parseScope(form.Get("scope"))
	if len(scopes) == 0 {
		return DeviceAuthResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "scope is missing: name at least one of the app's scopes"}
	}
	for _, sc := range scopes {
		if !slices.Contains(app.Scopes, sc) {
			return DeviceAuthResponse{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "the app may not ask for the scope " + sc}
		}
	}
	deviceCode := vault.NewToken(prefixDevice)
	interval := int64(s.cfg.DevicePollInterval / time.Second)
	addr := ratelimit.AddressKey(httpapi.ClientIP(ctx))
	var userCode string
	// A new user code may collide with a stored one (live or awaiting
	// cleanup); drawing again is the answer, and three collisions in a row
	// mean something else is wrong.
	for range 3 {
		userCode = newUserCode()
		err = s.db.WithTx(ctx, func(tx *store.Tx) error {
			over, err := s.overPendingDevice(ctx, tx, app.ID, addr)
			if err != nil {
				return err
			}
			if over != "" {
				s.logger.WarnContext(ctx, "a device authorization was refused: too many are pending", "client_id", app.ClientID, "bound", over)
				return &tokenError{Status: http.StatusTooManyRequests, Code: "temporarily_unavailable",
					Description: "too many device authorizations are pending " + over + "; try again in a few minutes", RetryAfter: time.Minute}
			}
			_, err = tx.Exec(ctx, `INSERT INTO oauth_device_codes (id, app_id, device_code, user_code, scopes, status, poll_interval,
				client_addr, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id.New("odev"), app.ID, vault.HashToken(deviceCode), vault.HashToken(userCode), marshalList(scopes), deviceCodePending, interval,
				addr, tx.Now(), tx.Now().Add(s.cfg.DeviceCodeTTL))
			return err
		})
		if err == nil || !store.IsUniqueViolation(err) {
			break
		}
	}
	var te *tokenError
	if errors.As(err, &te) {
		return DeviceAuthResponse{}, te
	} else if err != nil {
		return DeviceAuthResponse{}, fmt.Errorf("record device authorization: %w", err)
	}
	verify := s.cfg.Issuer + "/oauth/device"
	return DeviceAuthResponse{
		DeviceCode: deviceCode, UserCode: displayUserCode(userCode),
		VerificationURI: verify, VerificationURIComplete: withQuery(verify, url.Values{"user_code": {displayUserCode(userCode)}}),
		ExpiresIn: int64(s.cfg.DeviceCodeTTL / time.Second), Interval: interval,
	}, nil
}

// overPendingDevice says which bound on pending device authorizations a new
// one from addr for the app would exceed, or "". Anyone holding a public
// client's client_id can ask for device codes, so they are bounded like the
// authorization requests waiting for a sign-in, with the same limits.
func (s *Service) overPendingDevice(ctx context.Context, tx *store.Tx, appID, addr string) (string, error) {
	return s.overBounds(ctx, tx, "oauth_device_codes", deviceCodePending, appID, addr)
}

// errUnknownUserCode is what the verification page says about a code that
// is not (or no longer) waiting, without saying which.
var errUnknownUserCode = errors.New("this code is not valid or has expired; check the code your device shows, or start again on the device")

// StartDeviceVerification begins the sign-in for the user code a user
// entered at the verification page: it records an authorization request for
// the device code's app and scopes, bound to this browser, and returns where
// to send the browser (the SaaS's login page). A code entered again (say in
// another browser) moves the device code to the newer request.
func (s *Service) StartDeviceVerification(ctx context.Context, typed string) (string, flowBrowser, error) {
	userCode := normalizeUserCode(typed)
	if userCode == "" {
		return "", flowBrowser{}, errUnknownUserCode
	}
	var deviceID, appID, scopes, status string
	var expiresAt time.Time
	err := s.db.QueryRow(ctx, "SELECT id, app_id, scopes, status, expires_at FROM oauth_device_codes WHERE user_code = ?", vault.HashToken(userCode)).
		Scan(&deviceID, &appID, &scopes, &status, &expiresAt)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (status != deviceCodePending || time.Now().After(expiresAt)) {
		return "", flowBrowser{}, errUnknownUserCode
	} else if err != nil {
		return "", flowBrowser{}, err
	}
	app, err := s.App(ctx, appID)
	if err != nil {
		return "", flowBrowser{}, err
	}
	loginURL := s.cfg.LoginURL
	if loginURL == "" {
		if !s.cfg.Dev {
			s.logger.ErrorContext(ctx, "a device verification failed: no --oauth-login-url is set, so users cannot sign in", "client_id", app.ClientID)
			return "", flowBrowser{}, pageError("server_error", "no login URL is configured (--oauth-login-url)")
		}
		loginURL = s.cfg.Issuer + "/oauth/dev/login"
	}
	challenge := vault.NewToken(prefixChallenge)
	b := flowBrowser{requestID: id.New("oreq"), secret: vault.NewToken(prefixChallenge)}
	addr := ratelimit.AddressKey(httpapi.ClientIP(ctx))
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		over, err := s.overPending(ctx, tx, app.ID, addr)
		if err != nil {
			return err
		}
		if over != "" {
			return pageError("temporarily_unavailable", "too many sign-ins are under way "+over+"; try again in a few minutes")
		}
		expires := tx.Now().Add(requestTTL)
		if expiresAt.Before(expires) {
			expires = expiresAt
		}
		// No redirect URI: that is what marks a device request (see finish).
		_, err = tx.Exec(ctx, `INSERT INTO oauth_requests (id, app_id, login_challenge, browser, status, redirect_uri, scopes,
			state, code_challenge, client_addr, created_at, expires_at) VALUES (?, ?, ?, ?, ?, '', ?, '', '', ?, ?, ?)`,
			b.requestID, app.ID, vault.HashToken(challenge), vault.HashToken(b.secret), statusLogin, scopes, addr, tx.Now(), expires)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE oauth_device_codes SET request_id = ? WHERE id = ? AND status = ?", b.requestID, deviceID, deviceCodePending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errUnknownUserCode
		}
		return nil
	})
	if err != nil {
		return "", flowBrowser{}, err
	}
	return withQuery(loginURL, url.Values{"login_challenge": {challenge}}), b, nil
}

// isDevice says whether an authorization request was started at the device
// verification page.
func (r authRequest) isDevice() bool { return r.RedirectURI == "" }

// Where the browser goes when a device request ends: the verification page,
// saying how it ended. The page only shows a fixed message, so these links
// carry nothing worth forging.
func (s *Service) deviceDone(outcome string) string {
	return withQuery(s.cfg.Issuer+"/oauth/device", url.Values{"done": {outcome}})
}

// finishDevice approves the device code of a device request with the
// scopes the user granted; the device collects its tokens at its next poll.
func (s *Service) finishDevice(ctx context.Context, r authRequest, scopes []string) (consentStep, error) {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := s.markDone(ctx, tx, r); err != nil {
			return err
		}
		authID, err := s.grant(ctx, tx, r.App.ID, r.UserID, r.TeamID, scopes, nil)
		if err != nil {
			return err
		}
		return s.settleDevice(ctx, tx, r, deviceCodeApproved, &authID, scopes)
	})
	if err != nil {
		return consentStep{}, err
	}
	return consentStep{RedirectTo: s.deviceDone(deviceCodeApproved)}, nil
}

// finishDeviceDenied refuses the device code of a denied device request.
func (s *Service) finishDeviceDenied(ctx context.Context, r authRequest) (consentStep, error) {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := s.markDone(ctx, tx, r); err != nil {
			return err
		}
		return s.settleDevice(ctx, tx, r, deviceCodeDenied, nil, nil)
	})
	if err != nil {
		return consentStep{}, err
	}
	return consentStep{RedirectTo: s.deviceDone(deviceCodeDenied)}, nil
}

// settleDevice records the user's answer on the device code that r is the
// latest request of, if it is still pending and unexpired.
func (s *Service) settleDevice(ctx context.Context, tx *store.Tx, r authRequest, status string, authID *string, scopes []string) error {
	var granted *string
	if scopes != nil {
		g := marshalList(scopes)
		granted = &g
	}
	res, err := tx.Exec(ctx, `UPDATE oauth_device_codes SET status = ?, authorization_id = ?, granted_scopes = ?
		WHERE request_id = ? AND status = ? AND expires_at > ?`, status, authID, granted, r.ID, deviceCodePending, tx.Now())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return pageError("invalid_request", "the device's code has expired or was answered in another browser; start again on the device")
	}
	return nil
}

// deviceToken is the device_code grant (RFC 8628 §3.4, §3.5). Every poll is
// recorded, so that one sooner than the interval after the last is told to
// slow down, and the interval grows by 5 seconds for the rest of the code's
// life, as the device is required to do itself.
func (s *Service) deviceToken(ctx context.Context, app App, form url.Values) (TokenResponse, error) {
	presented := form.Get("device_code")
	if presented == "" {
		return TokenResponse{}, invalidRequest("device_code is missing")
	}
	var refused *tokenError
	resp, err := s.grouped(ctx, func(ctx context.Context, tx *store.Tx) (TokenResponse, error) {
		// Refusals are answered after the commit, so the poll they record
		// is kept.
		refused = nil
		var deviceID, appID, status string
		var authID, granted *string
		var interval int64
		var lastPolled *time.Time
		var expiresAt time.Time
		err := tx.QueryRow(ctx, `SELECT id, app_id, status, authorization_id, granted_scopes, poll_interval, last_polled_at, expires_at
			FROM oauth_device_codes WHERE device_code = ?`, vault.HashToken(presented)).
			Scan(&deviceID, &appID, &status, &authID, &granted, &interval, &lastPolled, &expiresAt)
		if errors.Is(err, sql.ErrNoRows) || err == nil && appID != app.ID {
			return TokenResponse{}, invalidGrant("the device code is unknown or was issued to another client")
		} else if err != nil {
			return TokenResponse{}, err
		}
		now := tx.Now()
		switch {
		case status == deviceCodeDone:
			return TokenResponse{}, invalidGrant("the device code was already exchanged for tokens")
		case now.After(expiresAt):
			refused = &tokenError{Status: http.StatusBadRequest, Code: "expired_token", Description: "the device code has expired; start again"}
			return TokenResponse{}, nil
		case status == deviceCodeDenied:
			refused = &tokenError{Status: http.StatusBadRequest, Code: "access_denied", Description: "the user denied the request"}
			return TokenResponse{}, nil
		}
		// A poll a little early is clock jitter, not a client that ignores
		// the interval: a quarter of it is tolerated.
		wait := time.Duration(interval) * time.Second
		if lastPolled != nil && now.Sub(*lastPolled) < wait-wait/4 {
			refused = &tokenError{Status: http.StatusBadRequest, Code: "slow_down",
				Description: fmt.Sprintf("poll at most every %d seconds", interval+5)}
			_, err := tx.Exec(ctx, "UPDATE oauth_device_codes SET poll_interval = ?, last_polled_at = ? WHERE id = ?", interval+5, now, deviceID)
			return TokenResponse{}, err
		}
		if status == deviceCodePending {
			refused = &tokenError{Status: http.StatusBadRequest, Code: "authorization_pending", Description: "the user has not answered yet"}
			_, err := tx.Exec(ctx, "UPDATE oauth_device_codes SET last_polled_at = ? WHERE id = ?", now, deviceID)
			return TokenResponse{}, err
		}
		res, err := tx.Exec(ctx, "UPDATE oauth_device_codes SET status = ?, last_polled_at = ? WHERE id = ? AND status = ?",
			deviceCodeDone, now, deviceID, deviceCodeApproved)
		if err != nil {
			return TokenResponse{}, err
		}
		if n, _ := res.RowsAffected(); n == 0 || authID == nil || granted == nil { // a concurrent poll won
			return TokenResponse{}, invalidGrant("the device code was already exchanged for tokens")
		}
		var userID, teamID string
		var revokedAt *time.Time
		if err := tx.QueryRow(ctx, "SELECT user_id, team_id, revoked_at FROM oauth_authorizations WHERE id = ?", *authID).Scan(&userID, &teamID, &revokedAt); err != nil {
			return TokenResponse{}, err
		}
		if revokedAt != nil {
			return TokenResponse{}, invalidGrant("the user has revoked this app's authorization")
		}
		scopes, err := unmarshalList(*granted)
		if err != nil {
			return TokenResponse{}, err
		}
		return s.issue(ctx, tx, issued{appID: app.ID, authorizationID: authID, familyID: id.New("tfam"), scopes: scopes,
			userID: &userID, teamID: &teamID, refresh: true})
	})
	if err == nil && refused != nil {
		return TokenResponse{}, refused
	}
	return resp, err
}
