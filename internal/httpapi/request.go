package httpapi

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/id"
)

// RequestIDHeader carries the request ID in both directions.
const RequestIDHeader = "X-Request-Id"

// Info is what the server learns about a request while handling it. The
// outermost middleware creates it; the rest fill it in; the request log and
// metrics read it when the response is done.
type Info struct {
	ID    string
	Start time.Time
	// Route is the matched pattern, such as "GET /v1/tenants/{tenant_id}".
	Route string
	// ClientIP is the address the request came from (see internal/clientip).
	ClientIP netip.Addr
	// APIKeyID identifies the caller once authenticated.
	APIKeyID string
	// Err is the error the response reported, if any.
	Err error
}

type infoKey struct{}

// WithInfo returns a context carrying info.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

func infoFrom(ctx context.Context) *Info {
	info, _ := ctx.Value(infoKey{}).(*Info)
	return info
}

// InfoFrom returns the request's Info, or nil outside a request.
func InfoFrom(ctx context.Context) *Info { return infoFrom(ctx) }

// ClientIP returns the address the request came from, or the zero Addr
// outside a request.
func ClientIP(ctx context.Context) netip.Addr {
	if info := infoFrom(ctx); info != nil {
		return info.ClientIP
	}
	return netip.Addr{}
}

// RequestID returns the request's ID, or "".
func RequestID(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.ID
	}
	return ""
}

// NewRequestID keeps a caller's X-Request-Id when it is short and plain, so
// traces join up across systems, and makes a new one otherwise.
func NewRequestID(r *http.Request) string {
	if s := r.Header.Get(RequestIDHeader); s != "" && len(s) <= 64 && plain(s) {
		return s
	}
	return id.New("req")
}

func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// PathID reads a prefixed ID from a path parameter, answering a malformed one
// with a 400 that names the parameter instead of looking it up.
func PathID(r *http.Request, param, prefix string) (string, error) {
	v := r.PathValue(param)
	if !id.Valid(prefix, v) {
		return "", apperr.InvalidFields(map[string]string{param: "must be an ID of the form " + prefix + "_…"})
	}
	return v, nil
}
