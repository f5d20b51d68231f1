//go:build wasip1

// Command hostile is a Wasm transformation that misbehaves on request, for
// the sandbox's tests: the payload's "mode" says how.
package main

import (
	"encoding/json"
	"net"
	"os"
	"strings"
	"time"
	"unsafe"
)

func main() {}

var input, output []byte

//go:wasmexport patchbay_alloc
func alloc(size uint32) unsafe.Pointer {
	input = make([]byte, size)
	return unsafe.Pointer(&input[0])
}

var sink [][]byte

func recurse(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	return recurse(n+1) + int(pad[0])
}

//go:wasmexport patchbay_handle
func handle(ptr unsafe.Pointer, size uint32) uint64 {
	var w map[string]any
	_ = json.Unmarshal(unsafe.Slice((*byte)(ptr), size), &w)
	p, _ := w["payload"].(map[string]any)
	mode, _ := p["mode"].(string)
	switch mode {
	case "loop":
		for {
		}
	case "alloc": // 1 GiB, a MiB at a time
		for i := 0; i < 1024; i++ {
			sink = append(sink, make([]byte, 1<<20))
		}
	case "recurse":
		recurse(0)
	case "huge":
		output = []byte(`{"payload":"` + strings.Repeat("x", 1200<<10) + `"}`)
		return uint64(uintptr(unsafe.Pointer(&output[0])))<<32 | uint64(len(output))
	case "panic":
		panic("hostile module panics")
	case "wrongtype":
		output = []byte(`[1,2,3]`)
		return uint64(uintptr(unsafe.Pointer(&output[0])))<<32 | uint64(len(output))
	case "badptr":
		return 0xFFFFFF00<<32 | 100
	case "escape":
		_, ferr := os.ReadFile("/etc/passwd")
		_, derr := os.ReadDir("/")
		_, nerr := net.Dial("tcp", "127.0.0.1:5432")
		env := os.Environ()
		w["payload"] = map[string]any{
			"file": ferr == nil, "dir": derr == nil, "net": nerr == nil, "env": len(env),
			"now": time.Now().UTC().Format(time.RFC3339),
		}
	}
	output, _ = json.Marshal(w)
	return uint64(uintptr(unsafe.Pointer(&output[0])))<<32 | uint64(len(output))
}
