package verify

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Credentials are compared as SHA-256 digests: subtle.ConstantTimeCompare
// returns early on a length mismatch, which would reveal a secret's length,
// while digests all have the same length.
type digest [sha256.Size]byte

func digests(secrets []string) []digest {
	ds := make([]digest, len(secrets))
	for i, s := range secrets {
		ds[i] = sha256.Sum256([]byte(s))
	}
	return ds
}

// matchesAny compares got with every candidate, so that the time taken does
// not depend on which one matches.
func matchesAny(got string, candidates []digest) bool {
	g := sha256.Sum256([]byte(got))
	match := 0
	for _, c := range candidates {
		match |= subtle.ConstantTimeCompare(g[:], c[:])
	}
	return match == 1
}

const authorizationHeader = "Authorization"

type basicScheme struct {
	username  digest
	passwords []digest
}

func newBasic(c Config) *basicScheme {
	return &basicScheme{username: sha256.Sum256([]byte(c.Username)), passwords: digests(c.Secrets)}
}

func (s *basicScheme) authenticate(req Request, _ time.Time) (time.Time, error) {
	v := req.Header.Get(authorizationHeader)
	if v == "" {
		return time.Time{}, fail(ReasonMissingCredentials, "missing Authorization header")
	}
	user, pass, ok := parseBasic(v)
	if !ok {
		return time.Time{}, fail(ReasonMalformedHeader, "Authorization header is not Basic credentials")
	}
	// Both are always compared, so that a wrong user name takes as long as a
	// wrong password.
	userOK := matchesAny(user, []digest{s.username})
	passOK := matchesAny(pass, s.passwords)
	if !userOK || !passOK {
		return time.Time{}, fail(ReasonBadCredentials, "Authorization header has the wrong user name or password")
	}
	return time.Time{}, nil
}

// parseBasic decodes "Basic base64(user:password)" (RFC 7617) as net/http's
// Request.BasicAuth does, with the scheme name matched in any case.
func parseBasic(v string) (user, pass string, ok bool) {
	if len(v) > maxHeaderLen {
		return "", "", false
	}
	scheme, encoded, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	decoded, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(decoded), ":")
}

type apiKeyScheme struct {
	header     string
	queryParam string
	prefix     string
	keys       []digest
}

func newAPIKey(c Config) *apiKeyScheme {
	return &apiKeyScheme{header: c.Header, queryParam: c.QueryParam, prefix: c.Prefix, keys: digests(c.Secrets)}
}

func (s *apiKeyScheme) authenticate(req Request, _ time.Time) (time.Time, error) {
	where, got := "query parameter "+s.queryParam, req.Query.Get(s.queryParam)
	if s.header != "" {
		where, got = s.header+" header", req.Header.Get(s.header)
	}
	if got == "" {
		return time.Time{}, fail(ReasonMissingCredentials, "missing "+where)
	}
	key, ok := strings.CutPrefix(got, s.prefix)
	if !ok {
		return time.Time{}, fail(ReasonBadCredentials, fmt.Sprintf("%s does not start with %q", where, s.prefix))
	}
	if !matchesAny(key, s.keys) {
		return time.Time{}, fail(ReasonBadCredentials, fmt.Sprintf("%s matches none of the %d configured key(s)", where, len(s.keys)))
	}
	return time.Time{}, nil
}

type noneScheme struct{}

func (noneScheme) authenticate(Request, time.Time) (time.Time, error) { return time.Time{}, nil }
