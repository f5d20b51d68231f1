// Package httpapi holds what every Patchbay HTTP handler shares: the one
// problem+json writer, JSON decoding with field errors, cursor pagination, the
// typed handler adapter (Handle an Op), and the per-request record that logs
// and metrics read.
package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store"
)

// ProblemTypeBase prefixes every problem type; the slug after it names the kind
// of problem, for example ProblemTypeBase + "quota-exceeded".
const ProblemTypeBase = "https://patchbay.dev/problems/"

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type      string         `json:"type" doc:"A URI naming the kind of problem." format:"uri"`
	Title     string         `json:"title" doc:"A short summary of the kind of problem."`
	Status    int            `json:"status" doc:"The HTTP status."`
	Detail    string         `json:"detail,omitempty" doc:"What went wrong with this request."`
	Instance  string         `json:"instance,omitempty" doc:"The request's path."`
	RequestID string         `json:"request_id,omitempty" doc:"The request's ID, for the logs."`
	Errors    []FieldProblem `json:"errors,omitempty" doc:"What is wrong with each request field, on validation problems."`
}

// FieldProblem says what is wrong with one request field.
type FieldProblem struct {
	Field  string `json:"field" doc:"The field, as a JSON pointer into the request body or a parameter's name."`
	Detail string `json:"detail" doc:"What is wrong with it."`
}

type problemKind struct {
	status int
	slug   string
	title  string
}

// problemKinds maps each application error code to its HTTP meaning: the one
// table the whole API answers errors from.
var problemKinds = map[apperr.Code]problemKind{
	apperr.Invalid:          {http.StatusBadRequest, "invalid-request", "Invalid request"},
	apperr.Unauthorized:     {http.StatusUnauthorized, "unauthorized", "Unauthorized"},
	apperr.Forbidden:        {http.StatusForbidden, "forbidden", "Forbidden"},
	apperr.NotFound:         {http.StatusNotFound, "not-found", "Not found"},
	apperr.MethodNotAllowed: {http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"},
	apperr.Conflict:         {http.StatusConflict, "conflict", "Conflict"},
	apperr.TooLarge:         {http.StatusRequestEntityTooLarge, "payload-too-large", "Payload too large"},
	apperr.Unprocessable:    {http.StatusUnprocessableEntity, "unprocessable", "Unprocessable request"},
	apperr.QuotaExceeded:    {http.StatusTooManyRequests, "quota-exceeded", "Quota exceeded"},
	apperr.BadGateway:       {http.StatusBadGateway, "bad-gateway", "Bad gateway"},
	apperr.Unavailable:      {http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	apperr.GatewayTimeout:   {http.StatusGatewayTimeout, "gateway-timeout", "Gateway timeout"},
	apperr.Internal:         {http.StatusInternalServerError, "internal", "Internal server error"},
}

// StatusOf is the HTTP status that answers err.
func StatusOf(err error) int { return problemKinds[apperr.CodeOf(store.Unavailable(err))].status }

// IsUnavailable reports whether err is answered with 503: it says so, or it
// is a database (or other dependency) outage that store.IsUnavailable
// recognises. The OAuth endpoints and the pages, which answer in formats of
// their own, ask this, so that only a real bug is a 500 anywhere.
func IsUnavailable(err error) bool {
	return apperr.CodeOf(store.Unavailable(err)) == apperr.Unavailable
}

// SetRetryAfter tells the client of an unavailable answer when to retry,
// unless a handler said so already.
func SetRetryAfter(w http.ResponseWriter) {
	if w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(store.RetryAfterSeconds))
	}
}

// ProblemTypeOf is the problem type that answers err.
func ProblemTypeOf(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) && e.Reason != "" {
		return ProblemTypeBase + e.Reason
	}
	return ProblemTypeBase + problemKinds[apperr.CodeOf(err)].slug
}

// ProblemFor builds the problem document that answers err. Internal errors get
// a generic detail: their text may hold anything.
func ProblemFor(r *http.Request, err error) Problem {
	err = store.Unavailable(err)
	code := apperr.CodeOf(err)
	kind := problemKinds[code]
	p := Problem{
		Type:      ProblemTypeOf(err),
		Title:     kind.title,
		Status:    kind.status,
		Instance:  r.URL.Path,
		RequestID: RequestID(r.Context()),
	}
	var e *apperr.Error
	if code != apperr.Internal && errors.As(err, &e) {
		p.Detail = e.Message
		for field, detail := range e.Fields {
			p.Errors = append(p.Errors, FieldProblem{Field: field, Detail: detail})
		}
		sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	} else {
		p.Detail = "the server failed to handle the request; it has been logged with the request ID"
	}
	return p
}

// Error answers a request with the problem document for err and records err
// for the request log. A 503 carries Retry-After.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	err = store.Unavailable(err)
	if info := infoFrom(r.Context()); info != nil {
		info.Err = err
	}
	p := ProblemFor(r, err)
	if p.Status == http.StatusServiceUnavailable {
		SetRetryAfter(w)
	}
	WriteProblem(w, p)
}

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p Problem) {
	body, _ := json.Marshal(p) // a Problem always marshals
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	w.Write(append(body, '\n')) //nolint:errcheck // the client may be gone; nothing to do
}
