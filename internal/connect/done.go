package connect

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/page"
)

// donePath is where a connect flow started from an embedded component ends:
// its session's return URL.
const donePath = "/connect/done"

// doneScript tells the window that opened the connect popup how the flow
// ended, posting only to the origin the session names, then sends the
// browser on to return_to or closes the popup. It reads what to say from
// the page's data attributes, so it is one constant the CSP allows by hash.
const doneScript = `(function () {
  var d = document.getElementById("pb-result").dataset;
  var m = {type: d.type, integration_id: d.integration};
  if (d.connection) { m.connection_id = d.connection; }
  if (d.error) { m.error = d.error; }
  if (window.opener && d.origin) { window.opener.postMessage(m, d.origin); }
  if (d.returnTo) { window.location.replace(d.returnTo); } else if (window.opener) { window.close(); }
})();`

var donePage = template.Must(template.New("done").Parse(page.Head + `
{{if .Connected}}<h1>Connected</h1>
<p>You can close this window and return to the application.</p>{{else}}<h1>Not connected</h1>
<p>Connecting did not finish. Close this window and try again from the application.</p>{{end}}
{{if .ReturnTo}}<p><a href="{{.ReturnTo}}">Return to the application</a></p>{{end}}
<div id="pb-result" hidden data-type="{{.Type}}" data-integration="{{.IntegrationID}}" data-connection="{{.ConnectionID}}"
 data-error="{{.Error}}" data-origin="{{.Origin}}" data-return-to="{{.ReturnTo}}"></div>
<script>{{.Script}}</script>` + page.Foot))

// Done is how an embedded connect flow ended, read from its session, never
// from the URL, so a crafted link cannot announce a connection.
type Done struct {
	Type          string // patchbay:connected or patchbay:connect-failed
	IntegrationID string
	ConnectionID  string
	Error         string // why it failed, for a failed flow
	Origin        string // the opener's, from the session
	ReturnTo      string // with the outcome in its query, or ""
}

// Done reads the outcome of a session that ended on the done page; error
// is the code the flow failed with (from the URL: it only explains).
func (s *Service) Done(ctx context.Context, sessionID, errCode string) (Done, error) {
	ss, err := s.sessionWhere(ctx, s.db, "cs.id = ?", sessionID)
	if err != nil {
		return Done{}, err
	}
	d := Done{Type: "patchbay:connect-failed", IntegrationID: ss.IntegrationID, Origin: ss.openerOrigin}
	params := map[string]string{"session_id": ss.ID, "status": "failed"}
	switch ss.status {
	case sessionCompleted:
		d.Type, d.ConnectionID = "patchbay:connected", ss.ConnectionID
		params["status"], params["connection_id"] = "connected", ss.ConnectionID
	case sessionFailed:
		d.Error, params["error"] = errCode, errCode
	default:
		return Done{}, errFlow("unfinished", "Connecting has not finished. Go back to the connect page, or start again from the application.")
	}
	if ss.returnTo != "" {
		d.ReturnTo = returnURL(ss.returnTo, params)
	}
	return d, nil
}

// HandleDone is the page an embedded connect flow ends on.
func HandleDone(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Where a connect flow started from an embedded component ends (HTML): tells the opening page the outcome, then returns or closes",
		Query:   []httpapi.Param{{Name: "session_id", Description: "the connect session"}, {Name: "error", Description: "why it failed"}},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if !id.Valid("cs", q.Get("session_id")) {
				s.flowError(w, r, errFlow("unknown_session", "This link is not valid. Start connecting again from the application."))
				return
			}
			d, err := s.Done(r.Context(), q.Get("session_id"), flowErrorCode(q.Get("error")))
			if err != nil {
				s.flowError(w, r, err)
				return
			}
			page.RenderScript(w, http.StatusOK, donePage, "done", struct {
				Title, Type, IntegrationID, ConnectionID, Error, Origin, ReturnTo string
				Connected                                                         bool
				Script                                                            template.JS
			}{"Connect", d.Type, d.IntegrationID, d.ConnectionID, d.Error, d.Origin, d.ReturnTo, d.ConnectionID != "", template.JS(doneScript)}, doneScript)
		}),
	}
}

// flowErrorCode is the error code a failed flow's URL names, when it looks
// like one of the flow's codes (access_denied), or "failed": the URL is the
// browser's to change, and the code is passed on to the opener.
func flowErrorCode(code string) string {
	if code == "" || len(code) > 64 || strings.TrimFunc(code, func(r rune) bool { return 'a' <= r && r <= 'z' || r == '_' }) != "" {
		return "failed"
	}
	return code
}
