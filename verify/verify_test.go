package verify_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/patchbay/patchbay/verify"
	"github.com/patchbay/patchbay/webhook"
)

// testNow is the receiver's clock in tests that do not compare with a
// provider library (those use the real clock, as the libraries do).
var testNow = time.Unix(1_700_000_000, 0)

// testBody carries the event IDs that the Stripe and Slack schemes read from
// the body.
const testBody = `{"id":"evt_1NG8Du2eZvKYlo2C","event_id":"Ev08MFMKH6","type":"test.event"}`

// fixture describes how a provider signs a request, for the checks that every
// scheme must pass.
type fixture struct {
	cfg       verify.Config // without Secrets
	newSecret func() string
	// sign returns the request the provider sends for body at ts under secret.
	sign func(t *testing.T, secret string, ts time.Time, body []byte) verify.Request
	// authHeader is the header that is removed for the missing-header case.
	authHeader    string
	missingReason verify.Reason
	wrongReason   verify.Reason // for a wrong secret
	signsBody     bool
	timestamped   bool
	wantEventID   string
}

func randomSecret(prefix string) func() string {
	return func() string { return prefix + rand.Text() }
}

func hmacHex(secret string, parts ...string) string {
	m := hmac.New(sha256.New, []byte(secret))
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}

func unix(ts time.Time) string { return strconv.FormatInt(ts.Unix(), 10) }

func fixtures() map[string]fixture {
	return map[string]fixture{
		"stripe": {
			cfg:       verify.Config{Scheme: verify.SchemeStripe},
			newSecret: randomSecret("whsec_"),
			sign: func(_ *testing.T, secret string, ts time.Time, body []byte) verify.Request {
				p := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: ts})
				return verify.Request{Header: http.Header{"Stripe-Signature": {p.Header}}, Body: body}
			},
			authHeader: "Stripe-Signature", missingReason: verify.ReasonMissingHeader, wrongReason: verify.ReasonBadSignature,
			signsBody: true, timestamped: true, wantEventID: "evt_1NG8Du2eZvKYlo2C",
		},
		"github": {
			cfg:       verify.Config{Scheme: verify.SchemeGitHub},
			newSecret: randomSecret(""),
			sign: func(_ *testing.T, secret string, _ time.Time, body []byte) verify.Request {
				h := http.Header{}
				h.Set("X-Hub-Signature-256", "sha256="+hmacHex(secret, string(body)))
				h.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
				return verify.Request{Header: h, Body: body}
			},
			authHeader: "X-Hub-Signature-256", missingReason: verify.ReasonMissingHeader, wrongReason: verify.ReasonBadSignature,
			signsBody: true, wantEventID: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
		},
		"shopify": {
			cfg:       verify.Config{Scheme: verify.SchemeShopify},
			newSecret: randomSecret("shpss_"),
			sign: func(_ *testing.T, secret string, _ time.Time, body []byte) verify.Request {
				h := http.Header{}
				h.Set("X-Shopify-Hmac-Sha256", shopifyHMAC(secret, body))
				h.Set("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
				return verify.Request{Header: h, Body: body}
			},
			authHeader: "X-Shopify-Hmac-Sha256", missingReason: verify.ReasonMissingHeader, wrongReason: verify.ReasonBadSignature,
			signsBody: true, wantEventID: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
		},
		"slack": {
			cfg:        verify.Config{Scheme: verify.SchemeSlack},
			newSecret:  randomSecret(""),
			sign:       slackRequest,
			authHeader: "X-Slack-Signature", missingReason: verify.ReasonMissingHeader, wrongReason: verify.ReasonBadSignature,
			signsBody: true, timestamped: true, wantEventID: "Ev08MFMKH6",
		},
		"standard": {
			cfg:       verify.Config{Scheme: verify.SchemeStandard},
			newSecret: webhook.NewSecret,
			sign: func(t *testing.T, secret string, ts time.Time, body []byte) verify.Request {
				return standardRequest(t, secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", ts, body)
			},
			authHeader: "webhook-signature", missingReason: verify.ReasonMissingHeader, wrongReason: verify.ReasonBadSignature,
			signsBody: true, timestamped: true, wantEventID: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
		},
		"hmac": {
			cfg: verify.Config{
				Scheme: verify.SchemeHMAC, Header: "X-Signature", Prefix: "sha256=",
				SignedContent: "{timestamp}.{body}", TimestampHeader: "X-Timestamp", EventIDHeader: "X-Event-Id",
			},
			newSecret: randomSecret(""),
			sign: func(_ *testing.T, secret string, ts time.Time, body []byte) verify.Request {
				h := http.Header{}
				h.Set("X-Signature", "sha256="+hmacHex(secret, unix(ts), ".", string(body)))
				h.Set("X-Timestamp", unix(ts))
				h.Set("X-Event-Id", "evt-42")
				return verify.Request{Header: h, Body: body}
			},
			authHeader: "X-Signature", missingReason: verify.ReasonMissingHeader, wrongReason: verify.ReasonBadSignature,
			signsBody: true, timestamped: true, wantEventID: "evt-42",
		},
		"basic": {
			cfg:       verify.Config{Scheme: verify.SchemeBasic, Username: "stripe", EventIDPointer: "/id"},
			newSecret: randomSecret(""),
			sign: func(_ *testing.T, secret string, _ time.Time, body []byte) verify.Request {
				r, _ := http.NewRequest(http.MethodPost, "/", nil)
				r.SetBasicAuth("stripe", secret)
				return verify.Request{Header: r.Header, Body: body}
			},
			authHeader: "Authorization", missingReason: verify.ReasonMissingCredentials, wrongReason: verify.ReasonBadCredentials,
			wantEventID: "evt_1NG8Du2eZvKYlo2C",
		},
		"api_key in header": {
			cfg:       verify.Config{Scheme: verify.SchemeAPIKey, Header: "Authorization", Prefix: "Bearer ", EventIDPointer: "/event_id"},
			newSecret: randomSecret("key_"),
			sign: func(_ *testing.T, secret string, _ time.Time, body []byte) verify.Request {
				return verify.Request{Header: http.Header{"Authorization": {"Bearer " + secret}}, Body: body}
			},
			authHeader: "Authorization", missingReason: verify.ReasonMissingCredentials, wrongReason: verify.ReasonBadCredentials,
			wantEventID: "Ev08MFMKH6",
		},
		"api_key in query": {
			cfg:       verify.Config{Scheme: verify.SchemeAPIKey, QueryParam: "token"},
			newSecret: randomSecret("key_"),
			sign: func(_ *testing.T, secret string, _ time.Time, body []byte) verify.Request {
				return verify.Request{Header: http.Header{}, Query: url.Values{"token": {secret}}, Body: body}
			},
			missingReason: verify.ReasonMissingCredentials, wrongReason: verify.ReasonBadCredentials,
		},
	}
}

