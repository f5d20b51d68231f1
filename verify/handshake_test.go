package verify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/verify"
)

func TestHandshake(t *testing.T) {
	t.Parallel()
	meta := verify.Config{Scheme: verify.SchemeGitHub, Secrets: []string{"app-secret"}, Handshake: verify.HandshakeMeta, VerifyToken: "my-verify-token"}
	echo := verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{"s"}, Header: "X-Dropbox-Signature", Handshake: verify.HandshakeEcho}
	crc := verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{"consumer-secret-1", "older"}, Header: "X-Twitter-Webhooks-Signature",
		Prefix: "sha256=", Encoding: "base64", SignedContent: "v1:{body}", Handshake: verify.HandshakeCRC}
	tests := []struct {
		name  string
		cfg   verify.Config
		query string
		want  verify.Reply // zero: refused
	}{
		{"meta", meta, "hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1158201444",
			verify.Reply{ContentType: "text/plain; charset=utf-8", Body: "1158201444"}},
		{"meta wrong token", meta, "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1", verify.Reply{}},
		{"meta no token", meta, "hub.mode=subscribe&hub.challenge=1", verify.Reply{}},
		{"meta wrong mode", meta, "hub.mode=unsubscribe&hub.verify_token=my-verify-token&hub.challenge=1", verify.Reply{}},
		{"meta no challenge", meta, "hub.mode=subscribe&hub.verify_token=my-verify-token", verify.Reply{}},
		{"echo", echo, "challenge=AbC-123_x", verify.Reply{ContentType: "text/plain; charset=utf-8", Body: "AbC-123_x"}},
		{"echo markup", echo, "challenge=" + url.QueryEscape("<script>alert(1)</script>"), verify.Reply{}},
		{"echo too long", echo, "challenge=" + strings.Repeat("a", 513), verify.Reply{}},
		{"echo none", echo, "", verify.Reply{}},
		// The response token computed independently (Python's hmac module).
		{"crc", crc, "crc_token=crc-abc123",
			verify.Reply{ContentType: "application/json", Body: `{"response_token":"sha256=gssFa3hZZZ6bDaa7NweEd0ce1+/pcCZcYRJtExBcB4o="}`}},
		{"crc none", crc, "", verify.Reply{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := newVerifier(t, tt.cfg).Handshake(verify.Request{Query: q})
			if tt.want == (verify.Reply{}) {
				e, ok := errors.AsType[*verify.Error](err)
				if !ok || e.Reason != verify.ReasonBadHandshake || strings.Contains(e.Message, "guess") || strings.Contains(e.Message, "<script") {
					t.Errorf("Handshake = %+v, %v; want a bad_handshake error quoting nothing", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Handshake = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if _, err := newVerifier(t, verify.Config{Scheme: verify.SchemeNone}).Handshake(verify.Request{}); !errors.Is(err, verify.ErrNoHandshake) {
		t.Errorf("Handshake without one configured = %v, want ErrNoHandshake", err)
	}
}

func TestHandshakeConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cfg   verify.Config
		field string
	}{
		{verify.Config{Scheme: verify.SchemeGitHub, Secrets: []string{"s"}, Handshake: verify.HandshakeMeta}, "verify_token"},
		{verify.Config{Scheme: verify.SchemeGitHub, Secrets: []string{"s"}, VerifyToken: "t"}, "verify_token"},
		{verify.Config{Scheme: verify.SchemeGitHub, Secrets: []string{"s"}, Handshake: "telepathy"}, "handshake"},
		{verify.Config{Scheme: verify.SchemeNone, Handshake: verify.HandshakeCRC}, "handshake"},
		{verify.Config{Scheme: verify.SchemeStripe, Secrets: []string{"whsec_x"}, Handshake: verify.HandshakeCRC}, "handshake"},
		// Signed contents a crc_token can spell: the answer would sign an event.
		{verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{"s"}, Header: "X-Sig", Handshake: verify.HandshakeCRC}, "handshake"},
		{verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{"s"}, Header: "X-Sig", SignedContent: "{body}", Handshake: verify.HandshakeCRC}, "handshake"},
		{verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{"s"}, Header: "X-Sig", SignedContent: "{timestamp}.{body}",
			TimestampHeader: "X-Ts", Handshake: verify.HandshakeCRC}, "handshake"},
		{verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{"s"}, Header: "X-Sig", SignedContent: "v1={body}", Handshake: verify.HandshakeCRC}, "handshake"},
	} {
		var cerr *verify.ConfigError
		if err := tt.cfg.Validate(); !errors.As(err, &cerr) || cerr.Fields[tt.field] == "" {
			t.Errorf("Validate(%+v) = %v, want a problem with %s", tt.cfg, err, tt.field)
		}
	}
}

