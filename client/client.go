// Package client is the Go SDK for Patchbay's admin API.
//
//	c := client.New("http://127.0.0.1:8080", os.Getenv("PATCHBAY_API_KEY"))
//	t, err := c.PutTenant(ctx, "acme", client.TenantParams{Name: "Acme Inc."})
//
// Errors from the API are *Error values carrying the problem details; use
// errors.As to inspect the status, type and field problems.
package client

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/retry"
)

// Client calls one Patchbay installation with one admin API key. It is safe
// for concurrent use.
type Client struct {
	baseURL string
	apiKey  string
	http    *http.Client
	// retries is how many times a safe request is sent again after a 429,
	// 502, 503, 504 or a failure to connect; minWait and maxWait bound the
	// wait between attempts.
	retries          int
	minWait, maxWait time.Duration
	// autoIdempotency gives every POST and PATCH without an
	// Idempotency-Key a random one, which makes them safe to retry.
	autoIdempotency bool
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client, for custom transports or timeouts.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRetries sets how many times a safe request is retried (default 2;
// 0 turns retries off), waiting between min and max with full jitter, or
// what the server's Retry-After says when it says at most max.
func WithRetries(n int, min, max time.Duration) Option {
	return func(c *Client) { c.retries, c.minWait, c.maxWait = n, min, max }
}

// WithIdempotencyKeys gives every POST and PATCH sent without an
// Idempotency-Key a random one, so that they too are retried safely.
func WithIdempotencyKeys() Option { return func(c *Client) { c.autoIdempotency = true } }

// New returns a client for the installation at baseURL, such as
// "http://127.0.0.1:8080". apiKey is an admin API key (pbk_…), or for the
// /embed/v1 methods an embed token (pbe_…).
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{baseURL: strings.TrimRight(baseURL, "/"), apiKey: apiKey, http: &http.Client{Timeout: 30 * time.Second},
		retries: 2, minWait: 200 * time.Millisecond, maxWait: 10 * time.Second}
	for _, o := range opts {
		o(c)
	}
	return c
}

// RequestOption adjusts one request.
type RequestOption func(*http.Request)

// WithIdempotencyKey makes a mutating request safe to retry: Patchbay runs it
// once and answers retries with the first response.
func WithIdempotencyKey(key string) RequestOption {
	return func(r *http.Request) { r.Header.Set("Idempotency-Key", key) }
}

// Error is a problem reported by the API (RFC 9457 problem details).
type Error struct {
	Status    int          `json:"status"`
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Detail    string       `json:"detail"`
	RequestID string       `json:"request_id"`
	Errors    []FieldError `json:"errors"`
	// RetryAfter is the server's Retry-After, on 429 and 409 answers.
	RetryAfter time.Duration `json:"-"`
}

// FieldError is what is wrong with one request field.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("patchbay: %d %s: %s", e.Status, e.Title, e.Detail)
	for _, f := range e.Errors {
		msg += fmt.Sprintf("; %s %s", f.Field, f.Detail)
	}
	return msg
}

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// List is a page of results.
type List[T any] struct {
	Data []T `json:"data"`
	// NextCursor fetches the next page; empty on the last page.
	NextCursor string `json:"next_cursor"`
}

// ListParams select a page.
type ListParams struct {
	// Limit is the page size, 1 to 100; zero means the server's default (20).
	Limit  int
	Cursor string
}

func (p ListParams) query() url.Values {
	q := url.Values{}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	return q
}

// do sends a request with a JSON body (in, when not nil) and decodes a JSON
// response into out (when not nil). It returns the response status.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any, opts []RequestOption) (int, error) {
	var body []byte
	contentType := ""
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return 0, err
		}
		contentType = "application/json"
	}
	return c.doRaw(ctx, method, path, query, contentType, body, out, opts)
}

