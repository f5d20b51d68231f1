package connect

import (
	"html/template"
	"net/http"

	"github.com/patchbay/patchbay/internal/page"
)

// pages are the connect pages: errors and the connect form.
var pages = template.Must(template.New("error").Parse(page.Head + `
<h1>Cannot connect</h1>
<p>{{.Message}}</p>
<p class="muted">Error: {{.Code}}</p>` + page.Foot))

func init() {
	template.Must(pages.New("connect").Parse(page.Head + `
{{with .Page}}{{if .Provider.Logo}}<img src="{{.Provider.Logo}}" alt="">{{end}}
<h1>Connect {{.Provider.DisplayName}}</h1>
{{if .OAuth}}<p>You will sign in to <strong>{{.Provider.DisplayName}}</strong> and allow this application to:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{else}}<li>use your {{.Provider.DisplayName}} account on your behalf</li>{{end}}</ul>
{{else}}<p>This application will store what you enter below, encrypted, and use it to call
<strong>{{.Provider.DisplayName}}</strong> on your behalf.</p>{{end}}
{{if .Message}}<p class="problem">{{.Message}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
{{$p := .}}{{range .Fields}}<label for="f_{{.Name}}">{{.Label}}</label>
<input id="f_{{.Name}}" name="{{.Name}}" type="{{if .Secret}}password{{else if eq .Type "email"}}email{{else}}text{{end}}"{{if .Required}} required{{end}} autocomplete="off"{{if not .Secret}} value="{{index $p.Values .Name}}"{{end}}>
{{with index $p.Problems .Name}}<div class="problem">{{.}}</div>{{end}}{{if .Help}}<div class="muted">{{.Help}}</div>{{end}}
{{end}}<p><button class="primary" name="decision" value="connect">{{if .OAuth}}Continue to {{.Provider.DisplayName}}{{else}}Connect{{end}}</button><button name="decision" value="cancel" formnovalidate>Cancel</button></p>
</form>{{end}}` + page.Foot))
}

// renderPage writes one of the pages.
func renderPage(w http.ResponseWriter, status int, name string, data any) {
	page.Render(w, status, pages, name, data)
}

// renderConnect writes the connect page. Its form sends the browser on to
// the session's return_url, and for OAuth to the provider's authorization
// URL, whose host may come from what the user enters (a subdomain): any
// https origin then.
func renderConnect(w http.ResponseWriter, status int, pg connectPage) {
	var targets []string
	if src := page.FormTarget(pg.Session.ReturnURL); src != "" {
		targets = append(targets, src)
	}
	if pg.OAuth {
		targets = append(targets, "https:")
	}
	page.Render(w, status, pages, "connect", struct {
		Title string
		Page  connectPage
	}{"Connect " + pg.Provider.DisplayName, pg}, targets...)
}
