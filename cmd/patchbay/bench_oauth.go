package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
)

// runBenchOAuth measures a running node's OAuth provider: client_credentials
// grants, refresh_token grants and introspections per second, one after the
// other, each bounded like `patchbay bench`. It registers its own scope and
// app through the admin API, and gets its refresh tokens through the real
// authorization-code flow, accepting each login challenge with the admin
// key as the SaaS would; so the node needs an --oauth-login-url (any URL:
// the benchmark never visits it) or --dev.
func runBenchOAuth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("patchbay bench oauth", flag.ContinueOnError)
	base := fs.String("url", "", "the node's base URL, for example http://127.0.0.1:8080 (required)")
	key := fs.String("key", "", "admin API key (required)")
	lim := loadFlags(fs)
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if *base == "" || *key == "" {
		return usageError{error: errors.New("bench oauth needs --url and --key")}
	}
	if err := lim.validate(); err != nil {
		return err
	}
	*base = strings.TrimSuffix(*base, "/")
	b := &oauthBench{nodeAdmin: nodeAdmin{base: *base, key: *key, http: lim.client()}}
	runHeader(stdout, append([]string{"patchbay", "bench", "oauth"}, args...))
	if err := b.setup(ctx); err != nil {
		return err
	}
	// One refresh token chain per worker: each refresh rotates its token.
	chains := make([]string, *lim.concurrency)
	for i := range chains {
		rt, err := b.authorize(ctx)
		if err != nil {
			return fmt.Errorf("authorization-code flow %d: %w", i, err)
		}
		chains[i] = rt
	}

	var mu sync.Mutex
	var accessTokens []string
	cc := lim.run(ctx, func(ctx context.Context, _ int) (string, error) {
		status, body, err := b.post(ctx, "/oauth/token", url.Values{"grant_type": {"client_credentials"}}, true)
		var t struct {
			AccessToken string `json:"access_token"`
		}
		if err == nil && status == "200 OK" && json.Unmarshal(body, &t) == nil {
			mu.Lock()
			if len(accessTokens) < 1000 { // enough to introspect in turn
				accessTokens = append(accessTokens, t.AccessToken)
			}
			mu.Unlock()
		}
		return status, err
	})
	cc.report(stdout, "POST /oauth/token grant_type=client_credentials")

	refresh := lim.run(ctx, func(ctx context.Context, worker int) (string, error) {
		status, body, err := b.post(ctx, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {chains[worker]}}, true)
		if err == nil && status == "200 OK" {
			var t struct {
				RefreshToken string `json:"refresh_token"`
			}
			if err := json.Unmarshal(body, &t); err != nil {
				return "", err
			}
			chains[worker] = t.RefreshToken
		}
		return status, err
	})
	refresh.report(stdout, "POST /oauth/token grant_type=refresh_token (rotating)")

	if len(accessTokens) == 0 {
		return errors.New("no client_credentials grant succeeded, so there is nothing to introspect")
	}
	var n sync.Mutex
	next := 0
	intro := lim.run(ctx, func(ctx context.Context, _ int) (string, error) {
		n.Lock()
		token := accessTokens[next%len(accessTokens)]
		next++
		n.Unlock()
		status, body, err := b.post(ctx, "/oauth/introspect", url.Values{"token": {token}}, false)
		if err == nil && status == "200 OK" && !bytes.Contains(body, []byte(`"active":true`)) {
			return "200 but inactive", nil
		}
		return status, err
	})
	intro.report(stdout, "POST /oauth/introspect (admin API key)")
	return nil
}

// oauthBench drives a node's OAuth provider as one registered app.
type oauthBench struct {
	nodeAdmin
	clientID, clientSecret string
}

func (b *oauthBench) setup(ctx context.Context) error {
	if status, err := b.admin(ctx, "POST", "/v1/oauth/scopes", `{"name":"bench:read","description":"Benchmark reads"}`, nil); err != nil && status != http.StatusConflict {
		return err
	}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	_, err := b.admin(ctx, "POST", "/v1/oauth/apps",
		`{"team_id":"bench","name":"Benchmark","redirect_uris":["http://127.0.0.1/callback"],"scopes":["bench:read"]}`, &app)
	b.clientID, b.clientSecret = app.ClientID, app.ClientSecret
	return err
}

// post sends a form to a protocol endpoint, authenticated as the app
// (client_secret_basic) or with the admin key.
func (b *oauthBench) post(ctx context.Context, path string, form url.Values, asClient bool) (string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if asClient {
		req.SetBasicAuth(url.QueryEscape(b.clientID), url.QueryEscape(b.clientSecret))
	} else {
		req.Header.Set("Authorization", "Bearer "+b.key)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.Status, body, err
}

// authorize runs one authorization-code flow with PKCE and returns the
// refresh token: the browser's part with a cookie jar, the SaaS's part
// (accepting the login) through the admin API.
func (b *oauthBench) authorize(ctx context.Context) (string, error) {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var raw [32]byte
	rand.Read(raw[:])
	verifier := base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(verifier))
	const redirect = "http://127.0.0.1:1/callback"
	q := url.Values{"response_type": {"code"}, "client_id": {b.clientID}, "redirect_uri": {redirect}, "scope": {"bench:read"},
		"state": {"bench"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	next := b.base + "/oauth/authorize?" + q.Encode()
	for range 6 {
		u, err := url.Parse(next)
		if err != nil {
			return "", err
		}
		if code := u.Query().Get("code"); code != "" && strings.HasPrefix(next, redirect) {
			status, body, err := b.post(ctx, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {redirect}, "code_verifier": {verifier}}, true)
			if err != nil || status != "200 OK" {
				return "", fmt.Errorf("exchange: %s %s %v", status, body, err)
			}
			var t struct {
				RefreshToken string `json:"refresh_token"`
			}
			return t.RefreshToken, json.Unmarshal(body, &t)
		}
		if challenge := u.Query().Get("login_challenge"); challenge != "" {
			var to struct {
				RedirectTo string `json:"redirect_to"`
			}
			if _, err := b.admin(ctx, "POST", "/v1/oauth/login-requests/"+url.PathEscape(challenge)+"/accept", `{"user_id":"bench-user","team_id":"bench"}`, &to); err != nil {
				return "", err
			}
			next = to.RedirectTo
			continue
		}
		req, err := http.NewRequestWithContext(ctx, "GET", next, nil)
		if err != nil {
			return "", err
		}
		resp, err := browser.Do(req)
		if err != nil {
			return "", err
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK { // the consent screen: approve
			form := url.Values{"decision": {"approve"}}
			for _, field := range []string{"consent_challenge", "csrf_token"} {
				_, rest, _ := strings.Cut(string(page), `name="`+field+`" value="`)
				v, _, _ := strings.Cut(rest, `"`)
				form.Set(field, v)
			}
			req, _ = http.NewRequestWithContext(ctx, "POST", b.base+"/oauth/consent", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err = browser.Do(req); err != nil {
				return "", err
			}
			resp.Body.Close()
		}
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			return "", fmt.Errorf("GET %s: %s", req.URL.Path, resp.Status)
		}
		next = resp.Header.Get("Location")
	}
	return "", errors.New("the flow did not reach the callback")
}
