package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

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
	unknown := map[string]string{}
	unknownFields(reflect.TypeOf(v).Elem(), value, "", unknown)
	if len(unknown) > 0 {
		e := apperr.InvalidFields(unknown)
		e.Message = "the request body has unknown fields: " + strings.Join(slices.Sorted(maps.Keys(unknown)), ", ")
		return e
	}
	strict := json.NewDecoder(bytes.NewReader(value))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return apperr.InvalidFields(map[string]string{fieldPath(reflect.TypeOf(v), typ.Field): "must be " + jsonTypeName(typ.Type)})
		}
		if name, msg := refusedField(reflect.TypeOf(v).Elem(), value); name != "" {
			return apperr.InvalidFields(map[string]string{name: msg})
		}
		return syntaxProblem(err)
	}
	return nil
}

// refusedField finds the top-level field whose own decoding fails, for errors
// that encoding/json returns without naming one: those of a type's
// UnmarshalJSON, such as time.Time's.
func refusedField(t reflect.Type, value json.RawMessage) (name, msg string) {
	var top map[string]json.RawMessage
	if t.Kind() != reflect.Struct || json.Unmarshal(value, &top) != nil {
		return "", ""
	}
	for _, name := range slices.Sorted(maps.Keys(top)) {
		f, ok := promotedField(t, name)
		if !ok {
			continue
		}
		err := json.Unmarshal(top[name], reflect.New(f.Type).Interface())
		switch {
		case err == nil:
			continue
		case f.Type == reflect.TypeFor[time.Time]() || f.Type == reflect.TypeFor[*time.Time]():
			return name, "must be a time in RFC 3339 format, such as 2026-11-29T10:00:00Z"
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			// A type that decodes itself strictly, such as verify.Config.
			return name + "/" + strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field"
		}
		return name, "is not valid: " + err.Error()
	}
	return "", ""
}

// promotedField is the field of struct type t that encoding/json decodes the
// JSON member name into, looking into embedded structs as it does.
func promotedField(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			if inner, ok := promotedField(f.Type, name); ok {
				return inner, true
			}
			continue
		}
		if jn, ok := JSONName(f); ok && jn == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// fieldPath turns an UnmarshalTypeError's Field into the path the client
// wrote, such as "verifier/scheme". Field is dotted, and names embedded
// structs by their Go names too, which mean nothing to a client.
func fieldPath(t reflect.Type, field string) string {
	var path []string
	for name := range strings.SplitSeq(field, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			path, t = append(path, name), nil
			continue
		}
		if f, ok := t.FieldByName(name); ok && f.Anonymous {
			t = f.Type
			continue
		}
		path = append(path, name)
		f, ok := promotedField(t, name)
		t = nil
		if ok {
			t = f.Type
		}
	}
	return strings.Join(path, "/")
}

func syntaxProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return apperr.Errorf(apperr.Invalid, "the request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Errorf(apperr.Invalid, "the request body is not valid JSON (it ends early)")
	case errors.As(err, &typ): // of the whole body: decodeStrict names a field's
		return apperr.Errorf(apperr.Invalid, "the request body must be a JSON object")
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

// unknownFields adds to out every member of the JSON value that type t has
// no field for, at any depth, named by its path ("messages/0/colour"): the
// decoder's own error names only the first, and without its path. A value
// of the wrong shape is left to the decoder, which names it.
func unknownFields(t reflect.Type, value json.RawMessage, prefix string, out map[string]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return // a type that decodes itself says what it accepts
	}
	switch t.Kind() {
	case reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(value, &members) != nil {
			return
		}
		for name, raw := range members {
			if f, ok := promotedField(t, name); ok {
				unknownFields(f.Type, raw, prefix+name+"/", out)
			} else {
				out[prefix+name] = "unknown field"
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if t.Elem().Kind() == reflect.Uint8 || json.Unmarshal(value, &items) != nil {
			return // bytes are base64
		}
		for i, raw := range items {
			unknownFields(t.Elem(), raw, prefix+strconv.Itoa(i)+"/", out)
		}
	case reflect.Map:
		var members map[string]json.RawMessage
		if json.Unmarshal(value, &members) != nil {
			return
		}
		for key, raw := range members {
			unknownFields(t.Elem(), raw, prefix+key+"/", out)
		}
	}
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

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