// doRaw sends body as it is, with its content type, and decodes a JSON
// response into out (when not nil).
func (c *Client) doRaw(ctx context.Context, method, path string, query url.Values, contentType string, body []byte, out any, opts []RequestOption) (int, error) {
	resp, raw, err := c.send(ctx, method, path, query, contentType, body, opts)
	if err != nil {
		return 0, err
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("patchbay: decode %s %s response: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// RawBody is a response that is not JSON: an image, an event's body as the
// provider sent it, the metrics exposition.
type RawBody struct {
	ContentType string
	Body        []byte
}

func (c *Client) getRaw(ctx context.Context, method, path string, query url.Values, opts []RequestOption) (*RawBody, error) {
	resp, raw, err := c.send(ctx, method, path, query, "", nil, opts)
	if err != nil {
		return nil, err
	}
	return &RawBody{ContentType: resp.Header.Get("Content-Type"), Body: raw}, nil
}

// postForm sends an application/x-www-form-urlencoded body, as the OAuth
// protocol endpoints take, and decodes a JSON response into out.
func (c *Client) postForm(ctx context.Context, path string, form url.Values, out any, opts []RequestOption) error {
	_, err := c.doRaw(ctx, http.MethodPost, path, nil, "application/x-www-form-urlencoded", []byte(form.Encode()), out, opts)
	return err
}

// send makes the request, retrying it while that is safe (see WithRetries),
// and returns the response with its body read, or an *Error for a 4xx or
// 5xx answer.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, contentType string, body []byte, opts []RequestOption) (*http.Response, []byte, error) {
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	if c.autoIdempotency && (method == http.MethodPost || method == http.MethodPatch) && !hasIdempotencyKey(method, opts) {
		// One key for every attempt, so that a retry is answered with the
		// first attempt's response.
		opts = append(slices.Clip(opts), WithIdempotencyKey(newIdempotencyKey()))
	}
	for attempt := 0; ; attempt++ {
		resp, raw, err := c.attempt(ctx, method, u, contentType, body, opts)
		wait, retry := c.retryAfter(attempt, resp, err)
		if !retry || !retryable(method, opts) {
			return resp, raw, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return resp, raw, err
		case <-t.C:
		}
	}
}

func (c *Client) attempt(ctx context.Context, method, u, contentType string, body []byte, opts []RequestOption) (*http.Response, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "patchbay-go")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return resp, nil, fmt.Errorf("patchbay: read response: %w", err)
	}
	if resp.StatusCode >= 400 {
		apiErr := &Error{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
		if err := json.Unmarshal(raw, apiErr); err != nil {
			apiErr.Detail = strings.TrimSpace(string(raw))
		}
		apiErr.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return resp, raw, apiErr
	}
	return resp, raw, nil
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date, with the
// reader the server uses itself; 0 when it is neither.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	d, _ := retry.After(v, now)
	return d
}

// retryAfter says whether to retry after an attempt, and how long to wait:
// the server's Retry-After on 429 and 503, else exponential backoff with
// full jitter. A Retry-After longer than the client's longest wait is not
// waited for: the error goes back to the caller, who may schedule it.
func (c *Client) retryAfter(attempt int, resp *http.Response, err error) (time.Duration, bool) {
	if attempt >= c.retries {
		return 0, false
	}
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr):
		switch apiErr.Status {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		default:
			return 0, false
		}
		if apiErr.RetryAfter > 0 {
			return apiErr.RetryAfter, apiErr.RetryAfter <= c.maxWait
		}
	case err != nil && resp == nil:
		// The request did not get an answer: a connection refused or reset.
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, false
		}
	default:
		return 0, false
	}
	return retry.Policy{Base: c.minWait, Cap: c.maxWait, Jitter: retry.Full}.Delay(attempt + 1), true
}

// retryable: only requests that are safe to send twice are retried: GET,
// HEAD, OPTIONS, PUT and DELETE, and others that carry an Idempotency-Key
// (Patchbay answers a retry with the first response).
func retryable(method string, opts []RequestOption) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return hasIdempotencyKey(method, opts)
}

func hasIdempotencyKey(method string, opts []RequestOption) bool {
	probe, _ := http.NewRequest(method, "/", nil)
	for _, o := range opts {
		o(probe)
	}
	return probe.Header.Get("Idempotency-Key") != ""
}

func newIdempotencyKey() string {
	var b [16]byte
	crand.Read(b[:]) //nolint:errcheck // crypto/rand.Read does not fail
	return "pbgo_" + hex.EncodeToString(b[:])
}

// all iterates over every item of a paginated list.
func all[T any](ctx context.Context, page func(ctx context.Context, p ListParams) (*List[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		p := ListParams{Limit: 100}
		for {
			l, err := page(ctx, p)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range l.Data {
				if !yield(item, nil) {
					return
				}
			}
			if l.NextCursor == "" {
				return
			}
			p.Cursor = l.NextCursor
		}
	}
}
