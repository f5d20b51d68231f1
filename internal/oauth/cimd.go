package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/ratelimit"
	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/store"
)

// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document,
// the MCP authorization specification's preferred registration): a client_id
// that is an https URL names a JSON document at that URL describing the
// client. Patchbay fetches it when an authorization request names it, checks
// it, and keeps it as an app with registration "metadata_document", so codes,
// tokens and authorizations work as for any app. The app is refreshed from
// the document once its cache lifetime has passed.

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
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri"`
	LogoURI                 string   `json:"logo_uri"`
	PolicyURI               string   `json:"policy_uri"`
	TOSURI                  string   `json:"tos_uri"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	Scope                   string   `json:"scope"`
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
	fields := appFields{RedirectURIs: &doc.RedirectURIs, LogoURL: &doc.LogoURI, HomepageURL: &doc.ClientURI}
	if doc.ClientName != "" {
		fields.Name = &doc.ClientName
	}
	for field, msg := range fields.problems() {
		return map[string]string{"name": "client_name", "logo_url": "logo_uri", "homepage_url": "client_uri", "redirect_uris": "redirect_uris"}[field] + " " + msg
	}
	for field, v := range map[string]string{"policy_uri": doc.PolicyURI, "tos_uri": doc.TOSURI} {
		if u, err := url.Parse(v); v != "" && (err != nil || u.Scheme != "https" || u.Host == "" || len(v) > 2000) {
			return field + " must be an https URL of at most 2000 bytes"
		}
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
type errMetadataDocument struct{ reason string }

func (e *errMetadataDocument) Error() string {
	return "the client's metadata document cannot be used: " + e.reason
}

// metadataApp returns the app for a client_id that is a metadata document
// URL, fetching the document if the stored copy is missing or stale.
func (s *Service) metadataApp(ctx context.Context, clientID string) (App, error) {
	if !s.cfg.MetadataDocuments {
		return App{}, &errMetadataDocument{"this server does not accept client ID metadata documents"}
	}
	if msg := checkMetadataClientID(clientID); msg != "" {
		return App{}, &errMetadataDocument{"the client_id " + msg}
	}
	u, _ := url.Parse(clientID)
	if hostMatches(u.Hostname(), s.cfg.MetadataDenyHosts) || len(s.cfg.MetadataHosts) > 0 && !hostMatches(u.Hostname(), s.cfg.MetadataHosts) {
		return App{}, &errMetadataDocument{"this server does not accept clients from " + u.Hostname()}
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
	doc, ttl, err := s.fetchMetadataDocument(ctx, clientID)
	if err != nil {
		return App{}, err
	}
	app := stored
	if !found {
		app = App{ID: id.New("app"), ClientID: clientID, ClientType: Public, Registration: registrationMetadata, authMethod: "none",
			registeredFrom: ratelimit.AddressKey(httpapi.ClientIP(ctx))}
	}
	app.Name, app.RedirectURIs, app.LogoURL, app.HomepageURL = doc.ClientName, doc.RedirectURIs, doc.LogoURI, doc.ClientURI
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
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		expires := tx.Now().Add(ttl)
		app.metadataExpiresAt, app.UpdatedAt = &expires, tx.Now()
		if found {
			_, err := tx.Exec(ctx, `UPDATE oauth_apps SET name = ?, redirect_uris = ?, scopes = ?, logo_url = ?, homepage_url = ?,
				metadata_expires_at = ?, updated_at = ? WHERE id = ?`,
				app.Name, marshalList(app.RedirectURIs), marshalList(app.Scopes), app.LogoURL, app.HomepageURL, expires, app.UpdatedAt, app.ID)
			return err
		}
		if over, err := s.overRegistrations(ctx, tx, app.registeredFrom, true); err != nil {
			return err
		} else if over != "" {
			return &errMetadataDocument{"too many self-registered clients are known " + over + "; unused ones expire"}
		}
		app.CreatedAt = tx.Now()
		if err := insertApp(ctx, tx, app); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE oauth_apps SET metadata_expires_at = ? WHERE id = ?", expires, app.ID)
		return err
	})
	s.clients.Forget(clientID)
	if err != nil {
		// Two first requests for one document at once: the other stored it.
		if !found && store.IsUniqueViolation(err) {
			return s.appByClientID(ctx, clientID)
		}
		return App{}, err
	}
	return app, nil
}

// fetchMetadataDocument gets and checks the document at clientID through the
// outbound guard: no redirects, a short timeout, a size limit.
func (s *Service) fetchMetadataDocument(ctx context.Context, clientID string) (metadataDocument, time.Duration, error) {
	var doc metadataDocument
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, clientID, nil)
	if err != nil {
		return doc, 0, &errMetadataDocument{"the client_id is not a URL"}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.MetadataClient.Do(req)
	if err != nil {
		var refused *safehttp.RefusedError
		if errors.As(err, &refused) {
			return doc, 0, &errMetadataDocument{"its host is a " + refused.Reason + ", which this server does not call"}
		}
		s.logger.InfoContext(ctx, "a client ID metadata document could not be fetched", "client_id", clientID, "err", err)
		return doc, 0, &errMetadataDocument{"it could not be fetched in time"}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return doc, 0, &errMetadataDocument{fmt.Sprintf("fetching it answered %d", resp.StatusCode)}
	}
	body, truncated, err := safehttp.ReadBody(resp.Body, maxMetadataDocument)
	switch {
	case truncated:
		return doc, 0, &errMetadataDocument{fmt.Sprintf("it is larger than %d bytes", maxMetadataDocument)}
	case err != nil:
		return doc, 0, &errMetadataDocument{"it could not be read in time"}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return doc, 0, &errMetadataDocument{"it is not a JSON object of client metadata"}
	}
	if msg := s.checkMetadataDocument(doc, clientID); msg != "" {
		return doc, 0, &errMetadataDocument{msg}
	}
	return doc, metadataCacheTTL(resp.Header), nil
}

// clientApp returns the app an authorization request's client_id names: a
// registered app, or the one a metadata document describes.
func (s *Service) clientApp(ctx context.Context, clientID string) (App, error) {
	if isMetadataClientID(clientID) {
		return s.metadataApp(ctx, clientID)
	}
	return s.appByClientID(ctx, clientID)
}
