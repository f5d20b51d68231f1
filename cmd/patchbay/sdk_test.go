package main

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestSDKGenerated drives generated SDK methods against a live node on each
// store: create, read, update, delete, a typed problem for each failure, an
// iterator over several pages, and an idempotent retry.
func TestSDKGenerated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)
		c := e.client
		ctx := t.Context()

		created, err := c.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: "invoices.read", Description: "Read your invoices"})
		if err != nil {
			t.Fatal(err)
		}
		if created.Name != "invoices.read" || created.Description != "Read your invoices" || created.CreatedAt.IsZero() {
			t.Errorf("created %+v", created)
		}
		got, err := c.GetOAuthScope(ctx, "invoices.read")
		if err != nil || got.Description != created.Description {
			t.Fatalf("get: %+v, %v", got, err)
		}
		level := "write"
		updated, err := c.UpdateOAuthScope(ctx, "invoices.read", client.OAuthScopePatch{Description: "Read and list your invoices", AccessLevel: &level})
		if err != nil || updated.Description != "Read and list your invoices" || updated.AccessLevel != "write" {
			t.Fatalf("update: %+v, %v", updated, err)
		}

		// Problems are typed: a duplicate is a 409, a bad field a 4xx naming
		// it, a missing object a 404.
		_, err = c.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: "invoices.read", Description: "again"})
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || apiErr.Type == "" || apiErr.RequestID == "" {
			t.Errorf("duplicate scope: %v, want a 409 problem with a type and request ID", err)
		}
		_, err = c.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: "", Description: "no name"})
		if !errors.As(err, &apiErr) || apiErr.Status/100 != 4 || len(apiErr.Errors) == 0 || apiErr.Errors[0].Field == "" {
			t.Errorf("scope without a name: %v, want a 4xx naming the field", err)
		}
		if err := c.DeleteOAuthScope(ctx, "invoices.read"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetOAuthScope(ctx, "invoices.read"); !client.IsNotFound(err) {
			t.Errorf("get after delete: %v, want 404", err)
		}

		// An iterator walks every page.
		var want []string
		for i := range 7 {
			name := "scope." + strconv.Itoa(i)
			want = append(want, name)
			if _, err := c.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: name, Description: "Scope " + strconv.Itoa(i)}); err != nil {
				t.Fatal(err)
			}
		}
		page, err := c.ListOAuthScopes(ctx, client.ListOAuthScopesParams{Limit: 3})
		if err != nil || len(page.Data) != 3 || page.NextCursor == "" {
			t.Fatalf("first page: %+v, %v", page, err)
		}
		var names []string
		for s, err := range c.AllOAuthScopes(ctx, client.ListOAuthScopesParams{Limit: 3}) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, s.Name)
		}
		if !slices.Equal(names, want) {
			t.Errorf("iterated %v, want %v", names, want)
		}

		// The same Idempotency-Key twice: the second call gets the first
		// response, not a 409.
		key := client.WithIdempotencyKey("sdk-test-" + d.Name)
		first, err := c.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: "once", Description: "Once"}, key)
		if err != nil {
			t.Fatal(err)
		}
		again, err := c.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: "once", Description: "Once"}, key)
		if err != nil || again.CreatedAt != first.CreatedAt {
			t.Errorf("repeat with the same Idempotency-Key: %+v, %v; want the first response %+v", again, err, first)
		}

		// A raw body: an event type's health answer and the metrics text.
		if h, err := c.Health(ctx); err != nil || h.Status != "ok" {
			t.Errorf("health: %+v, %v", h, err)
		}
		if m, err := c.GetMetrics(ctx); err != nil || len(m.Body) == 0 {
			t.Errorf("metrics: %v", err)
		}
	})
}

// TestSDKRetriesRateLimited: with a limit of 3 requests a second, a client
// that retries gets every one of 8 GETs through, waiting out Retry-After;
// one that does not gets 429 problems carrying Retry-After.
func TestSDKRetriesRateLimited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "3", "--rate-limit-window", "1s")
		ctx := t.Context()
		retrying := client.New(e.node.URL, e.key, client.WithRetries(5, 50*time.Millisecond, 5*time.Second))
		start := time.Now()
		for i := range 8 {
			if _, err := retrying.ListOAuthScopes(ctx, client.ListOAuthScopesParams{}); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		if elapsed := time.Since(start); elapsed < time.Second {
			t.Errorf("8 requests at 3 a second took %s: the client cannot have waited for Retry-After", elapsed)
		}

		plain := client.New(e.node.URL, e.key, client.WithRetries(0, 0, 0))
		var limited *client.Error
		for range 8 {
			_, err := plain.ListOAuthScopes(ctx, client.ListOAuthScopesParams{})
			if errors.As(err, &limited) {
				break
			}
		}
		if limited == nil || limited.Status != http.StatusTooManyRequests || limited.RetryAfter <= 0 {
			t.Errorf("without retries: %+v, want a 429 with Retry-After", limited)
		}

		// A POST without an Idempotency-Key is not retried: it fails with the 429.
		for range 8 {
			_, err := plain.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: "x" + strconv.Itoa(int(time.Now().UnixNano()%1e6)), Description: "x"})
			if errors.As(err, &limited) && limited.Status == http.StatusTooManyRequests {
				break
			}
		}
		noKey := client.New(e.node.URL, e.key, client.WithRetries(5, 50*time.Millisecond, 5*time.Second))
		limitedPosts := 0
		for i := range 6 {
			_, err := noKey.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: "post." + strconv.Itoa(i), Description: "x"})
			if errors.As(err, &limited) && limited.Status == http.StatusTooManyRequests {
				limitedPosts++
			}
		}
		if limitedPosts == 0 {
			t.Errorf("6 POSTs at 3 a second without Idempotency-Key: none refused; they must not be retried")
		}
		withKeys := client.New(e.node.URL, e.key, client.WithRetries(5, 50*time.Millisecond, 5*time.Second), client.WithIdempotencyKeys())
		for i := range 6 {
			if _, err := withKeys.CreateOAuthScope(ctx, client.OAuthScopeRequest{Name: "keyed." + strconv.Itoa(i), Description: "x"}); err != nil {
				t.Errorf("POST %d with automatic idempotency keys: %v", i, err)
			}
		}
	})
}
