// Package apperr is Patchbay's one application error type. Domain code returns
// an *Error with a Code; the HTTP edge maps the code to a status and a
// problem+json type in one table (internal/httpapi). An error without a code is
// internal: it is logged and answered with a plain 500.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients.
type Code string

const (
	Invalid          Code = "invalid"            // 400: malformed or invalid input
	Unauthorized     Code = "unauthorized"       // 401: missing or bad credentials
	Forbidden        Code = "forbidden"          // 403: authenticated but not allowed
	NotFound         Code = "not_found"          // 404
	MethodNotAllowed Code = "method_not_allowed" // 405
	Conflict         Code = "conflict"           // 409: state conflict, or a request still in progress
	TooLarge         Code = "too_large"          // 413: body over the limit
	Unprocessable    Code = "unprocessable"      // 422: well-formed but not acceptable
	QuotaExceeded    Code = "quota_exceeded"     // 429
	BadGateway       Code = "bad_gateway"        // 502: an upstream could not be reached or answered badly
	Unavailable      Code = "unavailable"        // 503
	GatewayTimeout   Code = "gateway_timeout"    // 504: an upstream did not answer in time
	Internal         Code = "internal"           // 500
)

// Error is an error whose Message is safe to show to clients.
type Error struct {
	Code    Code
	Message string
	// Fields maps a request field (a JSON name, a query parameter or a path
	// parameter) to what is wrong with it.
	Fields map[string]string
	// Reason, when set, names the problem more precisely than Code, as its
	// problem type's last segment (token_expired), for clients that must
	// tell causes of one status apart.
	Reason string
	// Err is the underlying cause, kept for logs and errors.Is; never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidFields returns an Invalid error listing every bad field.
func InvalidFields(fields map[string]string) *Error {
	return &Error{Code: Invalid, Message: "the request has invalid fields", Fields: fields}
}

// Because returns an *Error with the given code and reason (see Error.Reason)
// and a client-safe message.
func Because(code Code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return Internal
}
