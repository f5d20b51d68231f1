package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/schemaerr"
)

// validEventTypeName reports what is wrong with an event type name, or "".
func validEventTypeName(name string) string {
	const rule = "must be 1 to 128 letters, digits, _ and -, in dot-separated parts such as invoice.paid"
	if name == "" || len(name) > eventTypeNameMax || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return rule
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return rule
		}
	}
	return ""
}

func validEventTypeDescription(d string) string {
	if len(d) > eventTypeDescriptionMax || !utf8.ValidString(d) {
		return "must be valid UTF-8 of at most 1000 bytes"
	}
	return ""
}

// checkSchemaAndExample checks a schema and an example, either of which may be
// absent (nil or JSON null), adds what is wrong with them to problems, and
// returns them compacted for storage, absent ones as nil. The example must
// match the schema when both are present. A schema over the limits is an
// error of its own (422, schemaLimitError).
func checkSchemaAndExample(schemaRaw, exampleRaw json.RawMessage, problems map[string]string) (json.RawMessage, json.RawMessage, error) {
	var sch *jsonschema.Schema
	if !absentJSON(schemaRaw) {
		var msg string
		var limit bool
		if sch, msg, limit = prepareSchema(schemaRaw, SchemaCompileTimeout); limit {
			return nil, nil, schemaLimitError(msg)
		} else if msg != "" {
			problems["schema"] = msg
		}
	}
	var example any
	if !absentJSON(exampleRaw) {
		var msg string
		if example, msg = decodeJSONValue(exampleRaw); msg != "" {
			problems["example"] = msg
		}
	}
	if sch != nil && example != nil {
		if err := sch.Validate(example); err != nil {
			var verr *jsonschema.ValidationError
			if !errors.As(err, &verr) {
				return nil, nil, fmt.Errorf("validate the example: %w", err)
			}
			problems["example"] = "the example does not match the schema: " + summarizeProblems(schemaProblems(verr, ""))
		}
	}
	if len(problems) > 0 {
		return nil, nil, nil
	}
	schemaOut, err := compactJSON(schemaRaw)
	if err != nil {
		return nil, nil, err
	}
	exampleOut, err := compactJSON(exampleRaw)
	return schemaOut, exampleOut, err
}

