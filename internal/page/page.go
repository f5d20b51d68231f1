// Package page is how Patchbay serves its few pages to browsers (consent,
// sign-in, connect): one frame and stylesheet, and the headers that keep
// them safe.
package page

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Head and Foot frame every page; a page template is Head + its body + Foot,
// and its data has a Title. Pages are plain HTML with inline styles and no
// script.
const Head = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
.card{border:1px solid #ddd;border-radius:12px;padding:1.5rem}img{width:48px;height:48px;border-radius:8px;float:right}
li{margin:.4rem 0}.muted{color:#666;font-size:.9rem}.problem{color:#b91c1c;font-size:.9rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:8px;border:1px solid #888;margin-right:.5rem;cursor:pointer}
button.primary{background:#1d4ed8;color:#fff;border-color:#1d4ed8}label{display:block;margin:.8rem 0 .2rem}input{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}</style>
</head><body><div class="card">`

// Foot closes what Head opens.
const Foot = `</div></body></html>`

// Render writes the template name of t. The page may not be framed
// (clickjacking a consent or connect button is the classic attack), and
// nothing on it is cached or leaks a Referer. Its forms may post only to
// Patchbay and, because browsers hold the redirect after a post to the same
// rule, to formTargets: the CSP sources (see FormTarget) of where that post
// sends the browser on.
func Render(w http.ResponseWriter, status int, t *template.Template, name string, data any, formTargets ...string) {
	render(w, status, t, name, data, strings.Join(append([]string{"form-action 'self'"}, formTargets...), " "))
}

// RenderScript is Render for a page that runs one inline script, which the
// template holds verbatim (as template.JS): the CSP allows exactly that
// script, by its hash, and no form.
func RenderScript(w http.ResponseWriter, status int, t *template.Template, name string, data any, script string) {
	sum := sha256.Sum256([]byte(script))
	render(w, status, t, name, data, "form-action 'none'; script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
}

func render(w http.ResponseWriter, status int, t *template.Template, name string, data any, csp string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https:; frame-ancestors 'none'; base-uri 'none'; "+csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	t.ExecuteTemplate(w, name, data) //nolint:errcheck // the browser may be gone; nothing to do
}

var tooMany = template.Must(template.New("429").Parse(Head + `
<h1>Too many requests</h1>
<p>Too many requests came from your network in a short time. Wait {{.Wait}} and try again.</p>` + Foot))

// TooManyRequests is the page for a browser refused by a rate limit; the
// caller has set Retry-After.
func TooManyRequests(w http.ResponseWriter, _ *http.Request, retryAfter time.Duration) {
	wait := "a second"
	if s := (retryAfter + time.Second - 1) / time.Second; s > 1 {
		wait = strconv.FormatInt(int64(s), 10) + " seconds"
	}
	Render(w, http.StatusTooManyRequests, tooMany, "429", map[string]string{"Title": "Too many requests", "Wait": wait})
}

// FormTarget is the CSP source for the origin of rawURL, such as
// "https://app.example" or, for a native app's "com.example.app:/cb", its
// scheme "com.example.app:"; "" when rawURL has neither.
func FormTarget(rawURL string) string {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil || u.Scheme == "" || strings.ContainsAny(u.Scheme+u.Host, " ;,'"):
		return ""
	case u.Host == "":
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}
