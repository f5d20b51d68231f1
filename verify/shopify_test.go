package verify_test

import (
	"net/http"
	"testing"

	"github.com/patchbay/patchbay/verify"
)

// TestShopifyVector checks a signature computed outside Go. Shopify has no
// official Go library, so the vector was derived with OpenSSL and checked
// with Python:
//
//	printf '%s' '{"id":820982911946154508,"email":"jon@example.com"}' |
//	  openssl dgst -sha256 -hmac 'shpss_hush_5f2b8a' -binary | base64
//
//	python3 -c 'import hmac, hashlib, base64; print(base64.b64encode(hmac.new(
//	  b"shpss_hush_5f2b8a", b"{\"id\":820982911946154508,\"email\":\"jon@example.com\"}",
//	  hashlib.sha256).digest()).decode())'
//
// Both print rD7AhYrukflj9spijNzPfifDDg8D/BXpN3TqDNa31Pc=.
func TestShopifyVector(t *testing.T) {
	t.Parallel()
	const (
		secret = "shpss_hush_5f2b8a"
		body   = `{"id":820982911946154508,"email":"jon@example.com"}`
		sig    = "rD7AhYrukflj9spijNzPfifDDg8D/BXpN3TqDNa31Pc="
	)
	v := newVerifier(t, verify.Config{Scheme: verify.SchemeShopify, Secrets: []string{secret}})
	for name, tc := range map[string]struct {
		sig, body string
		want      verify.Reason
	}{
		"vector":        {sig: sig, body: body},
		"tampered body": {sig: sig, body: body + " ", want: verify.ReasonBadSignature},
		// Hex digits are valid base64 too, of the wrong MAC.
		"hex, not base64": {
			sig: "ac3ec0858aee91f963f6ca628cdccf7e27c30e0f03fc15e93774ea0cd6b7d4f7", body: body,
			want: verify.ReasonBadSignature,
		},
		"not base64":      {sig: "rD7A!" + sig[5:], body: body, want: verify.ReasonMalformedHeader},
		"padding dropped": {sig: sig[:len(sig)-1], body: body, want: verify.ReasonMalformedHeader},
		// The same MAC bytes with the last character's two unused bits set.
		"non-canonical base64": {sig: sig[:len(sig)-2] + "d=", body: body, want: verify.ReasonMalformedHeader},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := verify.Request{Header: http.Header{"X-Shopify-Hmac-Sha256": {tc.sig}, "X-Shopify-Webhook-Id": {"b54557e4"}}, Body: []byte(tc.body)}
			res, err := v.Verify(req)
			wantReason(t, err, tc.want, req, secret)
			if err == nil && res.EventID != "b54557e4" {
				t.Errorf("EventID = %q, want the X-Shopify-Webhook-Id", res.EventID)
			}
		})
	}
}
