package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/jsonptr"
)

// The limits on an event type's schema. Compiling costs about the cube of
// its nesting (a schema 4,990 levels deep took ten minutes), and $ref lets a
// kilobyte of schema stand for millions of subschemas (anyOf of two
// references to the next level, twenty levels down, took two minutes to
// check one value), so both are bounded before the compiler sees a schema,
// and compiling has a deadline besides. Real schemas stay far below: an
// object nested 30 deep is 60 levels of JSON, and OpenAPI's whole Stripe
// schema expands to fewer subschemas per event than the limit.
const (
	// SchemaBytesMax bounds a schema's JSON text.
	SchemaBytesMax = 256 << 10
	// SchemaDepthMax bounds the nesting of a schema's JSON objects and
	// arrays: {"properties": {"a": {}}} is three levels.
	SchemaDepthMax = 64
	// SchemaExpansionMax bounds the JSON objects a schema stands for with
	// every local $ref replaced by what it refers to (a reference back to
	// where it came from counted once).
	SchemaExpansionMax = 50_000
	// SchemaCompileTimeout bounds compiling a schema within the limits.
	SchemaCompileTimeout = 5 * time.Second
)

// schemaLimitProblem says which limit a schema's JSON text exceeds, or "".
// It reads tokens without building values, so that a schema nested
// thousands deep costs no more than its length; text that is not JSON is
// left for the decoder to refuse.
func schemaLimitProblem(raw []byte) string {
	if len(raw) > SchemaBytesMax {
		return fmt.Sprintf("is %d bytes: at most %d (%d KiB) are allowed", len(raw), SchemaBytesMax, SchemaBytesMax>>10)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if depth++; depth > SchemaDepthMax {
				return fmt.Sprintf("nests objects and arrays more than %d levels deep", SchemaDepthMax)
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// schemaExpansionProblem says whether a parsed schema, its local references
// followed, stands for more than SchemaExpansionMax values. A reference to
// a schema it is already inside (recursion, as in a tree of nodes) is
// counted once: how deep it goes is up to the payload, whose size is bounded.
func schemaExpansionProblem(doc any) string {
	anchors := map[string]any{}
	collectAnchors(doc, anchors)
	w := expansion{root: doc, anchors: anchors, inside: map[uintptr]bool{}}
	if !w.walk(doc) {
		return fmt.Sprintf("stands for more than %d subschemas once its $ref references are followed: "+
			"references that branch (anyOf or oneOf of references, at level after level) multiply", SchemaExpansionMax)
	}
	return ""
}

type expansion struct {
	root    any
	anchors map[string]any
	inside  map[uintptr]bool // the referenced objects the walk is within
	count   int
}

// walk counts the objects in v and in what they refer to; false once over
// the limit. Objects are what can be schemas; a long enum of strings costs
// nothing here.
func (w *expansion) walk(v any) bool {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if !w.walk(x) {
				return false
			}
		}
	case map[string]any:
		if w.count++; w.count > SchemaExpansionMax {
			return false
		}
		for k, x := range v {
			if !w.walk(x) {
				return false
			}
			ref, ok := x.(string)
			if k != "$ref" && k != "$dynamicRef" && k != "$recursiveRef" || !ok {
				continue
			}
			target, ok := w.resolve(ref).(map[string]any)
			if !ok {
				continue // absent, a boolean schema, or another document's (refused when compiled)
			}
			id := reflect.ValueOf(target).Pointer()
			if w.inside[id] {
				continue
			}
			w.inside[id] = true
			within := w.walk(target)
			delete(w.inside, id)
			if !within {
				return false
			}
		}
	}
	return true
}

// resolve finds what a reference within the schema refers to: "#", a JSON
// pointer "#/…" or an anchor "#name"; nil for anything else.
func (w *expansion) resolve(ref string) any {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	if frag != "" && frag[0] != '/' {
		return w.anchors[frag]
	}
	v, _ := jsonptr.Lookup(w.root, frag)
	return v
}

func collectAnchors(v any, anchors map[string]any) {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			collectAnchors(x, anchors)
		}
	case map[string]any:
		for _, k := range []string{"$anchor", "$dynamicAnchor"} {
			if name, ok := v[k].(string); ok {
				anchors[name] = v
			}
		}
		for _, x := range v {
			collectAnchors(x, anchors)
		}
	}
}

// prepareSchema checks a schema's JSON text against the limits, parses it
// and compiles it within timeout (SchemaCompileTimeout but in tests). Its
// problem is what to say about the field; limit tells whether it is a
// limit's.
func prepareSchema(raw []byte, timeout time.Duration) (sch *jsonschema.Schema, problem string, limit bool) {
	if msg := schemaLimitProblem(raw); msg != "" {
		return nil, msg, true
	}
	doc, msg := decodeJSONValue(raw)
	if msg != "" {
		return nil, msg, false
	}
	if msg := schemaExpansionProblem(doc); msg != "" {
		return nil, msg, true
	}
	type compiled struct {
		sch *jsonschema.Schema
		msg string
	}
	// The compiler cannot be stopped: past the deadline it finishes
	// unwatched, which the limits above keep to seconds.
	done := make(chan compiled, 1)
	go func() {
		sch, msg := compileSchema(doc)
		done <- compiled{sch, msg}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case c := <-done:
		return c.sch, c.msg, false
	case <-timer.C:
		return nil, fmt.Sprintf("took more than %s to compile and check; make it simpler (fewer levels, fewer branching references)", timeout), true
	}
}

// schemaLimitError is the answer to a schema over a limit: 422, since the
// schema may be valid, only more than Patchbay takes.
func schemaLimitError(msg string) error {
	return &apperr.Error{Code: apperr.Unprocessable, Message: "the schema is over Patchbay's limits for event type schemas",
		Fields: map[string]string{"schema": msg}}
}
