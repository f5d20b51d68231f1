package safehttp

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// receiver is a test server on loopback that counts the requests it gets.
type receiver struct {
	*httptest.Server
	hits atomic.Int64
}

// newReceiver starts a receiver on 127.0.0.1 answering with h (200 "ok" when
// nil) and closes it when the test ends.
func newReceiver(t testing.TB, h http.HandlerFunc) *receiver {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }
	}
	rcv := &receiver{}
	rcv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rcv.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(rcv.Close)
	return rcv
}

// localhostURL is rcv's URL with the hostname localhost, which resolves to
// 127.0.0.1 through /etc/hosts, so the client must resolve a name and the
// guard sees only the resolved address.
func (rcv *receiver) localhostURL() string {
	return strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1)
}

// get sends a GET with c. Its context ends after 20 seconds, so a client
// whose own timeout is broken fails a test instead of hanging it.
func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestClientGuardsResolvedAddress(t *testing.T) {
	t.Parallel()

	t.Run("LoopbackRefused", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		for _, u := range []string{rcv.localhostURL(), rcv.URL} {
			_, err := get(t, Options{}.Client(), u)
			var refused *RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("GET %s: error %v has no *RefusedError", u, err)
			}
			if !refused.Addr.IsLoopback() || refused.Reason != "loopback address" {
				t.Errorf("GET %s: refused %+v, want a loopback address", u, refused)
			}
			var uerr *url.Error
			if !errors.As(err, &uerr) {
				t.Errorf("GET %s: error %T is not a *url.Error", u, err)
			}
			if !strings.Contains(err.Error(), "refused to connect to 127.0.0.1: loopback address") {
				t.Errorf("GET %s: error %q does not say why", u, err)
			}
		}
		if n := rcv.hits.Load(); n != 0 {
			t.Errorf("receiver got %d requests, want 0", n)
		}
	})

	for name, opts := range map[string]Options{
		"AllowLoopback":   {AllowLoopback: true},
		"AllowPrefix":     {Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		"AllowOtherFirst": {Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, nil)
			resp, err := get(t, opts.Client(), rcv.localhostURL())
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d, want 200", resp.StatusCode)
			}
		})
	}
}

