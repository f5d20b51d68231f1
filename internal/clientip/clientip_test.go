package clientip

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestResolver(t *testing.T) {
	proxies := Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	tests := []struct {
		name   string
		rs     Resolver
		remote string
		xff    []string
		want   string
	}{
		{"no proxies trusted: the header is ignored", Resolver{}, "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"untrusted peer: the header is ignored", proxies, "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"trusted peer: the hop before it", proxies, "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a forged left part is not believed", proxies, "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"a chain of trusted proxies", proxies, "10.1.2.3:5000", []string{"198.51.100.1, 10.9.9.9", "10.8.8.8"}, "198.51.100.1"},
		{"only proxies: the leftmost proxy", proxies, "10.1.2.3:5000", []string{"10.9.9.9"}, "10.9.9.9"},
		{"garbage hop: the proxy that passed it", proxies, "10.1.2.3:5000", []string{"198.51.100.1, nonsense"}, "10.1.2.3"},
		{"IPv6 peer", proxies, "[::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped IPv6 is IPv4", Resolver{}, "[::ffff:192.0.2.9]:1", nil, "192.0.2.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tt.rs.Of(r); got.String() != tt.want {
				t.Errorf("Of = %s, want %s", got, tt.want)
			}
		})
	}
}

func FuzzResolver(f *testing.F) {
	f.Add("10.1.2.3:80", "198.51.100.1, 10.0.0.1")
	f.Add("[::1]:80", "::ffff:1.2.3.4,,")
	rs := Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		a := rs.Of(r)
		if a.IsValid() && rs.trusted(addrOf(remote)) == false && a != addrOf(remote) {
			t.Fatalf("untrusted peer %q gave %s", remote, a)
		}
	})
}
