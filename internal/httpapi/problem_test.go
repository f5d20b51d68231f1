package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// TestProblemMapping is the code → status and problem type table, written
// out: each apperr code answers with its status and a type of its own, and an
// error without a code is a 500.
func TestProblemMapping(t *testing.T) {
	t.Parallel()
	for code, want := range map[apperr.Code]struct {
		status int
		slug   string
	}{
		apperr.Invalid:          {http.StatusBadRequest, "invalid-request"},
		apperr.Unauthorized:     {http.StatusUnauthorized, "unauthorized"},
		apperr.Forbidden:        {http.StatusForbidden, "forbidden"},
		apperr.NotFound:         {http.StatusNotFound, "not-found"},
		apperr.MethodNotAllowed: {http.StatusMethodNotAllowed, "method-not-allowed"},
		apperr.Conflict:         {http.StatusConflict, "conflict"},
		apperr.TooLarge:         {http.StatusRequestEntityTooLarge, "payload-too-large"},
		apperr.Unprocessable:    {http.StatusUnprocessableEntity, "unprocessable"},
		apperr.QuotaExceeded:    {http.StatusTooManyRequests, "quota-exceeded"},
		apperr.BadGateway:       {http.StatusBadGateway, "bad-gateway"},
		apperr.Unavailable:      {http.StatusServiceUnavailable, "unavailable"},
		apperr.GatewayTimeout:   {http.StatusGatewayTimeout, "gateway-timeout"},
		apperr.Internal:         {http.StatusInternalServerError, "internal"},
	} {
		err := fmt.Errorf("wrapped: %w", apperr.Errorf(code, "something about %s", code))
		if got := httpapi.StatusOf(err); got != want.status {
			t.Errorf("StatusOf(%s) = %d, want %d", code, got, want.status)
		}
		if got := httpapi.ProblemTypeOf(err); got != httpapi.ProblemTypeBase+want.slug {
			t.Errorf("ProblemTypeOf(%s) = %q, want %q", code, got, httpapi.ProblemTypeBase+want.slug)
		}
	}
	if got := httpapi.StatusOf(errors.New("a bug")); got != http.StatusInternalServerError {
		t.Errorf("StatusOf(uncoded error) = %d, want 500", got)
	}
}

// TestErrorWritesProblem: a coded error is answered with its message and
// every field problem, sorted; an internal error's text never reaches the
// client; a 503 tells the client when to retry.
func TestErrorWritesProblem(t *testing.T) {
	t.Parallel()
	answer := func(err error) (*httptest.ResponseRecorder, httpapi.Problem) {
		t.Helper()
		w := httptest.NewRecorder()
		httpapi.Error(w, httptest.NewRequest(http.MethodPost, "/v1/endpoints", nil), err)
		var p httpapi.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("body %q: %v", w.Body, err)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("Content-Type = %q", ct)
		}
		return w, p
	}

	w, p := answer(apperr.InvalidFields(map[string]string{"url": "must use https", "description": "too long"}))
	want := httpapi.Problem{Type: httpapi.ProblemTypeBase + "invalid-request", Title: "Invalid request", Status: 400,
		Detail: "the request has invalid fields", Instance: "/v1/endpoints",
		Errors: []httpapi.FieldProblem{{Field: "description", Detail: "too long"}, {Field: "url", Detail: "must use https"}}}
	if diff := cmp.Diff(want, p); diff != "" || w.Code != 400 {
		t.Errorf("invalid fields: status %d, problem (-want +got):\n%s", w.Code, diff)
	}

	w, p = answer(fmt.Errorf("insert: %w", errors.New("pq: secret column value abc123")))
	if w.Code != 500 || p.Status != 500 || p.Detail == "" || p.Errors != nil {
		t.Errorf("internal error: status %d, problem %+v", w.Code, p)
	}
	if body := w.Body.String(); strings.Contains(body, "abc123") || strings.Contains(body, "pq:") {
		t.Errorf("the internal error's text reached the client: %s", body)
	}

	w, _ = answer(apperr.Errorf(apperr.Unavailable, "the database is not answering"))
	if w.Code != 503 || w.Header().Get("Retry-After") == "" {
		t.Errorf("unavailable: status %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}
