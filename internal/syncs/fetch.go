package syncs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/proxy"
	"github.com/patchbay/patchbay/internal/safehttp"
)

// syncResponseLimit bounds one page of a sync: a list endpoint's page is far
// larger than a token response, but a provider must not exhaust memory.
const syncResponseLimit = 8 << 20

// syncFetchTimeout bounds one page request, its retries and its wait for the
// connection's rate budget included.
const syncFetchTimeout = 2 * time.Minute

// fetched is a provider's answer to one sync request, its body bounded.
type fetched struct {
	status int
	header http.Header
	body   []byte
}

// syncFetch makes one request of a sync to the connection's provider through
// the proxy engine (Proxy): credentials, retries, the rate budget and a
// refresh on a 401 as for any proxied call. path is escaped and relative to the
// provider's proxy base URL.
func (s *Service) syncFetch(ctx context.Context, c connect.Connection, method, path string, query url.Values, body []byte) (fetched, error) {
	ctx, cancel := context.WithTimeout(ctx, syncFetchTimeout)
	defer cancel()
	header := http.Header{"Accept": {"application/json"}}
	if body != nil {
		header.Set("Content-Type", "application/json")
	}
	resp, err := s.proxy.Do(ctx, c.ID, proxy.Request{Method: method, Path: path, RawQuery: query.Encode(), Header: header, Body: body})
	if err != nil {
		if ctx.Err() != nil {
			return fetched{}, errors.New("the provider did not answer in time")
		}
		return fetched{}, err
	}
	defer resp.Body.Close()
	b, truncated, err := safehttp.ReadBody(resp.Body, syncResponseLimit)
	if err != nil {
		return fetched{}, fmt.Errorf("reading the provider's response failed: %s", ctxReason(ctx))
	}
	if truncated {
		return fetched{}, fmt.Errorf("the provider's response is larger than %d bytes", syncResponseLimit)
	}
	return fetched{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// syncBaseURL is the connection's proxy base URL without a trailing slash;
// sync paths are appended to it, and next links must stay under it.
func syncBaseURL(p *catalog.Provider, c connect.Connection) (string, error) {
	base, err := catalog.ExpandURL(p.Proxy.BaseURL, c.Config)
	if err != nil {
		return "", fmt.Errorf("base URL: %w", err)
	}
	return strings.TrimSuffix(base, "/"), nil
}

// ctxReason says whether a failed call ran out of time.
func ctxReason(ctx context.Context) string {
	if ctx.Err() != nil {
		return "timed out or cancelled"
	}
	return "connection failed"
}
