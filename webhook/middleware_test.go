package webhook_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/webhook"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	request := func(body io.Reader, h http.Header) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/hooks/patchbay", body)
		r.Header = h
		return r
	}
	type result struct {
		Status   int
		Response string // body written by the middleware, or "" when next ran
		NextBody string // body next read, or "" when it did not run
	}
	big := strings.Repeat("x", 2048)
	for name, tc := range map[string]struct {
		req          *http.Request
		maxBodyBytes int64
		want         result
	}{
		"valid": {
			req:  request(strings.NewReader(vectorBody), delivery(key, vectorID, testNow, vectorBody)),
			want: result{Status: http.StatusNoContent, NextBody: vectorBody},
		},
		"valid, at the size limit": {
			req:          request(strings.NewReader(big), delivery(key, vectorID, testNow, big)),
			maxBodyBytes: 2048,
			want:         result{Status: http.StatusNoContent, NextBody: big},
		},
		"tampered body": {
			req:  request(strings.NewReader(vectorBody+" "), delivery(key, vectorID, testNow, vectorBody)),
			want: result{Status: http.StatusUnauthorized, Response: "webhook: 1 v1 signature(s) checked against 1 secret(s): no matching webhook signature\n"},
		},
		"unsigned": {
			req:  request(strings.NewReader(vectorBody), http.Header{}),
			want: result{Status: http.StatusUnauthorized, Response: "webhook: webhook-id: missing webhook header\n"},
		},
		"over the size limit": {
			req:          request(strings.NewReader(big+"x"), delivery(key, vectorID, testNow, big+"x")),
			maxBodyBytes: 2048,
			want:         result{Status: http.StatusRequestEntityTooLarge, Response: "webhook body too large\n"},
		},
		"unreadable body": {
			req:  request(iotest.ErrReader(errors.New("connection reset")), delivery(key, vectorID, testNow, "")),
			want: result{Status: http.StatusBadRequest, Response: "cannot read webhook body\n"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := newTestVerifier(t, vectorSecret)
			v.MaxBodyBytes = tc.maxBodyBytes
			var got result
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				if err != nil {
					t.Errorf("next reading body: %v", err)
				}
				got.NextBody = string(b)
				w.WriteHeader(http.StatusNoContent)
			})
			rec := httptest.NewRecorder()
			v.Middleware(next).ServeHTTP(rec, tc.req)
			got.Status, got.Response = rec.Code, rec.Body.String()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Middleware (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMiddlewareDefaultLimit sends a body just over DefaultMaxBodyBytes, which
// must be refused before verification even when it is correctly signed.
func TestMiddlewareDefaultLimit(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	body := strings.Repeat("x", webhook.DefaultMaxBodyBytes+1)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header = delivery(key, vectorID, time.Now(), body)
	v, err := webhook.NewVerifier(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	v.Middleware(http.NotFoundHandler()).ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want %d", rec.Code, http.StatusRequestEntityTooLarge)
	}
}
