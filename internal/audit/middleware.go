package audit

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/idempotency"
)

// Middleware records every POST, PUT, PATCH and DELETE that reaches it once
// the handler has answered. It belongs after authentication and the rate
// limit, so that requests without a valid key (401) and requests refused by
// the limit (429) are not recorded: those change nothing, and recording them
// would let anyone, or one key beyond its limit, grow the table at will. The
// request log and the HTTP metrics count them. It belongs before idempotency
// keys, so that a replayed response is recorded, marked as a replay.
func Middleware(l *Log) func(http.Handler) http.Handler { return middleware(l, true, keyActor) }

// ForwardedMiddleware is Middleware for routes that forward requests to a
// third party on a user's behalf (the connections proxy): their response is
// the third party's, so no object ID is read from it, and the forwarded path
// is not recorded, only the route's ID parameters.
func ForwardedMiddleware(l *Log) func(http.Handler) http.Handler {
	return middleware(l, false, keyActor)
}

// Actor is who made a change: an API key's ID, or an embed token's with the
// user it was minted for.
type Actor struct {
	ID, UserID string
}

// ActorFunc finds who made a request; false when no one authenticated it.
type ActorFunc func(r *http.Request) (Actor, bool)

func keyActor(r *http.Request) (Actor, bool) {
	key, ok := auth.KeyFrom(r.Context())
	return Actor{ID: key.ID}, ok
}

// ActorMiddleware is Middleware for callers other than API keys (embed
// tokens), whom actor names.
func ActorMiddleware(l *Log, actor ActorFunc) func(http.Handler) http.Handler {
	return middleware(l, true, actor)
}

func middleware(l *Log, readCreatedID bool, actor ActorFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			who, authed := actor(r)
			info := httpapi.InfoFrom(r.Context())
			if !authed || info == nil || !changes(r.Method) {
				next.ServeHTTP(w, r)
				return
			}
			rec := &recorder{ResponseWriter: w, keepBody: readCreatedID && r.Method == http.MethodPost}
			finished := false
			defer func() {
				if !finished && rec.status == 0 {
					// The handler panicked; the outermost middleware answers 500.
					rec.status = http.StatusInternalServerError
				}
				// The response has been written: the record must be too, even if
				// the client has left, and failing to write it must not change
				// the response.
				l.Add(newEvent(r, info, who, rec))
			}()
			next.ServeHTTP(rec, r)
			finished = true
		})
	}
}

func changes(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// newEvent describes a finished request.
func newEvent(r *http.Request, info *httpapi.Info, who Actor, rec *recorder) Event {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	route := info.Route
	if _, path, ok := strings.Cut(route, " "); ok {
		route = path // "POST /v1/…" → "/v1/…"; the method has its own field
	}
	e := Event{
		ID:         id.New("aud"),
		OccurredAt: info.Start.UTC().Truncate(time.Microsecond),
		APIKeyID:   who.ID,
		UserID:     who.UserID,
		Method:     r.Method,
		Route:      route,
		PathIDs:    map[string]string{},
		Status:     status,
		Outcome:    outcomeOf(status),
		Replayed:   rec.Header().Get(idempotency.ReplayedHeader) == "true",
		RequestID:  info.ID,
	}
	if info.ClientIP.IsValid() {
		e.ClientIP = info.ClientIP.String()
	}
	if status >= 400 && info.Err != nil {
		e.ProblemType = httpapi.ProblemTypeOf(info.Err)
	}
	for _, name := range idParams(route) {
		if v := r.PathValue(name); v != "" {
			e.PathIDs[name] = clip(v)
			e.ObjectID = e.PathIDs[name]
		}
	}
	if created := rec.createdID(); created != "" {
		e.ObjectID = created
	}
	return e
}

// idParams names the wildcards of a route pattern that identify objects:
// those named …_id, and the event type and scope names that are their
// objects' IDs. Others are never recorded: a login or consent {challenge_token} is
// a secret (stored only as a hash), and the proxy's {path...} is the user's
// request to a third party.
func idParams(pattern string) []string {
	var names []string
	for rest := pattern; ; {
		start := strings.IndexByte(rest, '{')
		if start < 0 {
			return names
		}
		end := strings.IndexByte(rest[start:], '}')
		if end < 0 {
			return names
		}
		name := strings.TrimSuffix(rest[start+1:start+end], "...")
		if strings.HasSuffix(name, "_id") || name == "event_type" || name == "scope" {
			names = append(names, name)
		}
		rest = rest[start+end+1:]
	}
}

// maxIDLen bounds a recorded ID: a path parameter may be as long as a URL.
const maxIDLen = 255

// clip shortens s to at most maxIDLen bytes of whole characters.
func clip(s string) string {
	if len(s) <= maxIDLen {
		return s
	}
	s = s[:maxIDLen]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// maxCreatedBody bounds the response body kept to find a created object's
// ID; a create's answer is far smaller.
const maxCreatedBody = 64 << 10

// recorder passes a response through, noting its status and, for a create,
// keeping its body to read the new object's ID from.
type recorder struct {
	http.ResponseWriter
	status   int
	keepBody bool
	body     bytes.Buffer
	overflow bool
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.keepBody && created(rec.status) && !rec.overflow {
		if rec.body.Len()+len(p) > maxCreatedBody {
			rec.overflow = true
			rec.body = bytes.Buffer{}
		} else {
			rec.body.Write(p)
		}
	}
	return rec.ResponseWriter.Write(p)
}

func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// created reports whether a status answers a create: 201, or 202 for work
// accepted as a new object (a message, a recovery, a replay).
func created(status int) bool {
	return status == http.StatusCreated || status == http.StatusAccepted
}

// createdID is the top-level "id" of a create's JSON response, or "". No
// other field of the response is read: a create's answer may hold a secret
// shown only once.
func (rec *recorder) createdID() string {
	if !rec.keepBody || !created(rec.status) || rec.overflow || rec.body.Len() == 0 {
		return ""
	}
	if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); mt != "application/json" {
		return ""
	}
	var v struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(rec.body.Bytes(), &v) != nil {
		return ""
	}
	s, ok := v.ID.(string)
	if !ok || !httpapi.IsText(s) {
		return ""
	}
	return clip(s)
}