func absentJSON(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// compactJSON returns raw without insignificant space, and nil for absent.
// PostgreSQL returns jsonb with spaces of its own; compacting both dialects'
// output keeps responses alike.
func compactJSON(raw []byte) (json.RawMessage, error) {
	if absentJSON(raw) {
		return nil, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// jsonArg is a JSON value as a statement argument: a string, which PostgreSQL
// casts to jsonb, or NULL.
func jsonArg(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	return string(raw)
}

// decodeJSONValue parses a schema or an example, numbers kept exact, and
// checks that both databases can store it: PostgreSQL's jsonb refuses \u0000
// and numbers beyond its numeric range, so neither is accepted on either.
func decodeJSONValue(raw []byte) (any, string) {
	if !utf8.Valid(raw) {
		return nil, "must be UTF-8"
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, "must be valid JSON"
	}
	return v, storableJSON(v)
}

func storableJSON(v any) string {
	switch v := v.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			return "must not contain the character U+0000"
		}
	case json.Number:
		if msg := numberProblem(v); msg != "" {
			return "must hold only numbers that " + strings.TrimPrefix(msg, "must ")
		}
	case []any:
		for _, x := range v {
			if msg := storableJSON(x); msg != "" {
				return msg
			}
		}
	case map[string]any:
		for k, x := range v {
			if strings.ContainsRune(k, 0) {
				return "must not contain the character U+0000"
			}
			if msg := storableJSON(x); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// numberProblem says what is wrong with a number, or "". Validation turns
// numbers into exact fractions, which takes seconds for one of a million
// digits and tens of milliseconds for an exponent of a million, so numbers
// are held to 100 characters within the range of a 64-bit float: what
// receivers can parse anyway, and well within what jsonb can store.
func numberProblem(n json.Number) string {
	s := string(n)
	if len(s) > 100 {
		return "must be at most 100 characters long"
	}
	f, err := strconv.ParseFloat(s, 64)
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	if err != nil || f == 0 && strings.ContainsAny(mantissa, "123456789") {
		return "must be within the range of a 64-bit float"
	}
	return ""
}

// payloadNumberProblem finds a number in a parsed payload that numberProblem
// refuses, and returns its location.
func payloadNumberProblem(v any, loc []string) ([]string, string) {
	switch v := v.(type) {
	case json.Number:
		return loc, numberProblem(v)
	case []any:
		for i, x := range v {
			if bad, msg := payloadNumberProblem(x, append(loc, strconv.Itoa(i))); msg != "" {
				return bad, msg
			}
		}
	case map[string]any:
		for k, x := range v {
			if bad, msg := payloadNumberProblem(x, append(loc, k)); msg != "" {
				return bad, msg
			}
		}
	}
	return nil, ""
}

// schemaBaseURL is where schemas are compiled from. Nothing can be fetched
// from it: relative references resolve under it and are refused, and it is
// cut out of messages.
const schemaBaseURL = "mem:///schema.json"

// refuseLoading is the compiler's only way to load documents other than the
// schema itself and the drafts' own metaschemas (which the library embeds), so
// a schema can make Patchbay fetch no URL and read no file.
type refuseLoading struct{}

func (refuseLoading) Load(string) (any, error) {
	return nil, errors.New("schemas may not reference other documents")
}

// compileSchema compiles a parsed schema, or says what is wrong with it.
func compileSchema(doc any) (*jsonschema.Schema, string) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(refuseLoading{})
	if err := c.AddResource(schemaBaseURL, doc); err != nil {
		return nil, compileProblem(err)
	}
	sch, err := c.Compile(schemaBaseURL)
	if err != nil {
		return nil, compileProblem(err)
	}
	// A $ref that leads back to itself without going deeper into the value
	// fails every payload. Values of each type find the cycles reached at
	// the top, such as {"$ref": "#"}.
	for _, probe := range []any{nil, map[string]any{}, []any{}, "", json.Number("0"), true} {
		var verr *jsonschema.ValidationError
		if errors.As(sch.Validate(probe), &verr) && refCycle(verr) {
			return nil, "refers to itself without end: a $ref leads back to where it started, so no payload could match"
		}
	}
	return sch, ""
}

// refCycle reports whether a validation failed on a $ref cycle.
func refCycle(e *jsonschema.ValidationError) bool {
	if _, ok := e.ErrorKind.(*kind.RefCycle); ok {
		return true
	}
	return slices.ContainsFunc(e.Causes, refCycle)
}

func compileProblem(err error) string {
	var invalid *jsonschema.SchemaValidationError
	var load *jsonschema.LoadURLError
	var verr *jsonschema.ValidationError
	switch {
	case errors.As(err, &invalid) && errors.As(invalid.Err, &verr):
		return "is not a valid JSON Schema: " + summarizeProblems(schemaProblems(verr, ""))
	case errors.As(err, &load):
		return shortenProblem(fmt.Sprintf("refers to %s, which is not loaded: references to other documents are not followed, so put shared definitions under $defs", cutBaseURL(load.URL)))
	}
	return shortenProblem("is not a valid JSON Schema: " + cutBaseURL(err.Error()))
}

func cutBaseURL(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, schemaBaseURL, ""), "mem:///", "")
}

// schemaProblems lists what a failed validation found, keyed by prefix plus
// the JSON pointer to each bad value: with prefix "payload", a bad price in
// the first line item is "payload/lines/0/price". Problems of one value are
// joined.
func schemaProblems(verr *jsonschema.ValidationError, prefix string) map[string]string {
	found := map[string][]string{}
	for _, p := range schemaerr.Problems(verr, payloadWords) {
		key := prefix + jsonptr.Format(p.Location)
		found[key] = append(found[key], p.Message)
	}
	problems := make(map[string]string, len(found))
	for key, msgs := range found {
		problems[key] = shortenProblem(strings.Join(msgs, "; "))
	}
	return problems
}

// payloadWords say the problems of payloads and examples.
var payloadWords = schemaerr.Words{
	Keyword: func(e *jsonschema.ValidationError) ([]schemaerr.Problem, bool) {
		switch k := e.ErrorKind.(type) {
		case *kind.DependentRequired:
			return schemaerr.AtEach(e, k.Missing, fmt.Sprintf("is required when %q is present", k.Prop)), true
		case *kind.Dependency:
			return schemaerr.AtEach(e, k.Missing, fmt.Sprintf("is required when %q is present", k.Prop)), true
		case *kind.AnyOf, *kind.OneOf:
			return []schemaerr.Problem{{Location: e.InstanceLocation, Message: alternativesProblem(e)}}, true
		case *kind.Contains, *kind.MinContains, *kind.PropertyNames:
			// Their causes are why each item or name failed, which reads as
			// if every one were required to match.
			return []schemaerr.Problem{{Location: e.InstanceLocation, Message: kindProblem(e.ErrorKind)}}, true
		}
		return nil, false
	},
	Leaf: kindProblem,
}

// alternativesProblem says why a value matched none (or, for oneOf, more than
// one) of the alternatives. When every alternative failed on the value itself
// (a type, const or enum), their wishes are joined: "must be a string or must
// be null". When they failed deeper inside, listing every branch's complaints
// would read as if all were required, so one line says what happened.
func alternativesProblem(e *jsonschema.ValidationError) string {
	keyword := "anyOf"
	if k, ok := e.ErrorKind.(*kind.OneOf); ok {
		keyword = "oneOf"
		if len(k.Subschemas) > 1 {
			return fmt.Sprintf("must match exactly one of the oneOf alternatives, but matches %d and %d", k.Subschemas[0], k.Subschemas[1])
		}
	}
	var wishes []string
	here := true
	var leaves func(c *jsonschema.ValidationError)
	leaves = func(c *jsonschema.ValidationError) {
		if len(c.Causes) == 0 {
			if !slices.Equal(c.InstanceLocation, e.InstanceLocation) {
				here = false
			}
			if msg := kindProblem(c.ErrorKind); !slices.Contains(wishes, msg) {
				wishes = append(wishes, msg)
			}
			return
		}
		for _, cc := range c.Causes {
			leaves(cc)
		}
	}
	for _, c := range e.Causes {
		leaves(c)
	}
	if here && len(wishes) > 0 {
		return strings.Join(wishes, " or ")
	}
	return "matches none of the " + keyword + " alternatives"
}

// kindProblem says what one failed keyword wants, briefly; the value's path
// is already in the field name.
func kindProblem(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		wants := make([]string, len(k.Want))
		for i, w := range k.Want {
			wants[i] = withArticle(w)
		}
		return "must be " + strings.Join(wants, " or ") + ", not " + withArticle(k.Got)
	case *kind.Minimum:
		return "must be >= " + ratString(k.Want)
	case *kind.Maximum:
		return "must be <= " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "must be > " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "must be < " + ratString(k.Want)
	case *kind.MultipleOf:
		return "must be a multiple of " + ratString(k.Want)
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items", k.Want)
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d properties", k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d properties", k.Want)
	case *kind.Pattern:
		return "must match the pattern " + k.Want
	case *kind.Format:
		if k.Err != nil {
			return "must be a valid " + k.Want + ": " + k.Err.Error()
		}
		return "must be a valid " + k.Want
	case *kind.Enum:
		return "must be one of " + jsonValues(k.Want)
	case *kind.Const:
		return "must be " + jsonValues([]any{k.Want})
	case *kind.Required:
		return "must have " + propertyList(k.Missing)
	case *kind.DependentRequired:
		return fmt.Sprintf("must have %s when it has %q", propertyList(k.Missing), k.Prop)
	case *kind.Dependency:
		return fmt.Sprintf("must have %s when it has %q", propertyList(k.Missing), k.Prop)
	case *kind.AdditionalProperties:
		return "must not have " + propertyList(k.Properties)
	case *kind.FalseSchema:
		return "is not allowed"
	case *kind.Not:
		return "must not match the schema under not"
	case *kind.UniqueItems:
		return fmt.Sprintf("must not hold duplicates, but items %d and %d are equal", k.Duplicates[0], k.Duplicates[1])
	case *kind.PropertyNames:
		return fmt.Sprintf("has a property name that is not allowed: %q", k.Property)
	}
	return schemaerr.Text(k)
}

