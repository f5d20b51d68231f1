package appgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// obj is a TypeScript object literal with its keys in the order given, so
// generated source reads like hand-written source and lint rules that look
// for a key such as displayName find it.
type obj []kv

type kv struct {
	k string
	v any
}

// code is source text put into a literal as it is (an identifier or an
// expression such as NodeConnectionTypes.Main); never catalog data.
type code string

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// tsLiteral writes v as a TypeScript expression with tabs, single-quoted
// strings and trailing commas, the style n8n's node tooling formats with.
func tsLiteral(v any, depth int) string {
	var b strings.Builder
	writeTS(&b, v, depth)
	return b.String()
}

func writeTS(b *strings.Builder, v any, depth int) {
	pad := strings.Repeat("\t", depth+1)
	switch x := v.(type) {
	case obj:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for _, f := range x {
			b.WriteString(pad)
			if identifier.MatchString(f.k) {
				b.WriteString(f.k)
			} else {
				b.WriteString(tsString(f.k))
			}
			b.WriteString(": ")
			writeTS(b, f.v, depth+1)
			b.WriteString(",\n")
		}
		b.WriteString(strings.Repeat("\t", depth) + "}")
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for _, e := range x {
			b.WriteString(pad)
			writeTS(b, e, depth+1)
			b.WriteString(",\n")
		}
		b.WriteString(strings.Repeat("\t", depth) + "]")
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		writeTS(b, items, depth)
	case code:
		b.WriteString(string(x))
	case string:
		b.WriteString(tsString(x))
	case json.RawMessage:
		var decoded any
		if err := json.Unmarshal(x, &decoded); err != nil {
			panic(fmt.Sprintf("appgen: %v", err)) // the catalog holds valid JSON only
		}
		writeTS(b, fromJSON(decoded), depth)
	case map[string]any:
		writeTS(b, fromJSON(x), depth)
	case nil:
		b.WriteString("null")
	default:
		out, err := json.Marshal(x)
		if err != nil {
			panic(fmt.Sprintf("appgen: %v", err))
		}
		b.Write(out)
	}
}

// fromJSON turns decoded JSON into obj values with sorted keys, so the
// output does not depend on map order.
func fromJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		o := make(obj, 0, len(x))
		for _, k := range sortedKeys(x) {
			o = append(o, kv{k, fromJSON(x[k])})
		}
		return o
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromJSON(e)
		}
		return out
	}
	return v
}

// tsString quotes s in single quotes with JSON's escapes.
func tsString(s string) string {
	out, _ := json.Marshal(s)
	inner := string(out[1 : len(out)-1])
	inner = strings.ReplaceAll(inner, `\"`, `"`)
	inner = strings.ReplaceAll(inner, `'`, `\'`)
	return "'" + inner + "'"
}

// MarshalJSON writes the object with its keys in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(f.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v := f.v
		if c, ok := v.(code); ok {
			return nil, fmt.Errorf("appgen: source text %q has no JSON form", c)
		}
		val, err := marshal(v)
		if err != nil {
			return nil, err
		}
		b.Write(val)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// marshal is json.Marshal without HTML escaping: generated files are read by
// people and tools, never embedded in HTML.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
