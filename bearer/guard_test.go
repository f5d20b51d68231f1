package bearer_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/bearer"
)

const testToken = "pbat_0GQkVxw2YtN5c8s3Jm1pLr7uHd4Ae9Bf_-Zq6Wk"

func TestNew(t *testing.T) {
	t.Parallel()
	const u = "https://patchbay.example/oauth/introspect"
	for name, tc := range map[string]struct {
		cfg     bearer.Config
		wantErr string // substring; "" means New succeeds
	}{
		"API key":              {cfg: bearer.Config{IntrospectionURL: u, APIKey: testAPIKey}},
		"client credentials":   {cfg: bearer.Config{IntrospectionURL: u, ClientID: "a", ClientSecret: "b"}},
		"http on loopback":     {cfg: bearer.Config{IntrospectionURL: "http://127.0.0.1:8080/oauth/introspect", APIKey: testAPIKey}},
		"no caching":           {cfg: bearer.Config{IntrospectionURL: u, APIKey: testAPIKey, CacheTTL: -1}},
		"realm with quotes":    {cfg: bearer.Config{IntrospectionURL: u, APIKey: testAPIKey, Realm: `say "hi" \o/`}},
		"no URL":               {cfg: bearer.Config{APIKey: testAPIKey}, wantErr: "IntrospectionURL is required"},
		"relative URL":         {cfg: bearer.Config{IntrospectionURL: "/oauth/introspect", APIKey: testAPIKey}, wantErr: "not an absolute http or https URL"},
		"other scheme":         {cfg: bearer.Config{IntrospectionURL: "ftp://patchbay.example/x", APIKey: testAPIKey}, wantErr: "not an absolute http or https URL"},
		"unparsable URL":       {cfg: bearer.Config{IntrospectionURL: "https://patchbay.example/%zz", APIKey: testAPIKey}, wantErr: "invalid URL escape"},
		"credentials in URL":   {cfg: bearer.Config{IntrospectionURL: "https://a:b@patchbay.example/x", APIKey: testAPIKey}, wantErr: "must not contain credentials"},
		"no credentials":       {cfg: bearer.Config{IntrospectionURL: u}, wantErr: "no credentials"},
		"both credentials":     {cfg: bearer.Config{IntrospectionURL: u, APIKey: testAPIKey, ClientID: "a", ClientSecret: "b"}, wantErr: "not both"},
		"client ID only":       {cfg: bearer.Config{IntrospectionURL: u, ClientID: "a"}, wantErr: "must both be set"},
		"client secret only":   {cfg: bearer.Config{IntrospectionURL: u, ClientSecret: "b"}, wantErr: "must both be set"},
		"negative cache size":  {cfg: bearer.Config{IntrospectionURL: u, APIKey: testAPIKey, MaxCacheEntries: -1}, wantErr: "negative"},
		"newline in the realm": {cfg: bearer.Config{IntrospectionURL: u, APIKey: testAPIKey, Realm: "a\r\nSet-Cookie: x=y"}, wantErr: "byte 0x0d"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := bearer.New(tc.cfg)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.wantErr == "" && err != nil || !strings.Contains(got, tc.wantErr) {
				t.Errorf("New error %q, want one containing %q", got, tc.wantErr)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		answer    func(map[string]any) // edits activeAnswer; nil with unknown
		unknown   bool                 // the token was never issued
		token     string               // "" means testToken
		want      bearer.Token
		wantErr   error
		wantCalls int64
	}{
		"active":   {want: wantToken, wantCalls: 1},
		"unknown":  {unknown: true, wantErr: bearer.ErrInvalidToken, wantCalls: 1},
		"padded":   {token: "pbat_abc==", want: wantToken, wantCalls: 1},
		"at 4 KiB": {token: strings.Repeat("a", 4096), want: wantToken, wantCalls: 1},
		"app's token": {answer: func(a map[string]any) { a["sub"] = testClientID; delete(a, "team_id") }, wantCalls: 1, want: func() bearer.Token {
			tok := wantToken
			tok.Subject, tok.TeamID = testClientID, ""
			return tok
		}()},
		"no scope": {answer: func(a map[string]any) { delete(a, "scope") }, want: func() bearer.Token { tok := wantToken; tok.Scopes = []string{}; return tok }(), wantCalls: 1},
		"no times": {answer: func(a map[string]any) { delete(a, "exp"); delete(a, "iat") }, want: func() bearer.Token {
			tok := wantToken
			tok.ExpiresAt, tok.IssuedAt = time.Time{}, time.Time{}
			return tok
		}(), wantCalls: 1},
		"refresh token": {answer: func(a map[string]any) { a["token_use"] = "refresh_token" }, wantErr: bearer.ErrInvalidToken, wantCalls: 1},
		"no token use":  {answer: func(a map[string]any) { delete(a, "token_use") }, wantErr: bearer.ErrInvalidToken, wantCalls: 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakePatchbay(t)
			token := tc.token
			if token == "" {
				token = testToken
			}
			if !tc.unknown {
				f.issue(token, tc.answer)
			}
			g, _ := newTestGuard(t, f, nil)
			got, err := g.Check(t.Context(), token)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Check error %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Check token (-want +got):\n%s", diff)
			}
			if n := f.calls.Load(); n != tc.wantCalls {
				t.Errorf("%d introspection requests, want %d", n, tc.wantCalls)
			}
		})
	}
}

