package console

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// Path is where the review console is served; its session cookie is
// scoped to it, and its API lives under APIPath.
const (
	Path    = "/admin/marketplace"
	APIPath = Path + "/api"
)

// cookieName is the session cookie's name: with the __Host- prefix when
// browsers reach Patchbay over https, which pins it to this host and path /.
func cookieName(secure bool) string {
	if secure {
		return "__Host-patchbay_console"
	}
	return "patchbay_console"
}

// Pages serves the console's page and its sign-in and sign-out.
type Pages struct {
	Sessions *Service
	Brands   htmlpage.Brands
	// Bundle is the path of the web components' bundle, pinned by version.
	Bundle string
	// Secure is true when browsers reach Patchbay over https: the cookie is
	// then Secure and __Host- prefixed.
	Secure bool
}

var page = template.Must(template.New("console").Parse(`{{if .Data.CSRF}}<form method="post" action="` + Path + `/session/end" class="signout">
<input type="hidden" name="csrf_token" value="{{.Data.CSRF}}"><span class="muted">{{.Data.KeyName}}</span> <button class="link" type="submit">{{.T "console.signOut"}}</button></form>
<patchbay-review-console data-console csrf="{{.Data.CSRF}}" lang="{{.Lang}}"></patchbay-review-console>
{{else}}<section id="console-signin"><h1>{{.Title}}</h1>
{{if .Data.Problem}}<p class="problem" role="alert" id="key-problem">{{.Data.Problem}}</p>{{end}}
<form method="post" action="` + Path + `/session"><label for="key">{{.T "console.key"}}</label>
<input id="key" name="key" type="password" autocomplete="off" required{{if .Data.Problem}} aria-invalid="true" aria-describedby="key-problem"{{end}}>
<p class="muted">{{.T "console.signInHelp" .Data.Scope}}</p>
<div class="actions"><button class="primary" type="submit">{{.T "console.signIn"}}</button></div></form>
<p class="muted">{{.T "console.tokenHelp"}}</p></section>
<patchbay-review-console data-console hidden lang="{{.Lang}}"></patchbay-review-console>{{end}}`))

type pageData struct {
	CSRF, KeyName, Problem, Scope string
}

func (p Pages) render(w http.ResponseWriter, r *http.Request, status int, data pageData) {
	data.Scope = Scope
	htmlpage.Render(w, r, htmlpage.Page{Status: status, Template: page, Name: "console", Title: "console.title",
		Brand: htmlpage.BrandOf(r.Context(), p.Brands, ""), Data: data, Scripts: []string{p.Bundle}, Wide: true})
}

// secret is the request's session secret from its cookie, or "".
func (p Pages) secret(r *http.Request) string {
	if c, err := r.Cookie(cookieName(p.Secure)); err == nil {
		return c.Value
	}
	return ""
}

func (p Pages) setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(p.Secure), Value: value, Path: "/", HttpOnly: true, Secure: p.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}

// HandlePage serves the console: the component with the operator's session,
// or the sign-in form (and the component, for a page opened with #token=…).
func (p Pages) HandlePage() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "The marketplace review console: a page for operators (admin key sign-in, or an embed token with marketplace:review in #token=…)",
		Description: "An HTML page in the installation's branding. With a live console session cookie it shows the review console; " +
			"otherwise a form to sign in with an admin API key holding marketplace:admin. Opened as " + Path + "#token=pbe_… with an " +
			"embed token granting marketplace:review, the console uses that token instead (for a SaaS's own admin tool).",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if secret := p.secret(r); secret != "" {
				_, key, err := p.Sessions.Authenticate(r.Context(), secret)
				if err == nil {
					p.render(w, r, http.StatusOK, pageData{CSRF: CSRFToken(secret), KeyName: key.Name})
					return
				}
				if apperr.CodeOf(err) != apperr.Unauthorized && apperr.CodeOf(err) != apperr.Forbidden {
					htmlpage.Error(w, r, http.StatusServiceUnavailable, htmlpage.BrandOf(r.Context(), p.Brands, ""), "error.title",
						"The console cannot reach its database just now. Try again in a moment.", "unavailable")
					return
				}
				p.setCookie(w, "", -1)
			}
			p.render(w, r, http.StatusOK, pageData{})
		}),
	}
}

