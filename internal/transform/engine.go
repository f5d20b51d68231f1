// Package transform runs sandboxed transformations: JavaScript (QuickJS, pure
// Go, through modernc.org/quickjs) and WebAssembly modules (WASI preview 1,
// through wazero), each run hard-limited in CPU time, memory and output size,
// with no network, no files, no environment and a fixed clock. The package
// also owns the transformations resource: versions, attachments to endpoints
// and sources, the test operation.
package transform

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Languages a transformation may be written in.
const (
	LangJavaScript = "javascript"
	LangWasm       = "wasm"
)

// Defaults of Limits.
const (
	TimeoutDefault = 50 * time.Millisecond
	MemoryDefault  = 16 << 20
	OutputDefault  = 1 << 20
	// logsMax and logLineMax bound what console.log (or a module's stdout and
	// stderr) can keep per run.
	logsMax    = 50
	logLineMax = 1000
	// maxCached bounds the compiled versions kept per node; past it the cache
	// starts afresh.
	maxCached = 256
)

// Limits bound one run. Zero fields mean the defaults.
type Limits struct {
	// Timeout is the CPU (wall) time a run may take; TimeoutDefault if zero.
	Timeout time.Duration
	// Memory is the most memory a run's heap (JavaScript) or linear memory
	// (Wasm) may use, in bytes; MemoryDefault if zero.
	Memory int64
	// Output is the largest result, as JSON, in bytes; OutputDefault if zero.
	Output int
}

func (l Limits) withDefaults() Limits {
	l.Timeout = cmp.Or(l.Timeout, TimeoutDefault)
	l.Memory = cmp.Or(l.Memory, MemoryDefault)
	l.Output = cmp.Or(l.Output, OutputDefault)
	return l
}

// Webhook is what a transformation receives and returns, in the
// Svix-compatible shape. Payload is the body as JSON (a body that is not JSON
// is passed as a JSON string). Endpoints fill URL (and RoutingKey for broker
// endpoints); sources fill TenantID. Cancel set by the transformation drops
// the delivery (or the inbound event's forwarding and re-emit).
type Webhook struct {
	EventType  string            `json:"eventType" doc:"The message's event type."`
	Payload    json.RawMessage   `json:"payload" doc:"The message's payload, which the transformation may change."`
	Headers    map[string]string `json:"headers" doc:"The headers the delivery will carry besides the signature's, which the transformation may change."`
	URL        string            `json:"url,omitempty" doc:"The endpoint's URL, which the transformation may change (it is checked again by the outbound policy)." format:"uri"`
	RoutingKey string            `json:"routingKey,omitempty" doc:"The routing key or subject, for broker endpoints."`
	TenantID   string            `json:"tenantId,omitempty" doc:"The tenant the message belongs to (sources: the tenant to re-emit to)."`
	Cancel     bool              `json:"cancel" doc:"Set to true to send nothing for this delivery (or to drop a source's event)."`
}

// Program is one version of a transformation, as it runs.
type Program struct {
	// Version is the version's ID (tfv_…); compiled code is cached by it,
	// since a version never changes.
	Version  string
	Language string
	Code     []byte // JavaScript source, or the Wasm module's bytes
}

// Input is one run's input.
type Input struct {
	Webhook Webhook
	// Now is what the transformation's clock reads (Date.now() in
	// JavaScript, the WASI clocks in Wasm): the message's time, so that a run
	// is deterministic and a retry computes what the first attempt did.
	Now time.Time
}

// Result is a finished run.
type Result struct {
	Webhook  Webhook
	Logs     []string
	Duration time.Duration
}

// Error is why a run failed: the program threw, ran out of time or memory,
// or returned something invalid. Its message is safe to record and show.
type Error struct {
	Kind    string // "compile", "throw", "timeout", "memory", "invalid", "output"
	Message string
	Logs    []string
}

func (e *Error) Error() string { return "transformation " + e.Kind + ": " + e.Message }

// Deterministic reports whether running the same version on the same input
// again would fail the same way (a timeout may not, on a less busy node).
func (e *Error) Deterministic() bool { return e.Kind != "timeout" }

// Engine runs programs. It caches each version's compiled form (QuickJS
// bytecode, a wazero compiled module) and is safe for concurrent use: each
// run gets a fresh VM or module instance, so runs share no state.
type Engine struct {
	limits Limits
	wasm   *wasmRuntime

	mu       sync.Mutex
	compiled map[string]any // version → *jsProgram or *wasmModule
}

// NewEngine returns an engine whose runs are bound by limits.
func NewEngine(limits Limits) *Engine {
	limits = limits.withDefaults()
	return &Engine{limits: limits, wasm: newWasmRuntime(limits), compiled: map[string]any{}}
}

// Limits returns the engine's limits, defaults applied.
func (e *Engine) Limits() Limits { return e.limits }

// Close frees the engine's compiled modules.
func (e *Engine) Close(ctx context.Context) error { return e.wasm.close(ctx) }

// Check compiles p and reports what is wrong with it, for validation at save
// time; the compiled form is cached.
func (e *Engine) Check(ctx context.Context, p Program) error {
	_, err := e.compile(ctx, p)
	return err
}

// Compiled is a program's compiled form, from Compile.
type Compiled struct{ c any }

// Compile compiles p (whose version may not have an ID yet) for Remember.
func (e *Engine) Compile(ctx context.Context, p Program) (Compiled, error) {
	c, err := e.compile(ctx, p)
	return Compiled{c}, err
}