// TestCheckMalformed checks that tokens no server could have issued are
// refused without asking Patchbay.
func TestCheckMalformed(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	g, _ := newTestGuard(t, f, nil)
	for _, token := range []string{
		"",
		strings.Repeat("a", 4097),
		"pbat_a b",
		"pbat_a=b",
		"==",
		"pbat_a,b",
		`pbat_"a"`,
		"pbat_é",
		"pbat_a\n",
	} {
		_, err := g.Check(t.Context(), token)
		if !errors.Is(err, bearer.ErrInvalidToken) {
			t.Errorf("Check(%.20q) error %v, want %v", token, err, bearer.ErrInvalidToken)
		}
		if token != "" && strings.Contains(err.Error(), token) {
			t.Errorf("Check error %q contains the token", err)
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("%d introspection requests, want 0", n)
	}
}

// TestCheckCredentials checks what the Guard sends to Patchbay with each kind
// of credentials.
func TestCheckCredentials(t *testing.T) {
	t.Parallel()
	form := map[string][]string{"token_type_hint": {"access_token"}}
	const formType = "application/x-www-form-urlencoded"
	for name, tc := range map[string]struct {
		edit func(*bearer.Config)
		want introspectRequest
	}{
		"API key": {
			edit: func(c *bearer.Config) { c.ClientID, c.ClientSecret, c.APIKey = "", "", testAPIKey },
			want: introspectRequest{Authorization: "Bearer " + testAPIKey, ContentType: formType, Form: form},
		},
		"client credentials": {
			// cl_acme%3Aprod:s3cr%2Bt%2Fwith+space%26%3D%25, form-encoded and then Basic-encoded.
			want: introspectRequest{
				Authorization: "Basic Y2xfYWNtZSUzQXByb2Q6czNjciUyQnQlMkZ3aXRoK3NwYWNlJTI2JTNEJTI1",
				ClientID:      testClientID, ClientSecret: testClientSecret, ContentType: formType, Form: form,
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakePatchbay(t)
			f.issue(testToken, nil)
			g, _ := newTestGuard(t, f, tc.edit)
			if _, err := g.Check(t.Context(), testToken); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]introspectRequest{tc.want}, f.received()); diff != "" {
				t.Errorf("introspection requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckUnavailable covers every way of not getting an answer, none of which
// may look like an invalid token, nor be cached.
func TestCheckUnavailable(t *testing.T) {
	t.Parallel()
	answer := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	for name, tc := range map[string]struct {
		handler http.HandlerFunc // nil: as Patchbay would answer
		edit    func(*bearer.Config)
		wantMsg string // in the error
	}{
		"500":                {handler: answer(http.StatusInternalServerError, `{"error":"server_error"}`), wantMsg: "answered 500 Internal Server Error"},
		"503":                {handler: answer(http.StatusServiceUnavailable, ""), wantMsg: "answered 503"},
		"404":                {handler: answer(http.StatusNotFound, "not found"), wantMsg: "answered 404"},
		"429":                {handler: answer(http.StatusTooManyRequests, ""), wantMsg: "answered 429"},
		"not JSON":           {handler: answer(http.StatusOK, "<html>hello</html>"), wantMsg: "not the expected JSON"},
		"no active member":   {handler: answer(http.StatusOK, `{"token_type":"Bearer","token_use":"access_token"}`), wantMsg: `no "active" member`},
		"active is a string": {handler: answer(http.StatusOK, `{"active":"true"}`), wantMsg: "not the expected JSON"},
		"exp is a string":    {handler: answer(http.StatusOK, `{"active":true,"token_type":"Bearer","token_use":"access_token","exp":"soon"}`), wantMsg: "not the expected JSON"},
		"too long":           {handler: answer(http.StatusOK, `{"active":false,"x":"`+strings.Repeat("x", 64<<10)+`"}`), wantMsg: "exceeds 65536 bytes"},
		"redirect": {handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		}, wantMsg: "set IntrospectionURL to the final URL"},
		"wrong client secret":  {edit: func(c *bearer.Config) { c.ClientSecret = "wrong" }, wantMsg: `refused the guard's credentials (401 "invalid_client")`},
		"wrong API key":        {edit: func(c *bearer.Config) { c.ClientID, c.ClientSecret, c.APIKey = "", "", "pbk_wrong" }, wantMsg: "refused the guard's credentials"},
		"nothing listening":    {edit: func(c *bearer.Config) { c.IntrospectionURL = closedURL(t) }, wantMsg: "connection refused"},
		"connection cut short": {handler: func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }, wantMsg: "EOF"},
		"timeout": {
			handler: hang,
			edit:    func(c *bearer.Config) { c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} },
			wantMsg: "Client.Timeout exceeded",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakePatchbay(t)
			f.issue(testToken, nil)
			if tc.handler != nil {
				f.answerWith(tc.handler)
			}
			g, _ := newTestGuard(t, f, tc.edit)
			for range 2 { // the second check asks again: failures are not cached
				_, err := g.Check(t.Context(), testToken)
				if !errors.Is(err, bearer.ErrUnavailable) || errors.Is(err, bearer.ErrInvalidToken) {
					t.Fatalf("Check error %v, want only %v", err, bearer.ErrUnavailable)
				}
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Errorf("Check error %q, want it to contain %q", err, tc.wantMsg)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Errorf("Check error %q contains the token", err)
				}
			}
			if tc.handler != nil {
				if n := f.calls.Load(); n != 2 {
					t.Errorf("%d introspection requests, want 2", n)
				}
			}
		})
	}
}

