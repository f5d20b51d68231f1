package schemaerr_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/patchbay/patchbay/internal/schemaerr"
)

const schema = `{
	"type": "object",
	"required": ["id", "name"],
	"additionalProperties": false,
	"properties": {
		"id": {"type": "string"},
		"name": {"type": "string"},
		"lines": {"type": "array", "items": {"type": "object", "properties": {"price": {"type": "integer", "minimum": 0}}}}
	}
}`

func validate(t *testing.T, doc string) *jsonschema.ValidationError {
	t.Helper()
	parsed, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem:///s.json", parsed); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("mem:///s.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var verr *jsonschema.ValidationError
	if err := sch.Validate(v); !errors.As(err, &verr) {
		t.Fatalf("Validate(%s) = %v, want a validation error", doc, err)
	}
	return verr
}

// TestProblems checks where problems are placed and how they are worded:
// missing and unexpected properties at their own locations, nested values by
// their path, the caller's words where given, each problem once.
func TestProblems(t *testing.T) {
	t.Parallel()
	verr := validate(t, `{"id": 7, "extra": true, "lines": [{"price": -1}, {"price": "x"}]}`)

	got := schemaerr.Problems(verr, schemaerr.Words{})
	want := []schemaerr.Problem{
		{Location: []string{"name"}, Message: "is required"},
		{Location: []string{"extra"}, Message: "is not allowed"},
		{Location: []string{"id"}, Message: "got number, want string"},
		{Location: []string{"lines", "0", "price"}, Message: "minimum: got -1, want 0"},
		{Location: []string{"lines", "1", "price"}, Message: "got string, want integer"},
	}
	if diff := cmp.Diff(want, got, sortProblems); diff != "" {
		t.Errorf("Problems with default words (-want +got):\n%s", diff)
	}

	words := schemaerr.Words{
		Required:   "is missing",
		NotAllowed: func(*jsonschema.ValidationError) string { return "is unknown" },
		Keyword: func(e *jsonschema.ValidationError) ([]schemaerr.Problem, bool) {
			if _, ok := e.ErrorKind.(*kind.Minimum); ok {
				return []schemaerr.Problem{{Location: e.InstanceLocation, Message: "is negative"}}, true
			}
			return nil, false
		},
		Leaf: func(jsonschema.ErrorKind) string { return "has the wrong type" },
	}
	got = schemaerr.Problems(verr, words)
	want = []schemaerr.Problem{
		{Location: []string{"name"}, Message: "is missing"},
		{Location: []string{"extra"}, Message: "is unknown"},
		{Location: []string{"id"}, Message: "has the wrong type"},
		{Location: []string{"lines", "0", "price"}, Message: "is negative"},
		{Location: []string{"lines", "1", "price"}, Message: "has the wrong type"},
	}
	if diff := cmp.Diff(want, got, sortProblems); diff != "" {
		t.Errorf("Problems with the caller's words (-want +got):\n%s", diff)
	}

	// Two causes that say the same of one value give one problem.
	same := schemaerr.Words{Leaf: func(jsonschema.ErrorKind) string { return "is wrong" }}
	verr = validate(t, `{"id": "a", "name": "b", "lines": [{"price": "x"}]}`)
	if got := schemaerr.Problems(verr, same); len(got) != 1 {
		t.Errorf("Problems = %v, want one", got)
	}
}

// sortProblems compares problems in any order: the library does not promise
// the order of causes.
var sortProblems = cmp.Transformer("sorted", func(ps []schemaerr.Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strings.Join(p.Location, "/") + ": " + p.Message
	}
	slices.Sort(out)
	return out
})
