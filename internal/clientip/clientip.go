// Package clientip finds the address a request came from: the peer's, or,
// when the peer is a proxy the operator trusts, the last address that proxy
// chain saw in X-Forwarded-For. Rate limits of public routes and the audit log
// key on it, so a client must not be able to choose it.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds a request's client address.
type Resolver struct {
	// Trusted are the networks of reverse proxies whose X-Forwarded-For is
	// believed. Empty means none: the peer's address is the client's.
	Trusted []netip.Prefix
}

// Of returns the client address of r. Walking X-Forwarded-For from the right,
// it skips trusted proxies and stops at the first address that is not one: the
// left part of the header is whatever the client wrote.
func (rs Resolver) Of(r *http.Request) netip.Addr {
	peer := addrOf(r.RemoteAddr)
	if !rs.trusted(peer) {
		return peer
	}
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a hop that is no address: believe nothing left of it
		}
		a = a.Unmap()
		if !rs.trusted(a) {
			return a
		}
		peer = a
	}
	return peer
}

func (rs Resolver) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range rs.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor lists the X-Forwarded-For hops of every such header, in order.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	return hops
}

// addrOf parses a RemoteAddr ("host:port"), or returns the zero Addr.
func addrOf(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