// hang answers nothing until the client goes away. It reads the body first,
// since only then does net/http watch the connection and cancel the request
// context when it closes.
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// closedURL returns the URL of a loopback port where nothing listens any more.
func closedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL + "/oauth/introspect"
}

func TestCheckCache(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	f.issue(testToken, nil)
	g, _ := newTestGuard(t, f, nil)

	for range 3 {
		tok, err := g.Check(t.Context(), testToken)
		if err != nil {
			t.Fatal(err)
		}
		tok.Scopes[0] = "admin" // must not reach the cached answer
	}
	for range 3 {
		if _, err := g.Check(t.Context(), "pbat_unknown"); !errors.Is(err, bearer.ErrInvalidToken) {
			t.Fatalf("Check of an unknown token: %v", err)
		}
	}
	tok, err := g.Check(t.Context(), testToken)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantToken, tok); diff != "" {
		t.Errorf("cached token (-want +got):\n%s", diff)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d introspection requests, want 2 (one per token)", n)
	}
}

func TestCheckNoCache(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	f.issue(testToken, nil)
	g, _ := newTestGuard(t, f, func(c *bearer.Config) { c.CacheTTL = -1 })
	for range 3 {
		if _, err := g.Check(t.Context(), testToken); err != nil {
			t.Fatal(err)
		}
		if _, err := g.Check(t.Context(), "pbat_unknown"); !errors.Is(err, bearer.ErrInvalidToken) {
			t.Fatalf("Check of an unknown token: %v", err)
		}
	}
	if n := f.calls.Load(); n != 6 {
		t.Errorf("%d introspection requests, want 6", n)
	}
}

