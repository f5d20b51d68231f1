package transform

import (
	"encoding/json"
	"testing"
)

// FuzzParseOutput: whatever bytes a transformation returns (a Wasm module
// writes them freely) are parsed without a panic into a valid webhook or an
// error; a parsed payload is JSON.
//
//	go test ./internal/transform -run '^$' -fuzz FuzzParseOutput -fuzztime 30s
func FuzzParseOutput(f *testing.F) {
	for _, s := range []string{`{"payload":{"a":1},"headers":{"X":"y"},"url":"https://e.com","cancel":false}`,
		`{"payload":null}`, `[1,2]`, `"x"`, `{"headers":"x"}`, `{"cancel":"yes"}`, `{"eventType":7}`, `{`, ``, `null`,
		`{"payload":"\u0000","tenantId":"t","routingKey":"k"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := parseOutput(b)
		if err != nil {
			return
		}
		if !json.Valid(w.Payload) {
			t.Errorf("payload %q is not JSON", w.Payload)
		}
	})
}

// FuzzDecodeModule: an uploaded module_base64 is refused or decoded into
// something with the Wasm header, never more than the limit, without a panic.
func FuzzDecodeModule(f *testing.F) {
	for _, s := range []string{"AGFzbQEAAAA=", "H4sIAAAAAAAA/2JILM7NTWEwZGAABAAA//8RPhqgCAAAAA==", "bm90", "", "!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := decodeModule(s)
		if err != nil {
			return
		}
		if len(b) < 4 || string(b[:4]) != "\x00asm" || len(b) > wasmModuleMax {
			t.Errorf("decoded %d bytes without the header or over the limit", len(b))
		}
	})
}
