package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// testPNG is a real PNG of one pixel in c.
func testPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, c)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type brandingBody struct {
	ProductName string `json:"product_name"`
	AccentColor string `json:"accent_color"`
	SupportURL  string `json:"support_url"`
	LogoURL     string `json:"logo_url"`
	Effective   struct {
		ProductName string `json:"product_name"`
		AccentColor string `json:"accent_color"`
		Theme       string `json:"theme"`
		SupportURL  string `json:"support_url"`
		LogoURL     string `json:"logo_url"`
	} `json:"effective"`
}

func decodeBranding(t *testing.T, resp *http.Response, body []byte) brandingBody {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, body)
	}
	var b brandingBody
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func callBranding(t *testing.T, e *env, method, path, body string, headers ...string) brandingBody {
	t.Helper()
	resp, b := e.do(t, method, path, body, headers...)
	return decodeBranding(t, resp, b)
}

func TestBrandingAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d)

		resp, body := e.do(t, "PUT", "/v1/branding", `{"accent_color":"red","theme":"blue","support_url":"http://help.example","privacy_url":"javascript:alert(1)","product_name":"a\u0007b"}`)
		if resp.StatusCode != 400 {
			t.Fatalf("bad branding: %d %s", resp.StatusCode, body)
		}
		fields := map[string]string{}
		for _, fe := range problem(t, resp, body).Errors {
			fields[fe.Field] = fe.Detail
		}
		for _, field := range []string{"accent_color", "theme", "support_url", "privacy_url", "product_name"} {
			if fields[field] == "" {
				t.Errorf("bad branding: no problem named %s in %s", field, body)
			}
		}
		if !strings.Contains(fields["support_url"], "https") {
			t.Errorf("support_url problem %q does not say https", fields["support_url"])
		}

		b := callBranding(t, e, "PUT", "/v1/branding", `{"product_name":"Acme","accent_color":"#1D4ED8","support_url":"https://acme.example/help"}`)
		if b.ProductName != "Acme" || b.AccentColor != "#1d4ed8" || b.SupportURL != "https://acme.example/help" {
			t.Errorf("PUT /v1/branding answered %+v", b)
		}

		// Logos: the bytes decide the type, which must agree with the
		// Content-Type; each is stored once, under the hash of its bytes.
		logo := testPNG(t, color.RGBA{R: 0x1d, G: 0x4e, B: 0xd8, A: 0xff})
		b = callBranding(t, e, "PUT", "/v1/branding/logo", string(logo), "Content-Type", "image/png")
		if !strings.HasPrefix(b.LogoURL, "/assets/") || !strings.HasSuffix(b.LogoURL, ".png") || len(b.LogoURL) != len("/assets/.png")+64 {
			t.Fatalf("logo_url %q: want /assets/{sha256}.png", b.LogoURL)
		}
		resp, err := http.Get(e.node.URL + b.LogoURL) // public, no key
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.ContentLength != int64(len(logo)) {
			t.Errorf("GET logo: %d %v", resp.StatusCode, resp.Header)
		}
		for _, path := range []string{strings.TrimSuffix(b.LogoURL, ".png") + ".svg", "/assets/" + strings.Repeat("0", 64) + ".png", "/assets/nothex.png"} {
			if resp, err := http.Get(e.node.URL + path); err != nil || resp.StatusCode != 404 {
				t.Errorf("GET %s: %v %v, want 404", path, resp.StatusCode, err)
			}
		}

		svgs := map[string]string{
			`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`:                                                                          "script",
			`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`:                                                                                      "onload",
			`<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>`:                                                            "foreignObject",
			`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:alert(1)"><circle r="4"/></a></svg>`: "javascript:",
			`<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/p.png"/></svg>`:                                                      "tracker.example",
			`<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);</style></svg>`:                                               "CSS",
		}
		for svg, why := range svgs {
			resp, body := e.do(t, "PUT", "/v1/branding/logo", svg, "Content-Type", "image/svg+xml")
			if resp.StatusCode != 400 || !strings.Contains(problem(t, resp, body).Detail, why) {
				t.Errorf("SVG %s: %d %s, want 400 saying %q", svg, resp.StatusCode, body, why)
			}
		}
		for _, tc := range []struct{ contentType, body string }{
			{"text/plain", string(logo)},
			{"image/svg+xml", string(logo)},
			{"image/png", `<svg xmlns="http://www.w3.org/2000/svg"/>`},
			{"image/png", "GIF89a not an image we serve"},
		} {
			if resp, body := e.do(t, "PUT", "/v1/branding/logo", tc.body, "Content-Type", tc.contentType); resp.StatusCode != 400 {
				t.Errorf("logo %.20q as %s: %d %s, want 400", tc.body, tc.contentType, resp.StatusCode, body)
			}
		}
		big := append(bytes.Clone(logo), make([]byte, 256<<10)...)
		if resp, body := e.do(t, "PUT", "/v1/branding/logo", string(big), "Content-Type", "image/png"); resp.StatusCode != 413 || !strings.Contains(string(body), "256 KiB") {
			t.Errorf("logo over 256 KiB: %d %s, want 413 naming the limit", resp.StatusCode, body)
		}

		svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="10" height="10" style="stroke:#000"/></svg>`
		resp, body = e.do(t, "PUT", "/v1/branding/logo", svg, "Content-Type", "image/svg+xml")
		svgURL := decodeBranding(t, resp, body).LogoURL
		resp, err = http.Get(e.node.URL + svgURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Type") != "image/svg+xml" ||
			resp.Header.Get("Content-Security-Policy") != "default-src 'none'; style-src 'unsafe-inline'; sandbox" {
			t.Errorf("GET SVG logo: %d %v", resp.StatusCode, resp.Header)
		}

		// A tenant's override: its fields win, the rest fall back.
		if resp, body := e.do(t, "GET", "/v1/tenants/acme/branding", ""); resp.StatusCode != 404 {
			t.Errorf("branding of an unknown tenant: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do(t, "PUT", "/v1/tenants/acme", `{"name":"Acme GmbH"}`); resp.StatusCode != 201 {
			t.Fatalf("create tenant: %d %s", resp.StatusCode, body)
		}
		tb := callBranding(t, e, "PUT", "/v1/tenants/acme/branding", `{"product_name":"Acme Portal","accent_color":"#FFD400"}`)
		if tb.Effective.ProductName != "Acme Portal" || tb.Effective.AccentColor != "#ffd400" || tb.Effective.SupportURL != "https://acme.example/help" ||
			tb.Effective.LogoURL != svgURL || tb.Effective.Theme != "auto" || tb.SupportURL != "" {
			t.Errorf("tenant branding %+v: want its name and colour, the installation's link and logo, the default theme", tb)
		}
		tb = callBranding(t, e, "PUT", "/v1/tenants/acme/branding/logo", string(logo), "Content-Type", "image/png")
		if tb.LogoURL != b.LogoURL {
			t.Errorf("tenant logo %q, want the PNG's %q (the same bytes, the same asset)", tb.LogoURL, b.LogoURL)
		}
		tb = callBranding(t, e, "GET", "/v1/tenants/acme/branding", "")
		if tb.Effective.LogoURL != b.LogoURL || tb.Effective.ProductName != "Acme Portal" {
			t.Errorf("tenant branding after its logo: %+v", tb)
		}
		if resp, body := e.do(t, "DELETE", "/v1/tenants/acme/branding", ""); resp.StatusCode != 204 {
			t.Fatalf("delete tenant branding: %d %s", resp.StatusCode, body)
		}
		tb = callBranding(t, e, "GET", "/v1/tenants/acme/branding", "")
		if tb.Effective.ProductName != "Acme" || tb.Effective.AccentColor != "#1d4ed8" || tb.Effective.LogoURL != svgURL {
			t.Errorf("tenant branding after its override was removed: %+v, want the installation's", tb)
		}

		// Keys need the branding scopes; a tenant's key reaches only its own.
		readOnly := createKey(t, e.opts, "--scope", "branding:read")
		req, _ := http.NewRequestWithContext(t.Context(), "PUT", e.node.URL+"/v1/branding", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+readOnly)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
			t.Errorf("PUT /v1/branding with branding:read: %v %v, want 403", resp.StatusCode, err)
		}
	})
}

// TestBrandedPages: the consent screen, its error page and the connect
// pages show the SaaS's branding, the team's override, the signed-in user's
// names and avatar (copied, not linked), and a monogram for a logo that
// could not be fetched.
func TestBrandedPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		avatar := testPNG(t, color.RGBA{R: 0xaa, A: 0xff})
		images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/ada.png" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "image/png")
			w.Write(avatar)
		}))
		t.Cleanup(images.Close)
		o := setupOAuth(t, d, "--dev") // --dev: the asset fetcher may reach loopback over http
		o.accept = `,"user_name":"Ada Lovelace","team_name":"Analytical Engines","avatar_url":"` + images.URL + `/ada.png"`
		for _, req := range []struct{ method, path, body string }{
			{"PUT", "/v1/branding", `{"product_name":"Acme","support_url":"https://acme.example/help","terms_url":"https://acme.example/terms"}`},
			{"PUT", "/v1/tenants/team_1", `{}`},
			{"PUT", "/v1/tenants/team_1/branding", `{"accent_color":"#ffd400","theme":"dark"}`},
			{"POST", "/v1/oauth/scopes", `{"name":"delete:projects","description":"Delete your projects","access_level":"admin"}`},
			{"PATCH", "/v1/oauth/scopes/write:projects", `{"description":"Change your projects","access_level":"write"}`},
		} {
			if resp, body := o.do(t, req.method, req.path, req.body); resp.StatusCode >= 300 {
				t.Fatalf("%s %s: %d %s", req.method, req.path, resp.StatusCode, body)
			}
		}
		app := o.createApp(t, `{"team_id":"devteam","name":"Timely","redirect_uris":["`+registeredCallback+`"],
			"scopes":["read:projects","write:projects","delete:projects"],"logo_url":"`+strings.Replace(images.URL, "http:", "https:", 1)+`/gone.png","homepage_url":"https://timely.example/about",
			"developer_name":"Timely Labs","policy_url":"https://timely.example/privacy","terms_url":"https://timely.example/terms"}`)
		conf := o.config(app, "read:projects", "write:projects", "delete:projects")
		b := newBrowser(t)
		s := b.visit(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if s.Status != 200 {
			t.Fatalf("consent screen: %d\n%s", s.Status, s.Page)
		}
		for _, want := range []string{
			`<title>Allow Timely? · Acme</title>`, `class="theme-dark"`, `--accent:#ffd400;--on-accent:#111111`,
			`<span class="logo monogram" role="img" aria-label="Acme">A</span>`,   // no logo uploaded: the product's initial
			`<span class="logo monogram" role="img" aria-label="Timely">T</span>`, // its logo_url failed: a monogram, no broken image
			`<p class="muted developer">by Timely Labs</p>`,
			`<a href="https://timely.example/privacy" rel="noopener noreferrer">Privacy policy</a>`,
			`<a href="https://timely.example/terms" rel="noopener noreferrer">Terms of service</a>`,
			`alt="Ada Lovelace"`, "<strong>Ada Lovelace</strong>", "in Analytical Engines", "Not you? Switch account",
			"<h3 class=\"muted\">Read</h3>", "<h3 class=\"muted\">Change</h3>", "<h3 class=\"muted\">Administer</h3>", "Delete your projects",
			"you will be sent to 127.0.0.1:45678", `>Website: timely.example</a>`, "under authorized apps",
			`<a href="https://acme.example/terms" rel="noopener noreferrer">Terms</a>`,
		} {
			if !strings.Contains(s.Page, want) {
				t.Errorf("consent screen lacks %q:\n%s", want, s.Page)
			}
		}
		if strings.Contains(s.Page, images.URL) || strings.Contains(s.Page, "https://127.0.0.1") {
			t.Errorf("consent screen links an image on another host:\n%s", s.Page)
		}
		avatarSrc := regexpFind(t, `<img class="logo" src="(/assets/[0-9a-f]{64}\.png)" alt="Ada Lovelace"`, s.Page)
		resp, err := http.Get(o.node.URL + avatarSrc)
		if err != nil {
			t.Fatal(err)
		}
		got := new(bytes.Buffer)
		got.ReadFrom(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(got.Bytes(), avatar) {
			t.Errorf("the avatar Patchbay serves is not the one it fetched")
		}

		// Switch account: back to the login page with a new challenge, then
		// the consent screen again.
		before := len(o.challenges)
		f := consentForm(t, s.Page)
		f.Set("decision", "switch")
		o.accept = `,"user_name":"Charles Babbage"`
		s = b.post(o.node.URL+"/oauth/consent", f)
		if s.Status != 200 || !strings.Contains(s.Page, "<strong>Charles Babbage</strong>") || len(o.challenges) != before+1 {
			t.Fatalf("after switching account: %d, %d login challenges (want %d)\n%s", s.Status, len(o.challenges), before+1, s.Page)
		}

		// The developer's name is the SaaS's to change, and is checked.
		for field, bad := range map[string]string{"developer_name": `" padded "`, "policy_url": `"javascript:alert(1)"`, "terms_url": `"http://timely.example/terms"`} {
			if resp, body := o.do(t, "PATCH", "/v1/oauth/apps/"+app.ID, `{"`+field+`":`+bad+`}`); resp.StatusCode != 400 || !strings.Contains(string(body), field) {
				t.Errorf("%s %s: %d %s", field, bad, resp.StatusCode, body)
			}
		}
		if resp, body := o.do(t, "PATCH", "/v1/oauth/apps/"+app.ID, `{"developer_name":"Timely GmbH"}`); resp.StatusCode != 200 || !strings.Contains(string(body), `"developer_name":"Timely GmbH"`) {
			t.Fatalf("change developer_name: %d %s", resp.StatusCode, body)
		}

		// An uploaded logo replaces the monogram.
		logo := testPNG(t, color.RGBA{G: 0x80, A: 0xff})
		resp, body := o.do(t, "PUT", "/v1/oauth/apps/"+app.ID+"/logo", string(logo), "Content-Type", "image/png")
		var uploaded struct {
			LogoUploadURL string `json:"logo_upload_url"`
		}
		if err := json.Unmarshal(body, &uploaded); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(uploaded.LogoUploadURL, "/assets/") {
			t.Fatalf("upload app logo: %d %s", resp.StatusCode, body)
		}
		if resp, body := o.do(t, "PUT", "/v1/oauth/apps/app_nope/logo", string(logo), "Content-Type", "image/png"); resp.StatusCode != 400 && resp.StatusCode != 404 {
			t.Errorf("logo of an unknown app: %d %s", resp.StatusCode, body)
		}
		s = newBrowser(t).visit(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if want := `<img class="logo" src="` + uploaded.LogoUploadURL + `" alt="Timely"`; !strings.Contains(s.Page, want) {
			t.Errorf("consent screen lacks the uploaded logo %q:\n%s", want, s.Page)
		}
		if !strings.Contains(s.Page, "by Timely GmbH") || !strings.Contains(s.Page, `href="https://timely.example/privacy"`) {
			t.Errorf("consent screen lacks the changed developer name or the privacy policy it kept:\n%s", s.Page)
		}

		// Errors are explained with the support link, in the installation's
		// branding.
		s = b.visit(o.node.URL + "/oauth/consent?consent_challenge=pbch_nope")
		for _, want := range []string{"<title>Cannot continue · Acme</title>", "start again from the app", "Error code: invalid_request",
			`<a href="https://acme.example/help" rel="noopener noreferrer">Contact support</a>`} {
			if s.Status != 400 || !strings.Contains(s.Page, want) {
				t.Errorf("error page: %d, lacks %q:\n%s", s.Status, want, s.Page)
			}
		}
		s = b.visit(o.node.URL + "/connect/pbcs_nope")
		if s.Status != 400 || !strings.Contains(s.Page, "<title>Cannot connect · Acme</title>") || !strings.Contains(s.Page, "Contact support") {
			t.Errorf("connect error page: %d\n%s", s.Status, s.Page)
		}
	})
}

// regexpFind returns the first submatch of expr in s, failing the test when
// there is none.
func regexpFind(t *testing.T, expr, s string) string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s in:\n%s", expr, s)
	}
	return m[1]
}