// Remember caches c as version's compiled form, so that the first run of a
// version saved on this node does not compile it again.
func (e *Engine) Remember(version string, c Compiled) {
	if c.c == nil || version == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.compiled) >= maxCached {
		e.clearLocked()
	}
	e.compiled[version] = c.c
}

func (e *Engine) compile(ctx context.Context, p Program) (any, error) {
	e.mu.Lock()
	c, ok := e.compiled[p.Version]
	e.mu.Unlock()
	if ok && p.Version != "" {
		return c, nil
	}
	var err error
	switch p.Language {
	case LangJavaScript:
		c, err = compileJS(string(p.Code), e.limits)
	case LangWasm:
		c, err = e.wasm.compile(ctx, p.Code)
	default:
		return nil, &Error{Kind: "compile", Message: fmt.Sprintf("unknown language %q", p.Language)}
	}
	if err != nil {
		return nil, err
	}
	if p.Version == "" {
		return c, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.compiled) >= maxCached {
		e.clearLocked()
	}
	e.compiled[p.Version] = c
	return c, nil
}

// Run runs p on in. A failure of the program is an *Error; any other error
// is the node's own.
func (e *Engine) Run(ctx context.Context, p Program, in Input) (Result, error) {
	start := time.Now()
	c, err := e.compile(ctx, p)
	if err != nil {
		return Result{}, err
	}
	in.Webhook.Payload = normalizePayload(in.Webhook.Payload)
	if in.Webhook.Headers == nil {
		in.Webhook.Headers = map[string]string{}
	}
	input, err := json.Marshal(in.Webhook)
	if err != nil {
		return Result{}, fmt.Errorf("encode input: %w", err)
	}
	var out []byte
	var logs []string
	switch p.Language {
	case LangJavaScript:
		out, logs, err = runJS(c.(*jsProgram), input, in.Now, e.limits, p.Version != "")
	default:
		out, logs, err = e.wasm.run(ctx, c, input, in.Now)
	}
	res := Result{Logs: logs, Duration: time.Since(start)}
	if err != nil {
		var te *Error
		if errors.As(err, &te) {
			te.Logs = logs
		}
		return res, err
	}
	if len(out) > e.limits.Output {
		return res, &Error{Kind: "output", Message: fmt.Sprintf("the result is %d bytes, more than the limit of %d", len(out), e.limits.Output), Logs: logs}
	}
	w, err := parseOutput(out)
	if err != nil {
		return res, &Error{Kind: "invalid", Message: err.Error(), Logs: logs}
	}
	res.Webhook = w
	res.Duration = time.Since(start)
	return res, nil
}

// normalizePayload passes a body that is not JSON as a JSON string.
func normalizePayload(p json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(p)) == 0 {
		return json.RawMessage("null")
	}
	if json.Valid(p) {
		return p
	}
	s, _ := json.Marshal(string(p))
	return s
}

// parseOutput checks a returned webhook object field by field.
func parseOutput(out []byte) (Webhook, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out, &raw); err != nil || raw == nil {
		return Webhook{}, errors.New("the handler must return the webhook object")
	}
	var w Webhook
	fields := []struct {
		name string
		into any
	}{
		{"eventType", &w.EventType}, {"headers", &w.Headers}, {"url", &w.URL},
		{"routingKey", &w.RoutingKey}, {"tenantId", &w.TenantID}, {"cancel", &w.Cancel},
	}
	for _, f := range fields {
		v, ok := raw[f.name]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, f.into); err != nil {
			return Webhook{}, fmt.Errorf("the returned %s has the wrong type", f.name)
		}
	}
	w.Payload = raw["payload"]
	if len(w.Payload) == 0 {
		w.Payload = json.RawMessage("null")
	}
	return w, nil
}

// Body is the request body a returned payload stands for: a JSON string is
// sent as its text when the input was not JSON either.
func Body(original []byte, payload json.RawMessage) []byte {
	if !json.Valid(original) && len(payload) > 0 && payload[0] == '"' {
		var s string
		if json.Unmarshal(payload, &s) == nil {
			return []byte(s)
		}
	}
	return payload
}

type logBuffer struct {
	lines []string
	part  []byte
}

// Write splits a module's output into bounded log lines.
func (b *logBuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && len(b.lines) < logsMax {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.part = append(b.part, p[:min(len(p), max(0, logLineMax-len(b.part)))]...)
			break
		}
		b.part = append(b.part, p[:min(i, max(0, logLineMax-len(b.part)))]...)
		b.lines = append(b.lines, string(b.part))
		b.part, p = b.part[:0], p[i+1:]
	}
	return n, nil
}

func (b *logBuffer) done() []string {
	if len(b.part) > 0 && len(b.lines) < logsMax {
		b.lines = append(b.lines, string(b.part))
	}
	return b.lines
}

// cached reports whether version's compiled form is at hand, so its code
// need not be read.
func (e *Engine) cached(version string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.compiled[version]
	return ok
}

// clearLocked empties the cache, freeing the idle VMs and instances its
// programs hold.
func (e *Engine) clearLocked() {
	for _, c := range e.compiled {
		switch c := c.(type) {
		case *jsProgram:
			c.close()
		case *wasmModule:
			c.close()
		}
	}
	clear(e.compiled)
}
