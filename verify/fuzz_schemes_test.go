package verify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/patchbay/patchbay/verify"
)

// These fuzz targets cover the parsers that fuzz_test.go does not: Shopify's
// base64 header, api_key in a header and in the query, and the Standard
// Webhooks headers under both their names. Besides fuzzVerify's checks, each
// recomputes what an accepted request must carry, so that no request is
// accepted without the right signature or key.

// fuzzAccepted runs fuzzVerify's checks on a request with headers h and body,
// and reports what Verify returned for it and whether it accepted it.
func fuzzAccepted(t *testing.T, cfg verify.Config, h http.Header, body []byte) (verify.Result, bool) {
	t.Helper()
	fuzzVerify(t, cfg, h, body)
	res, err := newVerifier(t, cfg).Verify(verify.Request{Header: h, Body: body, Now: testNow})
	return res, err == nil
}

// FuzzShopifySignature: a request is accepted exactly when its
// X-Shopify-Hmac-Sha256 decodes to the HMAC-SHA256 of the body under one of
// the secrets.
func FuzzShopifySignature(f *testing.F) {
	secrets := []string{"shpss_fuzz_old_5f2b8a", "shpss_fuzz_new_9c1d7e"}
	body := []byte(`{"id":820982911946154508,"email":"jon@example.com"}`)
	good := shopifyHMAC(secrets[1], body)
	for _, seed := range []string{
		good, shopifyHMAC(secrets[0], body), "rD7AhYrukflj9spijNzPfifDDg8D/BXpN3TqDNa31Pc=", good[:len(good)-1],
		good[:len(good)-2] + "d=", "!" + good[1:], good + "\n", good + " ", " " + good, good + good, "", "=", "====",
		base64.RawStdEncoding.EncodeToString([]byte("short")), strings.Repeat("A", 5000),
	} {
		f.Add(seed, body)
	}
	f.Add(good, []byte{})
	cfg := verify.Config{Scheme: verify.SchemeShopify, Secrets: secrets}
	v, err := verify.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		_, ok := fuzzAccepted(t, cfg, http.Header{"X-Shopify-Hmac-Sha256": {sig}}, body)
		// The decoder skips newlines, which no HTTP header carries.
		mac, err := base64.StdEncoding.DecodeString(sig)
		signed := err == nil && slices.ContainsFunc(secrets, func(s string) bool {
			return base64.StdEncoding.EncodeToString(mac) == shopifyHMAC(s, body)
		})
		if ok && !signed {
			t.Fatalf("accepted X-Shopify-Hmac-Sha256 %q, which is not the HMAC of the body %q", sig, body)
		}
		// The signature as Shopify writes it is accepted, whatever the body.
		for _, s := range secrets {
			if _, err := v.Verify(verify.Request{Header: http.Header{"X-Shopify-Hmac-Sha256": {shopifyHMAC(s, body)}}, Body: body}); err != nil {
				t.Fatalf("refused the correct signature of body %q: %v", body, err)
			}
		}
	})
}

// FuzzAPIKey: an api_key source accepts a request exactly when the header or
// query parameter it reads is its prefix followed by one of its keys, and
// its errors never quote what it was sent.
func FuzzAPIKey(f *testing.F) {
	keys := []string{"key_old_2f1d0c6a9b8e7d6c", "key_new_5b4a3f2e1d0c9b8a"}
	for _, seed := range []struct{ header, query string }{
		{"Bearer " + keys[1], "token=" + keys[1]},
		{keys[0], "token=" + url.QueryEscape(keys[0]) + "&token=x"},
		{"bearer " + keys[1], "token=x&token=" + keys[1]},
		{"Bearer  " + keys[1], "Token=" + keys[1]},
		{"Bearer " + keys[1] + " ", "token=" + keys[1] + "%20"},
		{"Bearer " + keys[1][:10], "token=" + keys[1][:10]},
		{"Bearer ", "token="},
		{"", "token"},
		{"Bearer " + keys[0] + keys[1], "token=%zz&token=" + keys[0]},
		{"Bearer\x00" + keys[1], "token=" + keys[1] + "%00"},
		{strings.Repeat("k", 5000), "token=" + strings.Repeat("k", 5000)},
	} {
		f.Add(seed.header, seed.query)
	}
	header := func(name, prefix string) verify.Config {
		return verify.Config{Scheme: verify.SchemeAPIKey, Header: name, Prefix: prefix, Secrets: keys}
	}
	inHeaders := []struct {
		cfg    verify.Config
		header string
	}{
		{header("Authorization", "Bearer "), "Authorization"},
		{header("X-Api-Key", ""), "X-Api-Key"},
	}
	query := verify.Config{Scheme: verify.SchemeAPIKey, QueryParam: "token", Secrets: keys}
	isKey := func(got, prefix string) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return got == prefix+k })
	}
	f.Fuzz(func(t *testing.T, value, rawQuery string) {
		for _, c := range inHeaders {
			_, ok := fuzzAccepted(t, c.cfg, http.Header{c.header: {value}}, nil)
			if want := isKey(value, c.cfg.Prefix); ok != want {
				t.Fatalf("%s %q: accepted %v, want %v", c.header, value, ok, want)
			}
		}

		// As the server does, the query is parsed leniently.
		q, _ := url.ParseQuery(rawQuery)
		_, err := newVerifier(t, query).Verify(verify.Request{Query: q, Now: testNow})
		if want := isKey(q.Get("token"), ""); (err == nil) != want {
			t.Fatalf("query %q: Verify = %v, want accepted %v", rawQuery, err, want)
		}
		if err != nil {
			if e, ok := errors.AsType[*verify.Error](err); !ok || !slices.Contains(reasons, e.Reason) {
				t.Fatalf("Verify = %#v, want a *verify.Error of a known reason", err)
			}
			for _, vs := range q {
				for _, v := range vs {
					if len(v) >= 32 && strings.Contains(err.Error(), v) {
						t.Errorf("error %q quotes the query value %q", err, v)
					}
				}
			}
		}
	})
}