func shopifyHMAC(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64Std(m.Sum(nil))
}

func slackRequest(_ *testing.T, secret string, ts time.Time, body []byte) verify.Request {
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", unix(ts))
	h.Set("X-Slack-Signature", "v0="+hmacHex(secret, "v0:", unix(ts), ":", string(body)))
	return verify.Request{Header: h, Body: body}
}

// standardRequest is a delivery signed by the official Standard Webhooks library.
func standardRequest(t *testing.T, secret, id string, ts time.Time, body []byte) verify.Request {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, unix(ts))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	return verify.Request{Header: h, Body: body}
}

func newVerifier(t *testing.T, cfg verify.Config) *verify.Verifier {
	t.Helper()
	v, err := verify.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantReason checks that err is a *verify.Error with reason want, and that its
// message quotes none of secrets, the body, or the received header values.
func wantReason(t *testing.T, err error, want verify.Reason, req verify.Request, secrets ...string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return
	}
	e, ok := errors.AsType[*verify.Error](err)
	if !ok {
		t.Fatalf("Verify = %v, want a *verify.Error with reason %s", err, want)
	}
	if e.Reason != want {
		t.Errorf("Verify = %q (reason %s), want reason %s", err, e.Reason, want)
	}
	checkNoLeak(t, err, req, secrets...)
}

// checkNoLeak fails if the message of err contains one of secrets, the body,
// a received header value or a query value; only values long enough not to
// appear by chance (such as a header name) are checked.
func checkNoLeak(t testing.TB, err error, req verify.Request, secrets ...string) {
	t.Helper()
	leaks := append([]string{string(req.Body)}, secrets...)
	for _, vs := range req.Header {
		leaks = append(leaks, vs...)
	}
	for _, vs := range req.Query {
		leaks = append(leaks, vs...)
	}
	for _, leak := range leaks {
		if len(leak) >= 12 && strings.Contains(err.Error(), leak) {
			t.Errorf("error %q quotes %q", err, leak)
		}
	}
}

