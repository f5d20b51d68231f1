package oauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestMatchRedirectURI(t *testing.T) {
	registered := []string{"https://app.example/cb", "http://127.0.0.1/callback", "http://[::1]:8000/cb?x=1"}
	for uri, want := range map[string]bool{
		"https://app.example/cb":             true,
		"https://app.example/cb/":            false,
		"https://app.example/cb?x=1":         false,
		"https://APP.example/cb":             false,
		"http://app.example/cb":              false,
		"https://app.example:443/cb":         false,
		"http://127.0.0.1/callback":          true,
		"http://127.0.0.1:5555/callback":     true, // RFC 8252 §7.3: any port
		"http://127.0.0.1:5555/callback/x":   false,
		"http://127.0.0.1:5555/callback?a=b": false,
		"http://127.0.0.1:5555/callback#f":   false,
		"http://localhost:5555/callback":     false,
		"http://u@127.0.0.1:5555/callback":   false,
		"http://[::1]:9/cb?x=1":              true,
		"http://[::1]:9/cb":                  false,
	} {
		if _, got := matchRedirectURI(registered, uri); got != want {
			t.Errorf("matchRedirectURI(%q) = %v, want %v", uri, got, want)
		}
	}
}

func TestVerifyPKCE(t *testing.T) {
	// The client library computes the challenge, as apps will.
	verifier := oauth2.GenerateVerifier()
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	if err := verifyPKCE(challenge, verifier); err != nil {
		t.Errorf("golang.org/x/oauth2's S256 challenge: %v", err)
	}
	for _, c := range [][2]string{{challenge, ""}, {challenge, verifier[:42]}, {challenge, oauth2.GenerateVerifier()}, {"", verifier}} {
		if verifyPKCE(c[0], c[1]) == nil {
			t.Errorf("verifyPKCE(%q, %q) accepted", c[0], c[1])
		}
	}
}

// FuzzAuthorizeRequest: whatever the query, parsing never panics, and any
// error it lets go back to the app carries the redirect URI the app
// registered, never one taken unchecked from the request.
func FuzzAuthorizeRequest(f *testing.F) {
	f.Add("response_type=code&client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&scope=read&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256")
	f.Add("client_id=c&client_id=d")
	f.Add("client_id=c&redirect_uri=x&scope=%20%20a%20a&code_challenge_method=plain")
	f.Add("%zz=1&;=")
	f.Add("response_type=code&client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&scope=read&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&resource=https%3A%2F%2Fapi.example&resource=https%3A%2F%2Fmcp.example%2Fmcp")
	f.Add("response_type=code&client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&scope=read&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&resource=api.example%23x")
	app := App{ClientType: Public, Scopes: []string{"read", "write"}, RedirectURIs: []string{"http://127.0.0.1/cb"}}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, ferr := parseAuthorize(q)
		if ferr != nil {
			if ferr.RedirectURI != "" {
				t.Fatalf("parseAuthorize would redirect before the client is checked: %+v", ferr)
			}
			return
		}
		if _, ok := matchRedirectURI(app.RedirectURIs, req.RedirectURI); !ok {
			return
		}
		req, ferr = parseAuthorizeRest(q, req, app)
		if ferr != nil {
			if _, ok := matchRedirectURI(app.RedirectURIs, ferr.RedirectURI); !ok {
				t.Fatalf("error redirect to unregistered %q", ferr.RedirectURI)
			}
			return
		}
		if len(req.Scopes) == 0 || req.CodeChallenge == "" {
			t.Fatalf("accepted a public client's request without scope or PKCE: %+v", req)
		}
		for _, r := range req.Resources {
			if checkResourceIndicator(r) != "" {
				t.Fatalf("accepted the resource %q", r)
			}
		}
	})
}

