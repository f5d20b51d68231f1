package bearer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxFormPeek is how much of a form body Require reads to look for a token
// sent there. Forms carrying a token put it near the start; reading more would
// let unauthenticated clients make the server buffer large bodies.
const maxFormPeek = 8 << 10

// retryAfter is the Retry-After of 503 answers, in seconds: long enough for a
// restarting Patchbay, short enough that clients do not give up.
const retryAfter = "5"

// Require returns middleware that passes on only requests with an active
// access token, sent as "Authorization: Bearer <token>", that was granted
// every one of scopes. The handler it wraps gets the token from [TokenFrom].
// See the package documentation for how refused requests are answered.
//
// A token in the URL query or in a form body (access_token, RFC 6750 §2.2 and
// §2.3) is refused even alongside a valid header, so that clients stop
// sending it where it is logged. To find one, Require reads up to the first 8
// KiB of an application/x-www-form-urlencoded body; the wrapped handler still
// reads the whole body.
//
// Require panics if a scope is empty or has characters RFC 6749 §3.3 does not
// allow, such as a space; pass each scope separately.
func (g *Guard) Require(scopes ...string) func(http.Handler) http.Handler {
	for _, s := range scopes {
		if !validScope(s) {
			panic(fmt.Sprintf("bearer: Require: invalid scope %q", s))
		}
	}
	required := strings.Join(scopes, " ")
	scopes = slices.Clone(scopes) // the caller's slice may change later
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.Header.Values("Authorization")) > 1 {
				g.refuse(w, http.StatusBadRequest, "invalid_request", "send one Authorization header", "")
				return
			}
			if q, _ := url.ParseQuery(r.URL.RawQuery); q.Has("access_token") {
				g.refuse(w, http.StatusBadRequest, "invalid_request", "send the access token in the Authorization header, not in the URL", "")
				return
			}
			r, inForm, err := peekForm(r)
			if err != nil {
				g.refuse(w, http.StatusBadRequest, "invalid_request", "cannot read the request body", "")
				return
			}
			if inForm {
				g.refuse(w, http.StatusBadRequest, "invalid_request", "send the access token in the Authorization header, not in the body", "")
				return
			}
			token, ok := parseAuthorization(r.Header.Get("Authorization"))
			if !ok {
				// RFC 6750 §3.1: a request without credentials gets a bare
				// challenge, since it made no error.
				g.refuse(w, http.StatusUnauthorized, "", "send an access token as Authorization: Bearer <token>", "")
				return
			}

			tok, err := g.Check(r.Context(), token)
			switch {
			case errors.Is(err, errAudience):
				g.refuse(w, http.StatusUnauthorized, "invalid_token", "the access token is for another resource", "")
				return
			case errors.Is(err, ErrInvalidToken):
				g.refuse(w, http.StatusUnauthorized, "invalid_token", "the access token is invalid, expired or revoked", "")
				return
			case err != nil:
				if r.Context().Err() == nil { // a client that left is no news
					g.logger.ErrorContext(r.Context(), "cannot check access token", "err", err)
				}
				w.Header().Set("Retry-After", retryAfter)
				writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "cannot check the access token now; try again later")
				return
			}
			for _, s := range scopes {
				if !tok.HasScope(s) {
					g.refuse(w, http.StatusForbidden, "insufficient_scope", "the access token lacks a required scope", required)
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(WithToken(r.Context(), tok)))
		})
	}
}

// parseAuthorization returns the token of an Authorization header value of the
// form "Bearer <token>", where the scheme is case-insensitive and one or more
// spaces follow it (RFC 9110 §11.4). ok is false for other schemes and for no
// header; a malformed token is returned for Check to refuse.
func parseAuthorization(h string) (token string, ok bool) {
	scheme, token, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(token, " "), true
}

// peekForm reports whether r has a form body carrying access_token, looking at
// no more than maxFormPeek bytes, and returns a request whose body yields the
// bytes read followed by the rest.
func peekForm(r *http.Request) (*http.Request, bool, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" || r.Body == nil || r.Body == http.NoBody {
		return r, false, nil
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxFormPeek))
	if err != nil {
		return r, false, err
	}
	// Handlers must not modify the request they are given (net/http), so the
	// rest of the chain gets a shallow copy.
	orig := r.Body
	r = r.WithContext(r.Context())
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), orig), orig}
	form, _ := url.ParseQuery(string(head)) // what parsed is enough to look
	return r, form.Has("access_token"), nil
}

// refuse answers with status, a WWW-Authenticate challenge, and the JSON error
// body. The challenge carries the realm, the error code, the description, the
// required scope and the resource metadata URL (RFC 9728 §5.1), each omitted
// when empty, and the description also when there is no code (RFC 6750 §3.1).
func (g *Guard) refuse(w http.ResponseWriter, status int, code, description, scope string) {
	var b strings.Builder
	b.WriteString("Bearer")
	sep := " "
	challengeDescription := description
	if code == "" {
		challengeDescription = ""
	}
	for _, p := range [...]struct{ name, value string }{
		{"realm", g.realm}, {"error", code}, {"error_description", challengeDescription}, {"scope", scope},
		{"resource_metadata", g.resourceMetadata},
	} {
		if p.value == "" {
			continue
		}
		fmt.Fprintf(&b, `%s%s="%s"`, sep, p.name, quotedPairs.Replace(p.value))
		sep = ", "
	}
	w.Header().Set("WWW-Authenticate", b.String())
	writeError(w, status, code, description)
}

// quotedPairs escapes a value for a quoted-string (RFC 9110 §5.6.4). Only the
// realm can need it: New keeps control characters out of it and quotes out of
// the resource metadata URL, and the descriptions and scopes contain neither
// quote nor backslash.
var quotedPairs = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// writeError writes the JSON body of a refusal; code is omitted when empty.
func writeError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep "<token>" legible; the body is not HTML
	enc.Encode(struct {
		Error       string `json:"error,omitempty"`
		Description string `json:"error_description"`
	}{code, description})
}

// validScope reports whether s is a scope-token (RFC 6749 §3.3).
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
