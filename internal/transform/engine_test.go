package transform_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/transform"
	"github.com/patchbay/patchbay/internal/transform/transformtest"
)

func sample() transform.Input {
	return transform.Input{
		Webhook: transform.Webhook{
			EventType: "invoice.paid",
			Payload:   json.RawMessage(`{"id":"in_1","amount":42}`),
			Headers:   map[string]string{"X-Original": "1"},
			URL:       "https://example.com/hook",
		},
		Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func js(version, code string) transform.Program {
	return transform.Program{Version: version, Language: transform.LangJavaScript, Code: []byte(code)}
}

func TestJavaScript(t *testing.T) {
	t.Parallel()
	// A second, not the default 50 ms: this machine may be busy, and these
	// runs must succeed; the hostile tests hold the default.
	e := transform.NewEngine(transform.Limits{Timeout: time.Second})
	res, err := e.Run(t.Context(), js("tfv_js1", `function handler(webhook) {
		console.log("type", webhook.eventType, {n: 1});
		webhook.payload.amount *= 2;
		webhook.payload.at = new Date().toISOString();
		webhook.payload.now = Date.now();
		webhook.headers["X-Added"] = "yes";
		webhook.url = webhook.url + "?v=2";
		return webhook;
	}`), sample())
	if err != nil {
		t.Fatal(err)
	}
	want := transform.Webhook{
		EventType: "invoice.paid",
		Payload:   json.RawMessage(`{"id":"in_1","amount":84,"at":"2026-01-02T03:04:05.000Z","now":1767323045000}`),
		Headers:   map[string]string{"X-Original": "1", "X-Added": "yes"},
		URL:       "https://example.com/hook?v=2",
	}
	if diff := cmp.Diff(want, res.Webhook); diff != "" {
		t.Errorf("webhook (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`type invoice.paid {"n":1}`}, res.Logs); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
	// Cancel; a VM serves run after run, each with its own logs and clock.
	p := js("tfv_js2", `function handler(w) { console.log("at", Date.now()); w.cancel = w.payload.amount > 100; return w; }`)
	for i, amount := range []int{7, 700} {
		in := sample()
		in.Now = in.Now.Add(time.Duration(i) * time.Second)
		in.Webhook.Payload = json.RawMessage(fmt.Sprintf(`{"amount":%d}`, amount))
		res, err := e.Run(t.Context(), p, in)
		if err != nil || res.Webhook.Cancel != (amount > 100) {
			t.Fatalf("run %d: cancel %v, %v", i, res.Webhook.Cancel, err)
		}
		if want := []string{fmt.Sprintf("at %d", in.Now.UnixMilli())}; !cmp.Equal(res.Logs, want) {
			t.Errorf("run %d logs %q, want %q", i, res.Logs, want)
		}
	}
	if err := e.Check(t.Context(), js("", `function handler(w) { return w; `)); kindOf(err) != "compile" {
		t.Errorf("syntax error: %v, want a compile error", err)
	}
}

func kindOf(err error) string {
	var te *transform.Error
	if errors.As(err, &te) {
		return te.Kind
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// TestJavaScriptHostile runs each hostile program alone and checks that it
// fails with its reason, within bounds, and that the engine runs a good
// program afterwards.
func TestJavaScriptHostile(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		code, kind, message string
	}{
		"infinite loop":     {`function handler(w) { for (;;) {} }`, "timeout", "ran longer than 50ms"},
		"1 GiB allocation":  {`function handler(w) { var a = []; for (var i = 0; i < 1024; i++) a.push(new Uint8Array(1 << 20)); return w; }`, "memory", "used more than"},
		"string growth":     {`function handler(w) { var s = "x"; for (;;) s += s; }`, "", ""},
		"deep recursion":    {`function handler(w) { function r(n) { return r(n + 1) + 1; } return r(0); }`, "throw", "stack overflow"},
		"huge output":       {`function handler(w) { w.payload = "x".repeat(4 << 20); return w; }`, "", ""},
		"throw":             {`function handler(w) { console.log("before"); throw new Error("no such customer"); }`, "throw", "Error: no such customer"},
		"wrong return type": {`function handler(w) { return "hello"; }`, "invalid", "handler must return the webhook object, not string"},
		"returns nothing":   {`function handler(w) { w.x = 1; }`, "invalid", "not undefined"},
		"wrong field type":  {`function handler(w) { w.headers = "x"; return w; }`, "invalid", "the returned headers has the wrong type"},
		"no handler":        {`function other(w) { return w; }`, "invalid", "must define function handler"},
		"network":           {`function handler(w) { return fetch("http://127.0.0.1:5432/"); }`, "throw", "ReferenceError"},
		"files":             {`function handler(w) { var f = std.open("/etc/passwd", "r"); return w; }`, "throw", "ReferenceError"},
		"real clock":        {`function handler(w) { w.payload = [Date.now(), Object.getPrototypeOf(new Date()).constructor.now(), typeof performance, typeof process]; return w; }`, "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			e := transform.NewEngine(transform.Limits{Output: 1 << 20})
			start := time.Now()
			res, err := e.Run(t.Context(), js("", tc.code), sample())
			took := time.Since(start)
			if took > 10*time.Second { // bounded, with room for a busy machine
				t.Errorf("took %s", took)
			}
			switch name {
			case "string growth": // memory or a RangeError, whichever QuickJS meets first
				if k := kindOf(err); k != "memory" && k != "throw" && k != "timeout" {
					t.Errorf("got %v, want out of memory, time or a throw", err)
				}
			case "huge output": // on a busy machine, building the output may run out of time first
				if k := kindOf(err); k != "output" && k != "memory" && k != "timeout" {
					t.Errorf("got %v, want the output limit", err)
				}
			case "real clock":
				if err != nil {
					t.Fatal(err)
				}
				if got, want := string(res.Webhook.Payload), `[1767323045000,1767323045000,"undefined","undefined"]`; got != want {
					t.Errorf("payload %s, want %s", got, want)
				}
			default:
				if k := kindOf(err); k != tc.kind || !strings.Contains(err.Error(), tc.message) {
					t.Errorf("got %v (kind %q), want kind %q with %q", err, k, tc.kind, tc.message)
				}
			}
			if name == "throw" {
				var te *transform.Error
				if errors.As(err, &te) && !slicesEqual(te.Logs, []string{"before"}) {
					t.Errorf("logs %q, want the line logged before the throw", te.Logs)
				}
			}
			goodRun(t, e, js("", `function handler(w) { return w; }`), sample())
		})
	}
}

func slicesEqual(a, b []string) bool { return cmp.Equal(a, b) }

func wasm(version string, code []byte) transform.Program {
	return transform.Program{Version: version, Language: transform.LangWasm, Code: code}
}

// TestWasmExample runs the Go example module of examples/transform-wasm.
func TestWasmExample(t *testing.T) {
	t.Parallel()
	e := transform.NewEngine(transform.Limits{Timeout: time.Second})
	defer e.Close(context.Background())
	p := wasm("tfv_wasm1", transformtest.Example(t))
	in := sample()
	in.Webhook.Payload = json.RawMessage(`{"log":"hello from go"}`)
	res, err := e.Run(t.Context(), p, in)
	if err != nil {
		t.Fatal(err)
	}
	want := transform.Webhook{
		EventType: "invoice.paid",
		Payload:   json.RawMessage(`{"data":{"log":"hello from go"},"type":"invoice.paid"}`),
		Headers:   map[string]string{"X-Original": "1", "X-Transformed": "go-wasm"},
		URL:       "https://example.com/hook",
	}
	if diff := cmp.Diff(want, res.Webhook); diff != "" {
		t.Errorf("webhook (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"hello from go"}, res.Logs); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
	in.Webhook.Payload = json.RawMessage(`{"fail":true}`)
	if _, err := e.Run(t.Context(), p, in); kindOf(err) != "throw" || !strings.Contains(err.Error(), "the payload asked to fail") {
		t.Errorf("fail: %v", err)
	}
	in.Webhook.EventType = "internal.ignored"
	in.Webhook.Payload = json.RawMessage(`{}`)
	if res, err := e.Run(t.Context(), p, in); err != nil || !res.Webhook.Cancel {
		t.Errorf("cancel: %v, %v", res.Webhook.Cancel, err)
	}
	if err := e.Check(t.Context(), wasm("", []byte("\x00asm\x01\x00\x00\x00"))); kindOf(err) != "compile" || !strings.Contains(err.Error(), "patchbay_alloc") {
		t.Errorf("empty module: %v, want a compile error naming the export", err)
	}
	if err := e.Check(t.Context(), wasm("", []byte("not wasm"))); kindOf(err) != "compile" {
		t.Errorf("not wasm: %v, want a compile error", err)
	}
}

func TestWasmHostile(t *testing.T) {
	t.Parallel()
	code := transformtest.Hostile(t)
	e := transform.NewEngine(transform.Limits{})
	t.Cleanup(func() { e.Close(context.Background()) })
	p := wasm("tfv_hostile", code)
	if err := e.Check(t.Context(), p); err != nil { // compiled once, outside the timed runs
		t.Fatal(err)
	}
	for mode, want := range map[string]struct{ kind, message string }{
		"loop":      {"timeout", "ran longer than 50ms"},
		"alloc":     {"", ""}, // Go's collector may thrash near the limit: out of memory, or out of time
		"recurse":   {"", ""}, // the goroutine stack grows in linear memory: out of memory, or Go's stack limit
		"huge":      {"", ""}, // the output limit, or on a busy machine the time limit while building it
		"panic":     {"throw", "panic: hostile module panics"},
		"wrongtype": {"invalid", "the handler must return the webhook object"},
		"badptr":    {"invalid", "out of range"},
		"escape":    {"", ""},
	} {
		t.Run(mode, func(t *testing.T) {
			in := sample()
			in.Webhook.Payload = json.RawMessage(`{"mode":"` + mode + `"}`)
			start := time.Now()
			res, err := e.Run(t.Context(), p, in)
			t.Logf("%s: %v in %s, logs %q", mode, err, time.Since(start), res.Logs)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s", took)
			}
			switch mode {
			case "recurse", "alloc", "huge":
				if k := kindOf(err); k != "memory" && k != "throw" && k != "timeout" && (mode != "huge" || k != "output") {
					t.Errorf("got %v, want out of memory, time, a throw (or for huge the output limit)", err)
				}
			case "escape":
				if err != nil {
					t.Fatal(err)
				}
				if got, want := string(res.Webhook.Payload), `{"dir":false,"env":0,"file":false,"net":false,"now":"2026-01-02T03:04:05Z"}`; got != want {
					t.Errorf("payload %s, want %s", got, want)
				}
			default:
				if k := kindOf(err); k != want.kind || !strings.Contains(err.Error(), want.message) {
					t.Errorf("got %v (kind %q), want kind %q with %q", err, k, want.kind, want.message)
				}
			}
			in.Webhook.Payload = json.RawMessage(`{"mode":"none"}`)
			goodRun(t, e, p, in)
		})
	}
}

// goodRun checks that the engine still runs a good program after a hostile
// one. A busy machine may stretch a run past the 50 ms default, so a timeout
// is tried again, up to three times.
func goodRun(t *testing.T, e *transform.Engine, p transform.Program, in transform.Input) {
	t.Helper()
	var err error
	for range 3 {
		if _, err = e.Run(t.Context(), p, in); kindOf(err) != "timeout" {
			break
		}
	}
	if err != nil {
		t.Errorf("a good run after it: %v", err)
	}
}
