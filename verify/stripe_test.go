package verify_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/patchbay/patchbay/verify"
)

// These tests hold the stripe scheme to stripe-go v82 (webhook.ValidatePayload
// and webhook.ConstructEvent), which always uses the real clock, so requests
// here are signed around time.Now().

func stripeHeader(secret string, ts time.Time, body []byte) string {
	return stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: ts}).Header
}

// stripeEvent is a minimal event body that ConstructEvent accepts: its API
// version must match the library's.
func stripeEvent(id string) []byte {
	return fmt.Appendf(nil, `{"id":%q,"object":"event","api_version":%q,"type":"invoice.paid","data":{"object":{"id":"in_1"}}}`, id, stripe.APIVersion)
}

func TestStripeAgreesWithStripeGo(t *testing.T) {
	t.Parallel()
	const secret, oldSecret = "whsec_test_secret_current", "whsec_test_secret_previous"
	body := stripeEvent("evt_1NG8Du2eZvKYlo2C")
	now := time.Now()
	good := stripeHeader(secret, now, body)
	goodSig := good[strings.Index(good, "v1=")+3:]
	v0Only := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: now, Scheme: "v0"}).Header
	ts := fmt.Sprintf("t=%d", now.Unix())

	for name, tc := range map[string]struct {
		header string
		body   []byte // nil means body
		want   bool
	}{
		"valid":                      {header: good, want: true},
		"tampered body":              {header: good, body: append(stripeEvent("evt_1NG8Du2eZvKYlo2C"), ' ')},
		"signed with another secret": {header: stripeHeader("whsec_someone_else", now, body)},
		"signed with the old secret": {header: stripeHeader(oldSecret, now, body), want: true},
		"ten minutes old":            {header: stripeHeader(secret, now.Add(-10*time.Minute), body)},
		"four minutes old":           {header: stripeHeader(secret, now.Add(-4*time.Minute), body), want: true},
		"bad v1, then good v1":       {header: ts + ",v1=" + strings.Repeat("ab", 32) + ",v1=" + goodSig, want: true},
		"v0 ignored, v1 good":        {header: ts + ",v0=" + strings.Repeat("cd", 32) + ",v1=" + goodSig, want: true},
		"v0 only":                    {header: v0Only},
		"v1 not hex, then good v1":   {header: ts + ",v1=zz,v1=" + goodSig, want: true},
		"upper-case hex":             {header: ts + ",v1=" + strings.ToUpper(goodSig), want: true},
		"truncated signature":        {header: ts + ",v1=" + goodSig[:62]},
		"timestamp changed":          {header: fmt.Sprintf("t=%d,v1=%s", now.Unix()-1, goodSig)},
		"no timestamp":               {header: "v1=" + goodSig},
		"no signature":               {header: ts},
		"empty":                      {header: ""},
		"garbage":                    {header: "hello"},
		"element without =":          {header: good + ",junk"},
		"timestamp not a number":     {header: "t=soon,v1=" + goodSig},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			received := tc.body
			if received == nil {
				received = body
			}
			// A rotation, as stripe-go users write it: try each secret in turn.
			theirs := stripewebhook.ValidatePayload(received, tc.header, oldSecret)
			if theirs != nil {
				theirs = stripewebhook.ValidatePayload(received, tc.header, secret)
			}
			h := http.Header{}
			h.Set("Stripe-Signature", tc.header)
			req := verify.Request{Header: h, Body: received}
			res, ours := newVerifier(t, verify.Config{Scheme: verify.SchemeStripe, Secrets: []string{oldSecret, secret}}).Verify(req)
			if (theirs == nil) != tc.want || (ours == nil) != tc.want {
				t.Fatalf("want accepted=%v; stripe-go: %v; ours: %v", tc.want, theirs, ours)
			}
			if ours != nil {
				checkNoLeak(t, ours, req, secret, oldSecret, goodSig)
				return
			}
			event, err := stripewebhook.ConstructEvent(received, tc.header, secret)
			if err != nil {
				event, err = stripewebhook.ConstructEvent(received, tc.header, oldSecret)
			}
			if err != nil {
				t.Fatalf("ConstructEvent: %v", err)
			}
			if res.EventID != event.ID {
				t.Errorf("EventID = %q, ConstructEvent's event.ID = %q", res.EventID, event.ID)
			}
		})
	}
}

// TestStripeStricterThanStripeGo records where stripe-go accepts what we
// refuse, so that a change on either side is noticed.
func TestStripeStricterThanStripeGo(t *testing.T) {
	t.Parallel()
	const secret = "whsec_test_secret_current"
	body := stripeEvent("evt_1")
	now := time.Now()
	sig := func(ts string) string { return hmacHex(secret, ts, ".", string(body)) }
	for name, tc := range map[string]struct {
		header string
		want   verify.Reason
	}{
		// stripe-go only refuses old timestamps; a far-future one would let a
		// captured request be replayed for as long.
		"an hour in the future": {header: stripeHeader(secret, now.Add(time.Hour), body), want: verify.ReasonTimestampExpired},
		// stripe-go signs the parsed time, so "+1700000000" verifies with the
		// signature of "1700000000"; we require the text that was signed.
		"timestamp with plus sign": {header: fmt.Sprintf("t=+%d,v1=%s", now.Unix(), sig(fmt.Sprint(now.Unix()))), want: verify.ReasonMalformedHeader},
		// stripe-go takes the last t.
		"two timestamps": {header: fmt.Sprintf("t=1,t=%d,v1=%s", now.Unix(), sig(fmt.Sprint(now.Unix()))), want: verify.ReasonMalformedHeader},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := stripewebhook.ValidatePayload(body, tc.header, secret); err != nil {
				t.Errorf("stripe-go now refuses this (%v); update this test", err)
			}
			h := http.Header{}
			h.Set("Stripe-Signature", tc.header)
			_, err := newVerifier(t, verify.Config{Scheme: verify.SchemeStripe, Secrets: []string{secret}}).Verify(verify.Request{Header: h, Body: body})
			wantReason(t, err, tc.want, verify.Request{Header: h, Body: body}, secret)
		})
	}
}

func TestStripeSignatureLimits(t *testing.T) {
	t.Parallel()
	const secret = "whsec_limits"
	body := []byte(testBody)
	good := stripeHeader(secret, testNow, body)
	goodSig := good[strings.Index(good, "v1=")+3:]
	bogus := ",v1=" + strings.Repeat("ab", 32)
	ts := fmt.Sprintf("t=%d", testNow.Unix())
	for name, tc := range map[string]struct {
		header string
		want   verify.Reason
	}{
		"valid 16th signature": {header: ts + strings.Repeat(bogus, 15) + ",v1=" + goodSig},
		"valid 17th signature": {header: ts + strings.Repeat(bogus, 16) + ",v1=" + goodSig, want: verify.ReasonBadSignature},
		"header over 4 KiB":    {header: good + strings.Repeat(",v0=x", 1000), want: verify.ReasonMalformedHeader},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := verify.Request{Header: http.Header{"Stripe-Signature": {tc.header}}, Body: body, Now: testNow}
			_, err := newVerifier(t, verify.Config{Scheme: verify.SchemeStripe, Secrets: []string{secret}}).Verify(req)
			wantReason(t, err, tc.want, req, secret)
		})
	}
}