// sameOrigin reports whether a browser sent r from a page of this very
// site: forms that sign in or out must not be posted from elsewhere (the
// SameSite=Strict cookie protects the session's own requests too).
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser that sends either header; the CSRF token still guards the session's changes
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// HandleSignIn exchanges the admin key posted by the sign-in form for a
// session cookie and sends the browser back to the console.
func (p Pages) HandleSignIn() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Sign in to the review console: exchanges an admin API key (form field key) for a 30-minute session cookie",
		Description: "A form post from the console's page (same origin only). On success 303 to the console with an HttpOnly, " +
			"SameSite=Strict session cookie (Secure over https); the key itself is not kept by the browser. " +
			"A key that is not valid answers the sign-in page with 401; one without marketplace:admin, or restricted to a tenant, 403.",
		Status: http.StatusSeeOther,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !sameOrigin(r) {
				p.render(w, r, http.StatusForbidden, pageData{Problem: "Sign in from the console's own page."})
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			if err := r.ParseForm(); err != nil {
				p.render(w, r, http.StatusBadRequest, pageData{Problem: "The form could not be read."})
				return
			}
			sess, secret, err := p.Sessions.SignIn(r.Context(), r.PostForm.Get("key"))
			switch apperr.CodeOf(err) {
			case "":
			case apperr.Unauthorized, apperr.Forbidden:
				status := http.StatusUnauthorized
				if apperr.CodeOf(err) == apperr.Forbidden {
					status = http.StatusForbidden
				}
				msg := "This admin API key is not valid."
				var ae *apperr.Error
				if errors.As(err, &ae) {
					msg = ae.Message
				}
				p.render(w, r, status, pageData{Problem: msg})
				return
			default:
				w.Header().Set("Retry-After", "5")
				p.render(w, r, http.StatusServiceUnavailable, pageData{Problem: "The console cannot reach its database just now. Try again in a moment."})
				return
			}
			p.setCookie(w, secret, int(time.Until(sess.ExpiresAt).Seconds()))
			http.Redirect(w, r, Path, http.StatusSeeOther)
		}),
	}
}

// HandleSignOut ends the session (the form carries its CSRF token) and
// sends the browser back to the sign-in form.
func (p Pages) HandleSignOut() httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Sign out of the review console (a form with the session's CSRF token)",
		Description: "Ends the session at once and clears its cookie, then 303 to the sign-in form. " +
			"403 when the form's CSRF token does not match the session or the form came from another site.",
		Status: http.StatusSeeOther,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			secret := p.secret(r)
			if err := r.ParseForm(); err != nil || secret == "" || !sameOrigin(r) || !validCSRF(secret, r.PostForm.Get("csrf_token")) {
				p.render(w, r, http.StatusForbidden, pageData{Problem: "Signing out could not be verified; reload the console and try again."})
				return
			}
			if err := p.Sessions.SignOut(r.Context(), secret); err != nil {
				w.Header().Set("Retry-After", "5")
				htmlpage.Error(w, r, http.StatusServiceUnavailable, htmlpage.BrandOf(r.Context(), p.Brands, ""), "error.title",
					"The console cannot reach its database just now. Try again in a moment.", "unavailable")
				return
			}
			p.setCookie(w, "", -1)
			http.Redirect(w, r, Path, http.StatusSeeOther)
		}),
	}
}

// RequireSession authenticates the console's API requests (under APIPath)
// by the session cookie: the admin key behind the session goes into the
// context, as if the request had carried it, so the admin API's handlers
// serve them. Every request but GET and HEAD must also carry the session's
// CSRF token in X-CSRF-Token and come from Patchbay's own pages.
func RequireSession(s *Service, secure bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := r.Cookie(cookieName(secure))
			if err != nil {
				httpapi.Error(w, r, errNoSession)
				return
			}
			sess, key, err := s.Authenticate(r.Context(), c.Value)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead && (!sameOrigin(r) || !validCSRF(c.Value, r.Header.Get("X-CSRF-Token"))) {
				httpapi.Error(w, r, apperr.Because(apperr.Forbidden, "csrf_failed", "this change could not be verified (CSRF check failed); reload the console"))
				return
			}
			if info := httpapi.InfoFrom(r.Context()); info != nil {
				info.APIKeyID = key.ID
			}
			w.Header().Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r.WithContext(withSession(auth.WithKey(r.Context(), key), sess)))
		})
	}
}

type sessionCtx struct{}

func withSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, sessionCtx{}, s)
}

// SessionFrom returns the console session that authenticated the request.
func SessionFrom(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionCtx{}).(Session)
	return s, ok
}

// Who is the console's answer to GET APIPath/session, in the shape of the
// embed API's session, so that the component reads either the same way.
type Who struct {
	TenantID     string         `json:"tenant_id" doc:"Always empty: the console reviews every team's listings."`
	UserID       string         `json:"user_id" doc:"The ID of the admin API key the operator signed in with."`
	UserName     string         `json:"user_name" doc:"The name of that admin API key."`
	Capabilities []string       `json:"capabilities" doc:"What the console may do: marketplace:review." enum:"marketplace:review"`
	ExpiresAt    time.Time      `json:"expires_at" doc:"When the console session ends and the operator signs in again."`
	Branding     htmlpage.Brand `json:"branding" doc:"The installation's branding, which the console shows."`
}

// HandleWho describes the signed-in operator's session.
func (p Pages) HandleWho() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Who]{
		Summary: "The review console's session: the admin key signed in with, when the session ends, and the branding",
		Description: "Answers the console's component, which reads it as the embed API's GET /embed/v1/session. " +
			"401 session_invalid when the session cookie is missing, expired or its key was revoked.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Who, error) {
			key, _ := auth.KeyFrom(r.Context())
			sess, _ := SessionFrom(r.Context())
			return Who{UserID: key.ID, UserName: key.Name, Capabilities: []string{"marketplace:review"}, ExpiresAt: sess.ExpiresAt,
				Branding: htmlpage.BrandOf(r.Context(), p.Brands, "")}, nil
		},
	})
}
