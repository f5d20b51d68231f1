package bearer_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/bearer"
)

// Credentials the fake Patchbay accepts. The client ID and secret hold
// characters that RFC 6749 §2.3.1 form-encodes before Basic encoding.
const (
	testAPIKey       = "pbk_3YkXk0tQv1cT5m9nQe2Zs8rBwLd7Hj4A"
	testClientID     = "cl_acme:prod"
	testClientSecret = "s3cr+t/with space&=%"
)

// fakePatchbay stands in for Patchbay's introspection endpoint on a loopback
// port, answering as the server contract says.
type fakePatchbay struct {
	URL   string
	calls atomic.Int64

	mu       sync.Mutex
	answers  map[string]map[string]any // by token; absent means unknown
	revoked  map[string]bool
	requests []introspectRequest
	tokens   []string         // asked about, in order
	handler  http.HandlerFunc // replaces the normal answer when set
}

// introspectRequest is what the fake received, minus the token.
type introspectRequest struct {
	Authorization string // as sent
	ClientID      string // decoded from Basic authentication
	ClientSecret  string
	ContentType   string
	Form          url.Values // without "token"
}

func newFakePatchbay(t testing.TB) *fakePatchbay {
	t.Helper()
	f := &fakePatchbay{answers: map[string]map[string]any{}, revoked: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL + "/oauth/introspect"
	return f
}

func (f *fakePatchbay) serve(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	f.mu.Lock()
	handler := f.handler
	f.mu.Unlock()
	if handler != nil {
		handler(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/oauth/introspect" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := introspectRequest{
		Authorization: r.Header.Get("Authorization"),
		ContentType:   r.Header.Get("Content-Type"),
		Form:          r.PostForm,
	}
	token := req.Form.Get("token")
	req.Form.Del("token")
	if id, secret, ok := r.BasicAuth(); ok {
		req.ClientID, _ = url.QueryUnescape(id)
		req.ClientSecret, _ = url.QueryUnescape(secret)
	}

	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.tokens = append(f.tokens, token)
	answer, known := f.answers[token]
	active := known && !f.revoked[token]
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if req.Authorization != "Bearer "+testAPIKey && (req.ClientID != testClientID || req.ClientSecret != testClientSecret) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"invalid_client","error_description":"client authentication failed"}`))
		return
	}
	if exp, ok := answer["exp"].(int64); ok && time.Now().Unix() >= exp {
		active = false
	}
	if !active {
		w.Write([]byte(`{"active":false}`))
		return
	}
	json.NewEncoder(w).Encode(answer)
}

// issue makes token active with the answer of activeAnswer, changed by edit.
func (f *fakePatchbay) issue(token string, edit func(map[string]any)) {
	answer := activeAnswer()
	if edit != nil {
		edit(answer)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[token] = answer
}

func (f *fakePatchbay) revoke(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked[token] = true
}

// answerWith makes every request get h instead of the normal answer.
func (f *fakePatchbay) answerWith(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handler = h
}

func (f *fakePatchbay) received() []introspectRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]introspectRequest(nil), f.requests...)
}

func (f *fakePatchbay) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}

// Times of the tokens activeAnswer describes, whole seconds as on the wire.
var (
	testIssued  = time.Now().Truncate(time.Second)
	testExpires = testIssued.Add(time.Hour)
)

// activeAnswer is Patchbay's answer for an access token a user granted.
func activeAnswer() map[string]any {
	return map[string]any{
		"active":     true,
		"token_type": "Bearer",
		"token_use":  "access_token",
		"scope":      "read:projects write:projects",
		"client_id":  testClientID,
		"app_id":     "app_2KWPBgLlAfxdpx2AI54pPJ85f4W",
		"sub":        "usr_7",
		"team_id":    "team_3",
		"exp":        testExpires.Unix(),
		"iat":        testIssued.Unix(),
		"iss":        "https://patchbay.example",
	}
}

// wantToken is the Token of activeAnswer.
var wantToken = bearer.Token{
	Subject:   "usr_7",
	TeamID:    "team_3",
	ClientID:  testClientID,
	AppID:     "app_2KWPBgLlAfxdpx2AI54pPJ85f4W",
	Scopes:    []string{"read:projects", "write:projects"},
	ExpiresAt: testExpires,
	IssuedAt:  testIssued,
}

// newTestGuard returns a Guard for f that authenticates with client
// credentials, changed by edit, and logs into logs.
func newTestGuard(t testing.TB, f *fakePatchbay, edit func(*bearer.Config)) (*bearer.Guard, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := bearer.Config{
		IntrospectionURL: f.URL,
		ClientID:         testClientID,
		ClientSecret:     testClientSecret,
		CacheTTL:         time.Hour,
		Realm:            "api.example.com",
		Logger:           slog.New(slog.NewTextHandler(logs, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	g, err := bearer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, logs
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