// FuzzHandshake: no query makes a handshake panic, fail with anything but
// bad_handshake, or echo anything but a plain token.
func FuzzHandshake(f *testing.F) {
	f.Add("hub.mode=subscribe&hub.verify_token=tok&hub.challenge=123")
	f.Add("challenge=abc&crc_token=x")
	f.Add("challenge=%3Cb%3E&hub.challenge=%00")
	cfgs := []verify.Config{
		{Scheme: verify.SchemeNone, Handshake: verify.HandshakeMeta, VerifyToken: "tok"},
		{Scheme: verify.SchemeNone, Handshake: verify.HandshakeEcho},
		{Scheme: verify.SchemeHMAC, Secrets: []string{"k"}, Header: "X-Sig", SignedContent: "v1:{body}", Handshake: verify.HandshakeCRC},
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		q, _ := url.ParseQuery(rawQuery)
		for _, cfg := range cfgs {
			reply, err := newVerifier(t, cfg).Handshake(verify.Request{Query: q})
			if err != nil {
				if e, ok := errors.AsType[*verify.Error](err); !ok || e.Reason != verify.ReasonBadHandshake {
					t.Fatalf("Handshake error %#v", err)
				}
				continue
			}
			if strings.ContainsAny(reply.Body, "<>&'\x00\r\n") && cfg.Handshake != verify.HandshakeCRC {
				t.Fatalf("echoed %q", reply.Body)
			}
		}
	})
}

// TestHandshakeNoSigningOracle: no crc answer verifies as the signature of an
// event. The configurations Validate refuses still load (older versions
// stored them), so that their events verify, but their handshake is refused.
func TestHandshakeNoSigningOracle(t *testing.T) {
	t.Parallel()
	const token = "1700000000.12345"
	for _, tt := range []struct {
		name   string
		cfg    verify.Config
		header http.Header
		body   string
	}{
		{"bare body", verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{"consumer-secret"}, Header: "X-Twitter-Webhooks-Signature",
			Prefix: "sha256=", Encoding: "base64", Handshake: verify.HandshakeCRC}, http.Header{}, token},
		{"timestamp.body", verify.Config{Scheme: verify.SchemeHMAC, Secrets: []string{"consumer-secret"}, Header: "X-Sig", Prefix: "sha256=",
			Encoding: "base64", SignedContent: "{timestamp}.{body}", TimestampHeader: "X-Ts", Handshake: verify.HandshakeCRC},
			http.Header{"X-Ts": {"1700000000"}}, "12345"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); err == nil {
				t.Fatal("Validate accepted a crc handshake whose answers sign events")
			}
			v, err := verify.New(tt.cfg)
			if err != nil {
				t.Fatalf("New of a stored configuration: %v", err)
			}
			reply, err := v.Handshake(verify.Request{Query: url.Values{"crc_token": {token}}})
			if e, ok := errors.AsType[*verify.Error](err); !ok || e.Reason != verify.ReasonBadHandshake {
				t.Fatalf("Handshake = %+v, %v; want bad_handshake", reply, err)
			}
			// Its events still verify, signed as the provider signs them.
			mac := hmac.New(sha256.New, []byte("consumer-secret"))
			mac.Write([]byte(token))
			tt.header.Set(tt.cfg.Header, "sha256="+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
			now := time.Unix(1700000000, 0)
			if _, err := v.Verify(verify.Request{Header: tt.header, Body: []byte(tt.body), Now: now}); err != nil {
				t.Errorf("Verify of a signed event = %v", err)
			}
		})
	}
}
