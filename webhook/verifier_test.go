package webhook_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchbay/patchbay/webhook"
)

// testNow is the receiver's clock in tests that set NowFunc.
var testNow = time.Unix(1_700_000_000, 0)

// delivery returns the headers Patchbay sends for one message signed with key.
func delivery(key []byte, id string, ts time.Time, body string) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(webhook.HeaderSignature, webhook.Sign(key, id, ts, []byte(body)))
	return h
}

func with(h http.Header, name, value string) http.Header {
	h.Set(name, value)
	return h
}

func without(h http.Header, name string) http.Header {
	h.Del(name)
	return h
}

// newTestVerifier returns a verifier for secrets whose clock reads testNow.
func newTestVerifier(t *testing.T, secrets ...string) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	v.NowFunc = func() time.Time { return testNow }
	return v
}

func TestVerify(t *testing.T) {
	t.Parallel()
	const id, body = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", `{"type":"invoice.paid"}`
	secret, otherSecret := webhook.NewSecret(), webhook.NewSecret()
	key := mustParseSecret(t, secret)
	signed := func(ts time.Time) http.Header { return delivery(key, id, ts, body) }
	sig := webhook.Sign(key, id, testNow, []byte(body))
	bogus := webhook.Sign(mustParseSecret(t, otherSecret), id, testNow, []byte(body))

	// sig with its last base64 digit changed only in the two bits the decoder
	// discards: the same MAC bytes, spelled differently.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	last := len(sig) - 2 // before the single "="
	sigOtherSpelling := sig[:last] + string(alphabet[strings.IndexByte(alphabet, sig[last])^1]) + "="
	if b, _ := base64.StdEncoding.DecodeString(sigOtherSpelling[3:]); base64.StdEncoding.EncodeToString(b) != sig[3:] {
		t.Fatalf("%q does not decode to the MAC of %q", sigOtherSpelling, sig)
	}

	for name, tc := range map[string]struct {
		header    http.Header
		body      string   // as received; "" means body
		secrets   []string // of the verifier; nil means secret
		tolerance time.Duration
		want      error
	}{
		"valid": {header: signed(testNow)},

		// Tolerance, in both directions, inclusive at the limit.
		"exactly the tolerance old":      {header: signed(testNow.Add(-webhook.DefaultTolerance))},
		"a second more than that old":    {header: signed(testNow.Add(-webhook.DefaultTolerance - time.Second)), want: webhook.ErrTimestampOutOfTolerance},
		"exactly the tolerance ahead":    {header: signed(testNow.Add(webhook.DefaultTolerance))},
		"a second more than that ahead":  {header: signed(testNow.Add(webhook.DefaultTolerance + time.Second)), want: webhook.ErrTimestampOutOfTolerance},
		"a day old":                      {header: signed(testNow.Add(-24 * time.Hour)), want: webhook.ErrTimestampOutOfTolerance},
		"custom tolerance, at the limit": {header: signed(testNow.Add(-10 * time.Second)), tolerance: 10 * time.Second},
		"custom tolerance, beyond":       {header: signed(testNow.Add(11 * time.Second)), tolerance: 10 * time.Second, want: webhook.ErrTimestampOutOfTolerance},
		"negative tolerance is default":  {header: signed(testNow.Add(-webhook.DefaultTolerance)), tolerance: -time.Second},
		"milliseconds, not seconds":      {header: with(signed(testNow), webhook.HeaderTimestamp, "1700000000000"), want: webhook.ErrTimestampOutOfTolerance},
		"epoch":                          {header: with(signed(testNow), webhook.HeaderTimestamp, "0"), want: webhook.ErrTimestampOutOfTolerance},
		"largest int64":                  {header: with(signed(testNow), webhook.HeaderTimestamp, "9223372036854775807"), want: webhook.ErrTimestampOutOfTolerance},

		// Missing headers.
		"no id":                {header: without(signed(testNow), webhook.HeaderID), want: webhook.ErrMissingHeader},
		"no timestamp":         {header: without(signed(testNow), webhook.HeaderTimestamp), want: webhook.ErrMissingHeader},
		"no signature":         {header: without(signed(testNow), webhook.HeaderSignature), want: webhook.ErrMissingHeader},
		"empty id":             {header: with(signed(testNow), webhook.HeaderID, ""), want: webhook.ErrMissingHeader},
		"empty signature":      {header: with(signed(testNow), webhook.HeaderSignature, ""), want: webhook.ErrMissingHeader},
		"no headers":           {header: http.Header{}, want: webhook.ErrMissingHeader},
		"nil header":           {header: nil, want: webhook.ErrMissingHeader},
		"non-canonical header": {header: http.Header{"webhook-id": {id}, "webhook-timestamp": {"1700000000"}, "webhook-signature": {sig}}, want: webhook.ErrMissingHeader},

		// Timestamps that are not canonical decimal Unix seconds.
		"timestamp not a number":    {header: with(signed(testNow), webhook.HeaderTimestamp, "yesterday"), want: webhook.ErrInvalidTimestamp},
		"timestamp with plus sign":  {header: with(signed(testNow), webhook.HeaderTimestamp, "+1700000000"), want: webhook.ErrInvalidTimestamp},
		"timestamp with leading 0":  {header: with(signed(testNow), webhook.HeaderTimestamp, "01700000000"), want: webhook.ErrInvalidTimestamp},
		"timestamp with fraction":   {header: with(signed(testNow), webhook.HeaderTimestamp, "1700000000.0"), want: webhook.ErrInvalidTimestamp},
		"timestamp with space":      {header: with(signed(testNow), webhook.HeaderTimestamp, " 1700000000"), want: webhook.ErrInvalidTimestamp},
		"negative timestamp":        {header: with(signed(testNow), webhook.HeaderTimestamp, "-1"), want: webhook.ErrInvalidTimestamp},
		"timestamp overflows int64": {header: with(signed(testNow), webhook.HeaderTimestamp, "9223372036854775808"), want: webhook.ErrInvalidTimestamp},
		"timestamp of 20 digits":    {header: with(signed(testNow), webhook.HeaderTimestamp, "17000000000000000000"), want: webhook.ErrInvalidTimestamp},
		"RFC 3339 timestamp":        {header: with(signed(testNow), webhook.HeaderTimestamp, testNow.Format(time.RFC3339)), want: webhook.ErrInvalidTimestamp},

		// Tampering and wrong secrets.
		"body changed":                     {header: signed(testNow), body: `{"type":"invoice.paid" }`, want: webhook.ErrNoMatchingSignature},
		"id changed":                       {header: with(signed(testNow), webhook.HeaderID, id+"x"), want: webhook.ErrNoMatchingSignature},
		"timestamp changed":                {header: with(signed(testNow), webhook.HeaderTimestamp, "1700000001"), want: webhook.ErrNoMatchingSignature},
		"wrong secret":                     {header: signed(testNow), secrets: []string{otherSecret}, want: webhook.ErrNoMatchingSignature},
		"rotation, receiver has both":      {header: signed(testNow), secrets: []string{otherSecret, secret}},
		"rotation, sender signs with both": {header: with(signed(testNow), webhook.HeaderSignature, bogus+" "+sig)},

		// Malformed or foreign signature entries.
		"no comma":                 {header: with(signed(testNow), webhook.HeaderSignature, "v1"+sig[3:]), want: webhook.ErrNoMatchingSignature},
		"version only":             {header: with(signed(testNow), webhook.HeaderSignature, "v1,"), want: webhook.ErrNoMatchingSignature},
		"bare base64":              {header: with(signed(testNow), webhook.HeaderSignature, sig[3:]), want: webhook.ErrNoMatchingSignature},
		"bad base64":               {header: with(signed(testNow), webhook.HeaderSignature, "v1,!!not-base64!!"), want: webhook.ErrNoMatchingSignature},
		"v2 only":                  {header: with(signed(testNow), webhook.HeaderSignature, "v2,"+sig[3:]), want: webhook.ErrNoMatchingSignature},
		"v1a only":                 {header: with(signed(testNow), webhook.HeaderSignature, "v1a,"+sig[3:]), want: webhook.ErrNoMatchingSignature},
		"upper-case version":       {header: with(signed(testNow), webhook.HeaderSignature, "V1,"+sig[3:]), want: webhook.ErrNoMatchingSignature},
		"trailing field":           {header: with(signed(testNow), webhook.HeaderSignature, sig+",extra"), want: webhook.ErrNoMatchingSignature},
		"padding dropped":          {header: with(signed(testNow), webhook.HeaderSignature, strings.TrimRight(sig, "=")), want: webhook.ErrNoMatchingSignature},
		"same MAC, other spelling": {header: with(signed(testNow), webhook.HeaderSignature, sigOtherSpelling), want: webhook.ErrNoMatchingSignature},
		"comma-separated list":     {header: with(signed(testNow), webhook.HeaderSignature, bogus+","+sig), want: webhook.ErrNoMatchingSignature},
		"v2 entry before v1":       {header: with(signed(testNow), webhook.HeaderSignature, "v2,abc "+sig)},
		"extra whitespace":         {header: with(signed(testNow), webhook.HeaderSignature, " \t"+sig+"  ")},
		"signature in a second value": {header: func() http.Header {
			h := with(signed(testNow), webhook.HeaderSignature, bogus)
			h.Add(webhook.HeaderSignature, sig)
			return h
		}(), want: webhook.ErrNoMatchingSignature},

		// Bounded work: only the first 16 v1 signatures count, and long headers are
		// refused outright.
		"valid 16th signature":      {header: with(signed(testNow), webhook.HeaderSignature, strings.Repeat(bogus+" ", 15)+sig)},
		"valid 17th signature":      {header: with(signed(testNow), webhook.HeaderSignature, strings.Repeat(bogus+" ", 16)+sig), want: webhook.ErrNoMatchingSignature},
		"many other versions first": {header: with(signed(testNow), webhook.HeaderSignature, strings.Repeat("v2,x ", 200)+sig)},
		"header over 4 KiB":         {header: with(signed(testNow), webhook.HeaderSignature, sig+strings.Repeat(" ", 4096)), want: webhook.ErrNoMatchingSignature},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			secrets := tc.secrets
			if secrets == nil {
				secrets = []string{secret}
			}
			v := newTestVerifier(t, secrets...)
			v.Tolerance = tc.tolerance
			received := tc.body
			if received == "" {
				received = body
			}
			err := v.Verify(tc.header, []byte(received))
			if diff := cmp.Diff(tc.want, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("Verify (-want +got):\n%s\nerror: %v", diff, err)
			}
			if err == nil {
				return
			}
			for _, s := range append(secrets, sig) {
				if leak := s[strings.IndexAny(s, "_,")+1:]; strings.Contains(err.Error(), leak) {
					t.Errorf("Verify error %q contains a secret or the expected signature", err)
				}
			}
		})
	}
}

