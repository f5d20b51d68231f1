package verify_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/patchbay/patchbay/verify"
)

// TestSlackAgreesWithSlackGo holds the slack scheme to slack-go v0.35's
// SecretsVerifier, which uses the real clock.
func TestSlackAgreesWithSlackGo(t *testing.T) {
	t.Parallel()
	const secret, oldSecret = "8f742231b10e8888abcd99yyyzzz85a5", "e6b19c573432dcc6b075501d51b51bb8"
	body := []byte(`{"token":"x","team_id":"T1","type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention"}}`)
	now := time.Now()
	signed := func(secret string, ts time.Time) http.Header { return slackRequest(t, secret, ts, body).Header }
	with := func(h http.Header, name, value string) http.Header {
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	good := signed(secret, now).Get("X-Slack-Signature")

	for name, tc := range map[string]struct {
		header http.Header
		body   []byte // nil means body
		want   bool
	}{
		"valid":                      {header: signed(secret, now), want: true},
		"signed with the old secret": {header: signed(oldSecret, now), want: true},
		"four minutes old":           {header: signed(secret, now.Add(-4*time.Minute)), want: true},
		"upper-case hex":             {header: with(signed(secret, now), "X-Slack-Signature", "v0="+strings.ToUpper(good[3:])), want: true},
		"tampered body":              {header: signed(secret, now), body: []byte(strings.Replace(string(body), "T1", "T2", 1))},
		"signed with another secret": {header: signed("not the secret", now)},
		"six minutes old":            {header: signed(secret, now.Add(-6*time.Minute))},
		"six minutes ahead":          {header: signed(secret, now.Add(6*time.Minute))},
		"no signature":               {header: with(signed(secret, now), "X-Slack-Signature", "")},
		"no timestamp":               {header: with(signed(secret, now), "X-Slack-Request-Timestamp", "")},
		"timestamp changed":          {header: with(signed(secret, now), "X-Slack-Request-Timestamp", unix(now.Add(-time.Second)))},
		"timestamp not a number":     {header: with(signed(secret, now), "X-Slack-Request-Timestamp", "now")},
		"no v0= prefix":              {header: with(signed(secret, now), "X-Slack-Signature", good[3:])},
		"v1= prefix":                 {header: with(signed(secret, now), "X-Slack-Signature", "v1="+good[3:])},
		"not hex":                    {header: with(signed(secret, now), "X-Slack-Signature", "v0="+strings.Repeat("zz", 32))},
		"truncated":                  {header: with(signed(secret, now), "X-Slack-Signature", good[:len(good)-2])},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			received := tc.body
			if received == nil {
				received = body
			}
			theirs := false
			for _, s := range []string{oldSecret, secret} {
				sv, err := slack.NewSecretsVerifier(tc.header, s)
				if err != nil {
					continue
				}
				if _, err := sv.Write(received); err != nil {
					t.Fatal(err)
				}
				theirs = theirs || sv.Ensure() == nil
			}
			req := verify.Request{Header: tc.header, Body: received}
			res, ours := newVerifier(t, verify.Config{Scheme: verify.SchemeSlack, Secrets: []string{oldSecret, secret}}).Verify(req)
			if theirs != tc.want || (ours == nil) != tc.want {
				t.Fatalf("want accepted=%v; slack-go: %v; ours: %v", tc.want, theirs, ours)
			}
			if ours != nil {
				checkNoLeak(t, ours, req, secret, oldSecret, good)
				return
			}
			if want := (verify.Result{EventID: "Ev08MFMKH6", Timestamp: time.Unix(now.Unix(), 0)}); tc.header.Get("X-Slack-Request-Timestamp") == unix(now) && res != want {
				t.Errorf("Verify = %+v, want %+v", res, want)
			}
		})
	}
}

func TestSlackURLVerification(t *testing.T) {
	t.Parallel()
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	v := newVerifier(t, verify.Config{Scheme: verify.SchemeSlack, Secrets: []string{secret}})
	for name, tc := range map[string]struct {
		body string
		want verify.Result
	}{
		"url_verification": {
			body: `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`,
			want: verify.Result{Challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", Timestamp: testNow},
		},
		"event with a challenge field": {
			body: `{"type":"event_callback","event_id":"Ev1","challenge":"not one"}`,
			want: verify.Result{EventID: "Ev1", Timestamp: testNow},
		},
		// Interactive payloads are form-encoded and have no event_id.
		"form body": {
			body: `payload=%7B%22type%22%3A%22block_actions%22%7D`,
			want: verify.Result{Timestamp: testNow},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := slackRequest(t, secret, testNow, []byte(tc.body))
			req.Now = testNow
			res, err := v.Verify(req)
			if err != nil {
				t.Fatal(err)
			}
			if res != tc.want {
				t.Errorf("Verify = %+v, want %+v", res, tc.want)
			}
		})
	}

	// The challenge is answered only when the request is authentic.
	req := slackRequest(t, "another secret", testNow, []byte(`{"type":"url_verification","challenge":"c"}`))
	req.Now = testNow
	if res, err := v.Verify(req); err == nil || res.Challenge != "" {
		t.Errorf("forged url_verification: Verify = %+v, %v", res, err)
	}
}
