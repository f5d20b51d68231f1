package connect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/safehttp"
)

// responseLimit bounds what Patchbay reads of a provider's response.
const responseLimit = 64 << 10

// tokenResponse is a token endpoint's answer (RFC 6749 section 5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	// ExpiresIn is a number, or a string of one from some providers.
	ExpiresIn json.RawMessage `json:"expires_in"`
	Scope     string          `json:"scope"`
}

// expiry turns expires_in into a time; zero when the token does not expire.
func (t tokenResponse) expiry(now time.Time) time.Time {
	s := strings.Trim(string(t.ExpiresIn), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(n) * time.Second)
}

// granted returns the scopes the provider says it granted, or those asked
// for when it does not say (RFC 6749 section 5.1: then they are the same).
func (t tokenResponse) granted(asked []string) []string {
	if t.Scope == "" {
		return asked
	}
	return strings.FieldsFunc(t.Scope, func(r rune) bool { return r == ' ' || r == ',' })
}

// ProviderError is a provider's OAuth error response (RFC 6749 section 5.2),
// or a failure to reach it. Its message holds no token.
type ProviderError struct {
	// Code is the OAuth error code, such as invalid_grant; "unreachable" or
	// "bad_response" when there was none.
	Code   string
	Status int
}

func (e *ProviderError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("provider answered %d %s", e.Status, e.Code)
	}
	return "provider " + e.Code
}

// tokenRequest posts a grant to the provider's token endpoint, with the
// client authentication its definition names.
func (s *Service) tokenRequest(ctx context.Context, p *catalog.Provider, in Integration, config map[string]string, form url.Values) (tokenResponse, error) {
	tokenURL, err := catalog.ExpandURL(p.Auth.TokenURL, config)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("token URL: %w", err)
	}
	resp, err := s.postForm(ctx, p, in, tokenURL, form)
	if err != nil {
		return tokenResponse{}, err
	}
	body, status := resp.body, resp.status
	var tr tokenResponse
	if status == http.StatusOK && json.Unmarshal(body, &tr) == nil && tr.AccessToken != "" {
		return tr, nil
	}
	var oe struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &oe) == nil && oe.Error != "" && len(oe.Error) < 100 {
		return tokenResponse{}, &ProviderError{Code: oe.Error, Status: status}
	}
	return tokenResponse{}, &ProviderError{Code: "bad_response", Status: status}
}

type providerResponse struct {
	status int
	body   []byte
}

// postForm posts a form to a provider endpoint with client authentication.
func (s *Service) postForm(ctx context.Context, p *catalog.Provider, in Integration, u string, form url.Values) (providerResponse, error) {
	if p.Auth.ClientAuth == catalog.ClientSecretPost {
		form.Set("client_id", in.ClientID)
		form.Set("client_secret", in.clientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return providerResponse{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json") // GitHub answers form-encoded otherwise
	if p.Auth.ClientAuth != catalog.ClientSecretPost {
		// RFC 6749 section 2.3.1: both are form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(in.ClientID), url.QueryEscape(in.clientSecret))
	}
	return s.send(req)
}

func (s *Service) send(req *http.Request) (providerResponse, error) {
	resp, err := s.client.Do(req)
	if err != nil {
		var refused *safehttp.RefusedError
		if errors.As(err, &refused) {
			return providerResponse{}, fmt.Errorf("%w: %w", &ProviderError{Code: "unreachable"}, refused)
		}
		return providerResponse{}, &ProviderError{Code: "unreachable"}
	}
	defer resp.Body.Close()
	body, _, err := safehttp.ReadBody(resp.Body, responseLimit)
	if err != nil {
		return providerResponse{}, &ProviderError{Code: "unreachable"}
	}
	return providerResponse{status: resp.StatusCode, body: body}, nil
}

// verify makes the provider's verification request with a connection's
// values and reports whether the credentials work.
func (s *Service) verify(ctx context.Context, p *catalog.Provider, values catalog.Values) error {
	v := p.Verification
	if v == nil {
		return nil
	}
	base, err := catalog.ExpandURL(p.Proxy.BaseURL, values.Config)
	if err != nil {
		return fmt.Errorf("base URL: %w", err)
	}
	var body *bytes.Reader
	if v.Body != "" {
		body = bytes.NewReader([]byte(v.Body))
	} else {
		body = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, v.Method, strings.TrimSuffix(base, "/")+v.Path, body)
	if err != nil {
		return err
	}
	if v.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if err := p.Authorize(req, values); err != nil {
		return err
	}
	resp, err := s.send(req)
	if err != nil {
		return err
	}
	if resp.status != v.ExpectStatus {
		return &ProviderError{Code: "verification_failed", Status: resp.status}
	}
	if len(v.ExpectBody) > 0 {
		var doc any
		if json.Unmarshal(resp.body, &doc) != nil {
			return &ProviderError{Code: "verification_failed", Status: resp.status}
		}
		for pointer, want := range v.ExpectBody {
			if got, ok := jsonptr.Lookup(doc, pointer); !ok || !reflect.DeepEqual(got, want) {
				return &ProviderError{Code: "verification_failed", Status: resp.status}
			}
		}
	}
	return nil
}

// revoke asks the provider to revoke a token (RFC 7009). Providers without a
// revocation URL are skipped.
func (s *Service) revoke(ctx context.Context, p *catalog.Provider, in Integration, config map[string]string, token, hint string) error {
	if p.Auth.RevocationURL == "" || token == "" {
		return nil
	}
	u, err := catalog.ExpandURL(p.Auth.RevocationURL, config)
	if err != nil {
		return fmt.Errorf("revocation URL: %w", err)
	}
	resp, err := s.postForm(ctx, p, in, u, url.Values{"token": {token}, "token_type_hint": {hint}})
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		return &ProviderError{Code: "revocation_failed", Status: resp.status}
	}
	return nil
}
