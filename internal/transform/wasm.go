package transform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// The Wasm ABI (docs/transformations.md): a WASI preview 1 module exports its
// memory and these two functions, and optionally _initialize (a reactor,
// such as a Go module built with -buildmode=c-shared), called once per run
// before them.
const (
	// wasmAlloc(size u32) → ptr u32 reserves size bytes for the input.
	wasmAlloc = "patchbay_alloc"
	// wasmHandle(ptr u32, size u32) → u64 takes the input (the webhook as
	// JSON) and returns where its output lies: ptr << 32 | size. The output
	// is the webhook object as JSON, or {"error": "…"} to fail the run.
	wasmHandle = "patchbay_handle"
)

// wasmRuntime compiles and instantiates modules under the limits.
type wasmRuntime struct {
	rt     wazero.Runtime
	limits Limits
}

// compilationCache keeps modules' machine code per process, by their bytes:
// compiling a Go module takes seconds, and every engine of the process (one
// in a node; several in tests) then compiles a module once.
var compilationCache = wazero.NewCompilationCache()

func newWasmRuntime(l Limits) *wasmRuntime {
	ctx := context.Background()
	pages := uint32(max(1, l.Memory/65536))
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithMemoryLimitPages(pages).
		WithCloseOnContextDone(true).
		WithCompilationCache(compilationCache))
	// WASI with nothing behind it: no preopened directories, no
	// environment, no arguments, no sockets; see moduleConfig.
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	return &wasmRuntime{rt: rt, limits: l}
}

func (w *wasmRuntime) close(ctx context.Context) error { return w.rt.Close(ctx) }

func (w *wasmRuntime) compile(ctx context.Context, code []byte) (*wasmModule, error) {
	m, err := w.rt.CompileModule(ctx, code)
	if err != nil {
		return nil, &Error{Kind: "compile", Message: bounded(err.Error())}
	}
	exports := m.ExportedFunctions()
	for _, name := range []string{wasmAlloc, wasmHandle} {
		if _, ok := exports[name]; !ok {
			m.Close(ctx)
			return nil, &Error{Kind: "compile", Message: fmt.Sprintf("the module does not export %s", name)}
		}
	}
	if _, ok := m.ExportedMemories()["memory"]; !ok {
		m.Close(ctx)
		return nil, &Error{Kind: "compile", Message: "the module does not export its memory"}
	}
	for _, imp := range m.ImportedFunctions() {
		if mod, _, _ := imp.Import(); mod != wasi_snapshot_preview1.ModuleName {
			m.Close(ctx)
			return nil, &Error{Kind: "compile", Message: fmt.Sprintf("the module imports from %q: only %s is available", mod, wasi_snapshot_preview1.ModuleName)}
		}
	}
	return &wasmModule{compiled: m}, nil
}

// wasmModule is a compiled module and its idle instances. Instantiating a
// Go module runs its runtime's initialisation (milliseconds), so an instance
// serves run after run until one fails; a failed one (trap, timeout, out of
// memory, a bad result) is closed. Runs never share an instance at once.
type wasmModule struct {
	compiled wazero.CompiledModule
	mu       sync.Mutex
	idle     []*wasmInstance
	closed   bool
}

// maxIdleInstances bounds the idle instances kept per version.
const maxIdleInstances = 4

type wasmInstance struct {
	mod  api.Module
	log  logBuffer
	now  time.Time
	runs int
}

func (m *wasmModule) get() *wasmInstance {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := len(m.idle); n > 0 {
		in := m.idle[n-1]
		m.idle = m.idle[:n-1]
		return in
	}
	return nil
}

// close frees the idle instances, when the module leaves the cache; the
// compiled module itself goes with the runtime.
func (m *wasmModule) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, in := range m.idle {
		in.mod.Close(context.Background())
	}
	m.idle, m.closed = nil, true
}

func (m *wasmModule) put(in *wasmInstance) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed && len(m.idle) < maxIdleInstances {
		m.idle = append(m.idle, in)
		return
	}
	in.mod.Close(context.Background())
}

