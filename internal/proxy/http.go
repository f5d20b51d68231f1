package proxy

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/httpapi"
)

// Response headers the proxy adds, so callers can see what happened.
const (
	AttemptsHeader  = "X-Patchbay-Attempts"
	QueueWaitHeader = "X-Patchbay-Queue-Wait-Ms"
)

// streamBuffer is the size of one read of a proxied body; each read is
// flushed to the caller at once.
const streamBuffer = 32 << 10

// Handle forwards any request under …/proxy/ to the connection's
// provider (see Engine.Do) and streams the provider's response back as it
// arrives. Patchbay's own problems (no such connection, needs_reauth, the
// rate queue, an unreachable provider) are problem+json; the provider's
// responses, errors included, pass through as they are, without hop-by-hop
// headers, plus AttemptsHeader and QueueWaitHeader.
func Handle(e *Engine) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Forward a request to the connection's provider with its credentials, retrying 429 and 5xx within bounds " +
			"and pacing within the provider's rate budget; the provider's response streams back as it is",
		Description: "Calls the provider's API for a connection without the SaaS handling its credentials: Patchbay adds them, refreshes expired tokens, " +
			"retries 429 and 5xx answers within bounds (safe methods, or with an Idempotency-Key) and paces calls within the provider's rate budget. " +
			"The provider's status, headers and body come back as they are; 409 when the user must connect again.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			connectionID, err := httpapi.PathID(r, "connection_id", "conn")
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			body, err := httpapi.ReadBody(r) // whole, so that a retry can send it again
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if len(body) == 0 {
				body = nil
			}
			resp, err := e.Do(r.Context(), connectionID, Request{
				Method: r.Method, Path: proxyPath(r, connectionID), RawQuery: r.URL.RawQuery, Header: r.Header, Body: body,
			})
			if err != nil {
				if r.Context().Err() != nil {
					return // the caller left; there is no one to answer
				}
				var queued *QueueTimeoutError
				if errors.As(err, &queued) {
					w.Header().Set("Retry-After", retrySeconds(queued.RetryAfter))
				}
				httpapi.Error(w, r, err)
				return
			}
			defer resp.Body.Close()
			h := w.Header()
			for name, values := range withoutHopHeaders(resp.Header) {
				h[name] = values
			}
			h.Set(AttemptsHeader, strconv.Itoa(resp.Attempts))
			h.Set(QueueWaitHeader, strconv.FormatInt(resp.QueueWait.Milliseconds(), 10))
			w.WriteHeader(resp.StatusCode)
			if err := stream(w, resp.Body); err != nil {
				// The provider broke off mid-body. Aborting makes the caller
				// see a broken response, not a complete-looking short one.
				panic(http.ErrAbortHandler)
			}
		}),
	}
}

// proxyPath is the escaped path after …/proxy, as the caller wrote it, so
// that escapes such as %2F reach the provider unchanged.
func proxyPath(r *http.Request, connectionID string) string {
	if rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/v1/connections/"+connectionID+"/proxy"); ok {
		return rest
	}
	return (&url.URL{Path: "/" + r.PathValue("path")}).EscapedPath()
}

// stream copies body to w, flushing after every read so the caller gets
// each part when the provider sends it. It returns the provider's read
// error; a caller that left ends the copy without one.
func stream(w http.ResponseWriter, body io.Reader) error {
	rc := http.NewResponseController(w)
	buf := make([]byte, streamBuffer)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil
			}
			rc.Flush() //nolint:errcheck // a writer that cannot flush still delivers, later
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
