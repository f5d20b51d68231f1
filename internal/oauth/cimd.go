package oauth

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/store"
)

// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document,
// the MCP authorization specification's preferred registration): a client_id
// that is an https URL names a JSON document at that URL describing the
// client. Patchbay fetches it when an authorization request names it and
// checks it. Once a user signs in for it, it is kept as an app with
// registration "metadata_document", so codes, tokens and authorizations work
// as for any app; until then only its requests carry it. The app is
// refreshed from the document once its cache lifetime has passed, at the
// authorization and the token endpoint alike.

const registrationMetadata = "metadata_document"

// Bounds on fetching a document. The documents are small (a name, a few
// URIs); a megabyte-sized answer is a mistake or an attack.
const (
	maxMetadataDocument = 16 << 10
	// The cache lifetime follows the document's Cache-Control max-age
	// within these bounds; without one it is metadataCacheDefault.
	metadataCacheDefault = 5 * time.Minute
	metadataCacheMax     = 24 * time.Hour
)

// isMetadataClientID says whether a client_id names a metadata document.
func isMetadataClientID(clientID string) bool { return strings.HasPrefix(clientID, "https://") }

// checkMetadataClientID says what is wrong with a client_id URL, or "": an
// https URL with a path, without fragment, user information or dot segments.
func checkMetadataClientID(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || len(raw) > 2000:
		return "must be an https URL of at most 2000 bytes"
	case u.User != nil || u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain user information or a fragment"
	case u.Path == "" || u.Path == "/":
		return "must have a path"
	case u.Host != strings.ToLower(u.Host) || strings.HasSuffix(u.Hostname(), ".") || u.Port() == "443":
		// One spelling per host, so that the host lists match what is
		// fetched: evil.example. would pass a deny-list of evil.example.
		return "must name its host in lower case, without a trailing dot or the default port"
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return "must not contain . or .. path segments"
		}
	}
	return ""
}

// hostMatches says whether host is one of patterns: equal, or a subdomain
// of a "*.example.com" pattern.
func hostMatches(host string, patterns []string) bool {
	host = strings.ToLower(host)
	for _, p := range patterns {
		if suffix, ok := strings.CutPrefix(p, "*."); ok && strings.HasSuffix(host, "."+suffix) || host == p {
			return true
		}
	}
	return false
}

// metadataDocument is what Patchbay reads of a client ID metadata document.
type metadataDocument struct {
	ClientID string `json:"client_id"`
	ClientMetadata
}

// checkMetadataDocument says what is wrong with a document fetched from
// clientID, or "". The client has no secret (the document is public), so
// it must be a public client using PKCE.
func (s *Service) checkMetadataDocument(doc metadataDocument, clientID string) string {
	if doc.ClientID != clientID {
		return "its client_id is not the URL it was fetched from"
	}
	if m := doc.TokenEndpointAuthMethod; m != "" && m != "none" {
		return "token_endpoint_auth_method must be none: a client described by a public document has no secret"
	}
	for _, g := range doc.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return "grant_types may hold only authorization_code and refresh_token"
		}
	}
	if len(doc.ResponseTypes) > 0 && !slices.Equal(doc.ResponseTypes, []string{"code"}) {
		return `response_types must be ["code"]`
	}
	if len(doc.RedirectURIs) == 0 {
		return "redirect_uris is missing"
	}
	if field, msg := doc.problem(); field != "" {
		return field + " " + msg
	}
	return ""
}

// metadataCacheTTL is how long a fetched document may be used: its max-age
// (or none at all with no-store or no-cache), at most metadataCacheMax.
func metadataCacheTTL(h http.Header) time.Duration {
	cc := strings.ToLower(h.Get("Cache-Control"))
	if cc == "" {
		return metadataCacheDefault
	}
	ttl := metadataCacheDefault
	for _, directive := range strings.Split(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
		switch name {
		case "no-store", "no-cache":
			return 0
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
			if err != nil || n < 0 {
				return 0
			}
			ttl = min(time.Duration(min(n, int64(metadataCacheMax/time.Second)))*time.Second, metadataCacheMax)
		}
	}
	return ttl
}

