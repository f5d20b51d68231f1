package webhook_test

import (
	"fmt"
	"time"

	"github.com/patchbay/patchbay/webhook"
)

// The sending side: while an endpoint's secret is rotated, Patchbay signs each
// delivery with the old and the new key.
func ExampleSignatureHeader() {
	oldKey, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		panic(err)
	}
	newKey, err := webhook.ParseSecret("whsec_dGhpcyBpcyBhIHNlY29uZCwgbG9uZ2VyIGtleSEh")
	if err != nil {
		panic(err)
	}
	ts := time.Unix(1614265330, 0)
	fmt.Println(webhook.SignatureHeader([][]byte{oldKey, newKey}, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, []byte(`{"test": 2432232314}`)))
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,bHNV9KIPKitKt6cOTj7oS9FvIyJNQOtDV91B2a6KSuA=
}
