package oauth

import (
	"html/template"
	"net/http"
)

// The provider's own pages are plain HTML with inline styles and no script.
// They may not be framed (clickjacking a consent button is the classic attack
// on OAuth consent), and nothing on them is cached or leaks a Referer.
const pageHead = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
.card{border:1px solid #ddd;border-radius:12px;padding:1.5rem}img{width:48px;height:48px;border-radius:8px;float:right}
li{margin:.4rem 0}.muted{color:#666;font-size:.9rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:8px;border:1px solid #888;margin-right:.5rem;cursor:pointer}
button.primary{background:#1d4ed8;color:#fff;border-color:#1d4ed8}label{display:block;margin:.8rem 0 .2rem}input{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}</style>
</head><body><div class="card">`

const pageFoot = `</div></body></html>`

var pages = template.Must(template.New("error").Parse(pageHead + `
<h1>Cannot continue</h1>
<p>{{.Description}}</p>
<p class="muted">Error: {{.Code}}</p>` + pageFoot))

func init() {
	template.Must(pages.New("consent").Parse(pageHead + `
{{with .Screen}}{{if .App.LogoURL}}<img src="{{.App.LogoURL}}" alt="">{{end}}
<h1>Allow {{.App.Name}}?</h1>
<p><strong>{{.App.Name}}</strong>{{if .App.HomepageURL}} (<a href="{{.App.HomepageURL}}" rel="noopener noreferrer">{{.App.HomepageURL}}</a>){{end}}
wants to access team <strong>{{.TeamID}}</strong> as <strong>{{.UserID}}</strong>. It will be able to:</p>
<ul>{{range .NewScopes}}<li>{{.Description}} <span class="muted">({{.Name}})</span></li>{{end}}</ul>
{{if .GrantedScopes}}<p class="muted">It already has: {{range $i, $s := .GrantedScopes}}{{if $i}}, {{end}}{{$s}}{{end}}.</p>{{end}}
<form method="post" action="/oauth/consent">
<input type="hidden" name="consent_challenge" value="{{.Challenge}}"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<button class="primary" name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button>
</form>{{end}}` + pageFoot))
	template.Must(pages.New("dev-login").Parse(pageHead + `
<h1>Development sign-in</h1>
<p class="muted">Patchbay is in --dev mode and no login URL is configured, so it signs users in itself.
In production the SaaS's own login page does this and calls the login-request accept API.</p>
<p><strong>{{.App.Name}}</strong> asks for: {{range $i, $s := .Scopes}}{{if $i}}, {{end}}{{$s}}{{end}}</p>
<form method="post" action="/oauth/dev/login">
<input type="hidden" name="login_challenge" value="{{.Challenge}}">
<label for="user_id">User ID</label><input id="user_id" name="user_id" required value="user_1">
<label for="team_id">Team ID</label><input id="team_id" name="team_id" required value="team_1">
<p><button class="primary">Sign in</button></p>
</form>` + pageFoot))
}

// renderPage writes one of the provider's pages.
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