func TestCheckResourceIndicator(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://api.example.com":              true,
		"https://api.example.com/":             true,
		"https://mcp.example.com/mcp":          true,
		"https://example.com:8443/a/b":         true,
		"http://127.0.0.1:9000/mcp":            true,
		"http://[::1]/x":                       true,
		"http://api.example.com":               false, // RFC 8707 allows it; tokens for it would cross the network in clear
		"http://localhost:9000":                false,
		"https://api.example.com/#frag":        false, // RFC 8707 §2
		"https://api.example.com/?tenant=":     false,
		"https://u:p@api.example.com":          false,
		"api.example.com":                      false,
		"urn:example:api":                      false,
		"/relative":                            false,
		"":                                     false,
		"https://" + strings.Repeat("a", 2000): false,
	} {
		if got := checkResourceIndicator(raw) == ""; got != ok {
			t.Errorf("checkResourceIndicator(%q) accepts = %v, want %v", raw, got, ok)
		}
	}
	if _, msg := parseResourceParams(make([]string, maxResources+1)); msg == "" {
		t.Error("parseResourceParams accepted more than maxResources")
	}
	if got, msg := parseResourceParams([]string{"https://a.example", "https://a.example", "https://b.example"}); msg != "" || len(got) != 2 {
		t.Errorf("parseResourceParams did not drop the repeat: %q %q", got, msg)
	}
}

// FuzzResourceParams: whatever resource parameters a request carries, the
// accepted ones are valid identifiers, and each one's RFC 9728 document path
// leads back to it, with or without a trailing slash.
func FuzzResourceParams(f *testing.F) {
	f.Add("https://api.example.com", "https://mcp.example.com/mcp/")
	f.Add("http://127.0.0.1:80/x", "https://a%2Fb.example/%2F")
	f.Add("https://x.example/a#", "HTTPS://X.EXAMPLE")
	f.Fuzz(func(t *testing.T, a, b string) {
		got, msg := parseResourceParams([]string{a, b})
		if msg != "" {
			return
		}
		for _, r := range got {
			if checkResourceIndicator(r) != "" || strings.ContainsAny(r, "#?") {
				t.Fatalf("accepted %q", r)
			}
			hostPath := strings.TrimPrefix(ResourceMetadataPath(r), "/.well-known/oauth-protected-resource/")
			if !slices.Contains(metadataCandidates(hostPath), r) || !slices.Contains(metadataCandidates(hostPath+"/"), r) {
				t.Fatalf("the metadata path of %q is %q, which does not lead back to it", r, ResourceMetadataPath(r))
			}
		}
	})
}

// FuzzTokenRequest: any body and Authorization header is either parsed into
// credentials or refused with an RFC 6749 error, never a panic.
func FuzzTokenRequest(f *testing.F) {
	f.Add("grant_type=client_credentials&client_id=a&client_secret=b", "")
	f.Add("grant_type=refresh_token&refresh_token=x", "Basic YTpi")
	f.Add("client_id=a&client_id=b", "Basic !!!")
	f.Add("client_secret=b", "Basic YSUyMDpi")
	f.Add("a=%zz", "Bearer x")
	f.Fuzz(func(t *testing.T, body, authz string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		form, terr := readForm(r)
		if terr != nil {
			if terr.Code == "" || terr.Status < 400 {
				t.Fatalf("malformed error %+v", terr)
			}
			return
		}
		creds, terr := parseClientCredentials(r, form)
		if terr != nil {
			if terr.Code != "invalid_client" && terr.Code != "invalid_request" {
				t.Fatalf("unexpected error %+v", terr)
			}
			return
		}
		if creds.ID == "" {
			t.Fatalf("credentials without a client_id: %+v", creds)
		}
	})
}

// FuzzTokenExchangeRequest: any token exchange body is parsed or refused
// with invalid_request or invalid_target, never a panic, and what is
// accepted has a subject token and only valid targets.
func FuzzTokenExchangeRequest(f *testing.F) {
	f.Add("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=pbat_x&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&resource=https%3A%2F%2Fapi.example&audience=https%3A%2F%2Fapi.example&scope=read")
	f.Add("subject_token=x&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&audience=billing")
	f.Add("subject_token=x&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&actor_token=y")
	f.Add("subject_token=x&subject_token=y&resource=a&resource=b")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		form, terr := readForm(r)
		if terr != nil {
			return
		}
		req, terr := parseExchange(form)
		if terr != nil {
			if terr.Code != "invalid_request" && terr.Code != "invalid_target" || terr.Status != http.StatusBadRequest {
				t.Fatalf("unexpected error %+v", terr)
			}
			return
		}
		if req.subject == "" || len(req.targets) > maxResources {
			t.Fatalf("accepted %+v", req)
		}
		for _, target := range req.targets {
			if checkResourceIndicator(target) != "" {
				t.Fatalf("accepted the target %q", target)
			}
		}
	})
}
