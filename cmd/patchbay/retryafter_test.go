package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestWebhookHugeRetryAfterWaitsTheLongest: a Retry-After too large for a
// time.Duration once wrapped round to a negative delay, so the delivery came
// back on its short schedule; it must wait the longest a Retry-After may ask
// (--webhook-retry-after-max), on both stores.
func TestWebhookHugeRetryAfterWaitsTheLongest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d, "--webhook-retry-after-max", "1s")
		busy := newReceiver(t, func(n int, r *http.Request) (int, http.Header) {
			if n == 0 {
				return http.StatusServiceUnavailable, http.Header{"Retry-After": {"10000000000"}}
			}
			return http.StatusOK, nil
		})
		mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(busy.URL)})
		if _, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]any{"n": 1}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "retry after 503", func() bool { return len(busy.requests()) == 2 })
		if gap := busy.requests()[1].At.Sub(busy.requests()[0].At); gap < 900*time.Millisecond {
			t.Errorf("retry after 503 with a huge Retry-After came after %s, want about the 1s maximum", gap)
		}
	})
}