// TestClientGuardsHTTP2 shows that TLS and HTTP/2 connections are dialled
// through the guard too.
func TestClientGuardsHTTP2(t *testing.T) {
	t.Parallel()

	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	trust := func(c *http.Client) *http.Client {
		roots := x509.NewCertPool()
		roots.AddCert(srv.Certificate())
		c.Transport.(*http.Transport).TLSClientConfig.RootCAs = roots
		return c
	}

	_, err := get(t, trust(Options{}.Client()), srv.URL)
	if refused := (*RefusedError)(nil); !errors.As(err, &refused) {
		t.Fatalf("error %v has no *RefusedError", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("server got %d requests, want 0", n)
	}

	resp, err := get(t, trust(Options{AllowLoopback: true}.Client()), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2", resp.Proto)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()

	target := newReceiver(t, nil)
	rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusFound)
	})
	c := Options{AllowLoopback: true}.Client()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, rcv.URL, strings.NewReader(`{"type":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status %d, want 302", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Location"), target.URL+"/elsewhere"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	if n := target.hits.Load(); n != 0 {
		t.Errorf("redirect target got %d requests, want 0", n)
	}
}

func TestClientTimeout(t *testing.T) {
	t.Parallel()

	const timeout = 200 * time.Millisecond
	// The bound is loose so a busy machine cannot fail the test; a client
	// without a timeout would wait for get's 20 seconds.
	const bound = timeout + 5*time.Second

	// hang starts a receiver that runs h and then stalls until the client
	// gives up or the test ends.
	hang := func(t *testing.T, h http.HandlerFunc) *receiver {
		release := make(chan struct{})
		rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			h(w, r)
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		t.Cleanup(func() { close(release) }) // runs before rcv.Close, which waits for handlers
		return rcv
	}

	t.Run("Headers", func(t *testing.T) {
		t.Parallel()
		rcv := hang(t, func(http.ResponseWriter, *http.Request) {})
		start := time.Now()
		_, err := get(t, Options{AllowLoopback: true, Timeout: timeout}.Client(), rcv.URL)
		elapsed := time.Since(start)
		var uerr *url.Error
		if !errors.As(err, &uerr) || !uerr.Timeout() {
			t.Fatalf("error %v, want a timeout", err)
		}
		if elapsed > bound {
			t.Errorf("took %s with Timeout %s", elapsed, timeout)
		}
	})

	t.Run("Body", func(t *testing.T) {
		t.Parallel()
		rcv := hang(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		})
		start := time.Now()
		resp, err := get(t, Options{AllowLoopback: true, Timeout: timeout}.Client(), rcv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _, err := ReadBody(resp.Body, RecordLimit)
		elapsed := time.Since(start)
		if err == nil {
			t.Fatal("ReadBody of a hanging body succeeded")
		}
		if string(body) != "partial" {
			t.Errorf("body %q, want what arrived before the timeout", body)
		}
		if elapsed > bound {
			t.Errorf("took %s with Timeout %s", elapsed, timeout)
		}
	})
}

func TestClientTransport(t *testing.T) {
	t.Parallel()

	c := Options{}.Client()
	tr := c.Transport.(*http.Transport)
	if tr.Proxy != nil {
		t.Error("transport uses a proxy; it must connect itself so the guard sees the real address")
	}
	if c.Timeout != TimeoutDefault {
		t.Errorf("client timeout %s, want %s", c.Timeout, TimeoutDefault)
	}
	if tr.MaxIdleConnsPerHost != MaxIdleConnsPerHostDefault || tr.MaxIdleConns != MaxIdleConnsDefault {
		t.Errorf("idle pool %d per host, %d in all; want the defaults", tr.MaxIdleConnsPerHost, tr.MaxIdleConns)
	}
	if tr.DisableKeepAlives {
		t.Error("keep-alives are off")
	}

	allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	o := Options{Allow: allow}.withDefaults()
	allow[0] = netip.MustParsePrefix("0.0.0.0/0")
	if o.check(netip.MustParseAddr("192.168.1.1")) == nil {
		t.Error("changing the caller's Allow slice changed the guard")
	}
}

// TestCheck covers the guard's decision, which Options.Allow and
// AllowLoopback relax; the tests above show it is wired into the client.
func TestCheck(t *testing.T) {
	t.Parallel()

	type test struct {
		opts Options
		addr string
		want string // the refusal reason, or "" when allowed
	}
	for name, tt := range map[string]test{
		"public":                       {Options{}, "8.8.8.8", ""},
		"loopback":                     {Options{}, "127.0.0.1", "loopback address"},
		"loopback allowed":             {Options{AllowLoopback: true}, "127.0.0.1", ""},
		"loopback allowed, other /8":   {Options{AllowLoopback: true}, "127.8.9.10", ""},
		"loopback v6 allowed":          {Options{AllowLoopback: true}, "::1", ""},
		"mapped loopback allowed":      {Options{AllowLoopback: true}, "::ffff:127.0.0.1", ""},
		"AllowLoopback is not private": {Options{AllowLoopback: true}, "10.0.0.1", "private address"},
		"AllowLoopback is not 0.0.0.0": {Options{AllowLoopback: true}, "0.0.0.0", "unspecified address"},
		"AllowLoopback is not NAT64":   {Options{AllowLoopback: true}, "64:ff9b::7f00:1", "loopback address in NAT64 address"},
		"allow prefix":                 {Options{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, "10.1.2.3", ""},
		"allow prefix, mapped address": {Options{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, "::ffff:10.1.2.3", ""},
		"allow prefix, outside":        {Options{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, "192.168.1.1", "private address"},
		"allow unmasked prefix":        {Options{Allow: []netip.Prefix{netip.MustParsePrefix("10.1.2.3/8")}}, "10.9.9.9", ""},
		"allow v6 prefix":              {Options{Allow: []netip.Prefix{netip.MustParsePrefix("fd00::/8")}}, "fd00::5", ""},
		"allow v6 prefix, zone":        {Options{Allow: []netip.Prefix{netip.MustParsePrefix("fe80::/10")}}, "fe80::1%eth0", ""},
		"allow loopback prefix":        {Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, "127.0.0.1", ""},
		"allow loopback prefix, ::1":   {Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, "::1", "loopback address"},
		"zero prefix ignored":          {Options{Allow: []netip.Prefix{{}}}, "10.1.2.3", "private address"},
		"metadata":                     {Options{}, "169.254.169.254", "cloud metadata address"},
	} {
		got := ""
		if refused := tt.opts.withDefaults().check(netip.MustParseAddr(tt.addr)); refused != nil {
			got = refused.Reason
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: check(%s) (-want +got):\n%s", name, tt.addr, diff)
		}
	}
}

// TestControl calls the dialer hook directly: nothing is dialled.
func TestControl(t *testing.T) {
	t.Parallel()

	o := Options{}.withDefaults()
	for _, tt := range []struct {
		network, address string
		want             string // error message, or ""
	}{
		{"tcp4", "8.8.8.8:443", ""},
		{"tcp6", "[2606:4700::1111]:443", ""},
		{"tcp4", "10.1.2.3:80", "refused to connect to 10.1.2.3: private address"},
		{"tcp4", "169.254.169.254:80", "refused to connect to 169.254.169.254: cloud metadata address"},
		{"tcp6", "[::1]:80", "refused to connect to ::1: loopback address"},
		{"tcp6", "[fe80::1%eth0]:80", "refused to connect to fe80::1%eth0: link-local address"},
		{"tcp6", "[::ffff:127.0.0.1]:80", "refused to connect to ::ffff:127.0.0.1: loopback address"},
		{"udp4", "8.8.8.8:53", `refused to dial network "udp4"`},
		{"tcp4", "nonsense", `refused to dial unparsable address "nonsense": not an ip:port`},
	} {
		got := ""
		if err := o.control(tt.network, tt.address, nil); err != nil {
			got = err.Error()
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("control(%s, %s) (-want +got):\n%s", tt.network, tt.address, diff)
		}
	}
}

// BenchmarkClientPost sends 1 KiB POSTs from many goroutines through one
// client to a receiver on loopback, with and without the guard, to show what
// the guard costs. The guard runs once per dialled connection, not per
// request, so with keep-alive the two should match; "dials" counts the
// connections opened during a run.
func BenchmarkClientPost(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 1024)
	rcv := newReceiver(b, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	})
	var dials atomic.Int64
	countDials := func(c *http.Client, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
		c.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dial(ctx, network, addr)
		}
		return c
	}
	guarded := Options{AllowLoopback: true}.Client()
	guarded = countDials(guarded, guarded.Transport.(*http.Transport).DialContext)
	unguarded := countDials(Options{AllowLoopback: true}.Client(), (&net.Dialer{}).DialContext)

	for _, bc := range []struct {
		name   string
		client *http.Client
	}{{"guarded", guarded}, {"unguarded", unguarded}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetParallelism(32) // 64 goroutines on 2 cores
			b.ReportAllocs()
			dials.Store(0)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := bc.client.Post(rcv.URL, "application/json", bytes.NewReader(payload))
					if err != nil {
						b.Error(err)
						return
					}
					_, _, err = ReadBody(resp.Body, RecordLimit)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK {
						b.Errorf("status %d, %v", resp.StatusCode, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			b.ReportMetric(float64(dials.Load()), "dials")
		})
	}
}
