package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// dedupeCase is one provider: how a source for it is configured, what its
// events look like and how it signs them, and where it puts the event's
// identity.
type dedupeCase struct {
	name     string
	verifier string // the source's verifier, as JSON
	// body is an event with identity id; for providers whose identity is in a
	// header it is the same for every id.
	body func(id string) []byte
	// sign returns the headers the provider sends for body with identity id,
	// signed at ts.
	sign func(t *testing.T, id string, ts time.Time, body []byte) []string
	// idHeader is the header with the identity, or "" when bodyKey, a
	// top-level member of the body, has it.
	idHeader, bodyKey string
}

func hmacSHA256(secret string, parts ...string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func dedupeCases() []dedupeCase {
	const (
		stripeSecret   = "whsec_dedupe_4eC39HqLyjWDarjtT1zdp7dc"
		githubSecret   = "It's a Secret to Everybody"
		shopifySecret  = "shpss_dedupe_5f2b8a"
		slackSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
		standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	)
	fixedBody := func(string) []byte {
		return []byte(`{"action":"opened","order":{"id":820982911946154508,"total":"42.00"}}`)
	}
	standard := func(prefix string) func(t *testing.T, id string, ts time.Time, body []byte) []string {
		return func(t *testing.T, id string, ts time.Time, body []byte) []string {
			t.Helper()
			wh, err := standardwebhooks.NewWebhook(standardSecret)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := wh.Sign(id, ts, body)
			if err != nil {
				t.Fatal(err)
			}
			return []string{prefix + "-id", id, prefix + "-timestamp", strconv.FormatInt(ts.Unix(), 10), prefix + "-signature", sig}
		}
	}
	standardVerifier := `{"scheme":"standard","secrets":["` + standardSecret + `"]}`
	return []dedupeCase{
		{
			name:     "stripe",
			verifier: `{"scheme":"stripe","secrets":["` + stripeSecret + `"]}`,
			body: func(id string) []byte {
				return fmt.Appendf(nil, `{"id":%q,"object":"event","type":"invoice.paid","data":{"object":{"amount":42}}}`, id)
			},
			sign: func(_ *testing.T, _ string, ts time.Time, body []byte) []string {
				unix := strconv.FormatInt(ts.Unix(), 10)
				return []string{"Stripe-Signature", "t=" + unix + ",v1=" + hex.EncodeToString(hmacSHA256(stripeSecret, unix, ".", string(body)))}
			},
			bodyKey: "id",
		},
		{
			name:     "github",
			verifier: `{"scheme":"github","secrets":["` + githubSecret + `"]}`,
			body:     fixedBody,
			sign: func(_ *testing.T, id string, _ time.Time, body []byte) []string {
				return []string{"X-GitHub-Event", "issues", "X-GitHub-Delivery", id,
					"X-Hub-Signature-256", "sha256=" + hex.EncodeToString(hmacSHA256(githubSecret, string(body)))}
			},
			idHeader: "X-GitHub-Delivery",
		},
		{
			name:     "shopify",
			verifier: `{"scheme":"shopify","secrets":["` + shopifySecret + `"]}`,
			body:     fixedBody,
			sign: func(_ *testing.T, id string, _ time.Time, body []byte) []string {
				return []string{"X-Shopify-Topic", "orders/create", "X-Shopify-Webhook-Id", id,
					"X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(hmacSHA256(shopifySecret, string(body)))}
			},
			idHeader: "X-Shopify-Webhook-Id",
		},
		{
			name:     "slack",
			verifier: `{"scheme":"slack","secrets":["` + slackSecret + `"]}`,
			body: func(id string) []byte {
				return fmt.Appendf(nil, `{"type":"event_callback","team_id":"T1","event_id":%q,"event":{"type":"app_mention","text":"hi"}}`, id)
			},
			sign: func(_ *testing.T, _ string, ts time.Time, body []byte) []string {
				unix := strconv.FormatInt(ts.Unix(), 10)
				return []string{"X-Slack-Request-Timestamp", unix,
					"X-Slack-Signature", "v0=" + hex.EncodeToString(hmacSHA256(slackSecret, "v0:", unix, ":", string(body)))}
			},
			bodyKey: "event_id",
		},
		{name: "standard", verifier: standardVerifier, body: fixedBody, sign: standard("webhook"), idHeader: "webhook-id"},
		{name: "svix", verifier: standardVerifier, body: fixedBody, sign: standard("svix"), idHeader: "svix-id"},
	}
}

// TestInboundDuplicatesPerScheme: for each provider, a retry of an event
// (the same identity, re-signed a minute later where the provider signs a
// timestamp) is answered 200, stored as a duplicate of the first, and not
// forwarded; an event with another identity (for providers with the identity
// in a header, the very same body) is new and forwarded.
func TestInboundDuplicatesPerScheme(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		for _, tc := range dedupeCases() {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				dest := newReceiver(t, nil)
				src := e.createSource(t, `{"name":"`+tc.name+`","verifier":`+tc.verifier+`,
					"destination_url":"`+dest.URL+`/hooks","forward_header_prefix":"X-Original-"}`)

				id, otherID := tc.name+"-evt-0001", tc.name+"-evt-0002"
				now := time.Now()
				sends := []struct {
					what string
					id   string
					ts   time.Time
				}{
					{"first", id, now.Add(-time.Minute)},
					{"retry", id, now},
					{"another event", otherID, now},
				}
				for _, s := range sends {
					body := tc.body(s.id)
					if st, _, got := post(t, src.IngestURL, body, tc.sign(t, s.id, s.ts, body)...); st != 200 || got != `{"ok":true}` {
						t.Fatalf("%s: %d %s, want 200", s.what, st, got)
					}
				}

				// The first and the other event are forwarded, once each.
				forwardedID := func(r received) string {
					if tc.idHeader != "" {
						return r.Header.Get("X-Original-" + tc.idHeader)
					}
					var m map[string]any
					json.Unmarshal(r.Body, &m) //nolint:errcheck // a body that does not parse has no ID, reported below
					s, _ := m[tc.bodyKey].(string)
					return s
				}
				waitFor(t, 10*time.Second, "two forwards", func() bool { return len(dest.requests()) >= 2 })
				time.Sleep(1500 * time.Millisecond) // room for a wrong forward of the retry to show
				got := map[string]int{}
				for _, r := range dest.requests() {
					got[forwardedID(r)]++
				}
				if len(dest.requests()) != 2 || got[id] != 1 || got[otherID] != 1 {
					t.Errorf("destination got %d forwards, by identity %v; want %s and %s once each", len(dest.requests()), got, id, otherID)
				}

				type event struct {
					ID          string `json:"id"`
					EventID     string `json:"event_id"`     // "" for null
					DuplicateOf string `json:"duplicate_of"` // "" for null
					Status      string `json:"status"`
				}
				var events []event
				waitFor(t, 10*time.Second, "every forward to settle", func() bool {
					resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events", "")
					var list struct{ Data []event }
					if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
						t.Fatalf("events: %d %s", resp.StatusCode, body)
					}
					events = list.Data
					for _, ev := range events {
						if ev.Status == "received" {
							return false
						}
					}
					return true
				})
				byIdentity := map[string][]event{}
				for _, ev := range events {
					if ev.EventID == "" {
						t.Fatalf("event %s has no event_id: %+v", ev.ID, events)
					}
					byIdentity[ev.EventID] = append(byIdentity[ev.EventID], ev)
				}
				if len(events) != 3 || len(byIdentity[id]) != 2 || len(byIdentity[otherID]) != 1 {
					t.Fatalf("events %+v: want two with event_id %s and one with %s", events, id, otherID)
				}
				first, retry := byIdentity[id][0], byIdentity[id][1]
				if first.Status == "duplicate" {
					first, retry = retry, first
				}
				if first.Status != "forwarded" || first.DuplicateOf != "" {
					t.Errorf("first event %+v, want forwarded and no duplicate_of", first)
				}
				if retry.Status != "duplicate" || retry.DuplicateOf != first.ID {
					t.Errorf("retry %+v, want status duplicate and duplicate_of %s", retry, first.ID)
				}
				if other := byIdentity[otherID][0]; other.Status != "forwarded" || other.DuplicateOf != "" {
					t.Errorf("another event %+v, want forwarded and not a duplicate", other)
				}
			})
		}
	})
}
