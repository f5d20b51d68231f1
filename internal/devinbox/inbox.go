// Package devinbox is the webhook receiver that `patchbay serve --dev` serves
// at /dev/inbox/{name}. It keeps what it receives in memory, checks each
// request's Standard Webhooks signature against the endpoints that deliver to
// it, and shows the requests as a page or as JSON, so a newcomer can send and
// verify a first webhook with nothing but curl and a browser.
//
// It is a development tool: it needs no API key, and it looks up the secrets
// of every tenant's endpoints. Nothing serves it outside --dev.
package devinbox

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/webhook"
)

// Limits keep the inboxes' memory bounded whatever is posted to them; when one
// is passed, the oldest requests (or the inbox that received least recently)
// are dropped.
const (
	// MaxRequests is how many requests an inbox keeps.
	MaxRequests = 100
	// MaxInboxes is how many inboxes are kept.
	MaxInboxes = 100
	// MaxBody is how much of a request body is kept; a longer body is cut,
	// and its signature cannot be checked.
	MaxBody = 1 << 20
	// MaxBytes bounds the bodies and headers kept across all inboxes.
	MaxBytes = 64 << 20
)

// SecretFinder finds the signing secrets of the endpoints whose URL ends with
// a path; *webhooks.Service is one.
type SecretFinder interface {
	SecretsForURLSuffix(ctx context.Context, suffix string) ([]string, error)
}

// Request is one request an inbox received.
type Request struct {
	ReceivedAt time.Time
	Method     string
	Header     http.Header
	Body       []byte
	// Truncated is set when the body was longer than MaxBody and was cut.
	Truncated bool
	// SignatureValid says the request carried a Standard Webhooks signature
	// made with the secret of an endpoint that delivers to this inbox.
	SignatureValid bool
	// SignatureError says why the signature is not valid.
	SignatureError string

	seq  uint64
	size int
}

// Inboxes holds every inbox by name. It is safe for concurrent use.
type Inboxes struct {
	secrets SecretFinder

	// The limits, fixed at New; tests lower them.
	maxRequests, maxInboxes, maxBytes int

	mu      sync.Mutex
	inboxes map[string]*inbox
	bytes   int
	seq     uint64
}

type inbox struct {
	requests []*Request // oldest first
	lastSeq  uint64
}

// New returns empty inboxes that verify signatures with the secrets finder
// returns for the request's path.
func New(finder SecretFinder) *Inboxes {
	return &Inboxes{secrets: finder, maxRequests: MaxRequests, maxInboxes: MaxInboxes, maxBytes: MaxBytes,
		inboxes: map[string]*inbox{}}
}

// Record adds a request to the named inbox, dropping the oldest requests and
// inboxes beyond the limits.
func (ib *Inboxes) Record(name string, req Request) {
	req.size = len(req.Body)
	for k, vs := range req.Header {
		for _, v := range vs {
			req.size += len(k) + len(v)
		}
	}
	ib.mu.Lock()
	defer ib.mu.Unlock()
	ib.seq++
	req.seq = ib.seq
	box := ib.inboxes[name]
	if box == nil {
		box = &inbox{}
		ib.inboxes[name] = box
	}
	box.requests = append(box.requests, &req)
	box.lastSeq = req.seq
	ib.bytes += req.size

	for len(box.requests) > ib.maxRequests {
		ib.dropOldest(name, box)
	}
	for len(ib.inboxes) > ib.maxInboxes {
		stalest := ""
		for n, b := range ib.inboxes {
			if stalest == "" || b.lastSeq < ib.inboxes[stalest].lastSeq {
				stalest = n
			}
		}
		ib.dropInbox(stalest)
	}
	for ib.bytes > ib.maxBytes {
		oldest := ""
		for n, b := range ib.inboxes {
			if oldest == "" || b.requests[0].seq < ib.inboxes[oldest].requests[0].seq {
				oldest = n
			}
		}
		if oldest == "" {
			break
		}
		ib.dropOldest(oldest, ib.inboxes[oldest])
	}
}

