package transform

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/quickjs"
)

// jsMaxStack bounds JavaScript call depth (QuickJS counts frames in the pure
// Go port), so deep recursion throws instead of growing the goroutine stack.
const jsMaxStack = 3000

// jsPrelude runs before the transformation's code in every VM: console
// captures bounded log lines, and Date reads a fixed time (set per run
// through __patchbay_now) so that a run is deterministic. The engine's plain
// context has no std or os modules, no fetch, no require: nothing reaches
// the network, files or environment.
const jsPrelude = `var __patchbay_logs = [];
var __patchbay_now = 0;
(function () {
	var maxLines = ` + "LOGS_MAX" + `, maxLine = ` + "LOG_LINE_MAX" + `;
	function show(v) {
		if (typeof v === "string") return v;
		try { var s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch (e) { return String(v); }
	}
	function log() {
		if (__patchbay_logs.length >= maxLines) return;
		var parts = [];
		for (var i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
		__patchbay_logs.push(parts.join(" ").slice(0, maxLine));
	}
	globalThis.console = { log: log, info: log, warn: log, error: log, debug: log };
	// Date reads __patchbay_now: new Date(), Date() and Date.now(), also
	// through the real constructor (reachable as a prototype's constructor).
	var RealDate = Date;
	RealDate.now = function () { return __patchbay_now; };
	var FixedDate = new Proxy(RealDate, {
		construct: function (target, args, newTarget) {
			return Reflect.construct(target, args.length === 0 ? [__patchbay_now] : args, newTarget);
		},
		apply: function () { return new RealDate(__patchbay_now).toString(); }
	});
	RealDate.prototype.constructor = FixedDate;
	globalThis.Date = FixedDate;
})();
`

// jsRun is called with the input as JSON; it returns the result as JSON,
// with the logs beside it, or throws.
const jsRun = `
function __patchbay_run(input, now) {
	__patchbay_now = now;
	__patchbay_logs.length = 0;
	if (typeof handler !== "function") throw new TypeError("the code must define function handler(webhook)");
	var w = handler(JSON.parse(input));
	if (w === null || typeof w !== "object" || Array.isArray(w)) {
		throw new TypeError("handler must return the webhook object, not " + (w === null ? "null" : Array.isArray(w) ? "an array" : typeof w));
	}
	return JSON.stringify({ w: w, logs: __patchbay_logs });
}
function __patchbay_logs_json() { return JSON.stringify(__patchbay_logs); }
`

func prelude() string {
	return strings.NewReplacer("LOGS_MAX", strconv.Itoa(logsMax), "LOG_LINE_MAX", strconv.Itoa(logLineMax)).Replace(jsPrelude)
}

// newVM returns a VM with the limits set and nothing but the language.
func newVM(l Limits) (*quickjs.VM, error) {
	vm, err := quickjs.NewVM()
	if err != nil {
		return nil, err
	}
	vm.SetMemoryLimit(uintptr(l.Memory))
	vm.SetEvalTimeout(l.Timeout)
	vm.SetMaxStackSize(jsMaxStack)
	return vm, nil
}

// jsProgram is a compiled JavaScript version and its idle VMs. Making a VM
// and loading the bytecode costs more than a trivial run, so a VM serves
// run after run of its version until one fails (an exception, the time or
// memory limit), when it is closed. Runs never share a VM at once; globals
// a handler sets may outlive its run, as in other serverless runtimes, and
// nothing may rely on them.
type jsProgram struct {
	bytecode []byte
	mu       sync.Mutex
	idle     []*quickjs.VM
	closed   bool
}

// maxIdleVMs bounds the idle VMs kept per version.
const maxIdleVMs = 4

func (p *jsProgram) get() *quickjs.VM {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		vm := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return vm
	}
	return nil
}

func (p *jsProgram) put(vm *quickjs.VM) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= maxIdleVMs {
		vm.Close()
		return
	}
	p.idle = append(p.idle, vm)
}

// close frees the idle VMs, when the program leaves the cache.
func (p *jsProgram) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, vm := range p.idle {
		vm.Close()
	}
	p.idle, p.closed = nil, true
}

// compileJS compiles the prelude, the code and the runner to bytecode.
func compileJS(code string, l Limits) (*jsProgram, error) {
	vm, err := newVM(l)
	if err != nil {
		return nil, err
	}
	defer vm.Close()
	bc, err := vm.Compile(prelude()+code+"\n;"+jsRun, quickjs.EvalGlobal)
	if err != nil {
		return nil, &Error{Kind: "compile", Message: jsMessage(err)}
	}
	return &jsProgram{bytecode: bc}, nil
}

// runJS runs a compiled program on input in an idle VM or a new one; keep
// false closes the VM after the run (programs that are not cached).
func runJS(p *jsProgram, input []byte, now time.Time, l Limits, keep bool) (out []byte, logs []string, err error) {
	vm := p.get()
	start := time.Now()
	if vm == nil {
		if vm, err = newVM(l); err != nil {
			return nil, nil, fmt.Errorf("new javascript vm: %w", err)
		}
		if _, err := vm.EvalBytecode(p.bytecode); err != nil {
			vm.Close()
			return nil, nil, jsError(err, l, start)
		}
	}
	defer func() {
		if err != nil || !keep {
			vm.Close()
			return
		}
		p.put(vm)
	}()
	r, err := vm.Call("__patchbay_run", string(input), float64(now.UnixMilli()))
	if err != nil {
		return nil, jsLogs(vm), jsError(err, l, start)
	}
	s, ok := r.(string)
	if !ok {
		return nil, nil, &Error{Kind: "invalid", Message: "the handler's result could not be encoded as JSON"}
	}
	if len(s) > l.Output+logsMax*(logLineMax+8)+16 { // the result and its logs, before decoding them
		return nil, nil, &Error{Kind: "output", Message: fmt.Sprintf("the result is about %d bytes, more than the limit of %d", len(s), l.Output)}
	}
	// Split the logs from the webhook without decoding the webhook twice.
	var env struct {
		W    rawJSON  `json:"w"`
		Logs []string `json:"logs"`
	}
	if err := unmarshal([]byte(s), &env); err != nil {
		return nil, nil, &Error{Kind: "invalid", Message: "the handler's result is not JSON"}
	}
	return env.W, env.Logs, nil
}

// jsLogs reads what the run logged before it failed; nothing if the VM
// cannot say (out of memory, interrupted).
func jsLogs(vm *quickjs.VM) []string {
	vm.SetEvalTimeout(10 * time.Millisecond)
	r, err := vm.Call("__patchbay_logs_json")
	if err != nil {
		return nil
	}
	s, _ := r.(string)
	var logs []string
	_ = unmarshal([]byte(s), &logs)
	return logs
}

// jsError classifies an exception.
func jsError(err error, l Limits, start time.Time) error {
	msg := jsMessage(err)
	switch {
	case strings.Contains(msg, "interrupted") && time.Since(start) >= l.Timeout:
		return &Error{Kind: "timeout", Message: fmt.Sprintf("ran longer than %s", l.Timeout)}
	case strings.Contains(msg, "out of memory"):
		return &Error{Kind: "memory", Message: fmt.Sprintf("used more than %d bytes of memory", l.Memory)}
	case strings.Contains(msg, "stack overflow"):
		return &Error{Kind: "throw", Message: "stack overflow (recursion too deep)"}
	case strings.Contains(msg, "handler must return") || strings.Contains(msg, "must define function handler"):
		return &Error{Kind: "invalid", Message: msg}
	}
	return &Error{Kind: "throw", Message: msg}
}

// jsMessage is an exception's first line, bounded.
func jsMessage(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return msg
}
