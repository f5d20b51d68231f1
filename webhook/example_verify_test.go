package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/webhook"
)

// A receiver verifies each delivery against the raw body before trusting it.
func ExampleVerify() {
	// The endpoint's signing secret, as shown in Patchbay. Keep it out of source
	// code in a real receiver.
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		// Verify the bytes as received: parsing and re-encoding the JSON first
		// would change them.
		if err := webhook.Verify(secret, r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		// Retries repeat the message ID, so it is the key to deduplicate on.
		fmt.Printf("accepted %s: %s\n", r.Header.Get(webhook.HeaderID), body)
		w.WriteHeader(http.StatusNoContent)
	})

	// A delivery as Patchbay sends it.
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		panic(err)
	}
	body := `{"type":"invoice.paid","data":{"id":"inv_1"}}`
	now := time.Now()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/patchbay", strings.NewReader(body))
	req.Header.Set(webhook.HeaderID, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(key, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, []byte(body)))

	rec := httptest.NewRecorder()
	receiver.ServeHTTP(rec, req)
	fmt.Println(rec.Code)

	// The same headers with a forged body are refused.
	forged := httptest.NewRequest(http.MethodPost, "/webhooks/patchbay", strings.NewReader(`{"type":"invoice.paid","data":{"id":"inv_2"}}`))
	forged.Header = req.Header
	rec = httptest.NewRecorder()
	receiver.ServeHTTP(rec, forged)
	fmt.Print(rec.Code, " ", rec.Body)

	// Output:
	// accepted msg_2KWPBgLlAfxdpx2AI54pPJ85f4W: {"type":"invoice.paid","data":{"id":"inv_1"}}
	// 204
	// 401 webhook: 1 v1 signature(s) checked against 1 secret(s): no matching webhook signature
}

// During a secret rotation the receiver accepts both secrets, and Middleware
// verifies before the application handler runs.
func ExampleVerifier_Middleware() {
	oldSecret, newSecret := webhook.NewSecret(), webhook.NewSecret()
	v, err := webhook.NewVerifier(oldSecret, newSecret)
	if err != nil {
		panic(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // already verified, and readable again
		fmt.Printf("handling %s\n", body)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/patchbay", v.Middleware(app))

	// Patchbay has switched to the new secret.
	key, err := webhook.ParseSecret(newSecret)
	if err != nil {
		panic(err)
	}
	body := `{"type":"contact.created"}`
	now := time.Now()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/patchbay", strings.NewReader(body))
	req.Header.Set(webhook.HeaderID, "msg_1")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.SignatureHeader([][]byte{key}, "msg_1", now, []byte(body)))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code)

	// Output:
	// handling {"type":"contact.created"}
	// 200
}
