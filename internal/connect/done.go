package connect

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
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

var donePage = template.Must(template.New("done").Parse(`
{{if .Data.Connected}}<h1>{{.T "connect.doneTitle"}}</h1>
<p>{{.T "connect.doneBody"}}</p>{{else}}<h1>{{.T "connect.notDoneTitle"}}</h1>
<p>{{.T "connect.notDoneBody"}}</p>{{end}}
{{if .Data.ReturnTo}}<p><a href="{{.Data.ReturnTo}}">{{.T "connect.returnToApp"}}</a></p>{{end}}
{{with .Data}}<div id="pb-result" hidden data-type="{{.Type}}" data-integration="{{.IntegrationID}}" data-connection="{{.ConnectionID}}"
 data-error="{{.Error}}" data-origin="{{.Origin}}" data-return-to="{{.ReturnTo}}"></div>{{end}}
<script>{{.Script}}</script>`))

// Done is how an embedded connect flow ended, read from its session, never
// from the URL, so a crafted link cannot announce a connection.
type Done struct {
	TenantID      string // whose brand the page shows
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
	ss, err := knownSession(sessionGetByID(ctx, s.db, sessionID))
	if err != nil {
		return Done{}, err
	}
	d := Done{TenantID: ss.TenantID, Type: "patchbay:connect-failed", IntegrationID: ss.IntegrationID, Origin: ss.openerOrigin}
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
		Summary:     "Where a connect flow started from an embedded component ends (HTML): tells the opening page the outcome, then returns or closes",
		Description: "The last page of a connect flow started from a web component: it posts the outcome to the window that opened it and closes, or returns to the page. Not called directly.",
		Query:       []httpapi.Param{{Name: "session_id", Description: "the connect session"}, {Name: "error", Description: "why it failed"}},
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
			title := "connect.notDoneTitle"
			if d.ConnectionID != "" {
				title = "connect.doneTitle"
			}
			htmlpage.Render(w, r, htmlpage.Page{Status: http.StatusOK, Template: donePage, Name: "done", Title: title,
				Brand: htmlpage.BrandOf(r.Context(), s.cfg.Brands, d.TenantID), Script: doneScript, Data: struct {
					Done
					Connected bool
				}{d, d.ConnectionID != ""}})
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
