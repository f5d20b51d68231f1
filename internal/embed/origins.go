package embed

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// OriginProblem says what is wrong with an allowed origin, or "". An origin
// is written exactly as browsers send it in the Origin header, so that it is
// compared byte for byte: scheme://host[:port], lowercase, without a path or
// the scheme's default port. It is https, or http on the loopback host
// (localhost, 127.0.0.1 or [::1]) for development.
func OriginProblem(origin string) string {
	const form = "must be an origin such as https://app.example.com (scheme://host[:port], no path)"
	if origin == "" || len(origin) > 255 {
		return form
	}
	u, err := url.Parse(origin)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
		strings.Contains(origin, "#") || u.Path != "" {
		return form
	}
	if origin != strings.ToLower(origin) {
		return "must be lowercase, as browsers send it"
	}
	host, port := u.Hostname(), u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return "has an invalid port"
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "has an invalid port"
	}
	switch u.Scheme {
	case "https":
		if port == "443" {
			return "must leave out the default port 443, as browsers do"
		}
	case "http":
		if host != "localhost" && host != "127.0.0.1" && host != "::1" {
			return "must use https; http is allowed only for localhost, 127.0.0.1 and [::1]"
		}
		if port == "80" {
			return "must leave out the default port 80, as browsers do"
		}
	default:
		return "must use https (or http for localhost)"
	}
	if ip := net.ParseIP(host); ip == nil && !validHostname(host) {
		return "has an invalid host name"
	}
	if strings.Contains(host, ":") && !strings.HasPrefix(u.Host, "[") {
		return form
	}
	return ""
}

// validHostname checks a DNS name: dot-separated labels of letters, digits
// and hyphens, not starting or ending with a hyphen.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !isAlnum(r) && r != '-' {
				return false
			}
		}
	}
	return true
}

// OriginOf is the origin of rawURL as browsers send it in Origin: the
// scheme and host lowercased, without the scheme's default port; "" when
// rawURL has no scheme or host.
func OriginOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}
