package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/webhook"
)

// The vector from the official Go library's TestWebhookSign, so that a change
// to the signed content fails here even without the interop tests.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

var vectorTime = time.Unix(1614265330, 0)

func mustParseSecret(t testing.TB, s string) []byte {
	t.Helper()
	key, err := webhook.ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestSign(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	for name, tc := range map[string]struct {
		ts   time.Time
		want string
	}{
		"known vector": {vectorTime, vectorSignature},
		// The header carries whole seconds, so sub-second parts and the time zone
		// must not change the signature.
		"sub-second part ignored": {vectorTime.Add(999 * time.Millisecond), vectorSignature},
		"time zone ignored":       {vectorTime.In(time.FixedZone("UTC+9", 9*3600)), vectorSignature},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := webhook.Sign(key, vectorID, tc.ts, []byte(vectorBody))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Sign (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSignatureHeader(t *testing.T) {
	t.Parallel()
	oldKey := mustParseSecret(t, vectorSecret)
	newKey := mustParseSecret(t, webhook.NewSecret())
	body := []byte(vectorBody)
	oldSig := webhook.Sign(oldKey, vectorID, vectorTime, body)
	newSig := webhook.Sign(newKey, vectorID, vectorTime, body)
	for name, tc := range map[string]struct {
		keys [][]byte
		want string
	}{
		"no keys":  {nil, ""},
		"one key":  {[][]byte{oldKey}, oldSig},
		"rotation": {[][]byte{oldKey, newKey}, oldSig + " " + newSig},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := webhook.SignatureHeader(tc.keys, vectorID, vectorTime, body)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("SignatureHeader (-want +got):\n%s", diff)
			}
		})
	}
	if oldSig == newSig || !strings.HasPrefix(newSig, "v1,") {
		t.Errorf("signatures under different keys: %q and %q", oldSig, newSig)
	}
}

func TestSetHeaders(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	key := mustParseSecret(t, secret)
	now := time.Now()
	h := http.Header{}
	webhook.SetHeaders(h, [][]byte{key}, vectorID, now, []byte(vectorBody))
	if diff := cmp.Diff(delivery(key, vectorID, now, vectorBody), h); diff != "" {
		t.Errorf("SetHeaders (-want +got):\n%s", diff)
	}
	if err := webhook.Verify(secret, h, []byte(vectorBody)); err != nil {
		t.Errorf("Verify of what SetHeaders set: %v", err)
	}
	unsigned := http.Header{}
	webhook.SetHeaders(unsigned, nil, vectorID, now, []byte(vectorBody))
	if _, ok := unsigned[http.CanonicalHeaderKey(webhook.HeaderSignature)]; ok || unsigned.Get(webhook.HeaderID) != vectorID ||
		unsigned.Get(webhook.HeaderTimestamp) != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("unsigned delivery headers %v, want id and timestamp and no signature", unsigned)
	}
}