func TestVerifyErrorMessages(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	signed := func(ts time.Time) http.Header { return delivery(key, vectorID, ts, vectorBody) }
	for name, tc := range map[string]struct {
		header http.Header
		want   string
	}{
		"missing": {
			without(signed(testNow), webhook.HeaderTimestamp),
			"webhook: webhook-timestamp: missing webhook header",
		},
		"invalid timestamp": {
			with(signed(testNow), webhook.HeaderTimestamp, "1700000000.5"),
			`webhook: webhook-timestamp "1700000000.5" is not decimal Unix seconds: invalid webhook timestamp`,
		},
		"long invalid timestamp is clipped": {
			with(signed(testNow), webhook.HeaderTimestamp, strings.Repeat("x", 1000)),
			`webhook: webhook-timestamp "` + strings.Repeat("x", 32) + `..." is not decimal Unix seconds: invalid webhook timestamp`,
		},
		"too old": {
			signed(testNow.Add(-6 * time.Minute)),
			"webhook: timestamp 1699999640 is 6m0s in the past, beyond tolerance 5m0s: webhook timestamp outside tolerance",
		},
		"too new": {
			signed(testNow.Add(time.Hour)),
			"webhook: timestamp 1700003600 is 1h0m0s in the future, beyond tolerance 5m0s: webhook timestamp outside tolerance",
		},
		"no v1 signature": {
			with(signed(testNow), webhook.HeaderSignature, "v1a,abc"),
			"webhook: webhook-signature has no v1 signature: no matching webhook signature",
		},
		"no match": {
			with(signed(testNow), webhook.HeaderSignature, "v1,abc v1,def"),
			"webhook: 2 v1 signature(s) checked against 1 secret(s): no matching webhook signature",
		},
		"header too long": {
			with(signed(testNow), webhook.HeaderSignature, strings.Repeat("v1,abc ", 1000)),
			"webhook: webhook-signature has 7000 bytes, limit 4096: no matching webhook signature",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := newTestVerifier(t, vectorSecret).Verify(tc.header, []byte(vectorBody))
			if err == nil {
				t.Fatal("Verify succeeded, want an error")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("Verify error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyUsesClock(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	v := newTestVerifier(t, vectorSecret)
	// The receiver's clock has sub-second precision while timestamps do not: half
	// a second past the tolerance is already too late.
	v.NowFunc = func() time.Time { return testNow.Add(webhook.DefaultTolerance + 500*time.Millisecond) }
	err := v.Verify(delivery(key, vectorID, testNow, vectorBody), []byte(vectorBody))
	if !errors.Is(err, webhook.ErrTimestampOutOfTolerance) {
		t.Errorf("Verify = %v, want ErrTimestampOutOfTolerance", err)
	}
	// Without NowFunc the verifier uses the real clock.
	v.NowFunc = nil
	if err := v.Verify(delivery(key, vectorID, time.Now(), vectorBody), []byte(vectorBody)); err != nil {
		t.Errorf("Verify with the real clock: %v", err)
	}
}

func TestNewVerifier(t *testing.T) {
	t.Parallel()
	short := "whsec_" + base64.StdEncoding.EncodeToString([]byte("short"))
	for name, tc := range map[string]struct {
		secrets []string
		want    string // error message; "" means success
	}{
		"one":             {secrets: []string{vectorSecret}},
		"two":             {secrets: []string{vectorSecret, webhook.NewSecret()}},
		"none":            {secrets: nil, want: "webhook: no secrets given: invalid signing secret"},
		"one invalid":     {secrets: []string{short}, want: "webhook: secret has 5 bytes, want at least 24: invalid signing secret"},
		"second invalid":  {secrets: []string{vectorSecret, short}, want: "webhook: secret 2 of 2: secret has 5 bytes, want at least 24: invalid signing secret"},
		"second is empty": {secrets: []string{vectorSecret, ""}, want: "webhook: secret 2 of 2: empty secret: invalid signing secret"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, err := webhook.NewVerifier(tc.secrets...)
			if tc.want == "" {
				if err != nil || v == nil {
					t.Fatalf("NewVerifier = %v, %v; want a verifier", v, err)
				}
				return
			}
			if !errors.Is(err, webhook.ErrInvalidSecret) || v != nil {
				t.Fatalf("NewVerifier = %v, %v; want ErrInvalidSecret", v, err)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("NewVerifier error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestZeroVerifierAcceptsNothing(t *testing.T) {
	t.Parallel()
	h := delivery(mustParseSecret(t, vectorSecret), vectorID, time.Now(), vectorBody)
	var v webhook.Verifier
	if err := v.Verify(h, []byte(vectorBody)); !errors.Is(err, webhook.ErrNoMatchingSignature) {
		t.Errorf("zero Verifier: Verify = %v, want ErrNoMatchingSignature", err)
	}
}

func TestVerifyFunc(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	for name, tc := range map[string]struct {
		secret string
		header http.Header
		want   error
	}{
		"valid":          {vectorSecret, delivery(key, vectorID, time.Now(), vectorBody), nil},
		"bare secret":    {strings.TrimPrefix(vectorSecret, "whsec_"), delivery(key, vectorID, time.Now(), vectorBody), nil},
		"too old":        {vectorSecret, delivery(key, vectorID, time.Now().Add(-time.Hour), vectorBody), webhook.ErrTimestampOutOfTolerance},
		"wrong secret":   {webhook.NewSecret(), delivery(key, vectorID, time.Now(), vectorBody), webhook.ErrNoMatchingSignature},
		"invalid secret": {"whsec_", delivery(key, vectorID, time.Now(), vectorBody), webhook.ErrInvalidSecret},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify(tc.secret, tc.header, []byte(vectorBody))
			if diff := cmp.Diff(tc.want, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("Verify (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzVerify checks that Verify never panics, fails only with its documented
// errors, and accepts a delivery only when the signature header holds the
// signature of exactly that ID, timestamp and body; and that it does accept one
// when it does.
func FuzzVerify(f *testing.F) {
	key := mustParseSecret(f, vectorSecret)
	now := testNow.Unix()
	ts := strconv.FormatInt(now, 10)
	good := webhook.Sign(key, vectorID, testNow, []byte(vectorBody))
	f.Add(vectorID, ts, good, []byte(vectorBody))
	f.Add(vectorID, ts, "v1,bogus "+good, []byte(vectorBody))
	f.Add(vectorID, ts, "v2,"+good[3:], []byte(vectorBody))
	f.Add(vectorID, ts, good, []byte(vectorBody+" "))
	f.Add(vectorID, "+"+ts, good, []byte(vectorBody))
	f.Add(vectorID, "0"+ts, good, []byte(vectorBody))
	f.Add(vectorID, strconv.FormatInt(now-300, 10), good, []byte(vectorBody))
	f.Add("", "", "", []byte(nil))
	f.Add("a.b", "1.2", "v1,,, v1 ,v1", []byte("."))

	f.Fuzz(func(t *testing.T, id, tsText, sigs string, body []byte) {
		v := newTestVerifier(t, vectorSecret)
		h := http.Header{}
		h.Set(webhook.HeaderID, id)
		h.Set(webhook.HeaderTimestamp, tsText)
		h.Set(webhook.HeaderSignature, sigs)

		// An independent statement of which deliveries are valid apart from the
		// signature: a present ID, and a canonical timestamp within 5 minutes.
		n, err := strconv.ParseInt(tsText, 10, 64)
		fresh := id != "" && err == nil && n >= 0 && strconv.FormatInt(n, 10) == tsText &&
			n >= now-300 && n <= now+300
		want := webhook.Sign(key, id, time.Unix(n, 0), body)

		err = v.Verify(h, body)
		if err == nil {
			if !fresh {
				t.Fatalf("Verify accepted id %q, timestamp %q", id, tsText)
			}
			if !strings.Contains(sigs, want) {
				t.Fatalf("Verify accepted %q, which lacks the signature %q", sigs, want)
			}
		} else {
			if !errors.Is(err, webhook.ErrMissingHeader) && !errors.Is(err, webhook.ErrInvalidTimestamp) &&
				!errors.Is(err, webhook.ErrTimestampOutOfTolerance) && !errors.Is(err, webhook.ErrNoMatchingSignature) {
				t.Fatalf("Verify returned an undocumented error: %v", err)
			}
			if strings.Contains(err.Error(), want[3:]) {
				t.Fatalf("Verify error %q contains the expected signature", err)
			}
		}

		// The correct signature, alone or after another version's entry, is
		// accepted exactly when the delivery is fresh.
		for _, correct := range []string{want, "v2," + strings.Join(strings.Fields(sigs), "") + " " + want} {
			if len(correct) > 4096 {
				continue
			}
			h.Set(webhook.HeaderSignature, correct)
			if err := v.Verify(h, body); (err == nil) != fresh {
				t.Fatalf("Verify(id %q, timestamp %q, signature %q) = %v, want success %v", id, tsText, correct, err, fresh)
			}
		}
	})
}
