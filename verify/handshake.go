package verify

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	//
	// Anyone may ask, so the answer is an HMAC of the asker's choosing. It is
	// allowed only with scheme hmac and a [Config.SignedContent] whose literal
	// text has a character no crc_token may hold (such as ":" or a space), so
	// that no answer is ever the signature of an event. X itself signs the
	// bare body, for which crc is refused: a crc_token posted as a body with
	// its answer as the signature would verify.
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
	// oracle is set for a crc handshake whose answers could sign events: a
	// configuration stored before Validate refused it still loads, so that
	// its events verify, but its handshake is never answered.
	oracle bool
}

func newHandshake(c Config) handshake {
	h := handshake{kind: c.Handshake, verifyToken: []byte(c.VerifyToken)}
	if c.Handshake == HandshakeCRC {
		h.key = []byte(c.Secrets[0])
		h.oracle = crcSignsEvents(c)
	}
	return h
}

// crcSignsEvents reports whether a crc answer, the HMAC of a token, could be
// the signature of an event: whether some event's signed content could be a
// token. It can unless the signed content's literal text has a character
// tokens never hold; the body and the timestamp (digits) are the sender's to
// choose.
func crcSignsEvents(c Config) bool {
	if c.Scheme != SchemeHMAC {
		return true
	}
	literal := strings.NewReplacer("{body}", "", "{timestamp}", "").Replace(cmp.Or(c.SignedContent, "{body}"))
	return strings.IndexFunc(literal, func(r rune) bool { return !tokenRune(r) }) < 0
}

func (c Config) validateHandshake(problems map[string]string, loading bool) {
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
		switch {
		case c.Scheme != SchemeHMAC:
			problems["handshake"] = "crc is only for scheme hmac (X signs events with its own header)"
		case crcSignsEvents(c) && !loading:
			problems["handshake"] = "crc answers anyone with an HMAC of their token, which would sign a forged event under this signed_content: " +
				`crc needs a signed_content whose literal text has a character tokens cannot hold, such as "v1:{body}"`
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
		if v.handshake.oracle {
			return Reply{}, fail(ReasonBadHandshake, "crc is not answered for this source: its answers would sign forged events")
		}
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
	return strings.IndexFunc(s, func(r rune) bool { return !tokenRune(r) }) < 0
}

func tokenRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '~' || r == '=' || r == '+' || r == '/'
}
