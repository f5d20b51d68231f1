// Package proxy is the connections proxy engine: it sends a request to a
// connection's provider with the connection's credentials, paced within the
// provider's rate budget, retried within bounds, and with one refresh when
// the provider refuses the token. The proxy route and syncs both call it.
//
// It owns no table. Credentials come from the connections service through
// Credentials, an interface defined here; provider definitions from the
// catalog. Its only state is in memory: a token bucket per connection.
package proxy

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/retry"
	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/tracing"
)

// Defaults for Config.
const (
	MaxAttemptsDefault = 4
	MaxWaitDefault     = 30 * time.Second
	QueueWaitDefault   = 10 * time.Second
	TimeoutDefault     = 30 * time.Second
)

// Config tunes the engine. Zero values mean the defaults.
type Config struct {
	// MaxAttempts bounds how often the engine sends one request, retries
	// included. Defaults to MaxAttemptsDefault.
	MaxAttempts int
	// MaxWait bounds the time one request spends waiting between attempts;
	// a provider that asks for a longer wait gets its answer passed back at
	// once. Defaults to MaxWaitDefault.
	MaxWait time.Duration
	// QueueWait bounds how long a request waits for its connection's rate
	// budget before it is refused with 429. Defaults to QueueWaitDefault.
	QueueWait time.Duration
	// Timeout bounds one attempt until the provider's response headers
	// arrive; the body then streams for as long as the caller reads.
	// Defaults to TimeoutDefault.
	Timeout time.Duration
	// Metrics is the registry the proxy's metrics are registered on; nil
	// registers none.
	Metrics prometheus.Registerer
	// Tracer makes a span per proxied request; nil makes none. No trace
	// context is sent to providers.
	Tracer trace.TracerProvider
}

func (c Config) withDefaults() Config {
	c.MaxAttempts = cmp.Or(c.MaxAttempts, MaxAttemptsDefault)
	c.MaxWait = cmp.Or(c.MaxWait, MaxWaitDefault)
	c.QueueWait = cmp.Or(c.QueueWait, QueueWaitDefault)
	c.Timeout = cmp.Or(c.Timeout, TimeoutDefault)
	return c
}

// Credentials is what the engine needs of the connections service.
// *connect.Service is one.
type Credentials interface {
	// Credentials returns a connection's usable credentials, refreshed
	// first when they are about to expire. A connection outside the
	// context's tenant is not found.
	Credentials(ctx context.Context, connectionID string) (connect.Credentials, error)
	// RefreshRejected refreshes a connection's access token after the
	// provider refused it, unless it was refreshed meanwhile or very
	// recently.
	RefreshRejected(ctx context.Context, connectionID, rejected string) (connect.Credentials, error)
}

