package verify_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/verify"
)

// The fuzz tests feed arbitrary header values to each parser of untrusted
// input. Whatever comes in, Verify must not panic, must fail only with a
// *verify.Error of a known reason, must not quote what it was sent, and may
// accept only timestamps within the tolerance.

var reasons = []verify.Reason{
	verify.ReasonMissingHeader, verify.ReasonMalformedHeader, verify.ReasonBadSignature,
	verify.ReasonTimestampExpired, verify.ReasonMissingCredentials, verify.ReasonBadCredentials,
}

func fuzzVerify(t *testing.T, cfg verify.Config, h http.Header, body []byte) {
	t.Helper()
	req := verify.Request{Header: h, Body: body, Now: testNow}
	res, err := newVerifier(t, cfg).Verify(req)
	if err == nil {
		if !res.Timestamp.IsZero() && (res.Timestamp.Sub(testNow).Abs() > verify.DefaultTolerance) {
			t.Errorf("accepted timestamp %v, %v from now", res.Timestamp, res.Timestamp.Sub(testNow))
		}
		return
	}
	e, ok := errors.AsType[*verify.Error](err)
	if !ok {
		t.Fatalf("Verify = %#v, want a *verify.Error", err)
	}
	found := false
	for _, r := range reasons {
		found = found || e.Reason == r
	}
	if !found {
		t.Errorf("unknown reason %q", e.Reason)
	}
	// Header names and the fixed text of messages are shorter than 32 bytes, so
	// a longer input in the message was quoted.
	for _, s := range append([]string{string(body)}, headerValues(h)...) {
		if len(s) >= 32 && strings.Contains(err.Error(), s) {
			t.Errorf("error %q quotes the input %q", err, s)
		}
	}
}

func headerValues(h http.Header) []string {
	var vs []string
	for _, v := range h {
		vs = append(vs, v...)
	}
	return vs
}

func FuzzStripeSignature(f *testing.F) {
	const secret = "whsec_fuzz"
	body := []byte(testBody)
	good := stripeHeader(secret, testNow, body)
	for _, seed := range []string{
		good, good + ",v0=abc", "t=1700000000", "t=,v1=", "v1=00", "t=1700000000,v1=zz", ",,,", "t=1=2,v1=3",
		"t=9223372036854775807,v1=" + strings.Repeat("0", 64), "t=-1,v1=00", good + "," + good,
	} {
		f.Add(seed, body)
	}
	cfg := verify.Config{Scheme: verify.SchemeStripe, Secrets: []string{secret}}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		fuzzVerify(t, cfg, http.Header{"Stripe-Signature": {header}}, body)
	})
}

func FuzzGitHubSignature(f *testing.F) {
	const secret = "It's a Secret to Everybody"
	body := []byte("Hello, World!")
	for _, seed := range []string{
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha256=", "sha256", "sha1=00", "=", "sha256=0",
	} {
		f.Add(seed, body)
	}
	cfg := verify.Config{Scheme: verify.SchemeGitHub, Secrets: []string{secret}}
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		fuzzVerify(t, cfg, http.Header{"X-Hub-Signature-256": {sig}}, body)
	})
}

func FuzzSlackSignature(f *testing.F) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	body := []byte(`{"type":"url_verification","challenge":"c"}`)
	good := slackRequest(nil, secret, testNow, body).Header
	f.Add(good.Get("X-Slack-Signature"), good.Get("X-Slack-Request-Timestamp"), body)
	f.Add("v0=", "1700000000", body)
	f.Add("v0=zz", "+1700000000", body)
	f.Add("", "01700000000", []byte{})
	f.Add("v0", "99999999999999999999", body)
	cfg := verify.Config{Scheme: verify.SchemeSlack, Secrets: []string{secret}}
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		fuzzVerify(t, cfg, http.Header{"X-Slack-Signature": {sig}, "X-Slack-Request-Timestamp": {ts}}, body)
	})
}

func FuzzHMACSignature(f *testing.F) {
	const secret = "generic-secret"
	body := []byte(`{"id":"evt-7"}`)
	f.Add("sha512=bnGys4M/984BjSVQ+6HpVmd11/O7NSV/Kh3KyVacPD+gxE6eeAnDStIZfuOjHR0yHklqdfkhdLw+Eil5eWT+jA==", "1700000000", body)
	f.Add("sha512=", "1700000000", body)
	f.Add("sha512=====", "0", body)
	f.Add("sha512=bnGy\n", "", body)
	cfg := verify.Config{
		Scheme: verify.SchemeHMAC, Secrets: []string{secret}, Header: "X-Sig", Prefix: "sha512=", Algorithm: "sha512", Encoding: "base64",
		SignedContent: "{timestamp}:{body}", TimestampHeader: "X-Sig-Time", EventIDPointer: "/id",
	}
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		fuzzVerify(t, cfg, http.Header{"X-Sig": {sig}, "X-Sig-Time": {ts}}, body)
	})
}

func FuzzBasicAuthorization(f *testing.F) {
	for _, seed := range []string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte("stripe:hunter2-hunter2")), "Basic ", "Basic", "basic Og==", "Bearer x", "Basic !!!", " Basic Og==",
	} {
		f.Add(seed)
	}
	cfg := verify.Config{Scheme: verify.SchemeBasic, Username: "stripe", Secrets: []string{"hunter2-hunter2"}}
	f.Fuzz(func(t *testing.T, authorization string) {
		fuzzVerify(t, cfg, http.Header{"Authorization": {authorization}}, nil)
	})
}

// FuzzEventIDPointer checks that any pointer Validate accepts can be looked
// up in any body without panicking.
func FuzzEventIDPointer(f *testing.F) {
	f.Add("/id", []byte(`{"id":"evt_1"}`))
	f.Add("/a/0/~1~0", []byte(`{"a":[{"/~":1e400}]}`))
	f.Add("/", []byte(`[`))
	f.Add("/-", []byte(`[1]`))
	f.Fuzz(func(t *testing.T, pointer string, body []byte) {
		cfg := verify.Config{Scheme: verify.SchemeNone, EventIDPointer: pointer}
		if cfg.Validate() != nil {
			return
		}
		if _, err := newVerifier(t, cfg).Verify(verify.Request{Body: body, Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
	})
}
