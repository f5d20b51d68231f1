package verify_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/patchbay/patchbay/verify"
)

// An ingest endpoint keeps one Verifier per source, built from the source's
// stored Config, and verifies the raw body before anything else reads it.
func Example() {
	github, err := verify.New(verify.Config{
		Scheme:  verify.SchemeGitHub,
		Secrets: []string{"It's a Secret to Everybody"},
	})
	if err != nil {
		panic(err)
	}
	verifiers := map[string]*verify.Verifier{"src_github": github}

	mux := http.NewServeMux()
	mux.Handle("POST /in/{source_id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := verifiers[r.PathValue("source_id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		res, err := v.Verify(verify.Request{Header: r.Header, Query: r.URL.Query(), Body: body})
		if verr, ok := errors.AsType[*verify.Error](err); ok {
			fmt.Println("refused:", verr.Reason) // a metric label
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if res.Challenge != "" { // Slack asks once, when the URL is set
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, res.Challenge)
			return
		}
		// Providers retry, so store the event once per EventID.
		fmt.Printf("accepted %s: %s\n", res.EventID, body)
		w.WriteHeader(http.StatusAccepted)
	}))

	// GitHub's own example delivery, from its documentation on validating
	// webhook deliveries.
	send := func(body, signature string) {
		req := httptest.NewRequest(http.MethodPost, "/in/src_github", strings.NewReader(body))
		req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
		req.Header.Set("X-Hub-Signature-256", signature)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Body)))
	}
	const sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	send("Hello, World!", sig)
	send("Hello, World?", sig)

	// Output:
	// accepted 72d3162e-cc78-11e3-81ab-4c9367dc0958: Hello, World!
	// 202
	// refused: bad_signature
	// 401 verify: X-Hub-Signature-256 matches none of the 1 configured secret(s)
}
