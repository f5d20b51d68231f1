//go:build wasip1

// Command transform-wasm is an example Patchbay transformation written in Go
// and compiled to WebAssembly (WASI preview 1). It implements the ABI of
// docs/transformations.md: it exports patchbay_alloc and patchbay_handle,
// takes the webhook object as JSON and returns it as JSON.
//
// Build it (from the repository's root) with:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o transform.wasm ./examples/transform-wasm
//
// What it does: adds the header X-Transformed: go-wasm, wraps the payload as
// {"data": payload, "type": eventType}, and cancels events whose type is
// "internal.ignored". A payload {"fail": true} makes it fail the run, and a
// payload {"log": "…"} prints a log line (stdout is the run's log).
package main

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

func main() {}

// webhook is the object a transformation receives and returns.
type webhook struct {
	EventType  string            `json:"eventType"`
	Payload    json.RawMessage   `json:"payload"`
	Headers    map[string]string `json:"headers"`
	URL        string            `json:"url,omitempty"`
	RoutingKey string            `json:"routingKey,omitempty"`
	TenantID   string            `json:"tenantId,omitempty"`
	Cancel     bool              `json:"cancel"`
}

// input and output keep the buffers the host reads and writes alive until
// the next call.
var input, output []byte

//go:wasmexport patchbay_alloc
func alloc(size uint32) unsafe.Pointer {
	input = make([]byte, size)
	if size == 0 {
		return nil
	}
	return unsafe.Pointer(&input[0])
}

//go:wasmexport patchbay_handle
func handle(ptr unsafe.Pointer, size uint32) uint64 {
	in := unsafe.Slice((*byte)(ptr), size)
	out, err := transform(in)
	if err != nil {
		out, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	output = out
	if len(output) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&output[0])))<<32 | uint64(len(output))
}

func transform(in []byte) ([]byte, error) {
	var w webhook
	if err := json.Unmarshal(in, &w); err != nil {
		return nil, fmt.Errorf("decode the webhook: %w", err)
	}
	var p struct {
		Fail bool   `json:"fail"`
		Log  string `json:"log"`
	}
	_ = json.Unmarshal(w.Payload, &p)
	if p.Log != "" {
		fmt.Println(p.Log)
	}
	if p.Fail {
		return nil, fmt.Errorf("the payload asked to fail")
	}
	if w.Headers == nil {
		w.Headers = map[string]string{}
	}
	w.Headers["X-Transformed"] = "go-wasm"
	w.Payload, _ = json.Marshal(map[string]any{"data": w.Payload, "type": w.EventType})
	w.Cancel = w.EventType == "internal.ignored"
	return json.Marshal(w)
}
