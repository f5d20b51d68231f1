package safehttp

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// These addresses are only classified, never contacted.
func TestClassify(t *testing.T) {
	t.Parallel()

	for addr, want := range map[string]string{
		// IPv4
		"0.0.0.0":         "unspecified address",
		"0.1.2.3":         "this-network address",
		"0.255.255.255":   "this-network address",
		"10.0.0.0":        "private address",
		"10.1.2.3":        "private address",
		"10.255.255.255":  "private address",
		"100.64.0.1":      "carrier-grade NAT address",
		"100.127.255.255": "carrier-grade NAT address",
		"100.100.100.200": "cloud metadata address",
		"127.0.0.1":       "loopback address",
		"127.255.255.254": "loopback address",
		"169.254.0.1":     "link-local address",
		"169.254.169.254": "cloud metadata address",
		"169.254.170.2":   "cloud metadata address",
		"172.16.0.1":      "private address",
		"172.31.255.255":  "private address",
		"192.0.0.8":       "IETF protocol assignment address",
		"192.0.0.192":     "cloud metadata address",
		"192.0.2.1":       "documentation address",
		"192.88.99.1":     "6to4 relay anycast address",
		"192.168.0.1":     "private address",
		"192.168.255.255": "private address",
		"198.18.0.1":      "benchmarking address",
		"198.19.255.255":  "benchmarking address",
		"198.51.100.7":    "documentation address",
		"203.0.113.9":     "documentation address",
		"224.0.0.1":       "multicast address",
		"239.255.255.250": "multicast address",
		"240.0.0.1":       "reserved address",
		"255.255.255.254": "reserved address",
		"255.255.255.255": "broadcast address",

		// Public IPv4, including the neighbours of special ranges.
		"8.8.8.8":         "",
		"1.1.1.1":         "",
		"9.255.255.255":   "",
		"11.0.0.0":        "",
		"100.63.255.255":  "",
		"100.128.0.0":     "",
		"126.255.255.255": "",
		"128.0.0.0":       "",
		"172.15.255.255":  "",
		"172.32.0.0":      "",
		"192.0.1.1":       "",
		"192.167.255.255": "",
		"192.169.0.0":     "",
		"198.17.255.255":  "",
		"198.20.0.0":      "",
		"223.255.255.255": "",

		// IPv4-mapped IPv6 is judged by the IPv4 address.
		"::ffff:0.0.0.0":           "unspecified address",
		"::ffff:127.0.0.1":         "loopback address",
		"::ffff:7f00:1":            "loopback address",
		"::ffff:10.1.2.3":          "private address",
		"::ffff:169.254.169.254":   "cloud metadata address",
		"::ffff:192.168.1.1":       "private address",
		"::ffff:255.255.255.255":   "broadcast address",
		"::ffff:8.8.8.8":           "",
		"0:0:0:0:0:ffff:7f00:0001": "loopback address",

		// IPv6
		"::":                                   "unspecified address",
		"::1":                                  "loopback address",
		"::7f00:1":                             "reserved address", // IPv4-compatible, deprecated
		"::8.8.8.8":                            "reserved address",
		"100::1":                               "discard-only address",
		"2001::1":                              "Teredo address",
		"2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo address",
		"2001:2::1":                            "benchmarking address",
		"2001:10::1":                           "reserved address",
		"2001:20::1":                           "reserved address",
		"2001:db8::1":                          "documentation address",
		"3fff::1":                              "documentation address",
		"fc00::1":                              "private address",
		"fd12:3456::1":                         "private address",
		"fd00:ec2::254":                        "cloud metadata address",
		"fd00:ec2::253":                        "private address",
		"fe80::1":                              "link-local address",
		"fe80::1%eth0":                         "link-local address",
		"febf::1":                              "link-local address",
		"fec0::1":                              "site-local address",
		"ff02::1":                              "multicast address",
		"ff05::1:3":                            "multicast address",
		"4000::1":                              "reserved address",
		"5f00::1":                              "reserved address",
		"e000::1":                              "reserved address",

		// NAT64 and 6to4 are judged by the IPv4 address they carry.
		"64:ff9b::7f00:1":          "loopback address in NAT64 address",
		"64:ff9b::10.1.2.3":        "private address in NAT64 address",
		"64:ff9b::169.254.169.254": "cloud metadata address in NAT64 address",
		"64:ff9b::8.8.8.8":         "",
		"64:ff9b:1::1":             "local-use NAT64 address",
		"2002:7f00:1::1":           "loopback address in 6to4 address",
		"2002:a01:203::":           "private address in 6to4 address",
		"2002:a9fe:a9fe::1":        "cloud metadata address in 6to4 address",
		"2002:c000:201::1":         "documentation address in 6to4 address",
		"2002:808:808::1":          "",

		// Public IPv6.
		"2606:4700::1111":      "",
		"2606:4700:4700::1111": "",
		"2001:4860:4860::8888": "",
		"2a00:1450:4001::1":    "",
		"2001:1::1":            "", // PCP anycast, globally reachable
	} {
		a := netip.MustParseAddr(addr)
		reason, special := Classify(a)
		if special != (want != "") {
			t.Errorf("Classify(%s) special = %t, want %t (reason %q)", addr, special, want != "", reason)
			continue
		}
		if diff := cmp.Diff(want, reason); diff != "" {
			t.Errorf("Classify(%s) reason (-want +got):\n%s", addr, diff)
		}
	}
}

func TestClassifyInvalid(t *testing.T) {
	t.Parallel()

	if reason, special := Classify(netip.Addr{}); !special || reason != "invalid address" {
		t.Errorf("Classify(zero Addr) = %q, %t; want invalid address, true", reason, special)
	}
}

func BenchmarkClassify(b *testing.B) {
	addrs := []netip.Addr{
		netip.MustParseAddr("8.8.8.8"),
		netip.MustParseAddr("10.1.2.3"),
		netip.MustParseAddr("2606:4700::1111"),
		netip.MustParseAddr("64:ff9b::7f00:1"),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Classify(addrs[i%len(addrs)])
	}
}
