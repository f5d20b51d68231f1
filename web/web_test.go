package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/htmlpage"
)

func TestHandleBundle(t *testing.T) {
	t.Parallel()
	h := HandleBundle()
	sum := sha256.Sum256(bundle)
	if want := hex.EncodeToString(sum[:])[:12]; Version != want || len(bundle) < 1000 {
		t.Fatalf("Version = %q (bundle %d bytes), want %q", Version, len(bundle), want)
	}
	for _, tc := range []struct {
		query, cache string
	}{
		{"?v=" + Version, "public, max-age=31536000, immutable"},
		{"", "no-cache"},
		{"?v=000000000000", "no-cache"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", BundlePath+tc.query, nil))
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" ||
			w.Header().Get("Cache-Control") != tc.cache || w.Header().Get("Access-Control-Allow-Origin") != "*" ||
			w.Body.Len() != len(bundle) {
			t.Errorf("GET %s: %d %v (%d bytes)", tc.query, w.Code, w.Header(), w.Body.Len())
		}
	}
	r := httptest.NewRequest("GET", BundlePath, nil)
	r.Header.Set("If-None-Match", `"`+Version+`"`)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNotModified {
		t.Errorf("revalidation with the current ETag: %d, want 304", w.Code)
	}
}

// brands is a Brands with one brand for every tenant.
type brands htmlpage.Brand

func (b brands) Brand(context.Context, string) htmlpage.Brand { return htmlpage.Brand(b) }

func TestHandlePage(t *testing.T) {
	t.Parallel()
	brand := htmlpage.Brand{ProductName: "Acme", AccentColor: "#ffd400", Theme: "dark", SupportURL: "https://acme.example/help"}
	for _, tc := range []struct{ lang, title string }{{"en", "Connections"}, {"de", "Verbindungen"}} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/portal/connections", nil)
		r.Header.Set("Accept-Language", tc.lang)
		HandlePage(Page{Element: "patchbay-connections", Title: "portal.connections"}, brands(brand)).ServeHTTP(w, r)
		body := w.Body.String()
		csp := w.Header().Get("Content-Security-Policy")
		if w.Code != 200 || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") ||
			!strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'none'") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("page: %d CSP %q", w.Code, csp)
		}
		// A SaaS may frame the hosted page.
		if strings.Contains(csp, "frame-ancestors") || w.Header().Get("X-Frame-Options") != "" {
			t.Errorf("the hosted page may not be framed: CSP %q, X-Frame-Options %q", csp, w.Header().Get("X-Frame-Options"))
		}
		// htmlpage's frame: the brand's name, theme, accent and footer.
		for _, want := range []string{"<patchbay-connections></patchbay-connections>", `<script src="` + BundlePath + "?v=" + Version + `" defer></script>`,
			"data-patchbay-portal", "<title>" + tc.title + " · Acme</title>", `class="theme-dark portal"`, "--accent:#ffd400",
			`<span class="product">Acme</span>`, `<a href="https://acme.example/help" rel="noopener noreferrer">`, `lang="` + tc.lang + `"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("page has an inline script, which its CSP would block:\n%s", body)
		}
		if got := w.Header().Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("Referrer-Policy = %q", got)
		}
	}
}
