package verify_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/patchbay/patchbay/verify"
)

func TestBasic(t *testing.T) {
	t.Parallel()
	const password = "correct horse battery staple"
	v := newVerifier(t, verify.Config{Scheme: verify.SchemeBasic, Username: "stripe", Secrets: []string{"old password", password}})
	basic := func(s string) http.Header {
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(s))}}
	}
	for name, tc := range map[string]struct {
		header http.Header
		want   verify.Reason
	}{
		"valid":                  {header: basic("stripe:" + password)},
		"old password":           {header: basic("stripe:old password")},
		"colon in password":      {header: basic("stripe:a:b"), want: verify.ReasonBadCredentials},
		"lower-case scheme":      {header: http.Header{"Authorization": {"basic " + base64.StdEncoding.EncodeToString([]byte("stripe:"+password))}}},
		"wrong password":         {header: basic("stripe:" + password + "!"), want: verify.ReasonBadCredentials},
		"wrong user":             {header: basic("Stripe:" + password), want: verify.ReasonBadCredentials},
		"password as user":       {header: basic(password + ":stripe"), want: verify.ReasonBadCredentials},
		"empty password":         {header: basic("stripe:"), want: verify.ReasonBadCredentials},
		"no colon":               {header: basic("stripe"), want: verify.ReasonMalformedHeader},
		"not base64":             {header: http.Header{"Authorization": {"Basic stripe:" + password}}, want: verify.ReasonMalformedHeader},
		"bearer":                 {header: http.Header{"Authorization": {"Bearer " + password}}, want: verify.ReasonMalformedHeader},
		"missing":                {header: http.Header{}, want: verify.ReasonMissingCredentials},
		"credentials in a query": {header: nil, want: verify.ReasonMissingCredentials},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := verify.Request{Header: tc.header, Query: url.Values{"password": {password}}, Body: []byte(testBody)}
			_, err := v.Verify(req)
			wantReason(t, err, tc.want, req, password, "old password")
		})
	}
}

func TestAPIKey(t *testing.T) {
	t.Parallel()
	const key = "key_2f1d0c6a9b8e7d6c5b4a"
	for name, tc := range map[string]struct {
		cfg  verify.Config
		req  verify.Request
		want verify.Reason
	}{
		"header": {
			cfg: verify.Config{Scheme: verify.SchemeAPIKey, Header: "X-Api-Key", Secrets: []string{key}},
			req: verify.Request{Header: http.Header{"X-Api-Key": {key}}},
		},
		"header with prefix": {
			cfg: verify.Config{Scheme: verify.SchemeAPIKey, Header: "Authorization", Prefix: "Bearer ", Secrets: []string{key}},
			req: verify.Request{Header: http.Header{"Authorization": {"Bearer " + key}}},
		},
		"prefix missing": {
			cfg:  verify.Config{Scheme: verify.SchemeAPIKey, Header: "Authorization", Prefix: "Bearer ", Secrets: []string{key}},
			req:  verify.Request{Header: http.Header{"Authorization": {key}}},
			want: verify.ReasonBadCredentials,
		},
		"key only in the query": {
			cfg:  verify.Config{Scheme: verify.SchemeAPIKey, Header: "X-Api-Key", Secrets: []string{key}},
			req:  verify.Request{Query: url.Values{"X-Api-Key": {key}}},
			want: verify.ReasonMissingCredentials,
		},
		"query": {
			cfg: verify.Config{Scheme: verify.SchemeAPIKey, QueryParam: "token", Secrets: []string{key}},
			req: verify.Request{Query: url.Values{"token": {key}}},
		},
		"key prefix only": {
			cfg:  verify.Config{Scheme: verify.SchemeAPIKey, QueryParam: "token", Secrets: []string{key}},
			req:  verify.Request{Query: url.Values{"token": {key[:10]}}},
			want: verify.ReasonBadCredentials,
		},
		"key only in a header": {
			cfg:  verify.Config{Scheme: verify.SchemeAPIKey, QueryParam: "token", Secrets: []string{key}},
			req:  verify.Request{Header: http.Header{"Token": {key}}},
			want: verify.ReasonMissingCredentials,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := newVerifier(t, tc.cfg).Verify(tc.req)
			wantReason(t, err, tc.want, tc.req, key)
		})
	}
}

func TestNoneAcceptsAnything(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, verify.Config{Scheme: verify.SchemeNone, EventIDHeader: "X-Request-Id"})
	res, err := v.Verify(verify.Request{Header: http.Header{"X-Request-Id": {"req-9"}}, Body: []byte("anything")})
	if err != nil || res != (verify.Result{EventID: "req-9"}) {
		t.Errorf("Verify = %+v, %v", res, err)
	}
	if res, err := v.Verify(verify.Request{}); err != nil || res != (verify.Result{}) {
		t.Errorf("Verify of an empty request = %+v, %v", res, err)
	}
}
