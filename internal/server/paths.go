package server

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// isCredential reports whether a path parameter holds a credential, by the
// one convention every route follows: a parameter named "token" or ending
// in "_token" is one (the connect page's {token}, an ingest URL's
// {…_token}). The request log never shows its value; a route that takes a
// secret in its path must name the parameter so.
func isCredential(param string) bool {
	return param == "token" || strings.HasSuffix(param, "_token")
}

// redacted stands in the request log for a credential's value.
const redacted = "[redacted]"

// segment is one segment of a route pattern's path.
type segment struct {
	literal string // when not a wildcard
	param   string // the wildcard's name
	rest    bool   // a {name...} wildcard: the rest of the path
}

// patternSegments splits a pattern such as "GET /v1/tenants/{tenant_id}"
// into its method ("" for any) and path segments.
func patternSegments(pattern string) (method string, segs []segment) {
	p := pattern
	if m, rest, ok := strings.Cut(pattern, " "); ok {
		method, p = m, rest
	}
	for _, s := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		switch {
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "...}"):
			segs = append(segs, segment{param: s[1 : len(s)-4], rest: true})
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			segs = append(segs, segment{param: s[1 : len(s)-1]})
		default:
			segs = append(segs, segment{literal: s})
		}
	}
	return method, segs
}

// isCleanPath reports whether an escaped URL path is in the one form Patchbay
// answers: no empty segments but a trailing slash, and no "." or ".."
// segments, escaped or not. ServeMux answers other paths with a redirect to
// a cleaned one, which a client that forwards a user's path part and
// follows redirects turns into a call to another route.
func isCleanPath(escaped string) bool {
	if !strings.HasPrefix(escaped, "/") {
		return false
	}
	segs := strings.Split(escaped[1:], "/")
	for i, s := range segs {
		if (s == "" && i < len(segs)-1) || isDotSegment(s) {
			return false
		}
	}
	return true
}

func isDotSegment(escaped string) bool {
	s, err := url.PathUnescape(escaped)
	if err != nil {
		s = escaped
	}
	return s == "." || s == ".."
}

// matchPrefix reports whether the escaped path segments begin as the pattern
// does: literals equal, a wildcard over one clean, non-empty segment. A
// {name...} wildcard matches what is left, whatever it holds. With whole,
// the path must also end where the pattern does.
func matchPrefix(segs []segment, path []string, whole bool) bool {
	for i, s := range segs {
		if s.rest {
			return true
		}
		if i == len(path) {
			return !whole
		}
		switch {
		case s.param == "" && path[i] != s.literal:
			return false
		case s.param != "" && (path[i] == "" || isDotSegment(path[i])):
			return false
		}
	}
	return !whole || len(path) == len(segs)
}

// forwardedFor finds the forwarded route, if any, that a path which is not
// clean belongs to, and sets the request's path values as ServeMux would.
// Such a route's {path...} is the third party's path, judged by that
// route's own rule, so Patchbay neither cleans it nor refuses it here.
func (rt *router) forwardedFor(r *http.Request) (http.Handler, bool) {
	escaped := r.URL.EscapedPath()
	path := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	for _, route := range rt.routes {
		method, segs := patternSegments(route.pattern)
		if !route.forwarded || !segs[len(segs)-1].rest || !methodMatches(method, r.Method) || !matchPrefix(segs, path, true) {
			continue
		}
		for i, s := range segs {
			switch {
			case s.rest:
				rest, _ := url.PathUnescape(strings.Join(path[i:], "/"))
				r.SetPathValue(s.param, rest)
			case s.param != "":
				v, _ := url.PathUnescape(path[i])
				r.SetPathValue(s.param, v)
			}
		}
		return route.handler, true
	}
	return nil, false
}

func methodMatches(pattern, method string) bool {
	return pattern == "" || pattern == method || (pattern == http.MethodGet && method == http.MethodHead)
}

// loggedPath is the request's escaped path for the request log, with every
// credential path parameter's value replaced by redacted. The matched
// route's pattern says which segments those are; a request no route took
// is compared with every pattern, method aside, and any segment that one of
// them would read as a credential is redacted. A path that is not clean is
// logged cleaned then, so no dot segment shifts a credential out of place.
func (rt *router) loggedPath(r *http.Request, route string) string {
	escaped := r.URL.EscapedPath()
	var candidates []string
	if route != "" {
		candidates = []string{route}
	} else {
		if !isCleanPath(escaped) {
			escaped = cleanEscapedPath(escaped)
		}
		for _, known := range rt.routes {
			candidates = append(candidates, known.pattern)
		}
	}
	path := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	hidden := make([]bool, len(path))
	var found bool
	for _, pattern := range candidates {
		_, segs := patternSegments(pattern)
		if route == "" && !matchPrefix(segs, path, false) {
			continue
		}
		for i, s := range segs {
			if i == len(path) {
				break
			}
			if !isCredential(s.param) {
				continue
			}
			end := i + 1
			if s.rest {
				end = len(path)
			}
			for j := i; j < end; j++ {
				hidden[j], found = true, true
			}
		}
	}
	if !found {
		return escaped
	}
	for i, h := range hidden {
		if h {
			path[i] = redacted
		}
	}
	return "/" + strings.Join(path, "/")
}

// cleanEscapedPath is the path with its dot segments, escaped or not,
// resolved and its empty segments dropped.
func cleanEscapedPath(escaped string) string {
	segs := strings.Split(escaped, "/")
	for i, s := range segs {
		if isDotSegment(s) {
			segs[i], _ = url.PathUnescape(s)
		}
	}
	clean := path.Clean("/" + strings.Join(segs, "/"))
	if strings.HasSuffix(escaped, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}
