package oauth

import (
	"context"
	"encoding/base64"
	"github.com/patchbay/patchbay/internal/httpapi"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
)

// tokenError is an error answer of the token, revocation and introspection
// endpoints (RFC 6749 §5.2).
type tokenError struct {
	Status      int
	Code        string
	Description string
	// RetryAfter is set when the client is over its rate limit.
	RetryAfter time.Duration
}

func (e *tokenError) Error() string { return e.Code + ": " + e.Description }

func invalidRequest(description string) *tokenError {
	return &tokenError{Status: http.StatusBadRequest, Code: "invalid_request", Description: description}
}

func invalidGrant(description string) *tokenError {
	return &tokenError{Status: http.StatusBadRequest, Code: "invalid_grant", Description: description}
}

// invalidClient is deliberately vague about which part was wrong.
var invalidClient = &tokenError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "client authentication failed"}

// maxFormValue bounds every parameter: the longest legitimate one is a
// redirect URI.
const maxFormValue = 4096

// repeatable are the parameters a token request may repeat: RFC 8707 §2
// and RFC 8693 §2.1 name several targets so.
var repeatable = map[string]bool{"resource": true, "audience": true}

// readForm returns the parameters of a token, revocation or introspection
// request: a form-encoded body, each parameter at most once, nothing in the
// query string (RFC 6749 §3.2 and RFC 9700 §4.3.3 keep secrets out of URLs,
// where logs and proxies keep them).
func readForm(r *http.Request) (url.Values, *tokenError) {
	if r.Method != http.MethodPost {
		return nil, invalidRequest("use POST")
	}
	if r.URL.RawQuery != "" {
		return nil, invalidRequest("parameters must be in the form-encoded body, never in the query string")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	if err := httpapi.ParseTextForm(r); err != nil {
		return nil, invalidRequest("the body is not a valid form: " + err.Error())
	}
	for name, vs := range r.PostForm {
		if len(vs) > 1 && !repeatable[name] {
			return nil, invalidRequest("the parameter " + name + " is repeated")
		}
		for _, v := range vs {
			if len(v) > maxFormValue {
				return nil, invalidRequest("the parameter " + name + " is longer than " + strconv.Itoa(maxFormValue) + " bytes")
			}
		}
	}
	return r.PostForm, nil
}

// clientCredentials are how a request identified its client.
type clientCredentials struct {
	ID, Secret string
	Basic      bool // sent with HTTP Basic rather than in the body
}

// parseClientCredentials reads client_secret_basic or client_secret_post
// (RFC 6749 §2.3.1), refusing both at once, or just a client_id for a public
// client.
func parseClientCredentials(r *http.Request, form url.Values) (clientCredentials, *tokenError) {
	var c clientCredentials
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Basic") {
			return c, invalidClient
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
		if err != nil {
			return c, invalidClient
		}
		id, secret, ok := strings.Cut(string(raw), ":")
		if !ok {
			return c, invalidClient
		}
		// The parts are form-encoded before base64 (§2.3.1).
		if c.ID, err = url.QueryUnescape(id); err != nil {
			return c, invalidClient
		}
		if c.Secret, err = url.QueryUnescape(secret); err != nil {
			return c, invalidClient
		}
		if !httpapi.IsText(c.ID) || !httpapi.IsText(c.Secret) {
			return c, invalidClient
		}
		c.Basic = true
		if form.Has("client_secret") {
			return c, invalidRequest("authenticate the client one way only: HTTP Basic or client_secret in the body, not both")
		}
		if form.Has("client_id") && form.Get("client_id") != c.ID {
			return c, invalidRequest("client_id in the body differs from the one in the Authorization header")
		}
		return c, nil
	}
	c.ID, c.Secret = form.Get("client_id"), form.Get("client_secret")
	if c.ID == "" {
		return c, invalidClient
	}
	return c, nil
}

// authenticateClient identifies and authenticates the calling app. A
// confidential app must present its secret; a public app has none and is
// only identified. Apps are read through a short cache (see clientCache); a
// secret the cached copy does not know is checked against a fresh read, so a
// secret just rotated on another node works at once.
func (s *Service) authenticateClient(ctx context.Context, c clientCredentials) (App, error) {
	app, cached := s.clients.Get(c.ID)
	now := s.db.Now() // the store's clock, which stamped the previous secret's expiry
	if !cached || !app.authenticates(c.Secret, now) {
		var err error
		if app, err = s.fetchClient(ctx, c.ID); apperr.CodeOf(err) == apperr.NotFound {
			return App{}, invalidClient
		} else if err != nil {
			return App{}, err
		}
	}
	if !app.authenticates(c.Secret, now) {
		return App{}, invalidClient
	}
	return app, nil
}

// authenticates reports whether secret is right for the app at now: its
// current secret, or its previous one within the grace, for a confidential
// app; none for a public one.
func (a App) authenticates(secret string, now time.Time) bool {
	if a.ClientType == Public {
		return secret == ""
	}
	return secret != "" && a.secretMatches(secret, now)
}

// clientCacheTTL bounds how long another node may keep using an app's
// previous settings after a change: a deleted or revoked app's secret, say.
// The node that makes a change forgets the app at once.
const clientCacheTTL = 5 * time.Second

// fetchClient reads an app by client_id and refreshes the client cache.
func (s *Service) fetchClient(ctx context.Context, clientID string) (App, error) {
	app, err := s.appByClientID(ctx, clientID)
	if err != nil {
		s.clients.Forget(clientID)
		return App{}, err
	}
	s.clients.Put(clientID, app)
	return app, nil
}
