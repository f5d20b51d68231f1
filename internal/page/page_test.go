package page

import (
	"html/template"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRenderFormAction(t *testing.T) {
	t.Parallel()
	tmpl := template.Must(template.New("p").Parse(`<form method="post" action="/x"></form>`))
	for _, tc := range []struct {
		targets []string
		want    string
	}{
		{nil, "form-action 'self'"},
		{[]string{FormTarget("https://app.example:8443/cb?x=1")}, "form-action 'self' https://app.example:8443"},
		{[]string{FormTarget("com.example.app:/cb"), "https:"}, "form-action 'self' com.example.app: https:"},
	} {
		w := httptest.NewRecorder()
		Render(w, 200, tmpl, "p", nil, tc.targets...)
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.HasSuffix(csp, "; "+tc.want) || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("targets %q: CSP %q, want it to end with %q", tc.targets, csp, tc.want)
		}
	}
	for _, bad := range []string{"", "/relative", "https://a.example; script-src *", "%zz"} {
		if got := FormTarget(bad); got != "" {
			t.Errorf("FormTarget(%q) = %q, want none", bad, got)
		}
	}
}
