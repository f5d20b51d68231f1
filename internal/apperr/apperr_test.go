package apperr_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
)

// TestCodeOf: the code is that of the first *Error in the chain, however
// deeply wrapped; an error without one is Internal, and no error has no code.
func TestCodeOf(t *testing.T) {
	t.Parallel()
	notFound := apperr.Errorf(apperr.NotFound, "endpoint %s not found", "ep_1")
	for name, tc := range map[string]struct {
		err  error
		want apperr.Code
	}{
		"nil":                   {nil, ""},
		"plain error":           {io.EOF, apperr.Internal},
		"app error":             {notFound, apperr.NotFound},
		"wrapped app error":     {fmt.Errorf("get endpoint: %w", notFound), apperr.NotFound},
		"twice wrapped":         {fmt.Errorf("a: %w", fmt.Errorf("b: %w", notFound)), apperr.NotFound},
		"joined, first counts":  {errors.Join(io.EOF, apperr.Errorf(apperr.Conflict, "busy"), notFound), apperr.Conflict},
		"outer wins over cause": {&apperr.Error{Code: apperr.Unavailable, Message: "down", Err: notFound}, apperr.Unavailable},
		"invalid fields":        {apperr.InvalidFields(map[string]string{"url": "must use https"}), apperr.Invalid},
	} {
		if got := apperr.CodeOf(tc.err); got != tc.want {
			t.Errorf("%s: CodeOf(%v) = %q, want %q", name, tc.err, got, tc.want)
		}
	}
}

// TestErrorText: Message is what clients see; Error adds the cause for
// logs, and Unwrap keeps the cause reachable by errors.Is.
func TestErrorText(t *testing.T) {
	t.Parallel()
	e := apperr.Errorf(apperr.BadGateway, "the provider answered %d", 500)
	if got, want := e.Error(), "the provider answered 500"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e.Err = io.ErrUnexpectedEOF
	if got, want := e.Error(), "the provider answered 500: unexpected EOF"; got != want {
		t.Errorf("Error() with a cause = %q, want %q", got, want)
	}
	if !errors.Is(fmt.Errorf("proxy: %w", e), io.ErrUnexpectedEOF) {
		t.Error("errors.Is does not reach the cause through the *Error")
	}
	if e.Message != "the provider answered 500" {
		t.Errorf("Message = %q: the cause leaked into what clients see", e.Message)
	}
}

// TestInvalidFields keeps every field problem it is given.
func TestInvalidFields(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"url": "must use https", "filter_types/0": "unknown event type"}
	e := apperr.InvalidFields(fields)
	if e.Code != apperr.Invalid || e.Message == "" {
		t.Errorf("InvalidFields: code %q, message %q", e.Code, e.Message)
	}
	if diff := cmp.Diff(fields, e.Fields); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
}
