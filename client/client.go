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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one Patchbay installation with one admin API key. It is safe
// for concurrent use.
type Client struct {
	baseURL string
	apiKey  string
	http    *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client, for custom transports or timeouts.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client for the installation at baseURL, such as
// "http://127.0.0.1:8080".
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{baseURL: strings.TrimRight(baseURL, "/"), apiKey: apiKey, http: &http.Client{Timeout: 30 * time.Second}}
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

// do sends a request and decodes a JSON response into out (when not nil). It
// returns the response status.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any, opts []RequestOption) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("patchbay: read response: %w", err)
	}
	if resp.StatusCode >= 400 {
		apiErr := &Error{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
		if err := json.Unmarshal(raw, apiErr); err != nil {
			apiErr.Detail = strings.TrimSpace(string(raw))
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			apiErr.RetryAfter = time.Duration(s) * time.Second
		}
		return resp.StatusCode, apiErr
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("patchbay: decode %s %s response: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
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
