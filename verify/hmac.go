package verify

import (
	"cmp"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"time"
)

// hashes and decoders map Config.Algorithm and Config.Encoding, "" being the
// default, to their implementations.
var (
	hashes = map[string]func() hash.Hash{
		"": sha256.New, "sha256": sha256.New, "sha1": sha1.New, "sha512": sha512.New,
	}
	decoders = map[string]func(string) ([]byte, error){
		"": hex.DecodeString, "hex": hex.DecodeString,
		// Strict rejects stray bits in the last character, so that each MAC has
		// exactly one accepted spelling.
		"base64": base64.StdEncoding.Strict().DecodeString,
	}
)

// hmacScheme verifies one HMAC in one header over a template around the body.
// GitHub, Shopify and Slack are instances of it with fixed settings, so the
// tests against their libraries also test the generic scheme.
type hmacScheme struct {
	header    string
	prefix    string
	encoding  string // for error messages
	newHash   func() hash.Hash
	decode    func(string) ([]byte, error)
	keys      [][]byte
	before    string // the template before "{body}"
	after     string // the template after "{body}"
	tsHeader  string // "" when no timestamp is signed
	tolerance time.Duration
}

func newHMAC(c Config) *hmacScheme {
	before, after, _ := strings.Cut(cmp.Or(c.SignedContent, "{body}"), "{body}")
	return &hmacScheme{
		header:    c.Header,
		prefix:    c.Prefix,
		encoding:  cmp.Or(c.Encoding, "hex"),
		newHash:   hashes[c.Algorithm],
		decode:    decoders[c.Encoding],
		keys:      keyBytes(c.Secrets),
		before:    before,
		after:     after,
		tsHeader:  c.TimestampHeader,
		tolerance: cmp.Or(c.Tolerance, DefaultTolerance),
	}
}

func newGitHub(c Config) *hmacScheme {
	return newHMAC(Config{Secrets: c.Secrets, Header: "X-Hub-Signature-256", Prefix: "sha256="})
}

func newShopify(c Config) *hmacScheme {
	return newHMAC(Config{Secrets: c.Secrets, Header: "X-Shopify-Hmac-Sha256", Encoding: "base64"})
}

func newSlack(c Config) *hmacScheme {
	return newHMAC(Config{
		Secrets:         c.Secrets,
		Tolerance:       c.Tolerance,
		Header:          "X-Slack-Signature",
		Prefix:          "v0=",
		SignedContent:   "v0:{timestamp}:{body}",
		TimestampHeader: "X-Slack-Request-Timestamp",
	})
}

func (s *hmacScheme) authenticate(req Request, now time.Time) (time.Time, error) {
	sig, err := requireHeader(req.Header, s.header)
	if err != nil {
		return time.Time{}, err
	}
	var signedAt time.Time
	before, after := s.before, s.after
	if s.tsHeader != "" {
		ts, err := requireHeader(req.Header, s.tsHeader)
		if err != nil {
			return time.Time{}, err
		}
		if signedAt, err = checkTimestamp(s.tsHeader, ts, now, s.tolerance); err != nil {
			return time.Time{}, err
		}
		before = strings.ReplaceAll(before, "{timestamp}", ts)
		after = strings.ReplaceAll(after, "{timestamp}", ts)
	}
	encoded, ok := strings.CutPrefix(sig, s.prefix)
	if !ok {
		return time.Time{}, fail(ReasonMalformedHeader, fmt.Sprintf("%s header does not start with %q", s.header, s.prefix))
	}
	mac, err := s.decode(encoded)
	if err != nil {
		// The decoder's error would quote part of the signature.
		return time.Time{}, fail(ReasonMalformedHeader, fmt.Sprintf("%s header is not %s", s.header, s.encoding))
	}
	if !anyMAC(s.newHash, s.keys, [][]byte{mac}, []byte(before), req.Body, []byte(after)) {
		return time.Time{}, badSignature(s.header, len(s.keys))
	}
	return signedAt, nil
}
