package htmlpage

import (
	"html/template"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRenderFormAction(t *testing.T) {
	t.Parallel()
	tmpl := template.Must(template.New("p").Parse(`<form method="post" action="/x"></form>`))
	for _, tc := range []struct {
		targets []string
		want    string
	}{
		{nil, "form-action 'self'"},
		{FormTargets("https://app.example:8443/cb?x=1"), "form-action 'self' https://app.example:8443"},
		{append(FormTargets("", "com.example.app:/cb"), "https:"), "form-action 'self' com.example.app: https:"},
	} {
		w := httptest.NewRecorder()
		Render(w, httptest.NewRequest("GET", "/", nil), Page{Status: 200, Template: tmpl, Name: "p", Brand: DefaultBrand, FormTargets: tc.targets})
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.HasSuffix(csp, "; "+tc.want) || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "img-src 'self';") {
			t.Errorf("targets %q: CSP %q, want images only from Patchbay and to end with %q", tc.targets, csp, tc.want)
		}
	}
	for _, bad := range []string{"", "/relative", "https://a.example; script-src *", "%zz"} {
		if got := FormTarget(bad); got != "" {
			t.Errorf("FormTarget(%q) = %q, want none", bad, got)
		}
	}
}

// TestRenderScript: a page's one inline script is written verbatim and is
// the only script the CSP allows, by its hash; such a page has no form.
func TestRenderScript(t *testing.T) {
	t.Parallel()
	const script = `document.title = "<done>";`
	tmpl := template.Must(template.New("p").Parse(`<p>{{.Data}}</p><script>{{.Script}}</script>`))
	w := httptest.NewRecorder()
	Render(w, httptest.NewRequest("GET", "/", nil), Page{Status: 200, Template: tmpl, Name: "p", Brand: DefaultBrand, Data: "ok", Script: script})
	// sha256 of the script, base64: printf '%s' "$script" | openssl dgst -sha256 -binary | base64
	const hash = "'sha256-4Xi3NlwbDfcTAI3yxgPVUCMp4utjebleoTxEsOe/KI4='"
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "; form-action 'none'; script-src "+hash) {
		t.Errorf("CSP %q, want no form and only the script %s", csp, hash)
	}
	if !strings.Contains(w.Body.String(), "<script>"+script+"</script>") {
		t.Errorf("the script is not verbatim in the page: %s", w.Body)
	}
}

// TestRenderScripts: a page that loads the components' bundle allows scripts
// from and fetches to Patchbay itself and nothing else, keeps its forms on
// Patchbay, and loads the bundle by its path.
func TestRenderScripts(t *testing.T) {
	t.Parallel()
	tmpl := template.Must(template.New("p").Parse(`<p>{{.Data}}</p>`))
	w := httptest.NewRecorder()
	Render(w, httptest.NewRequest("GET", "/", nil), Page{Status: 200, Template: tmpl, Name: "p", Brand: DefaultBrand, Data: "ok",
		Scripts: []string{"/embed/v1/patchbay.js?v=abc"}, Wide: true})
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "; form-action 'self'; script-src 'self'; connect-src 'self'") || !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	body := w.Body.String()
	if !strings.Contains(body, `<script src="/embed/v1/patchbay.js?v=abc" defer></script></head>`) || !strings.Contains(body, `<body class="wide">`) {
		t.Errorf("page:\n%s", body)
	}
	w = httptest.NewRecorder()
	Render(w, httptest.NewRequest("GET", "/", nil), Page{Status: 200, Template: tmpl, Name: "p", Brand: DefaultBrand, Data: "ok"})
	if strings.Contains(w.Body.String(), "<script") || strings.Contains(w.Body.String(), `class="wide"`) {
		t.Errorf("a page without a bundle loads a script or is wide:\n%s", w.Body)
	}
}

