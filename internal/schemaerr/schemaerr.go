// Package schemaerr turns a failed JSON Schema validation
// (santhosh-tekuri/jsonschema) into problems a person can act on, each about
// one value, named by its location. It is the one walk over the library's
// error tree: the webhooks capability uses it for payloads and examples
// checked against event type schemas, the provider catalog for definitions.
// Callers say the problems in their own words.
package schemaerr

import (
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Problem is one thing wrong with the validated document.
type Problem struct {
	// Location is the JSON pointer tokens of the value the problem is about
	// (jsonptr.Format writes them as a pointer).
	Location []string
	Message  string
}

// Words says the problems in the caller's words. Fields left nil get the
// defaults their comments give.
type Words struct {
	// Required is said of each missing required property, at the property's
	// own location, where a reader looks for it. Default "is required".
	Required string
	// NotAllowed is said of each property that additionalProperties
	// refuses, at its own location. Default "is not allowed".
	NotAllowed func(e *jsonschema.ValidationError) string
	// Keyword may describe any other failed keyword itself; the walk then
	// does not look at its causes. handled false leaves it to the walk.
	Keyword func(e *jsonschema.ValidationError) (problems []Problem, handled bool)
	// Leaf says what a failed keyword without causes wants. Default Text.
	Leaf func(k jsonschema.ErrorKind) string
}

// Problems walks a failed validation and returns its problems in the order
// found, each location and message once.
func Problems(verr *jsonschema.ValidationError, w Words) []Problem {
	var problems []Problem
	add := func(p Problem) {
		if !slices.ContainsFunc(problems, func(q Problem) bool {
			return q.Message == p.Message && slices.Equal(q.Location, p.Location)
		}) {
			problems = append(problems, p)
		}
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			msg := w.Required
			if msg == "" {
				msg = "is required"
			}
			for _, p := range AtEach(e, k.Missing, msg) {
				add(p)
			}
			return
		case *kind.AdditionalProperties:
			msg := "is not allowed"
			if w.NotAllowed != nil {
				msg = w.NotAllowed(e)
			}
			for _, p := range AtEach(e, k.Properties, msg) {
				add(p)
			}
			return
		}
		if w.Keyword != nil {
			if found, handled := w.Keyword(e); handled {
				for _, p := range found {
					add(p)
				}
				return
			}
		}
		if len(e.Causes) == 0 {
			add(Problem{Location: e.InstanceLocation, Message: leaf(w, e.ErrorKind)})
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	return problems
}

// AtEach is msg said of each of a failed keyword's named properties, at the
// property's own location.
func AtEach(e *jsonschema.ValidationError, properties []string, msg string) []Problem {
	problems := make([]Problem, 0, len(properties))
	for _, name := range properties {
		problems = append(problems, Problem{Location: append(slices.Clip(e.InstanceLocation), name), Message: msg})
	}
	return problems
}

func leaf(w Words, k jsonschema.ErrorKind) string {
	if w.Leaf != nil {
		return w.Leaf(k)
	}
	return Text(k)
}

var english = message.NewPrinter(language.English)

// Text is the library's own English for a failed keyword.
func Text(k jsonschema.ErrorKind) string { return k.LocalizedString(english) }