// errMetadataDocument is a client ID metadata document that cannot be used.
// transient marks a fetch that failed in a way a retry may not: a timeout,
// a network error, or a 5xx or 429 answer. full marks a valid document
// refused only because the caps on self-registered clients are reached,
// the condition a registration at /oauth/register answers with 429
// temporarily_unavailable.
type errMetadataDocument struct {
	reason    string
	transient bool
	full      bool
}

func (e *errMetadataDocument) Error() string {
	return "the client's metadata document cannot be used: " + e.reason
}

// metadataApp returns the app for a client_id that is a metadata document
// URL, fetching the document if the stored copy is missing or stale. A
// client no user has signed in for is returned unsaved, without an ID.
func (s *Service) metadataApp(ctx context.Context, clientID string) (App, error) {
	if !s.cfg.MetadataDocuments {
		return App{}, &errMetadataDocument{reason: "this server does not accept client ID metadata documents"}
	}
	if msg := checkMetadataClientID(clientID); msg != "" {
		return App{}, &errMetadataDocument{reason: "the client_id " + msg}
	}
	u, _ := url.Parse(clientID)
	if hostMatches(u.Hostname(), s.cfg.MetadataDenyHosts) || len(s.cfg.MetadataHosts) > 0 && !hostMatches(u.Hostname(), s.cfg.MetadataHosts) {
		return App{}, &errMetadataDocument{reason: "this server does not accept clients from " + u.Hostname()}
	}
	stored, err := s.appByClientID(ctx, clientID)
	found := err == nil
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return App{}, err
	}
	if found && stored.Registration != registrationMetadata {
		return stored, nil // an app the SaaS registered with this client_id itself
	}
	if found && stored.metadataExpiresAt != nil && time.Now().Before(*stored.metadataExpiresAt) {
		return stored, nil
	}
	// Counted by the host that serves the document, not by who asked: the
	// host vouches for the client, and anyone can send its URL.
	source := registrationSource{from: "host:" + u.Hostname(), max: s.cfg.MetadataClientsPerHost, what: "from " + u.Hostname()}
	doc, ttl, err := s.fetchMetadataDocument(ctx, clientID)
	if err != nil {
		return App{}, err
	}
	app := stored
	if !found {
		app = App{ClientID: clientID, ClientType: Public, Registration: registrationMetadata, authMethod: "none", registeredFrom: source.from}
	}
	app.Name, app.RedirectURIs, app.LogoURL, app.HomepageURL = doc.ClientName, doc.RedirectURIs, doc.LogoURI, doc.ClientURI
	app.PolicyURL, app.TermsURL = doc.PolicyURI, doc.TOSURI
	if app.Name == "" {
		app.Name = u.Hostname()
	}
	// The SaaS's policy decides the scopes; the document may narrow them.
	app.Scopes = slices.Clone(s.cfg.RegistrationScopes)
	if asked := parseScope(doc.Scope); len(asked) > 0 {
		app.Scopes = slices.DeleteFunc(app.Scopes, func(sc string) bool { return !slices.Contains(asked, sc) })
	}
	if app.Scopes == nil {
		app.Scopes = []string{}
	}
	if !found {
		// Not stored until a user signs in for it (saveMetadataApp), so
		// that anyone sending URLs cannot fill the caps; but a source
		// already at its cap is refused now, before anyone signs in for
		// nothing.
		expires := time.Now().Add(ttl)
		app.metadataExpiresAt = &expires
		if over, err := s.overRegistrations(ctx, s.db, source); err != nil {
			return App{}, err
		} else if over != "" {
			// The app goes with the refusal: its redirect URIs are known
			// good, so the refusal can go back to the client.
			return app, &errMetadataDocument{reason: "too many self-registered clients are known " + over + "; unused ones expire", full: true}
		}
		return app, nil
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		expires := tx.Now().Add(ttl)
		app.metadataExpiresAt, app.UpdatedAt = &expires, tx.Now()
		return appUpdateFromDocument(ctx, tx, app)
	})
	s.clients.Forget(clientID)
	if err != nil {
		return App{}, err
	}
	return app, nil
}