// dropOldest forgets an inbox's oldest request, and the inbox once empty.
func (ib *Inboxes) dropOldest(name string, box *inbox) {
	ib.bytes -= box.requests[0].size
	box.requests[0] = nil
	box.requests = box.requests[1:]
	if len(box.requests) == 0 {
		delete(ib.inboxes, name)
	}
}

func (ib *Inboxes) dropInbox(name string) {
	for _, r := range ib.inboxes[name].requests {
		ib.bytes -= r.size
	}
	delete(ib.inboxes, name)
}

// Requests returns the named inbox's requests, newest first.
func (ib *Inboxes) Requests(name string) []Request {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	box := ib.inboxes[name]
	if box == nil {
		return nil
	}
	list := make([]Request, len(box.requests))
	for i, r := range box.requests {
		list[len(list)-1-i] = *r
	}
	return list
}

// Clear forgets the named inbox's requests.
func (ib *Inboxes) Clear(name string) {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if ib.inboxes[name] != nil {
		ib.dropInbox(name)
	}
}

// verify checks a request's signature against the secrets of the endpoints
// whose URL ends with path, and says why it fails.
func (ib *Inboxes) verify(ctx context.Context, path string, h http.Header, body []byte) (bool, string) {
	secrets, err := ib.secrets.SecretsForURLSuffix(ctx, path)
	if err != nil {
		return false, "could not look up the endpoints that deliver here: " + err.Error()
	}
	if len(secrets) == 0 {
		return false, "no endpoint uses this inbox (no endpoint URL ends with " + path + ")"
	}
	v, err := webhook.NewVerifier(secrets...)
	if err != nil {
		return false, err.Error()
	}
	if err := v.Verify(h, body); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// inboxName reads and checks the {name} path parameter.
func inboxName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	ok := name != "" && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
	}
	if !ok {
		return "", apperr.InvalidFields(map[string]string{"name": "must be 1 to 64 letters, digits, '-', '_' or '.'"})
	}
	return name, nil
}

// Received is the answer to a request an inbox recorded.
type Received struct {
	OK bool `json:"ok"`
}

// HandleReceive records a request, whatever its body, and answers 200 so the
// delivery counts as a success.
func HandleReceive(ib *Inboxes) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Dev only: record a request in this inbox and check its Standard Webhooks signature; no API key needed",
		Request: json.RawMessage{}, Response: Received{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := inboxName(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			req := Request{ReceivedAt: time.Now(), Method: r.Method, Header: r.Header.Clone()}
			req.Body, err = io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge): // the server's --body-limit, below MaxBody
				req.Truncated = true
			case err != nil:
				httpapi.Error(w, r, apperr.Errorf(apperr.Invalid, "could not read the request body"))
				return
			case len(req.Body) > MaxBody:
				req.Body, req.Truncated = req.Body[:MaxBody], true
			}
			if req.Truncated {
				req.SignatureError = "the body was cut to " + byteCount(len(req.Body)) + ", so its signature was not checked"
			} else {
				req.SignatureValid, req.SignatureError = ib.verify(r.Context(), r.URL.Path, req.Header, req.Body)
			}
			ib.Record(name, req)
			httpapi.Encode(w, http.StatusOK, Received{OK: true})
		}),
	}
}

