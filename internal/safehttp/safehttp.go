// Package safehttp is Patchbay's one outbound HTTP client. Every call Patchbay
// makes to a URL that a tenant or a third party chose (webhook deliveries,
// OAuth token exchanges, API proxying) goes through a client from here, so
// that none can be pointed at Patchbay's own network: loopback, private
// ranges, link-local addresses and the cloud metadata service.
//
// The guard checks the address actually being connected to, in the dialer's
// Control hook, after DNS resolution. Checking a hostname's addresses before
// the request is not enough: DNS can answer differently a moment later (DNS
// rebinding), and the check and the connection must see the same address.
// CheckURL adds an early, friendlier check when a URL is saved, but only the
// dial-time guard is authoritative.
package safehttp

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"syscall"
	"time"
)

const (
	// TimeoutDefault bounds a whole request when Options.Timeout is zero.
	TimeoutDefault = 15 * time.Second
	// MaxIdleConnsPerHostDefault is the per-host idle pool when
	// Options.MaxIdleConnsPerHost is zero. Go's own default of 2 would make
	// a busy endpoint open and close a connection for almost every delivery.
	MaxIdleConnsPerHostDefault = 64
	// MaxIdleConnsDefault bounds idle connections across all hosts when
	// Options.MaxIdleConns is zero, so thousands of endpoints cannot hold
	// thousands of file descriptors.
	MaxIdleConnsDefault = 1024

	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	idleConnTimeout     = 90 * time.Second
	tcpKeepAlive        = 30 * time.Second
	// maxResponseHeaderBytes caps a response's headers; a receiver has no
	// reason to send more, and we should not buffer a megabyte (Go's default).
	maxResponseHeaderBytes = 64 << 10
)

// Options configures the guard and the client. The zero value refuses every
// special-purpose address and uses the defaults below.
type Options struct {
	// Allow lists prefixes that are permitted even though they are special
	// purpose, such as 10.0.0.0/8 for a receiver on the operator's own
	// network. It is the operator's choice, never a tenant's.
	Allow []netip.Prefix
	// AllowLoopback permits 127.0.0.0/8 and ::1, for --dev and tests.
	AllowLoopback bool
	// Timeout bounds a whole request: connecting, sending, waiting for the
	// response and reading its body. Zero or less means TimeoutDefault.
	Timeout time.Duration
	// MaxIdleConnsPerHost is how many idle keep-alive connections are kept
	// per host for reuse. Zero means MaxIdleConnsPerHostDefault. Set it near
	// the per-endpoint delivery concurrency.
	MaxIdleConnsPerHost int
	// MaxIdleConns bounds idle connections across all hosts. Zero means
	// MaxIdleConnsDefault.
	MaxIdleConns int
	// RootCAs are the certificate authorities trusted for TLS; nil means the
	// system's. Operators set it for providers behind a private CA, and tests
	// for their own loopback servers.
	RootCAs *x509.CertPool
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = TimeoutDefault
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = MaxIdleConnsPerHostDefault
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = MaxIdleConnsDefault
	}
	// Copy and normalise, so a caller changing its slice later cannot change
	// a running client's guard.
	allow := make([]netip.Prefix, 0, len(o.Allow))
	for _, p := range o.Allow {
		if p.IsValid() {
			allow = append(allow, p.Masked())
		}
	}
	o.Allow = slices.Clip(allow)
	return o
}

// Client returns a new HTTP client that refuses to connect to special-purpose
// addresses (see Classify) unless o allows them. Each call makes its own
// connection pool: build one client at startup and share it.
//
// The client never follows redirects: a 3xx is returned as the response, so
// a receiver cannot bounce a delivery somewhere its URL would not be allowed
// to point, and the attempt log shows what the receiver really said. It
// ignores HTTP_PROXY and friends, whose proxy would make the connection (and
// see only the proxy's address), and it keeps connections alive for reuse.
func (o Options) Client() *http.Client {
	o = o.withDefaults()
	dialer := &net.Dialer{
		Timeout:   min(dialTimeout, o.Timeout),
		KeepAlive: tcpKeepAlive,
		Control:   o.control,
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true, // we set DialContext, which would otherwise turn HTTP/2 off
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: o.RootCAs},
		TLSHandshakeTimeout:    min(tlsHandshakeTimeout, o.Timeout),
		ResponseHeaderTimeout:  o.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           o.MaxIdleConns,
		MaxIdleConnsPerHost:    o.MaxIdleConnsPerHost,
		IdleConnTimeout:        idleConnTimeout,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// RefusedError reports that the guard refused an address. Client.Do returns
// it wrapped in a *url.Error and a *net.OpError; find it with errors.As.
// Retrying cannot help: the destination resolves to a forbidden address.
type RefusedError struct {
	// Addr is the address that was refused, as it was dialled.
	Addr netip.Addr
	// Reason says what kind of address it is, such as "private address".
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused to connect to %s: %s", e.Addr, e.Reason)
}

// control is the dialer's Control hook. It runs for every address a dial
// tries, after the socket is made and before it connects.
func (o Options) control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp4", "tcp6":
	default:
		return fmt.Errorf("refused to dial network %q", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused to dial unparsable address %q: %w", address, err)
	}
	if refused := o.check(ap.Addr()); refused != nil {
		return refused
	}
	return nil
}

// check returns nil if a may be connected to, and why not otherwise. o must
// have its defaults applied.
func (o Options) check(a netip.Addr) *RefusedError {
	plain := a.WithZone("").Unmap()
	for _, p := range o.Allow {
		if p.Contains(plain) || p.Contains(a.WithZone("")) {
			return nil
		}
	}
	if o.AllowLoopback && plain.IsLoopback() {
		return nil
	}
	if reason, special := Classify(a); special {
		return &RefusedError{Addr: a, Reason: reason}
	}
	return nil
}

// Dialer returns a dialer with the guard in its Control hook, for clients
// that speak another protocol than HTTP (message brokers): every address they
// connect to, after DNS resolution, passes the same check as an HTTP
// delivery's.
func (o Options) Dialer() *net.Dialer {
	o = o.withDefaults()
	return &net.Dialer{Timeout: min(dialTimeout, o.Timeout), KeepAlive: tcpKeepAlive, Control: o.control}
}

// CheckHost is CheckURL's check of a host alone (a name or an IP address,
// without port or brackets), for a destination given as host:port.
func (o Options) CheckHost(host string) error {
	return o.withDefaults().checkHost(host)
}

// TLSConfig is the TLS configuration of the client, for broker connections
// that wrap the guard's dialer in TLS.
func (o Options) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: o.RootCAs}
}
