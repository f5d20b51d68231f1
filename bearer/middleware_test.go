package bearer_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/bearer"
)

func TestRequire(t *testing.T) {
	t.Parallel()
	const (
		refreshToken = "pbrt_8sWq1ZbN3xKc5Ve7Tg9Ym2Rd4Hf6Lj0P"
		readOnly     = "pbat_readonly"
	)
	request := func(method, target, body string, header ...string) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		for i := 0; i < len(header); i += 2 {
			r.Header.Add(header[i], header[i+1])
		}
		return r
	}
	get := func(header ...string) *http.Request { return request(http.MethodGet, "/v1/projects", "", header...) }
	type result struct {
		Status          int
		WWWAuthenticate string
		RetryAfter      string
		ContentType     string
		Body            string
		Subject         string // as next saw it; "" when next did not run
	}
	ok := result{Status: http.StatusOK, Body: "ok", Subject: "usr_7"}
	const (
		missing      = `{"error_description":"send an access token as Authorization: Bearer <token>"}` + "\n"
		invalidToken = `{"error":"invalid_token","error_description":"the access token is invalid, expired or revoked"}` + "\n"
	)
	unauthorized := result{
		Status: http.StatusUnauthorized, WWWAuthenticate: `Bearer realm="api.example.com"`,
		ContentType: "application/json", Body: missing,
	}
	invalid := result{
		Status:          http.StatusUnauthorized,
		WWWAuthenticate: `Bearer realm="api.example.com", error="invalid_token", error_description="the access token is invalid, expired or revoked"`,
		ContentType:     "application/json", Body: invalidToken,
	}
	badRequest := func(description string) result {
		return result{
			Status:          http.StatusBadRequest,
			WWWAuthenticate: `Bearer realm="api.example.com", error="invalid_request", error_description="` + description + `"`,
			ContentType:     "application/json",
			Body:            `{"error":"invalid_request","error_description":"` + description + `"}` + "\n",
		}
	}
	const (
		inURL  = "send the access token in the Authorization header, not in the URL"
		inBody = "send the access token in the Authorization header, not in the body"
	)
	form := func(body string, header ...string) *http.Request {
		return request(http.MethodPost, "/v1/projects", body, append(header, "Content-Type", "application/x-www-form-urlencoded")...)
	}

	for name, tc := range map[string]struct {
		req    *http.Request
		scopes []string // required; nil means read:projects
		want   result
	}{
		"valid":                 {req: get("Authorization", "Bearer "+testToken), want: ok},
		"scheme in lower case":  {req: get("Authorization", "bearer "+testToken), want: ok},
		"scheme in upper case":  {req: get("Authorization", "BEARER "+testToken), want: ok},
		"several spaces":        {req: get("Authorization", "Bearer   "+testToken), want: ok},
		"both scopes":           {req: get("Authorization", "Bearer "+testToken), scopes: []string{"read:projects", "write:projects"}, want: ok},
		"no scopes required":    {req: get("Authorization", "Bearer "+testToken), scopes: []string{}, want: ok},
		"form without a token":  {req: form("name=Apollo", "Authorization", "Bearer "+testToken), want: ok},
		"other query":           {req: request(http.MethodGet, "/v1/projects?page=2", "", "Authorization", "Bearer "+testToken), want: ok},
		"no Authorization":      {req: get(), want: unauthorized},
		"other scheme":          {req: get("Authorization", "Basic dXNlcjpwYXNz"), want: unauthorized},
		"scheme without token":  {req: get("Authorization", "Bearer"), want: unauthorized},
		"scheme run into token": {req: get("Authorization", "Bearer"+testToken), want: unauthorized},
		"unknown token":         {req: get("Authorization", "Bearer pbat_unknown"), want: invalid},
		"revoked token":         {req: get("Authorization", "Bearer pbat_revoked"), want: invalid},
		"refresh token":         {req: get("Authorization", "Bearer "+refreshToken), want: invalid},
		"malformed token":       {req: get("Authorization", "Bearer pbat_a,b"), want: invalid},
		"space only":            {req: get("Authorization", "Bearer "), want: invalid},
		"missing scope": {
			req:    get("Authorization", "Bearer "+readOnly),
			scopes: []string{"read:projects", "write:projects"},
			want: result{
				Status:          http.StatusForbidden,
				WWWAuthenticate: `Bearer realm="api.example.com", error="insufficient_scope", error_description="the access token lacks a required scope", scope="read:projects write:projects"`,
				ContentType:     "application/json",
				Body:            `{"error":"insufficient_scope","error_description":"the access token lacks a required scope"}` + "\n",
			},
		},
		"token in the query": {
			req:  request(http.MethodGet, "/v1/projects?access_token="+testToken, ""),
			want: badRequest(inURL),
		},
		"token in the query and the header": {
			req:  request(http.MethodGet, "/v1/projects?access_token="+testToken, "", "Authorization", "Bearer "+testToken),
			want: badRequest(inURL),
		},
		"empty token in the query": {req: request(http.MethodGet, "/v1/projects?access_token", ""), want: badRequest(inURL)},
		"token in a form":          {req: form("access_token=" + testToken), want: badRequest(inBody)},
		"token in a form, and the header": {
			req:  form("name=Apollo&access_token="+testToken, "Authorization", "Bearer "+testToken),
			want: badRequest(inBody),
		},
		"token in a form with a charset": {
			req: request(http.MethodPost, "/v1/projects", "access_token="+testToken,
				"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
			want: badRequest(inBody),
		},
		"token-like field in JSON": { // only forms are read
			req: request(http.MethodPost, "/v1/projects", "access_token="+testToken,
				"Content-Type", "application/json", "Authorization", "Bearer "+testToken),
			want: ok,
		},
		"two Authorization headers": {
			req:  get("Authorization", "Bearer "+testToken, "Authorization", "Bearer "+testToken),
			want: badRequest("send one Authorization header"),
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakePatchbay(t)
			f.issue(testToken, nil)
			f.issue(readOnly, func(a map[string]any) { a["scope"] = "read:projects" })
			f.issue("pbat_revoked", nil)
			f.revoke("pbat_revoked")
			f.issue(refreshToken, func(a map[string]any) { a["token_use"] = "refresh_token" })
			g, _ := newTestGuard(t, f, nil)

			var got result
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tok, ok := bearer.TokenFrom(r.Context())
				if !ok {
					t.Error("next ran without a token in the context")
				}
				got.Subject = tok.Subject
				io.WriteString(w, "ok")
			})
			scopes := tc.scopes
			if scopes == nil {
				scopes = []string{"read:projects"}
			}
			rec := httptest.NewRecorder()
			g.Require(scopes...)(next).ServeHTTP(rec, tc.req)
			got.Status, got.Body = rec.Code, rec.Body.String()
			got.WWWAuthenticate = rec.Header().Get("WWW-Authenticate")
			got.RetryAfter = rec.Header().Get("Retry-After")
			got.ContentType = rec.Header().Get("Content-Type")
			if got.Status == http.StatusOK {
				got.ContentType = "" // next's business
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Require (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRequireUnavailable checks that Patchbay being unreachable is answered
// with 503, not as if the token were bad, and that the reason is logged
// without the token.
func TestRequireUnavailable(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	g, logs := newTestGuard(t, f, func(c *bearer.Config) { c.IntrospectionURL = closedURL(t) })
	r := httptest.NewRequest(http.MethodGet, "/v1/projects", nil)
	r.Header.Set("Authorization", "Bearer "+testToken)
	rec := httptest.NewRecorder()
	g.Require("read:projects")(http.NotFoundHandler()).ServeHTTP(rec, r)

	want := map[string]string{
		"Status":           "503",
		"Retry-After":      "5",
		"WWW-Authenticate": "",
		"Content-Type":     "application/json",
		"Body":             `{"error":"temporarily_unavailable","error_description":"cannot check the access token now; try again later"}` + "\n",
	}
	got := map[string]string{
		"Status":           rec.Result().Status[:3],
		"Retry-After":      rec.Header().Get("Retry-After"),
		"WWW-Authenticate": rec.Header().Get("WWW-Authenticate"),
		"Content-Type":     rec.Header().Get("Content-Type"),
		"Body":             rec.Body.String(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Require (-want +got):\n%s", diff)
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("log %q does not give the reason", logs)
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("log %q contains the token", logs)
	}
}

// TestRequireBody checks that a form body Require looked into reaches the
// handler whole, however long.
func TestRequireBody(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	f.issue(testToken, nil)
	g, _ := newTestGuard(t, f, nil)
	for _, body := range []string{"", "a=1", "a=" + strings.Repeat("x", 100<<10)} {
		r := httptest.NewRequest(http.MethodPost, "/v1/projects", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Authorization", "Bearer "+testToken)
		var got string
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				t.Error(err)
			}
			got = string(b)
		})
		rec := httptest.NewRecorder()
		g.Require()(next).ServeHTTP(rec, r)
		if rec.Code != http.StatusOK || got != body {
			t.Errorf("status %d, next read %d of the %d bytes", rec.Code, len(got), len(body))
		}
	}
}

// TestRequireOverHTTP runs the protected API on a real server, where net/http
// rather than a recorder parses and writes the headers.
func TestRequireOverHTTP(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	f.issue(testToken, nil)
	g, _ := newTestGuard(t, f, func(c *bearer.Config) { c.Realm = `Acme "API" \ v2` })
	api := httptest.NewServer(g.Require("write:projects")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.TokenFrom(r.Context())
		io.WriteString(w, tok.TeamID)
	})))
	t.Cleanup(api.Close)

	for _, tc := range []struct {
		authorization string
		wantStatus    int
		wantChallenge string
		wantBody      string
	}{
		{"Bearer " + testToken + "  ", http.StatusOK, "", "team_3"}, // net/http trims the spaces
		{"", http.StatusUnauthorized, `Bearer realm="Acme \"API\" \\ v2"`, ""},
		{"Bearer pbat_nope", http.StatusUnauthorized, `Bearer realm="Acme \"API\" \\ v2", error="invalid_token", error_description="the access token is invalid, expired or revoked"`, ""},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, api.URL+"/v1/projects", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.authorization != "" {
			req.Header.Set("Authorization", tc.authorization)
		}
		resp, err := api.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.wantStatus || resp.Header.Get("WWW-Authenticate") != tc.wantChallenge {
			t.Errorf("Authorization %q: %d %q, want %d %q", tc.authorization, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tc.wantStatus, tc.wantChallenge)
		}
		if tc.wantBody != "" && string(body) != tc.wantBody {
			t.Errorf("Authorization %q: body %q, want %q", tc.authorization, body, tc.wantBody)
		}
	}
}

