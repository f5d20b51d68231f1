package oauth

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/patchbay/patchbay/internal/htmlpage"
)

// pages are the provider's own pages: consent, device verification and the
// development sign-in (errors use htmlpage.Error). htmlpage frames them with
// the SaaS's branding; their strings are in its message catalog.
var pages = template.Must(template.New("consent").Parse(`{{with .Data}}
<div class="logos">{{$.Logo $.Brand.LogoURL $.Brand.ProductName}}<span class="link" aria-hidden="true">⇄</span>{{$.Logo .AppLogo .App.Name}}</div>
<h1>{{$.T "consent.heading" .App.Name}}</h1>
{{if .App.DeveloperName}}<p class="muted developer">{{$.T "consent.by" .App.DeveloperName}}</p>{{end}}
{{if eq .App.Registration "metadata_document"}}<div class="note" role="note"><strong>{{$.T "consent.unreviewed"}}:</strong>
{{$.T "consent.documentAt"}} <strong>{{.App.Host}}</strong>. {{$.T "consent.documentClaim"}} {{$.T "consent.trust"}}</div>
{{else if ne .App.Registration "admin"}}<div class="note" role="note"><strong>{{$.T "consent.unreviewed"}}:</strong>
{{$.T "consent.unreviewedClaim"}} {{$.T "consent.comesFrom"}} <strong>{{if .App.Host}}{{.App.Host}}{{else}}{{$.T "consent.aDevice"}}{{end}}</strong>. {{$.T "consent.trust"}}</div>
{{else if .App.Published}}<p class="muted">{{$.T "consent.verified"}}</p>{{end}}
{{if .App.Description}}<p>{{.App.Description}}</p>{{end}}
{{if .App.HomepageURL}}<p class="muted"><a href="{{.App.HomepageURL}}" rel="noopener noreferrer">{{$.T "consent.homepage"}}: {{.HomepageHost}}</a></p>{{end}}
{{if or .App.PolicyURL .App.TermsURL}}<p class="muted">{{if .App.PolicyURL}}<a href="{{.App.PolicyURL}}" rel="noopener noreferrer">{{$.T "consent.policy"}}</a>{{end}}
{{if .App.TermsURL}}<a href="{{.App.TermsURL}}" rel="noopener noreferrer">{{$.T "consent.terms"}}</a>{{end}}</p>{{end}}
<h2>{{$.T "consent.signedInAs"}}</h2>
<div class="who">{{$.Logo .Avatar .UserLabel}}<div><strong>{{.UserLabel}}</strong><br><span class="muted">{{$.T "consent.inTeam" .TeamLabel}}</span></div></div>
<form method="post" action="/oauth/consent"><input type="hidden" name="consent_challenge" value="{{.Challenge}}"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<button class="link" name="decision" value="switch">{{$.T "consent.switch"}}</button></form>
{{if .Resources}}<h2>{{$.T "consent.resources"}}</h2>
<ul>{{range .Resources}}<li><strong>{{.Name}}</strong> <span class="muted">({{.Resource}})</span></li>{{end}}</ul>{{end}}
<h2>{{$.T "consent.wantsTo"}}</h2>
{{range .ScopeGroups}}<h3 class="muted">{{$.T .Heading}}</h3>
<ul>{{range .Scopes}}<li>{{.Description}} <span class="muted">({{.Name}})</span></li>{{end}}</ul>{{end}}
{{if .Device}}<p class="note" role="note">{{$.T "consent.device"}}</p>{{end}}
{{if .GrantedScopes}}<p class="muted">{{$.T "consent.already" .GrantedList}}</p>{{end}}
{{if .RedirectHost}}<p class="muted">{{$.T "consent.redirect" .RedirectHost}}</p>{{end}}
<form method="post" action="/oauth/consent">
<input type="hidden" name="consent_challenge" value="{{.Challenge}}"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<div class="actions"><button class="primary" name="decision" value="approve">{{$.T "consent.allow"}}</button><button name="decision" value="deny">{{$.T "consent.deny"}}</button></div>
</form>
<p class="muted">{{$.T "consent.revoke" $.Brand.ProductName}}</p>{{end}}`))