// clock is the engine's time for pacing and waiting between attempts: the
// real one, or a test's, so that tests of pacing neither sleep nor depend on
// how busy the machine is. Deadlines of contexts and of attempts stay on the
// real clock: they bound real network calls.
type clock interface {
	Now() time.Time
	// Sleep waits d, or returns ctx's error when it ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Engine sends requests to providers for connections.
type Engine struct {
	credentials Credentials
	catalog     *catalog.Catalog
	// client is the given client without its whole-request timeout, for
	// responses that stream (see newClient).
	client  *http.Client
	logger  *slog.Logger
	cfg     Config
	buckets buckets
	clock   clock
	metrics *proxyMetrics
	tracer  trace.Tracer // nil when tracing is off
}

// New returns the proxy engine. client must be a safehttp client: every
// provider URL is a third party's. The catalog is the connections
// service's, so providers changed at run time are seen here too.
func New(credentials Credentials, c *catalog.Catalog, client *http.Client, logger *slog.Logger, cfg Config) *Engine {
	var tracer trace.Tracer
	if cfg.Tracer != nil {
		tracer = tracing.Tracer(cfg.Tracer)
	}
	return &Engine{tracer: tracer, credentials: credentials, catalog: c, client: newClient(client), logger: logger, cfg: cfg.withDefaults(), clock: realClock{},
		metrics: newProxyMetrics(cfg.Metrics)}
}

// proxyBackoff is the wait between attempts when the provider does not say
// how long: full jitter, since a retry that comes early costs little.
var proxyBackoff = retry.Policy{Base: 250 * time.Millisecond, Cap: 8 * time.Second, Jitter: retry.Full}

// discardLimit is how much of a response that is retried is read, so its
// connection can be reused; longer ones are closed.
const discardLimit = 64 << 10

// discardWait bounds the time spent reading a response that is dropped.
const discardWait = time.Second

// Request is one request to send to a provider through a connection.
type Request struct {
	// Method defaults to GET.
	Method string
	// Path is appended to the provider's proxy base URL, escaped as by
	// url.URL.EscapedPath, such as "/repos/acme/app/issues". Dot segments,
	// escaped or not, are refused (see checkProxyPath): a request stays
	// under the base URL.
	Path string
	// RawQuery is the query string without "?", sent as it is.
	RawQuery string
	// Header is sent without Authorization, Cookie, Forwarded, X-Forwarded-*
	// and hop-by-hop headers; the provider's headers and the connection's
	// credentials are added. An Idempotency-Key is passed on as it is.
	Header http.Header
	// Body is held whole so that a retry can send it again; nil sends none.
	Body []byte
}

// Response is the provider's response to a proxied request.
type Response struct {
	// Response is the provider's response, its body not yet read: the
	// caller must close it. Reading it is bounded only by the caller's
	// context.
	*http.Response
	// Attempts is how many times the request was sent, retries included.
	Attempts int
	// QueueWait is the time spent waiting for the connection's rate budget.
	QueueWait time.Duration

	provider string // for the metrics
}

// QueueTimeoutError is the cause of the 429 Do returns when the
// connection's rate budget would make the request wait longer than
// Config.QueueWait.
type QueueTimeoutError struct {
	// RetryAfter is when the budget would have let the request go.
	RetryAfter time.Duration
}

func (e *QueueTimeoutError) Error() string {
	return fmt.Sprintf("the rate budget has room again in %s", e.RetryAfter)
}

var errAttemptTimeout = errors.New("no response headers in time")

// Do sends one request to a connection's provider and returns its response,
// whatever its status, for the caller to read and close. It serves the
// HTTP proxy and any code that calls providers for a connection.
//
// The request goes to the provider's proxy base URL (its ${config.…}
// placeholders expanded) plus req.Path and req.RawQuery, with the
// provider's headers and the connection's credentials (refreshed first when
// they are about to expire).
//
// Before each attempt, the request waits for a token from the connection's
// bucket when the provider declares a rate budget (see buckets); a wait
// longer than Config.QueueWait (or the context's deadline) fails at once with
// QuotaExceeded, wrapping a *QueueTimeoutError.
//
// 429, 502, 503 and 504 responses and network errors (but not a refused
// certificate, which a retry cannot fix) are retried, at most
// Config.MaxAttempts attempts in all and at most Config.MaxWait spent waiting
// between them: after what the provider's retry headers or Retry-After say,
// or else an exponential backoff with full jitter. When the provider asks
// for a longer wait than is left, its response is returned at once, with a
// Retry-After. Only idempotent methods (RFC 9110: GET, HEAD, OPTIONS, TRACE,
// PUT, DELETE) are retried, and others only when the request carries an
// Idempotency-Key. A 401 on an OAuth connection refreshes its token once
// (Credentials.RefreshRejected) and sends the request once more, whatever the method:
// the provider did not act on a request it refused to authenticate.
//
// Errors are Patchbay's own and carry an apperr code: NotFound (no such
// connection), Conflict (the connection needs the user to connect again),
// Invalid (a bad path, query or method), Unprocessable (the provider left
// the catalog, or the connection lacks a value its templates need),
// Unavailable (a due refresh failed and the token has expired),
// QuotaExceeded (queue wait), BadGateway (unreachable after the retries, or
// refused by the SSRF guard) and GatewayTimeout (no response headers within
// Config.Timeout). The context's error is returned when ctx ends first.
func (e *Engine) Do(ctx context.Context, connectionID string, req Request) (*Response, error) {
	start := time.Now()
	out := &Response{}
	var span trace.Span
	if e.tracer != nil {
		ctx, span = e.tracer.Start(ctx, "proxy.request", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(tracing.String("patchbay.connection.id", connectionID), tracing.String("http.request.method", cmp.Or(req.Method, http.MethodGet))))
	}
	resp, err := e.do(ctx, connectionID, req, out)
	e.metrics.observe(out, resp, err, time.Since(start))
	if span != nil {
		span.SetAttributes(tracing.String("patchbay.provider", out.provider), tracing.Int("patchbay.attempts", out.Attempts))
		if resp != nil && resp.Response != nil {
			span.SetAttributes(tracing.Int("http.response.status_code", resp.StatusCode))
		}
		tracing.End(span, err)
	}
	return resp, err
}

// do is Do; it fills out as it goes, so that the metrics see the attempts
// and waits of a request that failed too.
func (e *Engine) do(ctx context.Context, connectionID string, req Request, out *Response) (*Response, error) {
	creds, err := e.credentials.Credentials(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	p, err := e.catalog.Provider(creds.ProviderID)
	if err != nil {
		return nil, err
	}
	out.provider = p.ID
	target, err := proxyURL(p, creds.Config, req.Path, req.RawQuery)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	method := cmp.Or(req.Method, http.MethodGet)
	if method == http.MethodConnect || method == http.MethodTrace {
		// CONNECT would open a tunnel, and TRACE echo the injected
		// credentials back to the caller.
		return nil, apperr.Errorf(apperr.MethodNotAllowed, "the proxy does not send %s requests", method)
	}
	base, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		if !validMethod(method) {
			return nil, apperr.InvalidFields(map[string]string{"method": "is not a valid HTTP method"})
		}
		return nil, apperr.InvalidFields(map[string]string{"path": "does not make a valid URL with the provider's base URL"})
	}
	base.Header = forwardHeader(req.Header)
	retryable := idempotent(base.Method) || base.Header.Get("Idempotency-Key") != ""

	var waited time.Duration // between attempts
	refreshed := false
	for {
		queued, err := e.pace(ctx, connectionID, p)
		out.QueueWait += queued
		if err != nil {
			return nil, err
		}
		out.Attempts++
		resp, err := e.attempt(ctx, base, p, creds)
		if err != nil {
			var own *apperr.Error
			if errors.As(err, &own) {
				return nil, err
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var refused *safehttp.RefusedError
			if errors.As(err, &refused) {
				return nil, &apperr.Error{Code: apperr.BadGateway, Err: refused, Message: fmt.Sprintf(
					"Patchbay refused to connect to the provider: %v; an operator may allow its network with --outbound-allow", refused)}
			}
			var badCert *tls.CertificateVerificationError
			delay := proxyBackoff.Delay(out.Attempts)
			if !retryable || errors.As(err, &badCert) || !e.mayRetry(ctx, out.Attempts, waited, delay) {
				return nil, unreachable(err, out.Attempts, e.cfg.Timeout)
			}
			if err := e.clock.Sleep(ctx, delay); err != nil {
				return nil, err
			}
			waited += delay
			continue
		}
		if resp.StatusCode == http.StatusUnauthorized && p.Auth.Mode.OAuth() && !refreshed {
			refreshed = true
			fresh, err := e.credentials.RefreshRejected(ctx, connectionID, creds.AccessToken)
			switch {
			case err == nil && fresh.AccessToken != creds.AccessToken:
				discard(resp)
				creds = fresh
				continue
			case apperr.CodeOf(err) == apperr.Conflict: // the refresh token was refused too
				discard(resp)
				return nil, err
			case err != nil:
				e.logger.Warn("refreshing a token the provider refused failed; passing its 401 on", "connection_id", connectionID, "error", err)
			}
		}
		if retryable && retryStatus(resp.StatusCode) {
			delay, told := retryAfter(resp, p, e.clock.Now())
			if !told {
				delay = proxyBackoff.Delay(out.Attempts)
			}
			if e.mayRetry(ctx, out.Attempts, waited, delay) {
				discard(resp)
				if err := e.clock.Sleep(ctx, delay); err != nil {
					return nil, err
				}
				waited += delay
				continue
			}
			if told && resp.Header.Get("Retry-After") == "" {
				resp.Header.Set("Retry-After", retrySeconds(delay))
			}
		}
		out.Response = resp
		return out, nil
	}
}

// mayRetry reports whether another attempt fits in the bounds after waiting
// delay.
func (e *Engine) mayRetry(ctx context.Context, attempts int, waited, delay time.Duration) bool {
	if attempts >= e.cfg.MaxAttempts || waited+delay > e.cfg.MaxWait {
		return false
	}
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > delay
}

// attempt sends base once with the connection's current credentials. The
// attempt's context ends when the response body is closed. Its errors are
// the transport's, or an *apperr.Error when the request could not be made.
func (e *Engine) attempt(ctx context.Context, base *http.Request, p *catalog.Provider, creds connect.Credentials) (*http.Response, error) {
	actx, cancel := context.WithCancelCause(ctx)
	req := base.Clone(actx)
	if base.GetBody != nil {
		body, err := base.GetBody()
		if err != nil {
			cancel(nil)
			return nil, err
		}
		req.Body = body
	}
	if err := p.Authorize(req, proxyValues(creds)); err != nil {
		cancel(nil)
		return nil, apperr.Errorf(apperr.Unprocessable, "the connection lacks what provider %s's headers or credentials need: %v", p.ID, err)
	}
	timer := time.AfterFunc(e.cfg.Timeout, func() { cancel(errAttemptTimeout) })
	resp, err := e.client.Do(req)
	if !timer.Stop() && err == nil { // the headers came just as time ran out
		resp.Body.Close()
		err = errAttemptTimeout
	}
	if err != nil {
		if errors.Is(context.Cause(actx), errAttemptTimeout) {
			err = errAttemptTimeout
		}
		cancel(nil)
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends an attempt's context once its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel(nil)
	return err
}

// unreachable is the error for a provider that could not be reached.
// Errors from the transport name the address, not the URL, whose query may
// hold credentials.
func unreachable(err error, attempts int, timeout time.Duration) error {
	if errors.Is(err, errAttemptTimeout) {
		return &apperr.Error{Code: apperr.GatewayTimeout, Err: err, Message: fmt.Sprintf(
			"the provider sent no response within %s (%s)", timeout, plural(attempts, "attempt"))}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &apperr.Error{Code: apperr.BadGateway, Message: fmt.Sprintf(
		"could not reach the provider (%s): %v", plural(attempts, "attempt"), err)}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// proxyURL joins the provider's base URL and a request's path and query.
// The base URL's scheme and host are kept whatever the path holds.
func proxyURL(p *catalog.Provider, config map[string]string, escapedPath, rawQuery string) (string, error) {
	expanded, err := catalog.ExpandURL(p.Proxy.BaseURL, config)
	if err != nil {
		return "", apperr.Errorf(apperr.Unprocessable, "the connection lacks what provider %s's base URL needs: %v", p.ID, err)
	}
	base, err := url.Parse(expanded)
	if err != nil {
		return "", fmt.Errorf("provider %s base URL: %w", p.ID, err)
	}
	path, err := checkProxyPath(escapedPath)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(rawQuery, "# \t\r\n") {
		return "", apperr.InvalidFields(map[string]string{"query": "is not a valid query string"})
	}
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + "/" + strings.TrimPrefix(path, "/")
	u.RawPath = strings.TrimSuffix(base.EscapedPath(), "/") + "/" + strings.TrimPrefix(escapedPath, "/")
	switch {
	case base.RawQuery == "":
		u.RawQuery = rawQuery
	case rawQuery != "":
		u.RawQuery = base.RawQuery + "&" + rawQuery
	}
	return u.String(), nil
}

// maxUnescapes is how many layers of percent-escapes checkProxyPath looks
// through; a path whose unescaping has not settled by then is refused.
const maxUnescapes = 4

// checkProxyPath is the proxy's path rule, the one that decides for every
// path under …/proxy/: it returns the unescaped path, or an Invalid error
// naming path when any layer of its unescaping has a dot segment. A server
// behind the provider may decode more than once, treat "\" as "/" or drop
// ";parameters" ("..;/" reaches the parent on some), so each is read as that
// server would read it; a segment of dots only is refused too, as some
// servers trim trailing dots.
func checkProxyPath(escapedPath string) (string, error) {
	path, err := url.PathUnescape(escapedPath)
	if err != nil {
		return "", apperr.InvalidFields(map[string]string{"path": "is not a validly escaped URL path"})
	}
	if !utf8.ValidString(path) || strings.IndexByte(path, 0) >= 0 {
		return "", apperr.InvalidFields(map[string]string{"path": "must be UTF-8 text without NUL characters"})
	}
	layer := path
	for range maxUnescapes {
		for _, seg := range strings.FieldsFunc(layer, func(r rune) bool { return r == '/' || r == '\\' }) {
			seg, _, _ = strings.Cut(seg, ";")
			if seg != "" && strings.Trim(seg, ".") == "" {
				return "", apperr.InvalidFields(map[string]string{"path": "must not have . or .. segments, escaped or not"})
			}
		}
		next, err := url.PathUnescape(layer)
		if err != nil || next == layer {
			return path, nil // nothing more a server could decode into a dot segment
		}
		layer = next
	}
	return "", apperr.InvalidFields(map[string]string{"path": "is escaped too many times over"})
}

// proxyValues are a connection's values for the provider's templates.
func proxyValues(c connect.Credentials) catalog.Values {
	secrets := maps.Clone(c.Secrets)
	if secrets == nil {
		secrets = map[string]string{}
	}
	if c.AccessToken != "" {
		secrets["access_token"] = c.AccessToken
	}
	return catalog.Values{Config: c.Config, Secrets: secrets}
}

// hopHeaders describe one connection, not the message (RFC 9110 section
// 7.6.1), so a proxy never passes them on, in either direction.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// withoutHopHeaders returns a copy of h without hop-by-hop headers,
// including those its Connection header names.
func withoutHopHeaders(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		return http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			out.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range hopHeaders {
		out.Del(name)
	}
	return out
}

// forwardHeader is what of a caller's headers goes to the provider. The
// caller's Authorization is its Patchbay API key and its cookies are its
// own; X-Forwarded-* and Forwarded would tell the provider about the
// caller's network.
func forwardHeader(h http.Header) http.Header {
	out := withoutHopHeaders(h)
	for name := range out {
		switch canon := http.CanonicalHeaderKey(name); {
		case canon == "Authorization", canon == "Cookie", canon == "Forwarded", canon == "Host", canon == "Content-Length",
			canon == "X-Real-Ip", canon == "True-Client-Ip", strings.HasPrefix(canon, "X-Forwarded-"):
			delete(out, name)
		}
	}
	return out
}

// idempotent reports whether RFC 9110 (section 9.2.2) calls a method
// idempotent: sending it twice has the effect of sending it once.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryStatus reports whether a status says "try again later".
func retryStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

var standardRetryAfter = []catalog.RetryHeader{
	{Name: "Retry-After", Format: catalog.RetrySeconds},
	{Name: "Retry-After", Format: catalog.RetryHTTPDate},
}

// retryAfter reads how long the provider asks to wait: its own retry headers
// on 429 and 503 (some providers, GitHub among them, send their reset header
// on every response, where it means nothing about a 502), then the standard
// Retry-After in either form. told is false when the response says nothing
// usable.
func retryAfter(resp *http.Response, p *catalog.Provider, now time.Time) (wait time.Duration, told bool) {
	var headers []catalog.RetryHeader
	if p.RateLimit != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		headers = p.RateLimit.RetryHeaders
	}
	for _, h := range append(headers[:len(headers):len(headers)], standardRetryAfter...) {
		v := resp.Header.Get(h.Name)
		if v == "" {
			continue
		}
		if t, err := h.Format.Time(v, now); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	return 0, false
}

// retrySeconds writes a wait as Retry-After seconds, rounded up.
func retrySeconds(d time.Duration) string {
	return fmt.Sprint(max(int64((d+time.Second-1)/time.Second), 1))
}

// discard reads a little of a response that will not be used, so its
// connection can be reused, and closes it. A provider that trickles the body
// is cut off after discardWait rather than holding up the retry.
func discard(resp *http.Response) {
	cut := time.AfterFunc(discardWait, func() { resp.Body.Close() })
	io.CopyN(io.Discard, resp.Body, discardLimit) //nolint:errcheck // only for connection reuse
	cut.Stop()
	resp.Body.Close()
}

// validMethod reports whether m is an HTTP method token (RFC 9110 section 9).
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, r := range m {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// newClient derives the engine's client from a safehttp client: the same SSRF guard (in the dialer), TLS roots and redirect
// policy, but no timeouts of its own: a proxied body streams for as long as
// the caller reads, and each attempt bounds the wait for response headers
// itself (Config.Timeout), so its timeout can be told from other failures. It
// has its own connection pool.
func newClient(c *http.Client) *http.Client {
	pc := *c
	pc.Timeout = 0
	if t, ok := c.Transport.(*http.Transport); ok {
		t = t.Clone()
		t.ResponseHeaderTimeout = 0
		pc.Transport = t
	}
	return &pc
}
