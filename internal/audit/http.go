package audit

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
)

// filterParams are the query parameters of the list, besides the page's.
var filterParams = []httpapi.Param{
	{Name: "key_id", Description: "only changes made with this API key (key_…) or embed token (emb_…)"},
	{Name: "object_id", Description: "only changes to this object"},
	{Name: "route", Description: "only changes through this route's path pattern, such as /v1/tenants/{tenant_id}/endpoints"},
	{Name: "method", Description: "POST, PUT, PATCH or DELETE"},
	{Name: "outcome", Description: "success (status below 400), failure, or one status code such as 404"},
	{Name: "since", Description: "only changes at or after this RFC 3339 time"},
	{Name: "until", Description: "only changes before this RFC 3339 time"},
}

// parseFilter reads the list's filters from the query string, naming every
// bad one. Unknown parameters are refused too: a misspelt filter that was
// ignored would answer with more than was asked for, and look like an answer.
func parseFilter(r *http.Request) (Filter, map[string]string) {
	q := r.URL.Query()
	problems := map[string]string{}
	for name := range q {
		known := name == "limit" || name == "cursor" ||
			slices.ContainsFunc(filterParams, func(p httpapi.Param) bool { return p.Name == name })
		if !known {
			problems[name] = "is not a filter of this list; use key_id, object_id, route, method, outcome, since or until"
		}
	}
	f := Filter{APIKeyID: q.Get("key_id"), ObjectID: q.Get("object_id"), Route: q.Get("route"), Method: q.Get("method")}
	if f.APIKeyID != "" && !id.Valid("key", f.APIKeyID) && !id.Valid("emb", f.APIKeyID) {
		problems["key_id"] = "must be an API key ID (key_…) or an embed token ID (emb_…)"
	}
	if len(f.ObjectID) > maxIDLen {
		problems["object_id"] = "must be at most 255 bytes"
	}
	if f.Route != "" && (!strings.HasPrefix(f.Route, "/") || len(f.Route) > 500) {
		problems["route"] = "must be a route's path pattern such as /v1/tenants/{tenant_id}"
	}
	if f.Method != "" && !changes(f.Method) {
		problems["method"] = "must be POST, PUT, PATCH or DELETE"
	}
	switch o := q.Get("outcome"); o {
	case "", OutcomeSuccess, OutcomeFailure:
		f.Outcome = o
	default:
		n, err := strconv.Atoi(o)
		if err != nil || n < 100 || n > 599 || len(o) != 3 {
			problems["outcome"] = "must be success, failure or a status code from 100 to 599"
		}
		f.Status = n
	}
	f.Since, f.Until = httpapi.QueryTime(r, "since", problems), httpapi.QueryTime(r, "until", problems)
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		problems["until"] = "must be after since"
	}
	return f, problems
}

// HandleList lists audit events.
func HandleList(l *Log) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Event]]{
		Summary:     "List the audit log: changes made through the admin API, newest first",
		Description: "Every change made through the admin and embed APIs, newest first: who (key or embed token), what route and object, the status and the request ID. Filter by key, object, route, method, outcome or time; use it for security reviews and support.",
		Query:       append(slices.Clone(filterParams), httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Event], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Event]{}, err
			}
			f, problems := parseFilter(r)
			if len(problems) > 0 {
				return httpapi.List[Event]{}, apperr.InvalidFields(problems)
			}
			list, err := l.List(r.Context(), f, page)
			return httpapi.NewList(page, list, func(e Event) string { return e.ID }), err
		},
	})
}
