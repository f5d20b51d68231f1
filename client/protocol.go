package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// OAuthToken calls the OAuth token endpoint (POST /oauth/token) with a
// form: grant_type and the grant's parameters, and the client's credentials
// (client_id and client_secret) unless the client was made with them as its
// key. Errors are *Error values whose Type is the OAuth error code.
func (c *Client) OAuthToken(ctx context.Context, form url.Values, opts ...RequestOption) (*OAuthTokenResponse, error) {
	var out OAuthTokenResponse
	if err := c.postForm(ctx, "/oauth/token", form, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// IntrospectOAuthToken asks whether an access token is active and what it
// grants (POST /oauth/introspect, RFC 7662); the client's key must hold
// oauth:read.
func (c *Client) IntrospectOAuthToken(ctx context.Context, token string, opts ...RequestOption) (*OAuthIntrospection, error) {
	var out OAuthIntrospection
	if err := c.postForm(ctx, "/oauth/introspect", url.Values{"token": {token}}, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeOAuthToken revokes an access or refresh token (POST /oauth/revoke,
// RFC 7009); form carries token and the client's credentials.
func (c *Client) RevokeOAuthToken(ctx context.Context, form url.Values, opts ...RequestOption) error {
	return c.postForm(ctx, "/oauth/revoke", form, nil, opts)
}

// OAuthDeviceAuthorization starts the device flow (POST
// /oauth/device_authorization, RFC 8628); form carries client_id, scope and
// resource.
func (c *Client) OAuthDeviceAuthorization(ctx context.Context, form url.Values, opts ...RequestOption) (*OAuthDeviceAuthResponse, error) {
	var out OAuthDeviceAuthResponse
	if err := c.postForm(ctx, "/oauth/device_authorization", form, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Proxy sends a request to a connection's provider through Patchbay
// (/v1/connections/{connection_id}/proxy/{path}, any method): Patchbay adds
// the credentials, refreshes tokens and retries within the provider's rate
// budget. path is the provider API's path, such as "user/repos"; the
// provider's answer comes back as it is, whatever its status, and only
// Patchbay's own refusals (no such connection, needs_reauth) are an *Error.
// Pass WithIdempotencyKey to let Patchbay retry a POST or PATCH.
func (c *Client) Proxy(ctx context.Context, connectionID, method, path string, query url.Values, header http.Header, body []byte, opts ...RequestOption) (*http.Response, error) {
	u := c.baseURL + "/v1/connections/" + url.PathEscape(connectionID) + "/proxy/" + strings.TrimPrefix(path, "/")
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	for _, o := range opts {
		o(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") && resp.Header.Get("X-Patchbay-Attempts") == "" { // not the provider's answer
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		apiErr := &Error{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
		if jsonErr := json.Unmarshal(raw, apiErr); jsonErr != nil {
			apiErr.Detail = strings.TrimSpace(string(raw))
		}
		return nil, apiErr
	}
	return resp, nil
}
