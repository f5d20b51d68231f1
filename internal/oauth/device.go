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
	DeviceCode              string `json:"device_code" doc:"The code the device polls the token endpoint with."`
	UserCode                string `json:"user_code" doc:"The code the user types on the verification page."`
	VerificationURI         string `json:"verification_uri" doc:"The page where the user enters the code." format:"uri"`
	VerificationURIComplete string `json:"verification_uri_complete" doc:"The page with the code filled in, for a QR code." format:"uri"`
	ExpiresIn               int64  `json:"expires_in" doc:"Seconds until the codes expire."`
	Interval                int64  `json:"interval" doc:"Seconds the device waits between polls."`
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
	// RFC 8707 with RFC 8628: resource names what the tokens are for, and is
	// checked as at /oauth/authorize.
	resources, msg := parseResourceParams(form["resource"])
	if msg != "" {
		return DeviceAuthResponse{}, invalidTarget(msg)
	}
	if _, code, msg, err := s.targets(ctx, s.db, resources, scopes); err != nil {
		return DeviceAuthResponse{}, err
	} else if code != "" {
		return DeviceAuthResponse{}, &tokenError{Status: http.StatusBadRequest, Code: code, Description: msg}
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
			return deviceCodeInsert(ctx, tx, storedDeviceCode{ID: id.New("odev"), AppID: app.ID, Scopes: marshalList(scopes),
				Resources: marshalList(resources), Status: deviceCodePending, Interval: interval, ClientAddr: addr, ExpiresAt: tx.Now().Add(s.cfg.DeviceCodeTTL)},
				vault.HashToken(deviceCode), vault.HashToken(userCode))
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
	return s.overBounds(ctx, tx, "oauth_device_codes", "app_id", deviceCodePending, appID, addr)
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
	dc, err := deviceCodeGetByUserCode(ctx, s.db, vault.HashToken(userCode))
	if errors.Is(err, sql.ErrNoRows) || err == nil && (dc.Status != deviceCodePending || time.Now().After(dc.ExpiresAt)) {
		return "", flowBrowser{}, errUnknownUserCode
	} else if err != nil {
		return "", flowBrowser{}, err
	}
	app, err := s.App(ctx, dc.AppID)
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
		over, err := s.overPending(ctx, tx, app, addr)
		if err != nil {
			return err
		}
		if over != "" {
			return pageError("temporarily_unavailable", "too many sign-ins are under way "+over+"; try again in a few minutes")
		}
		expires := tx.Now().Add(requestTTL)
		if dc.ExpiresAt.Before(expires) {
			expires = dc.ExpiresAt
		}
		// No redirect URI: that is what marks a device request (see finish).
		err = requestInsert(ctx, tx, newRequest{ID: b.requestID, AppID: &app.ID, LoginChallenge: vault.HashToken(challenge),
			Browser: vault.HashToken(b.secret), Scopes: dc.Scopes, Resources: dc.Resources, ClientAddr: addr, ExpiresAt: expires})
		if err != nil {
			return err
		}
		if attached, err := deviceCodeAttachRequest(ctx, tx, dc.ID, b.requestID); err != nil {
			return err
		} else if !attached {
			return errUnknownUserCode
		}
		return nil
	})
	if err != nil {
		return "", flowBrowser{}, err
	}
	return withQuery(loginURL, url.Values{"login_challenge": {challenge}}), b, nil
}

// deviceVerification describes the device code that the device request
// requestID was started for, or nil when the code has since been entered in
// another browser.
func (s *Service) deviceVerification(ctx context.Context, requestID string) (*DeviceVerification, error) {
	v, browserAddr, err := deviceVerificationGet(ctx, s.db, requestID)
	if errors.Is(err, sql.ErrNoRows) {
		// The code was entered again in another browser since: this
		// request can no longer approve it (see settleDevice).
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read device verification: %w", err)
	}
	v.SameNetwork = v.DeviceAddress == browserAddr
	return &v, nil
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
		authID, err := s.grant(ctx, tx, r.App.ID, r.UserID, r.TeamID, scopes, r.Resources)
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
	settled, err := deviceCodeSettle(ctx, tx, r.ID, status, authID, granted)
	if err != nil {
		return err
	}
	if !settled {
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
		dc, err := deviceCodeGetByDeviceCode(ctx, tx, vault.HashToken(presented))
		if errors.Is(err, sql.ErrNoRows) || err == nil && dc.AppID != app.ID {
			return TokenResponse{}, invalidGrant("the device code is unknown or was issued to another client")
		} else if err != nil {
			return TokenResponse{}, err
		}
		now := tx.Now()
		switch {
		case dc.Status == deviceCodeDone:
			return TokenResponse{}, invalidGrant("the device code was already exchanged for tokens")
		case now.After(dc.ExpiresAt):
			refused = &tokenError{Status: http.StatusBadRequest, Code: "expired_token", Description: "the device code has expired; start again"}
			return TokenResponse{}, nil
		case dc.Status == deviceCodeDenied:
			refused = &tokenError{Status: http.StatusBadRequest, Code: "access_denied", Description: "the user denied the request"}
			return TokenResponse{}, nil
		}
		// A poll a little early is clock jitter, not a client that ignores
		// the interval: a quarter of it is tolerated.
		wait := time.Duration(dc.Interval) * time.Second
		if dc.LastPolledAt != nil && now.Sub(*dc.LastPolledAt) < wait-wait/4 {
			refused = &tokenError{Status: http.StatusBadRequest, Code: "slow_down",
				Description: fmt.Sprintf("poll at most every %d seconds", dc.Interval+5)}
			return TokenResponse{}, deviceCodePolled(ctx, tx, dc.ID, dc.Interval+5)
		}
		if dc.Status == deviceCodePending {
			refused = &tokenError{Status: http.StatusBadRequest, Code: "authorization_pending", Description: "the user has not answered yet"}
			return TokenResponse{}, deviceCodePolled(ctx, tx, dc.ID, dc.Interval)
		}
		done, err := deviceCodeMarkDone(ctx, tx, dc.ID)
		if err != nil {
			return TokenResponse{}, err
		}
		authID, granted := dc.AuthorizationID, dc.GrantedScopes
		if !done || authID == nil || granted == nil { // a concurrent poll won
			return TokenResponse{}, invalidGrant("the device code was already exchanged for tokens")
		}
		userID, teamID, revokedAt, err := authorizationGrantee(ctx, tx, *authID)
		if err != nil {
			return TokenResponse{}, err
		}
		if revokedAt != nil {
			return TokenResponse{}, invalidGrant("the user has revoked this app's authorization")
		}
		scopes, err := unmarshalList(*granted)
		if err != nil {
			return TokenResponse{}, err
		}
		grantedResources, err := unmarshalList(dc.Resources)
		if err != nil {
			return TokenResponse{}, err
		}
		// Bound exactly as a code's tokens are: to the resources the device
		// asked for, or a subset of them the poll names.
		b, err := s.bind(ctx, tx, grantedResources, form["resource"], scopes, false)
		if err != nil {
			return TokenResponse{}, err
		}
		return s.issue(ctx, tx, issued{appID: app.ID, authorizationID: authID, familyID: id.New("tfam"), scopes: b.scopes,
			userID: &userID, teamID: &teamID, refresh: true, resources: grantedResources, grantScopes: scopes, audiences: b.audiences})
	})
	if err == nil && refused != nil {
		return TokenResponse{}, refused
	}
	return resp, err
}
