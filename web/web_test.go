package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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

func TestHandlePage(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	HandlePage(Page{Element: "patchbay-webhooks", Title: "Webhooks"}).ServeHTTP(w, httptest.NewRequest("GET", "/portal/webhooks", nil))
	body := w.Body.String()
	csp := w.Header().Get("Content-Security-Policy")
	if w.Code != 200 || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("page: %d CSP %q", w.Code, csp)
	}
	for _, want := range []string{"<patchbay-webhooks></patchbay-webhooks>", `<script src="` + BundlePath + "?v=" + Version + `"></script>`, "data-patchbay-portal", "<title>Webhooks</title>"} {
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
