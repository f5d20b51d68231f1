package oauth

import (
	"html/template"
	"net/http"

	"github.com/patchbay/patchbay/internal/page"
)

// pages are the provider's pages: errors, consent and the development sign-in.
var pages = template.Must(template.New("error").Parse(page.Head + `
<h1>Cannot continue</h1>
<p>{{.Description}}</p>
<p class="muted">Error: {{.Code}}</p>` + page.Foot))

func init() {
	template.Must(pages.New("consent").Parse(page.Head + `
{{with .Screen}}{{if .App.LogoURL}}<img src="{{.App.LogoURL}}" alt="">{{end}}
<h1>Allow {{.App.Name}}?</h1>
{{if eq .App.Registration "metadata_document"}}<p role="note"><strong>Not reviewed:</strong> this app is identified by a document at
<strong>{{.App.Host}}</strong>, so its name is only that document's claim. Allow only if you trust {{.App.Host}}.</p>
{{else if ne .App.Registration "admin"}}<p role="note"><strong>Not reviewed:</strong> this app registered itself, so its name is only its own claim.
It comes from <strong>{{if .App.Host}}{{.App.Host}}{{else}}a device{{end}}</strong>. Allow only if you trust that.</p>{{end}}
<p><strong>{{.App.Name}}</strong>{{if .App.HomepageURL}} (<a href="{{.App.HomepageURL}}" rel="noopener noreferrer">{{.App.HomepageURL}}</a>){{end}}
wants to access team <strong>{{.TeamID}}</strong> as <strong>{{.UserID}}</strong>.</p>
{{if or .App.PolicyURL .App.TermsURL}}<p>Its {{if .App.PolicyURL}}<a href="{{.App.PolicyURL}}" rel="noopener noreferrer">privacy policy</a>{{end}}
{{- if and .App.PolicyURL .App.TermsURL}} and {{end}}{{if .App.TermsURL}}<a href="{{.App.TermsURL}}" rel="noopener noreferrer">terms of service</a>{{end}}.</p>{{end}}
{{if .Resources}}<p>It will reach:</p>
<ul>{{range .Resources}}<li><strong>{{.Name}}</strong> <span class="muted">({{.Resource}})</span></li>{{end}}</ul>{{end}}
<p>It will be able to:</p>
<ul>{{range .NewScopes}}<li>{{.Description}} <span class="muted">({{.Name}})</span></li>{{end}}</ul>
{{if .Device}}<p><strong>You entered a code from a device.</strong> Allow only if you started this on your own device just now;
if someone sent you the code, choose Deny.</p>{{end}}
{{if .GrantedScopes}}<p class="muted">It already has: {{range $i, $s := .GrantedScopes}}{{if $i}}, {{end}}{{$s}}{{end}}.</p>{{end}}
<form method="post" action="/oauth/consent">
<input type="hidden" name="consent_challenge" value="{{.Challenge}}"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<button class="primary" name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button>
</form>{{end}}` + page.Foot))
	template.Must(pages.New("device").Parse(page.Head + `
<h1>Connect a device</h1>
{{if .Done}}<p role="status">{{.Done}}</p>{{else}}
<p>Enter the code your device shows. You will sign in and choose what to allow.</p>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/oauth/device">
<label for="user_code">Code</label><input id="user_code" name="user_code" required autocomplete="off" autocapitalize="characters"
 spellcheck="false" value="{{.UserCode}}"{{if .Error}} aria-invalid="true"{{end}}>
<p><button class="primary">Continue</button></p>
</form>{{end}}` + page.Foot))
	template.Must(pages.New("dev-login").Parse(page.Head + `
<h1>Development sign-in</h1>
<p class="muted">Patchbay is in --dev mode and no login URL is configured, so it signs users in itself.
In production the SaaS's own login page does this and calls the login-request accept API.</p>
<p><strong>{{.App.Name}}</strong> asks for: {{range $i, $s := .Scopes}}{{if $i}}, {{end}}{{$s}}{{end}}</p>
<form method="post" action="/oauth/dev/login">
<input type="hidden" name="login_challenge" value="{{.Challenge}}">
<label for="user_id">User ID</label><input id="user_id" name="user_id" required value="user_1">
<label for="team_id">Team ID</label><input id="team_id" name="team_id" required value="team_1">
<p><button class="primary">Sign in</button></p>
</form>` + page.Foot))
}

// renderPage writes one of the pages; its form may send the browser on to
// the origins of formTargets (URLs).
func renderPage(w http.ResponseWriter, status int, name string, data any, formTargets ...string) {
	var sources []string
	for _, u := range formTargets {
		if src := page.FormTarget(u); src != "" {
			sources = append(sources, src)
		}
	}
	page.Render(w, status, pages, name, data, sources...)
}