func init() {
	template.Must(pages.New("device").Parse(`<h1>{{.Title}}</h1>
{{with .Data}}{{if .Done}}<p role="status">{{.Done}}</p>{{else}}
<p>{{$.T "device.intro"}}</p>
{{if .Error}}<p class="problem" role="alert" id="user_code_error">{{.Error}}</p>{{end}}
<form method="post" action="/oauth/device">
<label for="user_code">{{$.T "device.code"}}</label><input id="user_code" name="user_code" required autocomplete="off" autocapitalize="characters"
 spellcheck="false" value="{{.UserCode}}"{{if .Error}} aria-invalid="true" aria-describedby="user_code_error"{{end}}>
<div class="actions"><button class="primary">{{$.T "device.continue"}}</button></div>
</form>{{end}}{{end}}`))
	template.Must(pages.New("dev-login").Parse(`<h1>{{.Title}}</h1>
{{with .Data}}<p class="muted">{{$.T "devlogin.intro"}}</p>
<p>{{$.T "devlogin.asks" .App.Name .ScopeList}}</p>
<form method="post" action="/oauth/dev/login">
<input type="hidden" name="login_challenge" value="{{.Challenge}}">
<label for="user_id">{{$.T "devlogin.user"}}</label><input id="user_id" name="user_id" required value="user_1">
<label for="team_id">{{$.T "devlogin.team"}}</label><input id="team_id" name="team_id" required value="team_1">
<div class="actions"><button class="primary">{{$.T "devlogin.signIn"}}</button></div>
</form>{{end}}`))
}

// render writes one of the pages in tenantID's branding ("" for the
// installation's); its form may send the browser on to the origins of
// formTargets (URLs).
func (s *Service) render(w http.ResponseWriter, r *http.Request, tenantID string, p htmlpage.Page, formTargets ...string) {
	p.Template = pages
	p.Brand = htmlpage.BrandOf(r.Context(), s.cfg.Brands, tenantID)
	p.FormTargets = htmlpage.FormTargets(formTargets...)
	htmlpage.Render(w, r, p)
}

// renderError writes an error page in the installation's branding.
func (s *Service) renderError(w http.ResponseWriter, r *http.Request, status int, title, message, code string) {
	htmlpage.Error(w, r, status, htmlpage.BrandOf(r.Context(), s.cfg.Brands, ""), title, message, code)
}

// scopeGroup is the consent screen's list of scopes of one access level.
type scopeGroup struct {
	Heading string // message key
	Scopes  []Scope
}

// consentView is what the consent screen shows.
type consentView struct {
	*consentScreen
	AppLogo, Avatar      string
	UserLabel, TeamLabel string
	ScopeGroups          []scopeGroup
	GrantedList          string
	RedirectHost         string
	HomepageHost         string
}

// consentView gathers the screen's data: images copied through the asset
// fetcher, scopes grouped read, write, admin.
func (s *Service) consentView(ctx context.Context, sc *consentScreen) consentView {
	v := consentView{consentScreen: sc,
		AppLogo:     htmlpage.ImagePath(ctx, s.cfg.Images, sc.App.LogoURL),
		Avatar:      htmlpage.ImagePath(ctx, s.cfg.Images, sc.AvatarURL),
		UserLabel:   cmp.Or(sc.UserName, sc.UserID),
		TeamLabel:   cmp.Or(sc.TeamName, sc.TeamID),
		GrantedList: strings.Join(sc.GrantedScopes, ", "),
	}
	for _, level := range []string{AccessRead, AccessWrite, AccessAdmin} {
		var group []Scope
		for _, scope := range sc.NewScopes {
			if scope.AccessLevel == level {
				group = append(group, scope)
			}
		}
		if len(group) > 0 {
			v.ScopeGroups = append(v.ScopeGroups, scopeGroup{Heading: "consent.level." + level, Scopes: group})
		}
	}
	if u, err := url.Parse(sc.redirectURI); err == nil {
		v.RedirectHost = cmp.Or(u.Host, u.Scheme+":")
	}
	if u, err := url.Parse(sc.App.HomepageURL); err == nil {
		v.HomepageHost = u.Host
	}
	return v
}