func TestRequireNoRealm(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	g, _ := newTestGuard(t, f, func(c *bearer.Config) { c.Realm = "" })
	for header, want := range map[string]string{
		"":                 `Bearer`,
		"Bearer pbat_nope": `Bearer error="invalid_token", error_description="the access token is invalid, expired or revoked"`,
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		rec := httptest.NewRecorder()
		g.Require()(http.NotFoundHandler()).ServeHTTP(rec, r)
		if got := rec.Header().Get("WWW-Authenticate"); got != want {
			t.Errorf("Authorization %q: challenge %q, want %q", header, got, want)
		}
	}
}

func TestRequireInvalidScope(t *testing.T) {
	t.Parallel()
	g, _ := newTestGuard(t, newFakePatchbay(t), nil)
	for _, scope := range []string{"", "read:projects write:projects", `say"hi"`, `back\slash`, "tab\t", "é"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Require(%q) did not panic", scope)
				}
			}()
			g.Require("read:projects", scope)
		}()
	}
}

// FuzzRequire sends arbitrary Authorization headers through Require. Only the
// exact "Bearer <token>" form (any case, one or more spaces) may get in, and
// Patchbay must never be asked about anything but a well-formed token.
func FuzzRequire(f *testing.F) {
	for _, h := range []string{
		"Bearer " + testToken,
		"bearer " + testToken,
		"Bearer  " + testToken,
		"Bearer\t" + testToken,
		"Bearer " + testToken + " ",
		"Bearer " + testToken + "=",
		"Bearer " + testToken + ",x",
		"Bearer pbat_other",
		"Bearer ",
		"Bearer",
		"Basic " + testToken,
		"Bearer " + strings.Repeat("a", 4097),
		"Bearer a=b",
		"Bearer \"" + testToken + "\"",
		"Bearer " + testToken + "\r\nX: y",
		"",
	} {
		f.Add(h)
	}
	fake := newFakePatchbay(f)
	fake.issue(testToken, nil)
	g, _ := newTestGuard(f, fake, nil)
	protected := g.Require("read:projects")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	accepted := regexp.MustCompile(`^(?i:bearer) +` + regexp.QuoteMeta(testToken) + `$`)
	token68 := regexp.MustCompile(`^[A-Za-z0-9._~+/-]+=*$`)

	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{header} // unvalidated, as a hostile proxy might pass it
		before := len(fake.asked())
		rec := httptest.NewRecorder()
		protected.ServeHTTP(rec, r)

		if want := accepted.MatchString(header); (rec.Code == http.StatusOK) != want {
			t.Fatalf("Authorization %q: status %d, want accepted=%t", header, rec.Code, want)
		}
		switch rec.Code {
		case http.StatusOK, http.StatusUnauthorized:
		default:
			t.Fatalf("Authorization %q: status %d", header, rec.Code)
		}
		if c := rec.Header().Get("WWW-Authenticate"); strings.ContainsAny(c, "\r\n") || strings.Contains(c, testToken) {
			t.Fatalf("Authorization %q: challenge %q", header, c)
		}
		for _, tok := range fake.asked()[before:] {
			if len(tok) > 4096 || !token68.MatchString(tok) {
				t.Fatalf("Authorization %q: Patchbay asked about %q", header, tok)
			}
		}
	})
}