func TestRenderBrand(t *testing.T) {
	t.Parallel()
	body := template.Must(template.New("b").Parse(`<p>{{.T "consent.allow"}}</p>{{.Logo "" "acme tools"}}`))
	render := func(brand Brand, acceptLanguage string) (*httptest.ResponseRecorder, string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", acceptLanguage)
		w := httptest.NewRecorder()
		Error(w, r, http.StatusBadRequest, brand, "error.title", "The link expired.", "expired")
		page := w.Body.String()
		w = httptest.NewRecorder()
		Render(w, r, Page{Status: 200, Template: body, Name: "b", Title: "consent.title", TitleArgs: []any{"Zap"}, Brand: brand})
		return w, page + w.Body.String()
	}

	brand := Brand{ProductName: "Acme", LogoURL: "/assets/" + strings.Repeat("a", 64) + ".png", AccentColor: "#ffd400", Theme: "dark",
		SupportURL: "https://acme.example/help", PrivacyURL: "https://acme.example/privacy"}
	w, page := render(brand, "de-CH, en;q=0.5")
	for _, want := range []string{
		`<html lang="de" class="theme-dark">`, "<title>Zap erlauben? · Acme</title>", `--accent:#ffd400;--on-accent:#111111`,
		`<header class="brand"><img class="logo" src="/assets/` + strings.Repeat("a", 64) + `.png" alt="" width="32" height="32"><span class="product">Acme</span></header>`, `<a href="https://acme.example/help" rel="noopener noreferrer">Support kontaktieren</a>`,
		`Datenschutz</a>`, "<p>Erlauben</p>", `<span class="logo monogram" role="img" aria-label="acme tools">A</span>`, "Fehlercode: expired",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("German page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "Nutzungsbedingungen") {
		t.Errorf("page links terms it was not given:\n%s", page)
	}
	if got := w.Header().Get("Content-Language"); got != "de" {
		t.Errorf("Content-Language = %q, want de", got)
	}

	_, page = render(DefaultBrand, "fr, *;q=0.1")
	for _, want := range []string{`<html lang="en" class="theme-auto">`, "<title>Allow Zap? · Patchbay</title>", "--on-accent:#ffffff",
		`<span class="logo monogram" aria-hidden="true">P</span><span class="product">Patchbay</span>`, "Error code: expired"} {
		if !strings.Contains(page, want) {
			t.Errorf("default English page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<footer>") || strings.Contains(page, "Contact support") {
		t.Errorf("page without links shows a footer or support link:\n%s", page)
	}
}

func TestContrast(t *testing.T) {
	t.Parallel()
	for color, want := range map[string]string{
		"#1d4ed8": "#ffffff", // 6.7:1
		"#000000": "#ffffff",
		"#ffffff": "#111111",
		"#ffd400": "#111111", // yellow: white would be 1.4:1
		"#2f9e44": "#111111", // green: white is 3.4:1, below AA
		"#767676": "#ffffff", // the classic 4.54:1 grey
		"bad":     "#111111",
	} {
		if got := OnAccent(color); got != want {
			t.Errorf("OnAccent(%s) = %s (white %.2f:1), want %s", color, got, ContrastWithWhite(color), want)
		}
	}
}

func TestCatalogsComplete(t *testing.T) {
	t.Parallel()
	english := slices.Sorted(maps.Keys(catalogs["en"]))
	for lang, msgs := range catalogs {
		if diff := cmp.Diff(english, slices.Sorted(maps.Keys(msgs))); diff != "" {
			t.Errorf("catalog %s keys differ from English (-en +%s):\n%s", lang, lang, diff)
		}
		for key, msg := range msgs {
			if strings.Count(msg, "%s") != strings.Count(catalogs["en"][key], "%s") {
				t.Errorf("%s %s has other arguments than English: %q", lang, key, msg)
			}
		}
	}
}

func TestInitial(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"acme": "A", "  ölwerk": "Ö", "42 Tools": "4", "": "?", "—": "?"} {
		if got := Initial(name); got != want {
			t.Errorf("Initial(%q) = %q, want %q", name, got, want)
		}
	}
}