// unsavedClient is a metadata-document client that no user has signed in
// for, as its authorization requests carry it (oauth_requests.metadata_client).
type unsavedClient struct {
	Name           string    `json:"name"`
	RedirectURIs   []string  `json:"redirect_uris"`
	LogoURL        string    `json:"logo_url"`
	HomepageURL    string    `json:"homepage_url"`
	PolicyURL      string    `json:"policy_url,omitempty"`
	TermsURL       string    `json:"terms_url,omitempty"`
	Scopes         []string  `json:"scopes"`
	ExpiresAt      time.Time `json:"metadata_expires_at"`
	RegisteredFrom string    `json:"registered_from"`
}

func unsavedClientOf(app App) unsavedClient {
	return unsavedClient{Name: app.Name, RedirectURIs: app.RedirectURIs, LogoURL: app.LogoURL, HomepageURL: app.HomepageURL,
		PolicyURL: app.PolicyURL, TermsURL: app.TermsURL, Scopes: app.Scopes, ExpiresAt: *app.metadataExpiresAt, RegisteredFrom: app.registeredFrom}
}

// unsavedClientApp is the app a request's unsaved client stands for; its ID
// is empty until saveMetadataApp stores it.
func unsavedClientApp(clientID, saved string) (App, error) {
	var c unsavedClient
	if err := json.Unmarshal([]byte(saved), &c); err != nil {
		return App{}, fmt.Errorf("stored metadata client %s: %w", clientID, err)
	}
	return App{ClientID: clientID, ClientType: Public, Registration: registrationMetadata, authMethod: "none", Name: c.Name,
		RedirectURIs: c.RedirectURIs, LogoURL: c.LogoURL, HomepageURL: c.HomepageURL, PolicyURL: c.PolicyURL, TermsURL: c.TermsURL,
		Scopes: c.Scopes, metadataExpiresAt: &c.ExpiresAt, registeredFrom: c.RegisteredFrom}, nil
}

// saveMetadataApp stores an unsaved metadata-document client once a user
// has signed in for it, within the caps on self-registered clients (it
// returns the cap it would exceed instead). A client stored meanwhile, by
// another user's sign-in, is used as it is.
func (s *Service) saveMetadataApp(ctx context.Context, tx *store.Tx, app App) (App, string, error) {
	stored, err := appGetByClientID(ctx, tx, app.ClientID)
	if err == nil {
		return stored, "", nil
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return App{}, "", err
	}
	source := registrationSource{from: app.registeredFrom, max: s.cfg.MetadataClientsPerHost, what: "from " + strings.TrimPrefix(app.registeredFrom, "host:")}
	if over, err := s.overRegistrations(ctx, tx, source); err != nil || over != "" {
		return App{}, over, err
	}
	app.ID, app.CreatedAt, app.UpdatedAt = id.New("app"), tx.Now(), tx.Now()
	if err := appInsert(ctx, tx, app); store.IsUniqueViolation(err) {
		return App{}, "", apperr.Errorf(apperr.Conflict, "client %s was stored by a sign-in at the same moment; accept the login again", app.ClientID)
	} else if err != nil {
		return App{}, "", err
	}
	err = appSetMetadataExpiry(ctx, tx, app.ID, app.metadataExpiresAt)
	s.clients.Forget(app.ClientID)
	return app, "", err
}

