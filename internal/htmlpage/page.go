// Package htmlpage is how Patchbay serves its pages to browsers (consent,
// device verification, sign-in, connect, errors): the one place that frames a
// page with the SaaS's branding, picks its language, and sets the headers
// that keep it safe.
package htmlpage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Brand is what pages show of the SaaS: its name, logo, colours and links.
type Brand struct {
	ProductName string `json:"product_name" doc:"The product name pages show."`
	// LogoURL is the path of Patchbay's copy of the logo (/assets/…), or
	// empty when there is none: pages then show the name's initial.
	LogoURL string `json:"logo_url" doc:"The path of Patchbay's copy of the logo (/assets/…), or empty when there is none: pages then show the name's initial."`
	// AccentColor is #rrggbb; buttons and the monogram use it.
	AccentColor string `json:"accent_color" doc:"#rrggbb; buttons and the monogram use it."`
	// Theme is light, dark or auto (the browser's preference).
	Theme      string `json:"theme" doc:"Light, dark or auto (the browser's preference)."`
	SupportURL string `json:"support_url" doc:"Where pages link for help." format:"uri"`
	TermsURL   string `json:"terms_url" doc:"The terms of service pages link to." format:"uri"`
	PrivacyURL string `json:"privacy_url" doc:"The privacy policy pages link to." format:"uri"`
}

// DefaultBrand is what pages show when the SaaS has set no branding.
var DefaultBrand = Brand{ProductName: "Patchbay", AccentColor: "#1d4ed8", Theme: "auto"}

// Brands gives pages the brand to show: a tenant's, or with tenantID ""
// the installation's. It never fails: a page is better shown plain than not
// at all, so an implementation falls back to DefaultBrand.
type Brands interface {
	Brand(ctx context.Context, tenantID string) Brand
}

// BrandOf is brands' brand for tenantID, or DefaultBrand when brands is nil
// (tests and tools that serve pages without branding).
func BrandOf(ctx context.Context, brands Brands, tenantID string) Brand {
	if brands == nil {
		return DefaultBrand
	}
	return brands.Brand(ctx, tenantID)
}

// Images gives pages Patchbay's own copy of an image hosted elsewhere (an
// app's or a provider's logo, a user's avatar): its /assets/ path, or ""
// when there is none, and the page shows a monogram.
type Images interface {
	Path(ctx context.Context, rawURL string) string
}

// ImagePath is images' path for rawURL, or "" when images is nil.
func ImagePath(ctx context.Context, images Images, rawURL string) string {
	if images == nil || rawURL == "" {
		return ""
	}
	return images.Path(ctx, rawURL)
}

// Page is one page to write. Its body is template Name of Template, executed
// with a View whose Data is Data.
type Page struct {
	Status   int
	Template *template.Template
	Name     string
	// Title is a message key (see messages), formatted with TitleArgs.
	Title     string
	TitleArgs []any
	Brand     Brand
	Data      any
	// FormTargets are CSP sources (see FormTarget) the page's forms may send
	// the browser on to, besides Patchbay.
	FormTargets []string
	// Script is the one inline script of a page that runs one (the body
	// writes it as {{.Script}} inside <script>): the CSP allows exactly it,
	// by its hash, and no form.
	Script string
	// Portal makes the page a hosted portal page (/portal/…): a wide column
	// for one of Patchbay's web components, which Scripts load. It is marked
	// data-patchbay-portal (patchbay.js then takes the embed token from the
	// URL fragment), its CSP allows scripts and API calls to Patchbay only
	// and no form, and any site may frame it: without the token, which only
	// the framing SaaS holds, it shows nothing that could be clicked.
	Portal bool
	// Scripts are the paths of same-origin scripts a Portal page loads.
	Scripts []string
	// Wide pages (consoles with tables) use the full width of the window
	// rather than the narrow column of a sign-in page.
	Wide bool
}

// View is what a page body's template sees: its data, and the brand and
// language to show it in.
type View struct {
	Lang  string
	Title string
	Brand Brand
	Data  any
	// Script is the page's Script, to write verbatim inside <script>.
	Script template.JS
	// Portal, Scripts and Wide are the Page's.
	Portal  bool
	Scripts []string
	Wide    bool
	msgs    map[string]string
}

// T returns the message key in the page's language, formatted with args.
func (v View) T(key string, args ...any) string { return format(v.msgs, key, args...) }

// OnAccent is the text colour that is legible on the brand's accent.
func (v View) OnAccent() string { return OnAccent(v.Brand.AccentColor) }

// Logo shows an image Patchbay serves, or when src is empty a monogram: the
// first letter of name on the accent colour. Either is labelled with name.
func (v View) Logo(src, name string) template.HTML {
	var b bytes.Buffer
	logo.Execute(&b, map[string]string{"Src": src, "Name": name, "Initial": Initial(name)}) //nolint:errcheck // a bytes.Buffer does not fail
	return template.HTML(b.String())
}

