// Package verify authenticates incoming webhooks the way their senders sign
// them: Stripe, GitHub, Shopify, Slack, Standard Webhooks (and Svix), a
// generic HMAC, HTTP Basic, an API key, or nothing at all.
//
// Patchbay's ingest endpoint uses it for every source, and it has no
// dependency on the server, so any Go program can verify provider webhooks
// with it. A [Config] says how one source signs (and is what the server stores
// per source); [New] checks it and returns a [Verifier]; [Verifier.Verify]
// checks one request and returns a [Result] with what the caller needs next:
// the provider's event ID to deduplicate retries on, the signed timestamp,
// and Slack's url_verification challenge.
//
// Signatures are checked over the raw body bytes, in constant time, against
// every configured secret, so that a secret can be rotated without refusing
// requests. Failures are [*Error] values with a [Reason] for metrics and a
// message that is safe to log: it never contains the body, a signature or a
// credential.
package verify

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// Request is what Verify needs of an incoming request.
type Request struct {
	Header http.Header
	// Query is read by api_key sources configured with a query parameter.
	Query url.Values
	// Body is the raw body, exactly as received: decoding and re-encoding it
	// first changes the bytes and breaks the signature.
	Body []byte
	// Now is the receiver's clock for the timestamp check; zero means
	// time.Now(). A server can pass the time it stamps the request with.
	Now time.Time
}

// Result describes a request that Verify accepted.
type Result struct {
	// EventID is the provider's ID for the event, which stays the same when the
	// provider retries, so it is the key to deduplicate on: the body's "id" for
	// Stripe, X-GitHub-Delivery, X-Shopify-Webhook-Id, the body's "event_id" for
	// Slack, webhook-id (or svix-id) for Standard Webhooks, or what
	// EventIDHeader or EventIDPointer names. It is "" when the request has none,
	// which callers should expect: Slack's url_verification and interactive
	// requests carry no event_id, for example.
	EventID string
	// Timestamp is the signed time of the request, or zero when the scheme signs
	// none. It is within the tolerance of the receiver's clock.
	Timestamp time.Time
	// Challenge is the challenge of a Slack url_verification request, which must
	// be answered with it in the response body (as text/plain) for Slack to
	// enable the URL. It is "" for every other request.
	Challenge string
}

// Verifier checks requests against one source's [Config]. It is safe for
// concurrent use.
type Verifier struct {
	auth      authenticator
	eventID   eventIDSource
	challenge bool
	handshake handshake
}

// authenticator is one scheme's check. It returns the signed time of the
// request, or zero if the scheme signs none.
type authenticator interface {
	authenticate(req Request, now time.Time) (time.Time, error)
}

// New returns a Verifier for cfg, or the *ConfigError of [Config.Validate],
// with one exception: a crc handshake that Validate refuses because its
// answers could sign events (a configuration stored before the check) is
// accepted, so its events still verify, and its handshake is never answered.
func New(cfg Config) (*Verifier, error) {
	if err := cfg.validate(true); err != nil {
		return nil, err
	}
	v := &Verifier{eventID: newEventIDSource(cfg), challenge: cfg.Scheme == SchemeSlack, handshake: newHandshake(cfg)}
	switch cfg.Scheme {
	case SchemeStripe:
		v.auth = newStripe(cfg)
	case SchemeGitHub:
		v.auth = newGitHub(cfg)
	case SchemeShopify:
		v.auth = newShopify(cfg)
	case SchemeSlack:
		v.auth = newSlack(cfg)
	case SchemeStandard:
		std, err := newStandard(cfg)
		if err != nil {
			return nil, err
		}
		v.auth = std
	case SchemeHMAC:
		v.auth = newHMAC(cfg)
	case SchemeBasic:
		v.auth = newBasic(cfg)
	case SchemeAPIKey:
		v.auth = newAPIKey(cfg)
	case SchemeNone:
		v.auth = noneScheme{}
	}
	return v, nil
}

// Verify authenticates req and returns what it carries for deduplication. Its
// errors are *Error. It does not remember event IDs, so a request replayed
// within the tolerance verifies again: deduplicate on [Result.EventID].
func (v *Verifier) Verify(req Request) (Result, error) {
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	signedAt, err := v.auth.authenticate(req, now)
	if err != nil {
		return Result{}, err
	}
	res := Result{EventID: v.eventID.find(req.Header, req.Body), Timestamp: signedAt}
	if v.challenge {
		res.Challenge = slackChallenge(req.Body)
	}
	return res, nil
}

// slackChallenge returns the challenge of a url_verification body, which Slack
// sends (signed) when the request URL is set, and "" for any other body.
func slackChallenge(body []byte) string {
	var msg struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Type != "url_verification" {
		return ""
	}
	return msg.Challenge
}
