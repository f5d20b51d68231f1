package ratelimit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

func TestAddressKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"203.0.113.7":            "203.0.113.7",
		"::ffff:203.0.113.7":     "203.0.113.7", // the same client as its IPv4 form
		"2001:db8:1:2:3:4:5:6":   "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":   "2001:db8:1:2::/64", // same /64, same client
		"2001:db8:1:3::1":        "2001:db8:1:3::/64",
		"fe80::1%eth0":           "fe80::/64",
		"::1":                    "::/64",
		"2001:db8:aaaa:bbbb::99": "2001:db8:aaaa:bbbb::/64",
	} {
		if got := AddressKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("AddressKey(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestAddressesMiddleware limits each address on its own, answers through
// the route's refusal with Retry-After, and with a zero limit does nothing.
func TestAddressesMiddleware(t *testing.T) {
	t.Parallel()
	a := NewAddresses()
	a.mem.NowFunc = storetest.NewClock(midWindow).Now // a still clock: exact waits
	var refusedAfter time.Duration
	refuse := func(w http.ResponseWriter, _ *http.Request, retryAfter time.Duration) {
		refusedAfter = retryAfter
		w.WriteHeader(http.StatusTooManyRequests)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	limited := a.Middleware("pages", Policy{Limit: 2, Window: time.Minute}, refuse)(ok)
	call := func(h http.Handler, addr string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(httpapi.WithInfo(r.Context(), &httpapi.Info{ClientIP: netip.MustParseAddr(addr)}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i, want := range []int{200, 200, 429} {
		if w := call(limited, "203.0.113.7"); w.Code != want {
			t.Errorf("request %d: %d, want %d", i, w.Code, want)
		} else if want == 429 && (w.Header().Get("Retry-After") != "30" || refusedAfter != 30*time.Second) {
			t.Errorf("429 Retry-After %q, refusal told %s; want 30 and 30s", w.Header().Get("Retry-After"), refusedAfter)
		} else if w.Header().Get("RateLimit-Policy") != `"pages";q=2;w=60` {
			t.Errorf("RateLimit-Policy %q", w.Header().Get("RateLimit-Policy"))
		}
	}
	if w := call(limited, "203.0.113.8"); w.Code != 200 {
		t.Errorf("another address: %d, want 200", w.Code)
	}
	// Another address in the same IPv6 /64 is the same client.
	call(limited, "2001:db8::1")
	call(limited, "2001:db8::2")
	if w := call(limited, "2001:db8::3"); w.Code != 429 {
		t.Errorf("third request from one /64: %d, want 429", w.Code)
	}
	off := a.Middleware("pages", Policy{}, refuse)(ok)
	for range 5 {
		if w := call(off, "203.0.113.9"); w.Code != 200 || w.Header().Get("RateLimit-Policy") != "" {
			t.Errorf("with a zero limit: %d %v", w.Code, w.Header())
		}
	}
}