// fetchMetadataDocument gets and checks the document at clientID through the
// outbound guard: no redirects, a short timeout, a size limit.
func (s *Service) fetchMetadataDocument(ctx context.Context, clientID string) (metadataDocument, time.Duration, error) {
	var doc metadataDocument
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, clientID, nil)
	if err != nil {
		return doc, 0, &errMetadataDocument{reason: "the client_id is not a URL"}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.MetadataClient.Do(req)
	if err != nil {
		var refused *safehttp.RefusedError
		if errors.As(err, &refused) {
			return doc, 0, &errMetadataDocument{reason: "its host is a " + refused.Reason + ", which this server does not call"}
		}
		s.logger.InfoContext(ctx, "a client ID metadata document could not be fetched", "client_id", clientID, "err", err)
		return doc, 0, &errMetadataDocument{reason: fetchFailure(err, req.URL.Hostname()), transient: true}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		transient := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return doc, 0, &errMetadataDocument{reason: fmt.Sprintf("fetching it answered %d", resp.StatusCode), transient: transient}
	}
	body, truncated, err := safehttp.ReadBody(resp.Body, maxMetadataDocument)
	switch {
	case truncated:
		return doc, 0, &errMetadataDocument{reason: fmt.Sprintf("it is larger than %d bytes", maxMetadataDocument)}
	case err != nil:
		return doc, 0, &errMetadataDocument{reason: "it could not be read in time", transient: true}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return doc, 0, &errMetadataDocument{reason: "it is not a JSON object of client metadata"}
	}
	if msg := s.checkMetadataDocument(doc, clientID); msg != "" {
		return doc, 0, &errMetadataDocument{reason: msg}
	}
	return doc, metadataCacheTTL(resp.Header), nil
}

// fetchFailure says why a document could not be fetched from host, in
// words for the client's developer: the kind of failure and the host, none
// of the addresses, ports or library text that the log has.
func fetchFailure(err error, host string) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	var recordErr tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	var alertErr tls.AlertError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "its host " + host + " was not found (DNS)"
	case errors.As(err, &dnsErr):
		return "the name " + host + " could not be resolved (DNS)"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return "it could not be fetched in time from " + host
	case errors.Is(err, syscall.ECONNREFUSED):
		return host + " refused the connection"
	case errors.As(err, &certErr):
		return "the TLS certificate of " + host + " is not trusted or does not name it"
	case errors.As(err, &recordErr) || errors.As(err, &alertErr):
		return "no TLS connection could be made with " + host
	}
	return "the connection to " + host + " failed"
}

// currentMetadataApp re-validates, at the token endpoint, an app known from
// a metadata document, fetching the document again once its cache lifetime
// has passed, as at /oauth/authorize. A document that is gone, no longer
// valid, or refused by today's policy ends the client: it can neither redeem
// codes nor refresh (invalid_client). A fetch that failed transiently is a
// 503 for the client to retry, not a refusal: the document's host being
// briefly down should not log its users out, and serving the stale copy
// would keep a withdrawn client alive for as long as its host stays away.
func (s *Service) currentMetadataApp(ctx context.Context, clientID string) (App, error) {
	app, err := s.metadataApp(ctx, clientID)
	var bad *errMetadataDocument
	switch {
	case errors.As(err, &bad) && bad.transient:
		return App{}, &tokenError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable",
			Description: bad.Error() + "; retry later", RetryAfter: metadataRetryAfter}
	case errors.As(err, &bad):
		return App{}, &tokenError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: bad.Error()}
	}
	return app, err
}

// metadataRetryAfter is how long a client is asked to wait when its
// document could not be fetched.
const metadataRetryAfter = 30 * time.Second

// clientApp returns the app an authorization request's client_id names: a
// registered app, or the one a metadata document describes.
func (s *Service) clientApp(ctx context.Context, clientID string) (App, error) {
	if isMetadataClientID(clientID) {
		return s.metadataApp(ctx, clientID)
	}
	return s.appByClientID(ctx, clientID)
}