func (w *wasmRuntime) instantiate(ctx context.Context, m *wasmModule) (*wasmInstance, error) {
	in := &wasmInstance{}
	cfg := wazero.NewModuleConfig().
		WithName(""). // anonymous: instances of one module run side by side
		WithStdout(&in.log).WithStderr(&in.log).
		WithWalltime(func() (int64, int32) { return in.now.Unix(), int32(in.now.Nanosecond()) }, 1).
		WithStartFunctions("_initialize")
	mod, err := w.rt.InstantiateModule(ctx, m.compiled, cfg)
	if err != nil {
		return in, err
	}
	in.mod = mod
	return in, nil
}

// run calls the module on input in an idle instance, or a new one.
func (w *wasmRuntime) run(ctx context.Context, c any, input []byte, now time.Time) (out []byte, logs []string, err error) {
	m := c.(*wasmModule)
	ctx = context.WithoutCancel(ctx)
	in := m.get()
	if in == nil {
		// A new instance runs the module's start-up (Go's runtime and
		// package initialisation), bounded apart from the run itself.
		ictx, cancel := context.WithTimeout(ctx, w.startLimit())
		defer cancel()
		start := time.Now()
		if in, err = w.instantiate(ictx, m); err != nil {
			return nil, in.log.done(), w.fail(err, &in.log, start, w.startLimit())
		}
	}
	ctx, cancel := context.WithTimeout(ctx, w.limits.Timeout)
	defer cancel()
	start := time.Now()
	in.now, in.log = now, logBuffer{}
	defer func() {
		logs = in.log.done()
		if err != nil {
			in.mod.Close(context.Background())
			return
		}
		m.put(in)
	}()
	res, err := in.mod.ExportedFunction(wasmAlloc).Call(ctx, uint64(len(input)))
	if err != nil {
		return nil, nil, w.fail(err, &in.log, start, w.limits.Timeout)
	}
	ptr := uint32(res[0])
	if !in.mod.Memory().Write(ptr, input) {
		return nil, nil, &Error{Kind: "invalid", Message: "patchbay_alloc returned memory out of range"}
	}
	res, err = in.mod.ExportedFunction(wasmHandle).Call(ctx, uint64(ptr), uint64(len(input)))
	if err != nil {
		return nil, nil, w.fail(err, &in.log, start, w.limits.Timeout)
	}
	optr, olen := uint32(res[0]>>32), uint32(res[0])
	if int(olen) > w.limits.Output {
		return nil, nil, &Error{Kind: "output", Message: fmt.Sprintf("the result is %d bytes, more than the limit of %d", olen, w.limits.Output)}
	}
	b, ok := in.mod.Memory().Read(optr, olen)
	if !ok {
		return nil, nil, &Error{Kind: "invalid", Message: "patchbay_handle returned memory out of range"}
	}
	out = append([]byte(nil), b...)
	var fail struct {
		Error *string `json:"error"`
	}
	if unmarshal(out, &fail) == nil && fail.Error != nil {
		// The module reported the failure itself: its instance is sound.
		return nil, nil, &Error{Kind: "throw", Message: bounded(*fail.Error)}
	}
	return out, nil, nil
}

// startLimit bounds a new instance's start-up: ten runs' time, at least a
// second.
func (w *wasmRuntime) startLimit() time.Duration { return max(time.Second, 10*w.limits.Timeout) }

// fail classifies a trap, an exit or the deadline.
func (w *wasmRuntime) fail(err error, log *logBuffer, start time.Time, limit time.Duration) error {
	var exit *sys.ExitError
	text := strings.Join(log.lines, "\n") + string(log.part)
	switch {
	case strings.Contains(text, "out of memory") || strings.Contains(err.Error(), "out of memory"):
		return &Error{Kind: "memory", Message: fmt.Sprintf("used more than %d bytes of memory", w.limits.Memory)}
	case errors.As(err, &exit) && exit.ExitCode() == sys.ExitCodeDeadlineExceeded,
		errors.Is(err, context.DeadlineExceeded) || time.Since(start) >= limit:
		return &Error{Kind: "timeout", Message: fmt.Sprintf("ran longer than %s", limit)}
	}
	msg := bounded(err.Error())
	if errors.As(err, &exit) {
		msg = fmt.Sprintf("the module exited with code %d", exit.ExitCode())
	}
	if first := firstPanicLine(text); first != "" {
		msg += ": " + first
	}
	return &Error{Kind: "throw", Message: bounded(msg)}
}

// firstPanicLine is the line of a module's output that says why it stopped.
func firstPanicLine(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "runtime:") {
			return line
		}
	}
	return ""
}

func bounded(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
