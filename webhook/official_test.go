package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/patchbay/patchbay/webhook"
)

// These tests hold this package to the official Standard Webhooks Go library
// (v0.0.1), which customers may use instead of it. That library always uses the
// real clock, so deliveries here are signed at time.Now().

// signFunc returns the signature header for one delivery signed with secret.
type signFunc func(t *testing.T, secret, id string, ts time.Time, body []byte) string

// verifyFunc verifies one delivery against secret.
type verifyFunc func(t *testing.T, secret string, h http.Header, body []byte) error

var (
	signers = map[string]signFunc{
		"ours": func(t *testing.T, secret, id string, ts time.Time, body []byte) string {
			return webhook.Sign(mustParseSecret(t, secret), id, ts, body)
		},
		"official": func(t *testing.T, secret, id string, ts time.Time, body []byte) string {
			t.Helper()
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := wh.Sign(id, ts, body)
			if err != nil {
				t.Fatal(err)
			}
			return sig
		},
	}
	verifiers = map[string]verifyFunc{
		"ours": func(_ *testing.T, secret string, h http.Header, body []byte) error {
			return webhook.Verify(secret, h, body)
		},
		"official": func(t *testing.T, secret string, h http.Header, body []byte) error {
			t.Helper()
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				t.Fatal(err)
			}
			return wh.Verify(body, h)
		},
	}
)

func officialHeader(id string, ts time.Time, sigs string) http.Header {
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, sigs)
	return h
}

func TestOfficialHeaderNames(t *testing.T) {
	t.Parallel()
	got := []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature}
	want := []string{standardwebhooks.HeaderWebhookID, standardwebhooks.HeaderWebhookTimestamp, standardwebhooks.HeaderWebhookSignature}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("header %d: ours %q, official %q", i, got[i], want[i])
		}
	}
}

// TestOfficialInterop signs with each library and verifies with each: the
// official library verifies what we sign, and we verify what it signs.
func TestOfficialInterop(t *testing.T) {
	t.Parallel()
	body := []byte(`{"type":"invoice.paid","data":{"id":"inv_1","amount":4200}}`)
	for signerName, sign := range signers {
		for verifierName, verify := range verifiers {
			for secretName, secret := range map[string]string{
				"new secret":        webhook.NewSecret(),
				"24-byte secret":    vectorSecret, // the minimum
				"unprefixed secret": strings.TrimPrefix(webhook.NewSecret(), webhook.SecretPrefix),
			} {
				t.Run(signerName+" signs, "+verifierName+" verifies, "+secretName, func(t *testing.T) {
					t.Parallel()
					now := time.Now()
					h := officialHeader(vectorID, now, sign(t, secret, vectorID, now, body))
					if err := verify(t, secret, h, body); err != nil {
						t.Errorf("valid delivery: %v", err)
					}
					if err := verify(t, secret, h, append(body, ' ')); err == nil {
						t.Error("tampered body verified")
					}
					if err := verify(t, webhook.NewSecret(), h, body); err == nil {
						t.Error("verified with the wrong secret")
					}
					old := now.Add(-time.Hour)
					h = officialHeader(vectorID, old, sign(t, secret, vectorID, old, body))
					if err := verify(t, secret, h, body); err == nil {
						t.Error("hour-old delivery verified")
					}
				})
			}
		}
	}
}

// TestOfficialRotation checks secret rotation across the libraries: a header
// with signatures under the old and the new secret verifies with either secret
// alone, and not with a third.
func TestOfficialRotation(t *testing.T) {
	t.Parallel()
	body := []byte(`{"type":"endpoint.rotated"}`)
	oldSecret, newSecret, unrelated := webhook.NewSecret(), webhook.NewSecret(), webhook.NewSecret()
	for signerName, sign := range signers {
		for verifierName, verify := range verifiers {
			t.Run(signerName+" signs, "+verifierName+" verifies", func(t *testing.T) {
				t.Parallel()
				now := time.Now()
				sigs := sign(t, oldSecret, vectorID, now, body) + " " + sign(t, newSecret, vectorID, now, body)
				h := officialHeader(vectorID, now, sigs)
				for name, secret := range map[string]string{"old": oldSecret, "new": newSecret} {
					if err := verify(t, secret, h, body); err != nil {
						t.Errorf("%s secret: %v", name, err)
					}
				}
				if err := verify(t, unrelated, h, body); err == nil {
					t.Error("unrelated secret verified")
				}
			})
		}
	}

	// SignatureHeader produces the same rotation header.
	now := time.Now()
	keys := [][]byte{mustParseSecret(t, oldSecret), mustParseSecret(t, newSecret)}
	h := officialHeader(vectorID, now, webhook.SignatureHeader(keys, vectorID, now, body))
	for _, secret := range []string{oldSecret, newSecret} {
		if err := verifiers["official"](t, secret, h, body); err != nil {
			t.Errorf("official library rejects SignatureHeader: %v", err)
		}
	}
}

// TestStricterThanOfficial records where the official library accepts what
// this package rejects, so that a change on either side is noticed.
func TestStricterThanOfficial(t *testing.T) {
	t.Parallel()
	body := []byte(vectorBody)
	for name, tc := range map[string]struct {
		secret string
		edit   func(h http.Header, sig string)
	}{
		// The official library parses the timestamp with strconv.ParseInt and signs
		// its canonical form, so "+1700000000" verifies there with the signature of
		// "1700000000"; here the header must be the text that was signed.
		"timestamp with plus sign": {vectorSecret, func(h http.Header, _ string) {
			h.Set(webhook.HeaderTimestamp, "+"+h.Get(webhook.HeaderTimestamp))
		}},
		"timestamp with leading zero": {vectorSecret, func(h http.Header, _ string) {
			h.Set(webhook.HeaderTimestamp, "0"+h.Get(webhook.HeaderTimestamp))
		}},
		// It splits entries on every comma and compares only the second part.
		"trailing field after signature": {vectorSecret, func(h http.Header, sig string) {
			h.Set(webhook.HeaderSignature, sig+",anything")
		}},
		// It accepts keys of any length, including none at all.
		"empty secret":   {"", func(http.Header, string) {}},
		"16-byte secret": {"whsec_" + strings.Repeat("A", 22) + "==", func(http.Header, string) {}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			now := time.Now()
			sig := signers["official"](t, tc.secret, vectorID, now, body)
			h := officialHeader(vectorID, now, sig)
			tc.edit(h, sig)
			if err := verifiers["official"](t, tc.secret, h, body); err != nil {
				t.Errorf("official library now rejects this (%v); update the comment in the package tests", err)
			}
			if err := webhook.Verify(tc.secret, h, body); err == nil {
				t.Error("webhook.Verify accepted it")
			}
		})
	}
}