// FuzzStandardHeaders: whatever webhook-* and svix-* headers come in, a
// request is accepted only if one of the two sets has, among the
// space-separated signatures of its signature header, "v1," and the base64
// HMAC-SHA256 of "{id}.{timestamp}.{body}" under one of the secrets, with
// that set's own id and timestamp; and the event ID and timestamp Verify
// returns are that set's, so that a request cannot be deduplicated under an
// identity that was not signed.
func FuzzStandardHeaders(f *testing.F) {
	secrets := []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}
	body := []byte(`{"type":"invoice.paid","data":{"id":"inv_1"}}`)
	ts := unix(testNow)
	sign := func(secret, id string) string {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			f.Fatal(err)
		}
		sig, err := wh.Sign(id, testNow, body)
		if err != nil {
			f.Fatal(err)
		}
		return sig
	}
	const id, other = "msg_p5jXN8AQM9LWM0D4loKWxJek", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
	good, old := sign(secrets[0], id), sign(secrets[1], id)
	seeds := [][6]string{ // webhook-id, -timestamp, -signature, svix-id, -timestamp, -signature
		{id, ts, good, "", "", ""},
		{"", "", "", id, ts, old},
		{id, ts, "v1,bogus " + old, other, ts, sign(secrets[0], other)},
		{id, "", "", other, ts, sign(secrets[0], other)}, // half renamed: not combined
		{"", ts, good, id, "", ""},
		{"", ts, good, other, ts, sign(secrets[0], other)}, // an unsigned webhook set beside a signed svix one
		{id, ts, good, id, ts, good},
		{other, ts, good, "", "", ""}, // a signature moved to another identity
		{id, unix(testNow.Add(time.Hour)), good, "", "", ""},
		{id, "0" + ts, good, "", "", ""},
		{id, "+" + ts, good, "", "", ""},
		{id, ts, "v1a," + good[3:], "", "", ""},
		{id, ts, "v1," + good[3:len(good)-1], "", "", ""},
		{id, ts, strings.Repeat("v1,x ", 16) + good, "", "", ""},
		{id, ts, "v1,", "", "", ""},
		{id, ts, good + "\n", "", "", ""},
		{id, ts, "  " + good + "\t", "", "", ""},
		{id, ts, strings.Repeat(" ", 5000), "", "", ""},
		{id + ".", ts, good, "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], body)
	}
	f.Add(id, ts, good, "", "", "", []byte(nil))

	// The valid seeds must pass, or the property below would hold vacuously.
	cfg := verify.Config{Scheme: verify.SchemeStandard, Secrets: secrets}
	v, err := verify.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds[:3] {
		if _, err := v.Verify(verify.Request{Header: standardHeaders(s), Body: body, Now: testNow}); err != nil {
			f.Fatalf("valid seed %q: %v", s, err)
		}
	}

	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		if keys[i], err = base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_")); err != nil {
			f.Fatal(err)
		}
	}
	// signs reports whether the set of id, timestamp and signature header
	// carries a valid signature of body at a timestamp within the tolerance.
	signs := func(id, ts, sigs string, body []byte) bool {
		sent, err := strconv.ParseInt(ts, 10, 64)
		if id == "" || err != nil || time.Unix(sent, 0).Sub(testNow).Abs() > verify.DefaultTolerance {
			return false
		}
		for _, key := range keys {
			m := hmac.New(sha256.New, key)
			m.Write([]byte(id + "." + ts + "."))
			m.Write(body)
			if slices.Contains(strings.Fields(sigs), "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil))) {
				return true
			}
		}
		return false
	}
	f.Fuzz(func(t *testing.T, wid, wts, wsig, sid, sts, ssig string, body []byte) {
		h := standardHeaders([6]string{wid, wts, wsig, sid, sts, ssig})
		res, ok := fuzzAccepted(t, cfg, h, body)
		if !ok {
			return
		}
		for _, set := range [][3]string{{wid, wts, wsig}, {sid, sts, ssig}} {
			if res.EventID == set[0] && signs(set[0], set[1], set[2], body) && unix(res.Timestamp) == set[1] {
				return
			}
		}
		t.Fatalf("accepted %v with body %q as event %q at %v, but no header set signs that", h, body, res.EventID, res.Timestamp)
	})
}

// standardHeaders sets webhook-id, -timestamp, -signature, svix-id,
// -timestamp and -signature to s, leaving out the empty ones.
func standardHeaders(s [6]string) http.Header {
	h := http.Header{}
	for i, name := range []string{"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"} {
		if s[i] != "" {
			h.Set(name, s[i])
		}
	}
	return h
}
