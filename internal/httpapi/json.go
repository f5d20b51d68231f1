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
	"unicode/utf8"

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
	if !utf8.Valid(body) {
		// JSON is UTF-8 (RFC 8259); the decoder would quietly make each bad
		// byte U+FFFD.
		return apperr.Errorf(apperr.Invalid, "the request body is not valid UTF-8")
	}
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
			path := typeErrorPath(reflect.TypeOf(v).Elem(), value, strings.Split(typ.Field, "."))
			return apperr.InvalidFields(map[string]string{strings.Join(path, "/"): "must be " + jsonTypeName(typ.Type)})
		}
		if name, msg := refusedField(reflect.TypeOf(v).Elem(), value); name != "" {
			return apperr.InvalidFields(map[string]string{name: msg})
		}
		return syntaxProblem(err)
	}
	if path := nulString(reflect.ValueOf(v).Elem(), nil); path != nil {
		// PostgreSQL stores no NUL in text.
		return apperr.InvalidFields(map[string]string{strings.Join(path, "/"): `must not contain the character NUL (\u0000)`})
	}
	return nil
}

// nulString returns the path to the first string in v that holds a NUL, or
// nil.
func nulString(v reflect.Value, path []string) []string {
	switch v.Kind() {
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			return path
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nulString(v.Elem(), path)
		}
	case reflect.Struct:
		for f, fv := range v.Fields() {
			name, ok := JSONName(f)
			switch {
			case f.Anonymous && f.Type.Kind() == reflect.Struct:
				if p := nulString(fv, path); p != nil {
					return p
				}
			case ok:
				if p := nulString(fv, append(slices.Clip(path), name)); p != nil {
					return p
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes, or raw JSON, whose strings keep their escapes
		}
		for i := range v.Len() {
			if p := nulString(v.Index(i), append(slices.Clip(path), strconv.Itoa(i))); p != nil {
				return p
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			key := fmt.Sprint(k) // not k.Interface(): it panics on a value reached through an unexported field
			if strings.IndexByte(key, 0) >= 0 {
				return append(slices.Clip(path), key)
			}
			if p := nulString(v.MapIndex(k), append(slices.Clip(path), key)); p != nil {
				return p
			}
		}
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

// typeErrorPath is the path, as the client wrote it, to the value an
// UnmarshalTypeError is about. field is the error's Field split at its dots:
// it names struct fields, but also embedded structs and the types some
// UnmarshalJSON methods decode into (neither of which is in the JSON), and
// no array index or map key, which are found by decoding each element.
func typeErrorPath(t reflect.Type, value json.RawMessage, field []string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	failing := func(raw json.RawMessage, into reflect.Type) bool {
		return json.Unmarshal(raw, reflect.New(into).Interface()) != nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if t.Elem().Kind() != reflect.Uint8 && json.Unmarshal(value, &items) == nil {
			for i, item := range items {
				if failing(item, t.Elem()) {
					return append([]string{strconv.Itoa(i)}, typeErrorPath(t.Elem(), item, field)...)
				}
			}
		}
	case reflect.Map:
		var members map[string]json.RawMessage
		if json.Unmarshal(value, &members) == nil {
			for _, k := range slices.Sorted(maps.Keys(members)) {
				if failing(members[k], t.Elem()) {
					return append([]string{k}, typeErrorPath(t.Elem(), members[k], field)...)
				}
			}
		}
	case reflect.Struct:
		var members map[string]json.RawMessage
		if len(field) == 0 || json.Unmarshal(value, &members) != nil {
			return field
		}
		if f, ok := promotedField(t, field[0]); ok {
			if raw, ok := members[field[0]]; ok {
				return append([]string{field[0]}, typeErrorPath(f.Type, raw, field[1:])...)
			}
			return field
		}
		return typeErrorPath(t, value, field[1:]) // a Go name, not in the JSON
	}
	return nil
}

func syntaxProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && strings.HasSuffix(syntax.Error(), "exceeded max depth"):
		// Valid JSON, but deeper than the decoder goes; say so rather than
		// call it invalid.
		return apperr.Errorf(apperr.Unprocessable, "the request body nests JSON more than 10,000 levels deep, past the decoder's limit")
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

// UnknownFields names, by their paths under prefix, the members of a JSON
// value that T has no field for: for a part of a body kept raw and decoded
// later, such as a source's route.
func UnknownFields[T any](value json.RawMessage, prefix string) map[string]string {
	out := map[string]string{}
	unknownFields(reflect.TypeFor[T](), value, prefix, out)
	return out
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

// ParseTextForm parses a request's form, as r.ParseForm does, and refuses
// names and values that hold a NUL or bytes that are not UTF-8: nothing
// Patchbay keeps or looks up may, and PostgreSQL answers such a value with
// an error, not with no rows.
func ParseTextForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	for name, vs := range r.Form {
		if !IsText(name) || slices.ContainsFunc(vs, func(v string) bool { return !IsText(v) }) {
			return fmt.Errorf("the parameter %q is not UTF-8 text without NUL characters", name)
		}
	}
	return nil
}

// IsText reports whether s is UTF-8 without NUL characters: text both
// databases can store and compare.
func IsText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }
