package safehttp

import "net/netip"

// Reasons that Classify gives. They are short enough to end an error message
// ("refused to connect to 10.1.2.3: private address").
const (
	reasonInvalid       = "invalid address"
	reasonUnspecified   = "unspecified address"
	reasonThisNetwork   = "this-network address"
	reasonLoopback      = "loopback address"
	reasonPrivate       = "private address"
	reasonLinkLocal     = "link-local address"
	reasonMetadata      = "cloud metadata address"
	reasonMulticast     = "multicast address"
	reasonBroadcast     = "broadcast address"
	reasonCGNAT         = "carrier-grade NAT address"
	reasonProtocol      = "IETF protocol assignment address"
	reasonDocumentation = "documentation address"
	reasonBenchmarking  = "benchmarking address"
	reasonReserved      = "reserved address"
	reason6to4Relay     = "6to4 relay anycast address"
	reasonSiteLocal     = "site-local address"
	reasonDiscard       = "discard-only address"
	reasonTeredo        = "Teredo address"
	reasonNAT64Local    = "local-use NAT64 address"
)

type specialRange struct {
	prefix netip.Prefix
	reason string
}

func rangeOf(prefix, reason string) specialRange {
	return specialRange{netip.MustParsePrefix(prefix), reason}
}

// metadataAddrs are the cloud providers' instance metadata services, which
// hand out credentials to whoever asks from inside the machine: the classic
// SSRF target. Every one lies in a range below as well; they are listed to
// give the sharper reason.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, DigitalOcean, OpenStack …
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("192.0.0.192"),     // Oracle Cloud
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
}

// special4 follows the IANA IPv4 Special-Purpose Address Registry, less the
// ranges that are globally reachable (AS112, AMT). The first match wins.
var special4 = []specialRange{
	rangeOf("0.0.0.0/32", reasonUnspecified), // Linux connects 0.0.0.0 to the local host
	rangeOf("0.0.0.0/8", reasonThisNetwork),
	rangeOf("10.0.0.0/8", reasonPrivate),
	rangeOf("100.64.0.0/10", reasonCGNAT),
	rangeOf("127.0.0.0/8", reasonLoopback),
	rangeOf("169.254.0.0/16", reasonLinkLocal),
	rangeOf("172.16.0.0/12", reasonPrivate),
	rangeOf("192.0.0.0/24", reasonProtocol),
	rangeOf("192.0.2.0/24", reasonDocumentation),
	rangeOf("192.88.99.0/24", reason6to4Relay),
	rangeOf("192.168.0.0/16", reasonPrivate),
	rangeOf("198.18.0.0/15", reasonBenchmarking),
	rangeOf("198.51.100.0/24", reasonDocumentation),
	rangeOf("203.0.113.0/24", reasonDocumentation),
	rangeOf("224.0.0.0/4", reasonMulticast),
	rangeOf("255.255.255.255/32", reasonBroadcast),
	rangeOf("240.0.0.0/4", reasonReserved),
}

// special6 lists IPv6 ranges inside global unicast 2000::/3 that are special,
// and the special ranges outside it whose reason is worth naming; everything
// else outside 2000::/3 is reserved. IPv4-mapped, NAT64 and 6to4 addresses
// are handled before this table, by what they embed.
var special6 = []specialRange{
	rangeOf("::/128", reasonUnspecified),
	rangeOf("::1/128", reasonLoopback),
	rangeOf("64:ff9b:1::/48", reasonNAT64Local),
	rangeOf("100::/64", reasonDiscard),
	rangeOf("2001::/32", reasonTeredo), // embeds a client address we cannot vouch for
	rangeOf("2001:2::/48", reasonBenchmarking),
	rangeOf("2001:10::/28", reasonReserved), // ORCHID, deprecated
	rangeOf("2001:20::/28", reasonReserved), // ORCHIDv2, not routable
	rangeOf("2001:db8::/32", reasonDocumentation),
	rangeOf("3fff::/20", reasonDocumentation),
	rangeOf("fc00::/7", reasonPrivate), // unique local addresses
	rangeOf("fe80::/10", reasonLinkLocal),
	rangeOf("fec0::/10", reasonSiteLocal),
	rangeOf("ff00::/8", reasonMulticast),
}

var (
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
)

// Classify says whether a is a special-purpose address that a tenant-supplied
// URL must not reach, and why. IPv6 forms that carry an IPv4 address
// (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4
// address they carry, since that is where the packets end up. A zone is
// ignored. The zero Addr is special ("invalid address").
func Classify(a netip.Addr) (reason string, special bool) {
	if !a.IsValid() {
		return reasonInvalid, true
	}
	a = a.WithZone("")
	if a.Is4In6() {
		return Classify(a.Unmap())
	}
	for _, m := range metadataAddrs {
		if a == m {
			return reasonMetadata, true
		}
	}
	if a.Is4() {
		return match(special4, a)
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		if reason, special := Classify(netip.AddrFrom4([4]byte(b[12:16]))); special {
			return reason + " in NAT64 address", true
		}
		return "", false
	case sixToFour.Contains(a):
		if reason, special := Classify(netip.AddrFrom4([4]byte(b[2:6]))); special {
			return reason + " in 6to4 address", true
		}
		return "", false
	}
	if reason, special := match(special6, a); special {
		return reason, true
	}
	if !globalUnicast6.Contains(a) {
		return reasonReserved, true
	}
	return "", false
}

func match(ranges []specialRange, a netip.Addr) (string, bool) {
	for _, s := range ranges {
		if s.prefix.Contains(a) {
			return s.reason, true
		}
	}
	return "", false
}