// TestCheckRevoked checks the promise of CacheTTL: once it has passed after a
// revocation, the token is refused.
func TestCheckRevoked(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	f.issue(testToken, nil)
	g, _ := newTestGuard(t, f, func(c *bearer.Config) { c.CacheTTL = 50 * time.Millisecond })
	if _, err := g.Check(t.Context(), testToken); err != nil {
		t.Fatal(err)
	}
	f.revoke(testToken)
	waitRefused(t, g, testToken)
}

// TestCheckExpired checks that an answer is not used past the token's expiry,
// even when CacheTTL is longer.
func TestCheckExpired(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	exp := time.Now().Add(time.Second).Unix()
	f.issue(testToken, func(a map[string]any) { a["exp"] = exp })
	g, _ := newTestGuard(t, f, nil) // CacheTTL is an hour
	if _, err := g.Check(t.Context(), testToken); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, g, testToken)
	if now := time.Now().Unix(); now < exp {
		t.Errorf("refused at %d, before the expiry %d", now, exp)
	}
}

// waitRefused checks token until it is refused, failing after 5 seconds.
func waitRefused(t *testing.T, g *bearer.Guard, token string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := g.Check(t.Context(), token)
		if errors.Is(err, bearer.ErrInvalidToken) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("token still accepted after 5 seconds")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCheckDedup sends many concurrent checks of one token while Patchbay is
// slow to answer; they must share one request. Caching is off so that only
// the sharing can keep the count at one.
func TestCheckDedup(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	f.issue(testToken, nil)
	release := make(chan struct{})
	f.answerWith(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"active":true,"token_type":"Bearer","token_use":"access_token","sub":"usr_7"}`))
	})
	g, _ := newTestGuard(t, f, func(c *bearer.Config) { c.CacheTTL = -1 })

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			tok, err := g.Check(t.Context(), testToken)
			if err == nil && tok.Subject != "usr_7" {
				err = errors.New("wrong subject " + tok.Subject)
			}
			errs <- err
		})
	}
	waitFor(t, func() bool { return g.Waiters(testToken) == n })
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("%d introspection requests for %d concurrent checks, want 1", got, n)
	}
}

// TestCheckCancel checks that a caller can stop waiting, and that the request
// to Patchbay is cancelled once no caller waits for it.
func TestCheckCancel(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	cancelled := make(chan struct{})
	f.answerWith(func(w http.ResponseWriter, r *http.Request) {
		hang(w, r)
		close(cancelled)
	})
	g, _ := newTestGuard(t, f, nil)

	ctx1, cancel1 := context.WithCancel(t.Context())
	ctx2, cancel2 := context.WithCancel(t.Context())
	errs := make(chan error, 2)
	go func() { _, err := g.Check(ctx1, testToken); errs <- err }()
	go func() { _, err := g.Check(ctx2, testToken); errs <- err }()
	waitFor(t, func() bool { return g.Waiters(testToken) == 2 && f.calls.Load() == 1 })

	cancel1()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("Check with a cancelled context: %v, want %v", err, context.Canceled)
	}
	select {
	case <-cancelled:
		t.Fatal("introspection cancelled while a check still waited for it")
	case <-time.After(20 * time.Millisecond):
	}
	cancel2()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("Check with a cancelled context: %v, want %v", err, context.Canceled)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("introspection still running after every check gave up")
	}
}

// TestCheckEviction checks that the cache holds at most MaxCacheEntries
// answers and drops the least recently used.
func TestCheckEviction(t *testing.T) {
	t.Parallel()
	f := newFakePatchbay(t)
	g, _ := newTestGuard(t, f, func(c *bearer.Config) { c.MaxCacheEntries = 2 })
	for _, tc := range []struct {
		token     string
		wantCalls int64
	}{
		{"pbat_a", 1},
		{"pbat_b", 2},
		{"pbat_a", 2}, // cached, and now more recently used than b
		{"pbat_c", 3}, // evicts b
		{"pbat_a", 3},
		{"pbat_c", 3},
		{"pbat_b", 4}, // evicts a
		{"pbat_a", 5},
	} {
		g.Check(t.Context(), tc.token)
		if n := f.calls.Load(); n != tc.wantCalls {
			t.Fatalf("after checking %s: %d introspection requests, want %d", tc.token, n, tc.wantCalls)
		}
	}
}

// waitFor polls cond until it holds, failing after 5 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met after 5 seconds")
		}
		time.Sleep(time.Millisecond)
	}
}
