package connect

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/patchbay/patchbay/internal/htmlpage"
)

// connectTemplate is the connect page: what will be shared with the
// provider, and the form. htmlpage frames it with the SaaS's branding; its
// strings are in htmlpage's message catalog.
var connectTemplate = template.Must(template.New("connect").Parse(`{{with .Data}}{{with .Page}}
<div class="logos">{{$.Logo $.Brand.LogoURL $.Brand.ProductName}}<span class="link" aria-hidden="true">⇄</span>{{$.Logo $.Data.ProviderLogo .Provider.DisplayName}}</div>
<h1>{{$.Title}}</h1>
{{if .OAuth}}<p>{{$.T "connect.oauthIntro" .Provider.DisplayName $.Brand.ProductName}}</p>
<ul>{{range .ScopeList}}<li>{{if .Description}}{{.Description}} <span class="muted">({{.Name}})</span>{{else}}{{.Name}}{{end}}</li>{{else}}<li>{{$.T "connect.onBehalf" .Provider.DisplayName}}</li>{{end}}</ul>
{{else}}<p>{{$.T "connect.storeIntro" $.Brand.ProductName .Provider.DisplayName}}</p>{{end}}
{{if .Message}}<p class="problem" role="alert">{{.Message}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
{{$p := .}}{{range .Fields}}{{$f := .}}<label for="f_{{.Name}}">{{.Label}}</label>
<input id="f_{{.Name}}" name="{{.Name}}" type="{{if .Secret}}password{{else if eq .Type "email"}}email{{else}}text{{end}}"{{if .Required}} required{{end}} autocomplete="off"{{if not .Secret}} value="{{index $p.Values .Name}}"{{end}}{{with index $p.Problems .Name}} aria-invalid="true" aria-describedby="f_{{$f.Name}}_problem"{{end}}>
{{with index $p.Problems .Name}}<div class="problem" id="f_{{$f.Name}}_problem">{{.}}</div>{{end}}{{if .Help}}<div class="muted">{{.Help}}</div>{{end}}
{{end}}<div class="actions"><button class="primary" name="decision" value="connect">{{if .OAuth}}{{$.T "connect.continueTo" .Provider.DisplayName}}{{else}}{{$.T "connect.connect"}}{{end}}</button><button name="decision" value="cancel" formnovalidate>{{$.T "connect.cancel"}}</button></div>
</form>
{{if $.Data.ReturnHost}}<p class="muted">{{$.T "connect.returnTo" $.Data.ReturnHost}}</p>{{end}}
<p class="muted">{{$.T "connect.revoke" .Provider.DisplayName $.Brand.ProductName}}</p>{{end}}{{end}}`))

// renderConnect writes the connect page in the session's tenant's branding.
// Its form sends the browser on to the session's return_url, and for OAuth
// to the provider's authorization URL, whose host may come from what the
// user enters (a subdomain): any https origin then.
func (s *Service) renderConnect(w http.ResponseWriter, r *http.Request, status int, pg connectPage) {
	targets := htmlpage.FormTargets(pg.Session.ReturnURL)
	if pg.OAuth {
		targets = append(targets, "https:")
	}
	data := struct {
		Page         connectPage
		ProviderLogo string
		ReturnHost   string
	}{Page: pg, ProviderLogo: htmlpage.ImagePath(r.Context(), s.cfg.Images, pg.Provider.Logo)}
	if u, err := url.Parse(pg.Session.ReturnURL); err == nil {
		data.ReturnHost = u.Host
	}
	htmlpage.Render(w, r, htmlpage.Page{Status: status, Template: connectTemplate, Name: "connect", Title: "connect.title",
		TitleArgs: []any{pg.Provider.DisplayName}, Brand: htmlpage.BrandOf(r.Context(), s.cfg.Brands, pg.Session.TenantID),
		Data: data, FormTargets: targets})
}
