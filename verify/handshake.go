package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Handshake names how a provider checks a webhook URL with a GET request
// before it sends events there.
type Handshake string

const (
	// HandshakeMeta: Meta (Facebook, Instagram, WhatsApp, Messenger) sends
	// GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…; the token
	// must equal [Config.VerifyToken], and the answer is the challenge.
	HandshakeMeta Handshake = "meta"
	// HandshakeEcho: Dropbox sends GET ?challenge=…, answered with the
	// challenge as is. Anyone who knows the URL can ask; the answer only
	// repeats what they sent.
	HandshakeEcho Handshake = "echo"
	// HandshakeCRC: X (Twitter) sends GET ?crc_token=… and expects
	// {"response_token": "sha256=<base64 HMAC-SHA256 of the token>"}, keyed
	// with the first of [Config.Secrets] (the consumer secret).
	HandshakeCRC Handshake = "crc"
)

// maxChallenge bounds a challenge echoed back.
const maxChallenge = 512

// ErrNoHandshake is the error of [Verifier.Handshake] for a source
// configured without one.
var ErrNoHandshake = errors.New("verify: this source has no GET handshake")

// Reply is the answer to a handshake, to send with status 200.
type Reply struct {
	ContentType string
	Body        string
}

type handshake struct {
	kind        Handshake
	verifyToken []byte
	key         []byte // crc
}

func newHandshake(c Config) handshake {
	h := handshake{kind: c.Handshake, verifyToken: []byte(c.VerifyToken)}
	if c.Handshake == HandshakeCRC {
		h.key = []byte(c.Secrets[0])
	}
	return h
}

func (c Config) validateHandshake(problems map[string]string) {
	switch c.Handshake {
	case "":
	case HandshakeMeta:
		if c.VerifyToken == "" || len(c.VerifyToken) > 200 {
			problems["verify_token"] = "required with handshake meta, at most 200 bytes"
		}
	case HandshakeEcho:
	case HandshakeCRC:
		// The answer is an HMAC, keyed with the secret, of whatever anyone
		// sends: under a scheme that signs events the same way (stripe,
		// github…) it would sign forged events, and under basic or api_key
		// it would let the password be guessed offline.
		if c.Scheme != SchemeHMAC {
			problems["handshake"] = "crc is only for scheme hmac (X signs events with its own header)"
		}
	default:
		problems["handshake"] = fmt.Sprintf("unknown handshake %q; want meta, echo or crc", c.Handshake)
	}
	if c.VerifyToken != "" && c.Handshake != HandshakeMeta {
		problems["verify_token"] = "used only with handshake meta"
	}
}

// Handshake answers a provider's GET request that checks the URL, from its
// query parameters. Its errors are *Error with [ReasonBadHandshake], or
// ErrNoHandshake.
func (v *Verifier) Handshake(req Request) (Reply, error) {
	q := req.Query
	switch v.handshake.kind {
	case HandshakeMeta:
		token := q.Get("hub.verify_token")
		if q.Get("hub.mode") != "subscribe" || token == "" {
			return Reply{}, fail(ReasonBadHandshake, "a meta handshake needs hub.mode=subscribe and hub.verify_token")
		}
		if subtle.ConstantTimeCompare([]byte(token), v.handshake.verifyToken) != 1 {
			return Reply{}, fail(ReasonBadHandshake, "hub.verify_token does not match the source's verify_token")
		}
		return textReply(q.Get("hub.challenge"), "hub.challenge")
	case HandshakeEcho:
		return textReply(q.Get("challenge"), "challenge")
	case HandshakeCRC:
		token := q.Get("crc_token")
		if !plainToken(token) {
			return Reply{}, fail(ReasonBadHandshake, "crc_token is missing or not a plain token")
		}
		mac := hmac.New(sha256.New, v.handshake.key)
		mac.Write([]byte(token))
		body, _ := json.Marshal(map[string]string{"response_token": "sha256=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))})
		return Reply{ContentType: "application/json", Body: string(body)}, nil
	}
	return Reply{}, ErrNoHandshake
}

func textReply(challenge, param string) (Reply, error) {
	if !plainToken(challenge) {
		return Reply{}, fail(ReasonBadHandshake, param+" is missing or not a plain token")
	}
	return Reply{ContentType: "text/plain; charset=utf-8", Body: challenge}, nil
}

// plainToken reports whether s is 1 to maxChallenge URL-safe characters:
// what providers send, and nothing a browser could take for markup.
func plainToken(s string) bool {
	if s == "" || len(s) > maxChallenge {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '~' || r == '=' || r == '+' || r == '/') {
			return false
		}
	}
	return true
}