var logo = template.Must(template.New("logo").Parse(
	`{{if .Src}}<img class="logo" src="{{.Src}}" alt="{{.Name}}" width="48" height="48">` +
		`{{else}}<span class="logo monogram" role="img" aria-label="{{.Name}}">{{.Initial}}</span>{{end}}`))

// Initial is the first letter or digit of name, for a monogram.
func (View) Initial(name string) string { return Initial(name) }

// Initial is the first letter or digit of name, upper-cased, or "?".
func Initial(name string) string {
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return string(unicode.ToUpper(r))
		}
	}
	return "?"
}

// frame is the page around every body: the brand's header, the card the
// body sits in, and its support, terms and privacy links.
var frame = template.Must(template.New("frame").Parse(`<!doctype html><html lang="{{.Lang}}" class="theme-{{.Brand.Theme}}{{if .Portal}} portal{{end}}"{{if .Portal}} data-patchbay-portal{{end}}><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}} · {{.Brand.ProductName}}</title>
<style>:root{--accent:{{.Brand.AccentColor}};--on-accent:{{.OnAccent}}}` + style + `</style>
{{range .Scripts}}<script src="{{.}}" defer></script>{{end}}</head><body{{if .Wide}} class="wide"{{end}}><header class="brand">{{/* the name follows, so the mark is decoration */}}{{if .Brand.LogoURL}}<img class="logo" src="{{.Brand.LogoURL}}" alt="" width="32" height="32">{{else}}<span class="logo monogram" aria-hidden="true">{{.Initial .Brand.ProductName}}</span>{{end}}<span class="product">{{.Brand.ProductName}}</span></header>
<main class="card">{{.Body}}</main>
{{with .Brand}}{{if or .SupportURL .TermsURL .PrivacyURL}}<footer><nav aria-label="{{$.T "footer.label"}}">
{{if .SupportURL}}<a href="{{.SupportURL}}" rel="noopener noreferrer">{{$.T "footer.support"}}</a>{{end}}
{{if .TermsURL}}<a href="{{.TermsURL}}" rel="noopener noreferrer">{{$.T "footer.terms"}}</a>{{end}}
{{if .PrivacyURL}}<a href="{{.PrivacyURL}}" rel="noopener noreferrer">{{$.T "footer.privacy"}}</a>{{end}}
</nav></footer>{{end}}{{end}}</body></html>`))

// style is the pages' stylesheet: light and dark colours with AA contrast,
// one column that fits 390 px, visible keyboard focus.
const style = `
:root{color-scheme:light;--bg:#f6f7f9;--card:#fff;--fg:#1d1d1f;--muted:#52525b;--border:#d4d4d8;--link:#1d4ed8;--problem:#b91c1c}
html.theme-dark{color-scheme:dark;--bg:#111318;--card:#1b1e24;--fg:#eceef2;--muted:#b4b8c0;--border:#3f4450;--link:#93b4ff;--problem:#fca5a5}
@media (prefers-color-scheme:dark){html.theme-auto{color-scheme:dark;--bg:#111318;--card:#1b1e24;--fg:#eceef2;--muted:#b4b8c0;--border:#3f4450;--link:#93b4ff;--problem:#fca5a5}}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg);max-width:34rem;margin:0 auto;padding:1.5rem 1rem}
body.wide{max-width:72rem}
a{color:var(--link)}a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.brand{display:flex;align-items:center;gap:.6rem;margin-bottom:1rem;font-weight:600}
.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:1.5rem;overflow-wrap:anywhere}
.logo{width:48px;height:48px;border-radius:10px;flex:none;object-fit:contain}
.brand .logo{width:32px;height:32px;border-radius:8px}
.monogram{display:inline-flex;align-items:center;justify-content:center;background:var(--accent);color:var(--on-accent);font-weight:700;font-size:1.3rem}
.brand .monogram{font-size:1rem}
.logos{display:flex;align-items:center;gap:.75rem;margin-bottom:.5rem}.logos .link{color:var(--muted)}
h1{font-size:1.4rem;line-height:1.3;margin:.5rem 0 1rem}h2{font-size:1rem;margin:1.2rem 0 .4rem}
ul{padding-left:1.2rem}li{margin:.35rem 0}
.muted{color:var(--muted);font-size:.9rem}.problem{color:var(--problem);font-size:.9rem}
.note{border-left:4px solid var(--problem);padding:.5rem .75rem;background:var(--bg)}
.who{display:flex;align-items:center;gap:.6rem}.who .logo{width:36px;height:36px;border-radius:50%;font-size:1rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1.25rem}
button{font:inherit;padding:.6rem 1.2rem;border-radius:8px;border:1px solid var(--border);background:var(--card);color:var(--fg);cursor:pointer;min-height:44px}
button.link{border:none;background:none;color:var(--link);text-decoration:underline;padding:.5rem 0}
button.primary{background:var(--accent);color:var(--on-accent);border-color:var(--accent)}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input{font:inherit;width:100%;padding:.5rem;border:1px solid var(--muted);border-radius:6px;background:var(--card);color:var(--fg)}
html.portal body{max-width:64rem}html.portal .card{padding:1rem}
footer nav{display:flex;flex-wrap:wrap;gap:1rem;justify-content:center;margin-top:1rem;font-size:.9rem}
`

