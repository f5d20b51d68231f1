package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/patchbay/patchbay/internal/apperr"
)

// Validator is a request body that can check itself. Valid returns a problem
// per bad field, or nothing.
type Validator interface {
	Valid(ctx context.Context) map[string]string
}

// Encode writes v as JSON with the given status.
func Encode(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("httpapi: encode %T: %v", v, err)) // a programming error; the recoverer answers 500
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n')) //nolint:errcheck // the client may be gone; nothing to do
}

// ReadBody reads a request body whole: a body over the server's limit is a
// 413 problem, and one that cannot be read a 400.
func ReadBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, apperr.Errorf(apperr.TooLarge, "the request body is larger than %d bytes", tooLarge.Limit)
		}
		return nil, apperr.Errorf(apperr.Invalid, "could not read the request body")
	}
	return body, nil
}

// Decode reads a JSON request body into a T, rejecting malformed JSON, unknown
// fields (all of them are named), values of the wrong type, and bodies over the
// server's limit; then it runs T's Valid method if it has one. Every problem
// comes back as an *apperr.Error a client can act on.
func Decode[T any](r *http.Request) (T, error) {
	var v T
	body, err := ReadBody(r)
	if err != nil {
		return v, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return v, apperr.Errorf(apperr.Invalid, "the request body is empty; it must be a JSON object")
	}
	if err := decodeStrict(body, &v); err != nil {
		return v, err
	}
	if val, ok := any(v).(Validator); ok {
		if fields := val.Valid(r.Context()); len(fields) > 0 {
			return v, apperr.InvalidFields(fields)
		}
	}
	return v, nil
}

func decodeStrict(body []byte, v any) error {
	// One JSON value and nothing after it.
	dec := json.NewDecoder(bytes.NewReader(body))
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return syntaxProblem(err)
	}
	if dec.More() {
		return apperr.Errorf(apperr.Invalid, "the request body has data after its JSON value")
	}
	if fields := knownFields(reflect.TypeOf(v).Elem()); fields != nil {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(value, &top); err != nil {
			return syntaxProblem(err)
		}
		unknown := map[string]string{}
		for name := range top {
			if !fields[name] {
				unknown[name] = "unknown field"
			}
		}
		if len(unknown) > 0 {
			e := apperr.InvalidFields(unknown)
			e.Message = "the request body has unknown fields: " + strings.Join(sortedKeys(unknown), ", ")
			return e
		}
	}
	strict := json.NewDecoder(bytes.NewReader(value))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		return syntaxProblem(err)
	}
	return nil
}

func syntaxProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return apperr.Errorf(apperr.Invalid, "the request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Errorf(apperr.Invalid, "the request body is not valid JSON (it ends early)")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apperr.Errorf(apperr.Invalid, "the request body must be a JSON object")
		}
		return apperr.InvalidFields(map[string]string{typ.Field: "must be " + jsonTypeName(typ.Type)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// A nested object's unknown field; the top level was checked already.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.InvalidFields(map[string]string{name: "unknown field"})
	}
	return apperr.Errorf(apperr.Invalid, "the request body could not be decoded")
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	}
	return "a " + t.String()
}

var knownFieldCache sync.Map // reflect.Type → map[string]bool (nil for non-structs)

// knownFields returns the JSON names of a struct type's fields, or nil when t
// is not a struct.
func knownFields(t reflect.Type) map[string]bool {
	if cached, ok := knownFieldCache.Load(t); ok {
		return cached.(map[string]bool)
	}
	var fields map[string]bool
	if t.Kind() == reflect.Struct {
		fields = map[string]bool{}
		addKnownFields(t, fields)
	}
	knownFieldCache.Store(t, fields)
	return fields
}

func addKnownFields(t reflect.Type, fields map[string]bool) {
	for f := range t.Fields() {
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			addKnownFields(f.Type, fields) // encoding/json promotes an embedded struct's fields
			continue
		}
		if name, ok := JSONName(f); ok {
			fields[name] = true
		}
	}
}

// JSONName is the name encoding/json gives a struct field, and false for
// fields it skips.
func JSONName(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, true
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