// propertyList names one or more properties: `the property "a"`.
func propertyList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	if len(quoted) == 1 {
		return "the property " + quoted[0]
	}
	return "the properties " + strings.Join(quoted, ", ")
}

func withArticle(jsonType string) string {
	switch jsonType {
	case "null":
		return "null"
	case "array", "integer", "object":
		return "an " + jsonType
	}
	return "a " + jsonType
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// jsonValues lists values as JSON, a few of them.
func jsonValues(values []any) string {
	var parts []string
	for i, v := range values {
		if i == 10 {
			parts = append(parts, "…")
			break
		}
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte("?")
		}
		parts = append(parts, string(b))
	}
	return strings.Join(parts, ", ")
}

// limitProblems keeps the first max problems in field order and reports how
// many there were.
func limitProblems(problems map[string]string, max int) (map[string]string, int) {
	if len(problems) <= max {
		return problems, len(problems)
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	kept := make(map[string]string, max)
	for _, k := range keys[:max] {
		kept[k] = problems[k]
	}
	return kept, len(problems)
}

// summarizeProblems puts a few problems keyed by JSON pointer into one line,
// for a message about one field: "at /type: must be …; at /minimum: …".
func summarizeProblems(problems map[string]string) string {
	const shown = 3
	kept, total := limitProblems(problems, shown)
	keys := make([]string, 0, len(kept))
	for k := range kept {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		if k == "" {
			parts = append(parts, kept[k])
		} else {
			parts = append(parts, "at "+k+": "+kept[k])
		}
	}
	if total > shown {
		parts = append(parts, fmt.Sprintf("and %d more", total-shown))
	}
	return strings.Join(parts, "; ")
}

// shortenProblem cuts s to problemTextMax bytes on a rune boundary.
func shortenProblem(s string) string {
	if len(s) <= problemTextMax {
		return s
	}
	cut := problemTextMax - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// CompileSchema compiles a JSON Schema held to the limits and rules of
// event types' schemas (no other documents, bounded size and compile
// time), or says what is wrong with it: for other capabilities' schemas,
// such as automation actions' inputs.
func CompileSchema(raw json.RawMessage) (*jsonschema.Schema, string) {
	sch, msg, _ := prepareSchema(raw, SchemaCompileTimeout)
	return sch, msg
}