// Render writes p. The page may not be framed (clickjacking a consent or
// connect button is the classic attack), loads images only from Patchbay
// (logos are copied, never hot-linked), and nothing on it is cached or leaks
// a Referer. Its forms may post only to Patchbay and, because browsers hold
// the redirect after a post to the same rule, to p.FormTargets.
func Render(w http.ResponseWriter, r *http.Request, p Page) {
	lang := Language(r)
	v := View{Lang: lang, Brand: p.Brand, Data: p.Data, Script: template.JS(p.Script), Portal: p.Portal, Scripts: p.Scripts, Wide: p.Wide, msgs: catalogs[lang]}
	v.Title = v.T(p.Title, p.TitleArgs...)
	var body bytes.Buffer
	if err := p.Template.ExecuteTemplate(&body, p.Name, v); err != nil {
		panic("htmlpage: render " + p.Name + ": " + err.Error()) // a programming error; the recoverer answers 500
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if p.Portal {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; script-src 'self'; connect-src 'self'; "+
			"base-uri 'none'; form-action 'none'")
	} else {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; "+
			scriptPolicy(p))
		h.Set("X-Frame-Options", "DENY")
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language")
	w.WriteHeader(p.Status)
	frame.Execute(w, struct { //nolint:errcheck // the browser may be gone; nothing to do
		View
		Body template.HTML
	}{v, template.HTML(body.String())})
}

// scriptPolicy is the CSP's form-action and, for a page that runs a
// script, script-src directives.
func scriptPolicy(p Page) string {
	if len(p.Scripts) > 0 {
		return strings.Join(append([]string{"form-action 'self'"}, p.FormTargets...), " ") + "; script-src 'self'; connect-src 'self'"
	}
	if p.Script == "" {
		return strings.Join(append([]string{"form-action 'self'"}, p.FormTargets...), " ")
	}
	sum := sha256.Sum256([]byte(p.Script))
	return "form-action 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var errorPage = template.Must(template.New("error").Parse(`<h1>{{.Title}}</h1>
<p>{{.Data.Message}}</p>
<p class="muted">{{.T "error.code" .Data.Code}}</p>
{{if .Brand.SupportURL}}<p>{{.T "error.support"}} <a href="{{.Brand.SupportURL}}" rel="noopener noreferrer">{{.T "error.supportLink"}}</a></p>{{end}}`))

// Error writes an error page: title is a message key, message says what
// happened and what to do, code is the machine-readable error a support
// person asks for. The brand's support link is offered.
func Error(w http.ResponseWriter, r *http.Request, status int, brand Brand, title, message, code string) {
	Render(w, r, Page{Status: status, Template: errorPage, Name: "error", Title: title, Brand: brand,
		Data: struct{ Message, Code string }{message, code}})
}

var tooMany = template.Must(template.New("429").Parse(`<h1>{{.T "ratelimit.title"}}</h1>
<p>{{.T "ratelimit.body" .Data}}</p>`))

// TooManyRequests returns the page for a browser refused by a rate limit;
// the caller has set Retry-After. It shows the installation's brand.
func TooManyRequests(brands Brands) func(http.ResponseWriter, *http.Request, time.Duration) {
	return func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
		seconds := max(int64((retryAfter+time.Second-1)/time.Second), 1)
		Render(w, r, Page{Status: http.StatusTooManyRequests, Template: tooMany, Name: "429", Title: "ratelimit.title",
			Brand: BrandOf(r.Context(), brands, ""), Data: strconv.FormatInt(seconds, 10)})
	}
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

// FormTargets are the CSP sources for the origins of rawURLs, leaving out
// those that have none.
func FormTargets(rawURLs ...string) []string {
	var sources []string
	for _, u := range rawURLs {
		if src := FormTarget(u); src != "" {
			sources = append(sources, src)
		}
	}
	return sources
}

// OnAccent returns the text colour for text on accent (#rrggbb): white when
// it meets WCAG AA's 4.5:1 there, else near-black, which then does (every
// colour has at least 4.5:1 against white or black).
func OnAccent(accent string) string {
	if ContrastWithWhite(accent) >= 4.5 {
		return "#ffffff"
	}
	return "#111111"
}

// ContrastWithWhite is WCAG 2's contrast ratio of white text on color
// (#rrggbb), from 1 to 21; 1 for a colour it cannot read.
func ContrastWithWhite(color string) float64 {
	if len(color) != 7 || color[0] != '#' || !utf8.ValidString(color) {
		return 1
	}
	var lum float64
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		n, err := strconv.ParseUint(color[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return 1
		}
		c := float64(n) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += weight * c
	}
	return 1.05 / (lum + 0.05)
}
