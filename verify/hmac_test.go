package verify_test

import (
	"net/http"
	"testing"

	"github.com/patchbay/patchbay/verify"
)

// TestHMACVariants checks the generic scheme's algorithms, encodings,
// prefixes and templates against signatures computed outside Go, each with
// OpenSSL and checked with Python's hmac module, for the body {"id":"evt-7"}
// and the secret generic-secret:
//
//	printf '%s' '1700000000:{"id":"evt-7"}' | openssl dgst -sha512 -hmac generic-secret -binary | base64 -w0
//	printf '%s' '{"id":"evt-7"}' | openssl dgst -sha1 -hmac generic-secret -hex
func TestHMACVariants(t *testing.T) {
	t.Parallel()
	const (
		secret = "generic-secret"
		body   = `{"id":"evt-7"}`
		sha512 = "bnGys4M/984BjSVQ+6HpVmd11/O7NSV/Kh3KyVacPD+gxE6eeAnDStIZfuOjHR0yHklqdfkhdLw+Eil5eWT+jA=="
		sha1   = "c8809bdd8e3482a1eb7fa9f9e9e45512e417f425"
	)
	sha512Config := verify.Config{
		Scheme: verify.SchemeHMAC, Secrets: []string{secret}, Header: "X-Sig", Algorithm: "sha512", Encoding: "base64",
		SignedContent: "{timestamp}:{body}", TimestampHeader: "X-Sig-Time", EventIDPointer: "/id",
	}
	sha1Config := verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{secret}, Header: "X-Sig", Algorithm: "sha1", Prefix: "sha1="}
	for name, tc := range map[string]struct {
		cfg    verify.Config
		header http.Header
		want   verify.Reason
		result verify.Result
	}{
		"sha512, base64, timestamp template": {
			cfg:    sha512Config,
			header: http.Header{"X-Sig": {sha512}, "X-Sig-Time": {"1700000000"}},
			result: verify.Result{EventID: "evt-7", Timestamp: testNow},
		},
		"timestamp not signed as sent": {
			cfg:    sha512Config,
			header: http.Header{"X-Sig": {sha512}, "X-Sig-Time": {"1700000001"}},
			want:   verify.ReasonBadSignature,
		},
		"timestamp missing": {cfg: sha512Config, header: http.Header{"X-Sig": {sha512}}, want: verify.ReasonMissingHeader},
		"timestamp in milliseconds": {
			cfg:    sha512Config,
			header: http.Header{"X-Sig": {sha512}, "X-Sig-Time": {"1700000000000"}},
			want:   verify.ReasonTimestampExpired,
		},
		"sha1, hex, prefix": {cfg: sha1Config, header: http.Header{"X-Sig": {"sha1=" + sha1}}},
		"prefix missing":    {cfg: sha1Config, header: http.Header{"X-Sig": {sha1}}, want: verify.ReasonMalformedHeader},
		"prefix only":       {cfg: sha1Config, header: http.Header{"X-Sig": {"sha1="}}, want: verify.ReasonBadSignature},
		"odd hex":           {cfg: sha1Config, header: http.Header{"X-Sig": {"sha1=" + sha1[1:]}}, want: verify.ReasonMalformedHeader},
		"wrong algorithm": {
			cfg:    verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{secret}, Header: "X-Sig"},
			header: http.Header{"X-Sig": {sha1}},
			want:   verify.ReasonBadSignature,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := verify.Request{Header: tc.header, Body: []byte(body), Now: testNow}
			res, err := newVerifier(t, tc.cfg).Verify(req)
			wantReason(t, err, tc.want, req, secret)
			if res != tc.result {
				t.Errorf("Verify = %+v, want %+v", res, tc.result)
			}
		})
	}
}