func byteCount(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// RequestView is a recorded request as the JSON view shows it.
type RequestView struct {
	ReceivedAt time.Time `json:"received_at"`
	Method     string    `json:"method"`
	// Headers joins repeated headers with ", ".
	Headers map[string]string `json:"headers"`
	// Body is the body as JSON when it parses, otherwise as a string.
	Body           any    `json:"body"`
	BodyTruncated  bool   `json:"body_truncated,omitempty"`
	SignatureValid bool   `json:"signature_valid"`
	SignatureError string `json:"signature_error"`
}

// List is an inbox's requests, newest first.
type List struct {
	Data []RequestView `json:"data"`
}

func view(r Request) RequestView {
	v := RequestView{ReceivedAt: r.ReceivedAt, Method: r.Method, Headers: map[string]string{}, Body: string(r.Body),
		BodyTruncated: r.Truncated, SignatureValid: r.SignatureValid, SignatureError: r.SignatureError}
	for k, vs := range r.Header {
		v.Headers[k] = strings.Join(vs, ", ")
	}
	if len(r.Body) > 0 && json.Valid(r.Body) {
		v.Body = json.RawMessage(r.Body)
	}
	return v
}

// HandleShow shows an inbox as an HTML page, or as JSON on ?format=json or
// Accept: application/json.
func HandleShow(ib *Inboxes) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "Dev only: the requests this inbox received, newest first: an HTML page, or JSON with format=json or Accept: application/json",
		Response: List{},
		Query:    []httpapi.Param{{Name: "format", Description: "json or html; without it, Accept decides and HTML is the default"}},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := inboxName(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			asJSON, err := wantsJSON(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			requests := ib.Requests(name)
			w.Header().Set("Cache-Control", "no-store")
			if asJSON {
				list := List{Data: make([]RequestView, len(requests))}
				for i, req := range requests {
					list.Data[i] = view(req)
				}
				httpapi.Encode(w, http.StatusOK, list)
				return
			}
			var page bytes.Buffer
			if err := pageTemplate.Execute(&page, newPage(name, r.URL.Path, requests)); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			w.WriteHeader(http.StatusOK)
			w.Write(page.Bytes()) //nolint:errcheck // the client may be gone; nothing to do
		}),
	}
}

// wantsJSON picks the view: ?format= first, then an Accept header that names
// application/json and not text/html; HTML otherwise, for browsers.
func wantsJSON(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("format") {
	case "json":
		return true, nil
	case "html":
		return false, nil
	case "":
	default:
		return false, apperr.InvalidFields(map[string]string{"format": "must be json or html"})
	}
	jsonOK, htmlOK := false, false
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		jsonOK = jsonOK || mt == "application/json"
		htmlOK = htmlOK || mt == "text/html"
	}
	return jsonOK && !htmlOK, nil
}

// HandleClear empties an inbox.
func HandleClear(ib *Inboxes) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary: "Dev only: forget the requests this inbox received",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			name, err := inboxName(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			ib.Clear(name)
			return httpapi.NoContent{}, nil
		},
	})
}

//go:embed inbox.html
var pageHTML string

var pageTemplate = template.Must(template.New("inbox").Parse(pageHTML))

type pageData struct {
	Name, Path string
	Requests   []pageRequest
}

type pageRequest struct {
	ReceivedAt     string
	Method         string
	WebhookID      string
	EventType      string
	SignatureValid bool
	SignatureError string
	Body           string
	Truncated      bool
	Headers        []header
}

type header struct{ Name, Value string }

func newPage(name, path string, requests []Request) pageData {
	p := pageData{Name: name, Path: path}
	for _, r := range requests {
		pr := pageRequest{
			ReceivedAt: r.ReceivedAt.Format("2006-01-02 15:04:05.000 MST"), Method: r.Method,
			WebhookID: r.Header.Get(webhook.HeaderID), EventType: eventType(r.Body),
			SignatureValid: r.SignatureValid, SignatureError: r.SignatureError,
			Body: string(r.Body), Truncated: r.Truncated,
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, r.Body, "", "  ") == nil {
			pr.Body = pretty.String()
		}
		for _, k := range slices.Sorted(maps.Keys(r.Header)) {
			pr.Headers = append(pr.Headers, header{Name: k, Value: strings.Join(r.Header[k], ", ")})
		}
		p.Requests = append(p.Requests, pr)
	}
	return p
}

// eventType finds the event type in a JSON object body: its "type" or
// "event_type" field. Patchbay sends the published payload as the body, so
// it is there only when the payload carries it.
func eventType(body []byte) string {
	var fields struct {
		Type      any `json:"type"`
		EventType any `json:"event_type"`
	}
	if json.Unmarshal(body, &fields) != nil {
		return ""
	}
	for _, v := range []any{fields.EventType, fields.Type} {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}
