package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestInboundCRCIsNoSigningOracle: X's CRC check answers anyone with the HMAC
// of their crc_token. Where events are signed over the bare body, that answer
// is the signature of an event whose body is the token, so a source may not
// be set up that way; where the signed content has text no token can hold,
// the answer signs nothing.
func TestInboundCRCIsNoSigningOracle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setup(t, d, "--rate-limit", "0")
		get := func(u string) (int, string) {
			t.Helper()
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		// The attack: ask for the answer to a token, post the token as an
		// event with the answer as its signature.
		forge := func(src testSource, token string) int {
			t.Helper()
			st, body := get(src.IngestURL + "?crc_token=" + url.QueryEscape(token))
			var reply struct {
				ResponseToken string `json:"response_token"`
			}
			if st != 200 || json.Unmarshal([]byte(body), &reply) != nil {
				return st
			}
			st, _, _ = post(t, src.IngestURL, []byte(token), "X-Twitter-Webhooks-Signature", reply.ResponseToken)
			return st
		}

		bare := `{"name":"X","verifier":{"scheme":"hmac","header":"X-Twitter-Webhooks-Signature","prefix":"sha256=","encoding":"base64",` +
			`"secrets":["consumer-secret"],"handshake":"crc"}}`
		resp, body := e.do(t, "POST", "/v1/sources", bare)
		if resp.StatusCode == 201 {
			var src testSource
			json.Unmarshal(body, &src) //nolint:errcheck // checked by the attack
			t.Fatalf("a crc source signing the bare body was created; the forged event got %d", forge(src, "1234567890"))
		}
		if p := problem(t, resp, body); resp.StatusCode != 400 || !hasField(p.Errors, "verifier/handshake") {
			t.Errorf("crc over the bare body: %d %s, want 400 naming verifier/handshake", resp.StatusCode, body)
		}

		// Separated by a ":" no token may hold: the handshake works, and its
		// answer verifies no event.
		src := e.createSource(t, `{"name":"X","verifier":{"scheme":"hmac","header":"X-Twitter-Webhooks-Signature","prefix":"sha256=",`+
			`"encoding":"base64","signed_content":"v1:{body}","secrets":["consumer-secret"],"handshake":"crc"}}`)
		mac := hmac.New(sha256.New, []byte("consumer-secret"))
		mac.Write([]byte("crc-abc"))
		if st, got := get(src.IngestURL + "?crc_token=crc-abc"); st != 200 ||
			got != `{"response_token":"sha256=`+base64.StdEncoding.EncodeToString(mac.Sum(nil))+`"}` {
			t.Errorf("crc handshake: %d %s", st, got)
		}
		if st := forge(src, "v1.crc-abc"); st != 401 {
			t.Errorf("an event signed with a crc answer: %d, want 401", st)
		}
		// The update path refuses the bare body too.
		resp, body = e.do(t, "PATCH", "/v1/sources/"+src.ID, strings.Replace(bare, `"name":"X",`, "", 1))
		if p := problem(t, resp, body); resp.StatusCode != 400 || !hasField(p.Errors, "verifier/handshake") {
			t.Errorf("update to crc over the bare body: %d %s", resp.StatusCode, body)
		}
	})
}

func hasField(errs []client.FieldError, field string) bool {
	return slices.ContainsFunc(errs, func(f client.FieldError) bool { return f.Field == field })
}
