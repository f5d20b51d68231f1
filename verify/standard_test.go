package verify_test

import (
	"net/http"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/patchbay/patchbay/verify"
	"github.com/patchbay/patchbay/webhook"
)

// TestStandardOfficialSigns checks that what the official Standard Webhooks
// library signs verifies here (it signs at the real clock's time), under the
// Standard Webhooks header names and under Svix's.
func TestStandardOfficialSigns(t *testing.T) {
	t.Parallel()
	secret, oldSecret := webhook.NewSecret(), webhook.NewSecret()
	body := []byte(`{"type":"invoice.paid","data":{"id":"inv_1"}}`)
	const id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	now := time.Now()
	v := newVerifier(t, verify.Config{Scheme: verify.SchemeStandard, Secrets: []string{oldSecret, secret}})
	want := verify.Result{EventID: id, Timestamp: time.Unix(now.Unix(), 0)}

	std := standardRequest(t, secret, id, now, body)
	svix := http.Header{
		"Svix-Id":        {id},
		"Svix-Timestamp": {std.Header.Get(standardwebhooks.HeaderWebhookTimestamp)},
		"Svix-Signature": {std.Header.Get(standardwebhooks.HeaderWebhookSignature)},
	}
	for name, h := range map[string]http.Header{
		"webhook-* headers": std.Header,
		"svix-* headers":    svix,
		"old secret":        standardRequest(t, oldSecret, id, now, body).Header,
	} {
		res, err := v.Verify(verify.Request{Header: h, Body: body})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if res != want {
			t.Errorf("%s: Verify = %+v, want %+v", name, res, want)
		}
	}

	svix.Set("Svix-Signature", standardRequest(t, webhook.NewSecret(), id, now, body).Header.Get(standardwebhooks.HeaderWebhookSignature))
	req := verify.Request{Header: svix, Body: body}
	_, err := v.Verify(req)
	wantReason(t, err, verify.ReasonBadSignature, req, secret, oldSecret)

	// Svix sends no webhook-* headers, so a half-renamed set is not combined.
	mixed := http.Header{"Webhook-Id": {id}, "Svix-Timestamp": svix["Svix-Timestamp"], "Svix-Signature": svix["Svix-Signature"]}
	req = verify.Request{Header: mixed, Body: body}
	_, err = v.Verify(req)
	wantReason(t, err, verify.ReasonMissingHeader, req, secret, oldSecret)
}

func TestStandardErrors(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	body := []byte(testBody)
	v := newVerifier(t, verify.Config{Scheme: verify.SchemeStandard, Secrets: []string{secret}})
	for name, tc := range map[string]struct {
		edit func(h http.Header)
		want verify.Reason
		msg  string
	}{
		"missing id": {
			edit: func(h http.Header) { h.Del("webhook-id") },
			want: verify.ReasonMissingHeader, msg: "verify: missing webhook-id header",
		},
		"timestamp not a number": {
			edit: func(h http.Header) { h.Set("webhook-timestamp", "soon") },
			want: verify.ReasonMalformedHeader, msg: "verify: webhook-timestamp timestamp is not decimal Unix seconds",
		},
		"old": {
			edit: func(h http.Header) { h.Set("webhook-timestamp", unix(testNow.Add(-time.Hour))) },
			want: verify.ReasonTimestampExpired, msg: "verify: webhook-timestamp timestamp is 1h0m0s old, beyond tolerance 5m0s",
		},
		"no v1 signature": {
			edit: func(h http.Header) { h.Set("webhook-signature", "v1a,abc") },
			want: verify.ReasonBadSignature, msg: "verify: webhook-signature matches none of the 1 configured secret(s)",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := standardRequest(t, secret, "msg_1", testNow, body)
			req.Now = testNow
			tc.edit(req.Header)
			_, err := v.Verify(req)
			wantReason(t, err, tc.want, req, secret)
			if err != nil && err.Error() != tc.msg {
				t.Errorf("Verify error = %q, want %q", err, tc.msg)
			}
		})
	}
}
