package verify_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v75/github"

	"github.com/patchbay/patchbay/verify"
)

// TestGitHubAgreesWithGoGitHub holds the github scheme to go-github v75's
// ValidateSignature and ValidatePayload.
func TestGitHubAgreesWithGoGitHub(t *testing.T) {
	t.Parallel()
	const secret, oldSecret = "It's a Secret to Everybody", "the previous secret"
	body := []byte(`{"action":"opened","number":1}`)
	good := "sha256=" + hmacHex(secret, string(body))
	sha1MAC := hmac.New(sha1.New, []byte(secret))
	sha1MAC.Write(body)

	for name, tc := range map[string]struct {
		signature string // X-Hub-Signature-256; "" means none
		body      []byte // nil means body
		want      bool
	}{
		"valid":                      {signature: good, want: true},
		"signed with the old secret": {signature: "sha256=" + hmacHex(oldSecret, string(body)), want: true},
		"upper-case hex":             {signature: "sha256=" + strings.ToUpper(good[7:]), want: true},
		"tampered body":              {signature: good, body: append(bytes.Clone(body), '\n')},
		"signed with another secret": {signature: "sha256=" + hmacHex("not it", string(body))},
		"missing":                    {},
		"no prefix":                  {signature: good[7:]},
		"other prefix":               {signature: "sha512=" + good[7:]},
		"not hex":                    {signature: "sha256=" + strings.Repeat("zz", 32)},
		"truncated":                  {signature: good[:len(good)-2]},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			received := tc.body
			if received == nil {
				received = body
			}
			h := http.Header{}
			h.Set("Content-Type", "application/json")
			h.Set(github.DeliveryIDHeader, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
			if tc.signature != "" {
				h.Set(github.SHA256SignatureHeader, tc.signature)
			}

			theirSignature, theirPayload := false, false
			for _, s := range []string{oldSecret, secret} {
				theirSignature = theirSignature || github.ValidateSignature(tc.signature, received, []byte(s)) == nil
				r, err := http.NewRequest(http.MethodPost, "/in/src_1", bytes.NewReader(received))
				if err != nil {
					t.Fatal(err)
				}
				r.Header = h
				_, err = github.ValidatePayload(r, []byte(s))
				theirPayload = theirPayload || err == nil
			}
			req := verify.Request{Header: h, Body: received}
			res, ours := newVerifier(t, verify.Config{Scheme: verify.SchemeGitHub, Secrets: []string{oldSecret, secret}}).Verify(req)
			if theirSignature != tc.want || theirPayload != tc.want || (ours == nil) != tc.want {
				t.Fatalf("want accepted=%v; ValidateSignature: %v; ValidatePayload: %v; ours: %v", tc.want, theirSignature, theirPayload, ours)
			}
			if ours != nil {
				checkNoLeak(t, ours, req, secret, oldSecret, good)
				return
			}
			if res.EventID != h.Get(github.DeliveryIDHeader) {
				t.Errorf("EventID = %q, want X-GitHub-Delivery", res.EventID)
			}
		})
	}

	// go-github also accepts an HMAC-SHA1 under the sha1= prefix; GitHub sends
	// that only in the legacy X-Hub-Signature header, which we do not read.
	legacy := "sha1=" + hex.EncodeToString(sha1MAC.Sum(nil))
	if err := github.ValidateSignature(legacy, body, []byte(secret)); err != nil {
		t.Errorf("go-github now refuses sha1 (%v); update this test", err)
	}
	req := verify.Request{Header: http.Header{github.SHA256SignatureHeader: {legacy}}, Body: body}
	_, err := newVerifier(t, verify.Config{Scheme: verify.SchemeGitHub, Secrets: []string{secret}}).Verify(req)
	wantReason(t, err, verify.ReasonMalformedHeader, req, secret)
}
