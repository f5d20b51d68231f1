package connect

import (
	"html/template"
	"net/http"
)

// The connect pages are plain HTML with inline styles and no script. They may
// not be framed (a framed connect button could be clickjacked), and nothing on
// them is cached or leaks a Referer.
const pageHead = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
.card{border:1px solid #ddd;border-radius:12px;padding:1.5rem}img{width:48px;height:48px;border-radius:8px;float:right}
li{margin:.4rem 0}.muted{color:#666;font-size:.9rem}.problem{color:#b91c1c;font-size:.9rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:8px;border:1px solid #888;margin-right:.5rem;cursor:pointer}
button.primary{background:#1d4ed8;color:#fff;border-color:#1d4ed8}label{display:block;margin:.8rem 0 .2rem}input{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}</style>
</head><body><div class="card">`

const pageFoot = `</div></body></html>`

var pages = template.Must(template.New("error").Parse(pageHead + `
<h1>Cannot connect</h1>
<p>{{.Message}}</p>
<p class="muted">Error: {{.Code}}</p>` + pageFoot))

func init() {
	template.Must(pages.New("connect").Parse(pageHead + `
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
</form>{{end}}` + pageFoot))
}

// renderPage writes a connect page.
func renderPage(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https:; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	pages.ExecuteTemplate(w, name, data) //nolint:errcheck // the browser may be gone; nothing to do
}
