package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/safehttp"
)

// syncResponseLimit bounds one page of a sync: a list endpoint's page is far
// larger than a token response, but a provider must not exhaust memory.
const syncResponseLimit = 8 << 20

// syncFetchTimeout bounds one page request.
const syncFetchTimeout = 30 * time.Second

// fetched is a provider's answer to one sync request, its body bounded.
type fetched struct {
	status int
	header http.Header
	body   []byte
}

// syncFetch makes one request of a sync to the connection's provider: path
// is relative to the provider's proxy base URL, and the connection's
// credentials (refreshed when due) are added. It is the one place syncs call
// a provider, so that it can become a call through the proxy engine (with
// its retries, rate limits and 401 refresh) without touching the rest.
func (s *Service) syncFetch(ctx context.Context, c Connection, method, path string, query url.Values, body []byte) (fetched, error) {
	p, err := s.provider(c.Provider.ID)
	if err != nil {
		return fetched{}, err
	}
	creds, err := s.Credentials(ctx, c.ID)
	if err != nil {
		return fetched{}, err
	}
	base, err := syncBaseURL(p, c)
	if err != nil {
		return fetched{}, err
	}
	u, err := url.Parse(base + path)
	if err != nil {
		return fetched{}, fmt.Errorf("request URL: %w", err)
	}
	u.RawQuery = query.Encode()
	ctx, cancel := context.WithTimeout(ctx, syncFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return fetched{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	secrets := map[string]string{"access_token": creds.AccessToken}
	for k, v := range creds.Secrets {
		secrets[k] = v
	}
	if err := authorize(req, p, catalog.Values{Config: c.Config, Secrets: secrets}); err != nil {
		return fetched{}, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// err quotes the URL, which holds a credential for providers that
		// take it in the query, so it is not passed on.
		var refused *safehttp.RefusedError
		if errors.As(err, &refused) {
			return fetched{}, fmt.Errorf("the provider's address is refused: %w", refused)
		}
		return fetched{}, fmt.Errorf("the provider is unreachable: %s", ctxReason(ctx))
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
func syncBaseURL(p *catalog.Provider, c Connection) (string, error) {
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