// TestSchemes runs every scheme through the same cases: a valid request, a
// tampered body, a wrong secret, a rotation, an expired timestamp, a missing
// header, and the event ID.
func TestSchemes(t *testing.T) {
	t.Parallel()
	for name, f := range fixtures() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			secret, other := f.newSecret(), f.newSecret()
			verifier := func(secrets ...string) *verify.Verifier {
				cfg := f.cfg
				cfg.Secrets = secrets
				return newVerifier(t, cfg)
			}
			body := []byte(testBody)
			signed := func(ts time.Time) verify.Request {
				req := f.sign(t, secret, ts, body)
				req.Now = testNow
				return req
			}

			t.Run("valid", func(t *testing.T) {
				res, err := verifier(secret).Verify(signed(testNow))
				if err != nil {
					t.Fatal(err)
				}
				want := verify.Result{EventID: f.wantEventID}
				if f.timestamped {
					want.Timestamp = testNow
				}
				if res != want {
					t.Errorf("Verify = %+v, want %+v", res, want)
				}
			})
			t.Run("tampered body", func(t *testing.T) {
				req := signed(testNow)
				req.Body = []byte(strings.Replace(testBody, "test.event", "test.evenT", 1))
				_, err := verifier(secret).Verify(req)
				if !f.signsBody {
					wantReason(t, err, "", req)
					return
				}
				wantReason(t, err, verify.ReasonBadSignature, req, secret)
			})
			t.Run("wrong secret", func(t *testing.T) {
				req := signed(testNow)
				_, err := verifier(other).Verify(req)
				wantReason(t, err, f.wrongReason, req, secret, other)
			})
			t.Run("rotation", func(t *testing.T) {
				for name, secrets := range map[string][]string{"new secret second": {other, secret}, "new secret first": {secret, other}} {
					if _, err := verifier(secrets...).Verify(signed(testNow)); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
			})
			t.Run("missing header", func(t *testing.T) {
				req := signed(testNow)
				if f.authHeader == "" {
					req.Query = nil
				} else {
					req.Header.Del(f.authHeader)
				}
				_, err := verifier(secret).Verify(req)
				wantReason(t, err, f.missingReason, req, secret)
			})
			t.Run("no headers at all", func(t *testing.T) {
				_, err := verifier(secret).Verify(verify.Request{Body: body, Now: testNow})
				wantReason(t, err, f.missingReason, verify.Request{}, secret)
			})
			if !f.timestamped {
				return
			}
			t.Run("expired timestamp", func(t *testing.T) {
				for _, skew := range []time.Duration{-verify.DefaultTolerance - time.Second, verify.DefaultTolerance + time.Second, -24 * time.Hour} {
					req := signed(testNow.Add(skew))
					_, err := verifier(secret).Verify(req)
					wantReason(t, err, verify.ReasonTimestampExpired, req, secret)
				}
			})
			t.Run("tolerance is inclusive", func(t *testing.T) {
				for _, skew := range []time.Duration{-verify.DefaultTolerance, verify.DefaultTolerance} {
					if _, err := verifier(secret).Verify(signed(testNow.Add(skew))); err != nil {
						t.Errorf("skew %v: %v", skew, err)
					}
				}
			})
			t.Run("custom tolerance", func(t *testing.T) {
				cfg := f.cfg
				cfg.Secrets = []string{secret}
				cfg.Tolerance = 10 * time.Second
				v := newVerifier(t, cfg)
				if _, err := v.Verify(signed(testNow.Add(-10 * time.Second))); err != nil {
					t.Errorf("at the limit: %v", err)
				}
				req := signed(testNow.Add(-11 * time.Second))
				_, err := v.Verify(req)
				wantReason(t, err, verify.ReasonTimestampExpired, req, secret)
			})
		})
	}
}

// TestVerifyUsesClock checks that a zero Request.Now means the real clock.
func TestVerifyUsesClock(t *testing.T) {
	t.Parallel()
	f := fixtures()["slack"]
	secret := f.newSecret()
	v := newVerifier(t, verify.Config{Scheme: verify.SchemeSlack, Secrets: []string{secret}})
	if _, err := v.Verify(f.sign(t, secret, time.Now(), []byte(testBody))); err != nil {
		t.Errorf("signed now: %v", err)
	}
	_, err := v.Verify(f.sign(t, secret, testNow, []byte(testBody)))
	wantReason(t, err, verify.ReasonTimestampExpired, verify.Request{}, secret)
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
