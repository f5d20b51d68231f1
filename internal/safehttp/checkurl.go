package safehttp

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxURLLength is the longest URL CheckURL accepts.
const MaxURLLength = 2048

// CheckURL reports whether raw may be saved as a destination, such as a
// webhook endpoint: an absolute https URL (or http when allowHTTP) with a
// host, a valid port if any, and no user info, at most MaxURLLength bytes
// long. A host written as an IP address is checked against o now; so are
// "localhost" and names under ".localhost", which always mean loopback. Other
// hostnames are not resolved: what they resolve to can change, so the dialer
// checks the address at every connection.
//
// Hosts that some software reads as an IPv4 address but Go does not, such as
// 2130706433, 0x7f.1, 127.1 or 0177.0.0.1, are refused as ambiguous.
//
// The error's message says what is wrong in words fit for an API client,
// such as "must use https"; for a refused address it wraps a *RefusedError.
func (o Options) CheckURL(raw string, allowHTTP bool) error {
	if len(raw) > MaxURLLength {
		return fmt.Errorf("must be at most %d characters long", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the URL, which the client already has
		}
		return fmt.Errorf("is not a valid URL: %w", err)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return errors.New("must use https")
	case u.Scheme == "":
		return errors.New("must be an absolute URL")
	case allowHTTP:
		return fmt.Errorf("must use https or http, not %q", u.Scheme)
	default:
		return fmt.Errorf("must use https, not %q", u.Scheme)
	}
	switch {
	case u.Opaque != "":
		return errors.New("must have // after the scheme")
	case u.User != nil:
		return errors.New("must not contain user info (credentials before @)")
	case u.Host == "":
		return errors.New("must have a host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %s is out of range", p)
		}
	}
	return o.withDefaults().checkHost(u.Hostname())
}

// checkHost checks a URL's hostname (without brackets or port). o must have
// its defaults applied.
func (o Options) checkHost(host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return errors.New("host must not have an IPv6 zone")
		}
		return o.checkHostAddr(host, a)
	}
	if strings.Contains(host, ":") {
		return fmt.Errorf("host %q is not a valid IP address", host)
	}
	if !isASCII(host) {
		return fmt.Errorf("host %q must be ASCII: write an internationalised name in Punycode (xn--…)", host)
	}
	name := strings.TrimSuffix(host, ".") // a fully qualified name is fine
	if name == "" || len(name) > 253 {
		return errors.New("host must be a valid domain name")
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if !validLabel(l) {
			return fmt.Errorf("host %q is not a valid domain name", host)
		}
	}
	// WHATWG URL parsing, and inet_aton behind many resolvers, read a host
	// whose last label is a number as an IPv4 address in decimal, octal or
	// hex, possibly with fewer than four parts. Go reads it as a name. Only
	// the canonical dotted quad (handled above) is unambiguous.
	if numeric(labels[len(labels)-1]) {
		return fmt.Errorf("host %q is an ambiguous form of an IP address; write it as a dotted quad like 192.0.2.1", host)
	}
	lower := strings.ToLower(name)
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		// RFC 6761: these names always resolve to loopback.
		return o.checkHostAddr(host, netip.IPv6Loopback(), netip.AddrFrom4([4]byte{127, 0, 0, 1}))
	}
	return nil
}

// checkHostAddr refuses host if the guard would refuse any of addrs.
func (o Options) checkHostAddr(host string, addrs ...netip.Addr) error {
	for _, a := range addrs {
		if refused := o.check(a); refused != nil {
			return &hostError{host: host, refused: refused}
		}
	}
	return nil
}

// hostError is CheckURL's error for a refused host: a message that reads
// well as a field problem, wrapping the guard's *RefusedError.
type hostError struct {
	host    string
	refused *RefusedError
}

func (e *hostError) Error() string {
	return fmt.Sprintf("host %s is not allowed: %s", e.host, e.refused.Reason)
}

func (e *hostError) Unwrap() error { return e.refused }

// validLabel reports whether l can be a DNS label: 1 to 63 ASCII letters,
// digits, hyphens and underscores (which some real hosts use), not starting
// or ending with a hyphen.
//
// Internationalised names must be written in Punycode (xn--…). Go's transport
// would map a Unicode name through IDNA, which turns fullwidth digits and
// ideographic full stops into ASCII ones ("１２７。０。０。１" becomes
// 127.0.0.1), so a Unicode host could hide a number from the checks here.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// numeric reports whether l is a number as WHATWG's IPv4 parser reads it:
// decimal digits, or 0x followed by hex digits (possibly none).
func numeric(l string) bool {
	if len(l) >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X') {
		for _, c := range l[2:] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
		return true
	}
	for _, c := range l {
		if c < '0' || c > '9' {
			return false
		}
	}
	return l != ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
