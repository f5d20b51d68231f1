// Package webhook signs and verifies webhooks as described by the Standard
// Webhooks specification (https://www.standardwebhooks.com), version 1.
//
// Patchbay's server signs every delivery with [SetHeaders], and receivers
// check deliveries with a [Verifier] (or the one-secret shortcut [Verify]). Both
// sides share this one implementation, so what Patchbay signs is by construction
// what this package accepts; the tests also check it against the official
// Standard Webhooks Go library in both directions, so receivers written in other
// languages can use their own Standard Webhooks library instead.
//
// A delivery carries three headers:
//
//	webhook-id:        msg_2KWPBgLlAfxdpx2AI54pPJ85f4W
//	webhook-timestamp: 1674087231
//	webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=
//
// Each signature is "v1," followed by the standard base64 of
// HMAC-SHA256(key, "{id}.{timestamp}.{body}"). Signing the ID and the timestamp
// along with the body is what lets a receiver reject replays (the timestamp must
// be recent) and deduplicate retries (the ID stays the same on every attempt).
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The header names are lowercase as the specification writes them; net/http
// canonicalizes them (to "Webhook-Id" and so on) when they are set or read
// through [http.Header] methods, so either spelling works there.
const (
	// HeaderID carries the message ID, which stays the same on every retry so that
	// receivers can use it as an idempotency key.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries the attempt time in Unix seconds, which receivers
	// check against their clock to reject replayed deliveries.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries one or more space-separated signatures; more than
	// one is sent while a secret is being rotated.
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every serialized signing secret, so that secrets are easy
// to recognise in configuration and by secret scanners.
const SecretPrefix = "whsec_"

// signaturePrefix is the version tag of HMAC-SHA256 signatures. The
// specification also defines "v1a" (ed25519), which this package does not
// produce and ignores when verifying.
const signaturePrefix = "v1,"

// Sign returns the signature "v1,<base64>" of one delivery under key, the raw
// secret bytes (see [ParseSecret]). The timestamp is truncated to whole seconds,
// as it is sent in [HeaderTimestamp].
//
// The specification asks that id contain no "." because the signed content is
// "{id}.{timestamp}.{body}"; Patchbay's message IDs never do.
func Sign(key []byte, id string, ts time.Time, body []byte) string {
	mac := signatureMAC(key, id, strconv.FormatInt(ts.Unix(), 10), body)
	return signaturePrefix + base64.StdEncoding.EncodeToString(mac)
}

// SignatureHeader returns the value of [HeaderSignature] for a delivery signed
// under each of keys, space-separated. Patchbay signs with both the old and the
// new secret while a secret is rotated, so that receivers still configured with
// either one accept the delivery. It returns "" when keys is empty.
func SignatureHeader(keys [][]byte, id string, ts time.Time, body []byte) string {
	sigs := make([]string, len(keys))
	for i, key := range keys {
		sigs[i] = Sign(key, id, ts, body)
	}
	return strings.Join(sigs, " ")
}

// SetHeaders sets the three headers on a delivery of body as message id,
// sent at ts and signed under each of keys (see [SignatureHeader]); with no
// keys the delivery goes unsigned and carries no signature header. Every
// sender in Patchbay sets them here, so the timestamp sent is always the one
// signed.
func SetHeaders(h http.Header, keys [][]byte, id string, ts time.Time, body []byte) {
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	if len(keys) > 0 {
		h.Set(HeaderSignature, SignatureHeader(keys, id, ts, body))
	}
}

// signatureMAC computes HMAC-SHA256 over "{id}.{ts}.{body}" without copying the
// body into a joined string, since bodies can be large.
func signatureMAC(key []byte, id, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
