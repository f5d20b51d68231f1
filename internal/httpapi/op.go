package httpapi

import (
	"fmt"
	"net/http"
	"reflect"
)

// NoBody is the input of an operation that reads no request body. Its
// request is documented without one.
type NoBody struct{}

// NoContent is the output of an operation that answers without a body, with
// its status (204 No Content unless the Op says otherwise).
type NoContent struct{}

// Upsert is the output of a PUT that creates or replaces a resource: Value
// is answered with 201 Created when Created is true, and with the Op's status
// otherwise. The document lists both answers.
type Upsert[T any] struct {
	Value   T
	Created bool
}

func (u Upsert[T]) upsert() (body any, created bool) { return u.Value, u.Created }

// upsertOutput is what Handle asks of an Upsert, whatever its T.
type upsertOutput interface {
	upsert() (body any, created bool)
}

// Op is a JSON operation: Do gets the decoded, validated request body and
// returns the response body or an error, and never writes the response
// itself. In and Out are the body types, so the OpenAPI document describes
// exactly what the code decodes and encodes. Do reads path and query
// parameters from r (PathID, ParsePage and the like).
type Op[In, Out any] struct {
	// Summary is one line for the API reference.
	Summary string
	// Description is the API reference's paragraph (Endpoint.Description).
	Description string
	// Status is the success status; zero means 200, or 204 when Out is
	// NoContent.
	Status int
	// Query lists the query parameters Do reads.
	Query []Param
	// Secret marks an operation whose response carries a secret (see
	// Endpoint.Secret).
	Secret bool
	// OptionalBody lets a request have no body (Content-Length: 0), which
	// Do gets as In's zero value: for bodies whose every field is optional.
	OptionalBody bool
	// Do performs the operation. An error is answered as a problem
	// document by Error.
	Do func(r *http.Request, in In) (Out, error)
}

// Handle makes an Endpoint of op: it decodes the body into an In (Decode:
// strict, with field problems, then In's Valid), calls Do, and encodes its
// Out with the success status or answers its error as a problem. Responses
// that are not JSON (pages, raw bodies, streams) stay plain handlers.
func Handle[In, Out any](op Op[In, Out]) Endpoint {
	if op.Do == nil {
		panic("httpapi: Op " + op.Summary + " has no Do")
	}
	for _, t := range []reflect.Type{reflect.TypeFor[In](), reflect.TypeFor[Out]()} {
		if t.Kind() == reflect.Interface {
			// Its zero value has no type for the document to describe.
			panic(fmt.Sprintf("httpapi: Op %s has the interface type %s as a body; use a concrete type", op.Summary, t))
		}
	}
	_, noBody := any(*new(In)).(NoBody)
	_, noContent := any(*new(Out)).(NoContent)
	upsert, isUpsert := any(*new(Out)).(upsertOutput)
	status := op.Status
	switch {
	case status != 0:
	case noContent:
		status = http.StatusNoContent
	default:
		status = http.StatusOK
	}
	e := Endpoint{Summary: op.Summary, Description: op.Description, Status: status, Query: op.Query, Secret: op.Secret, OptionalBody: op.OptionalBody}
	if !noBody {
		e.Request = *new(In)
	}
	switch {
	case noContent:
	case isUpsert:
		e.Response, _ = upsert.upsert()
		e.MayCreate = true
	default:
		e.Response = *new(Out)
	}
	e.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in In
		if !noBody && !(op.OptionalBody && r.ContentLength == 0) {
			var err error
			if in, err = Decode[In](r); err != nil {
				Error(w, r, err)
				return
			}
		}
		out, err := op.Do(r, in)
		if err != nil {
			Error(w, r, err)
			return
		}
		switch out := any(out).(type) {
		case NoContent:
			w.WriteHeader(status)
		case upsertOutput:
			body, created := out.upsert()
			if created {
				Encode(w, http.StatusCreated, body)
				return
			}
			Encode(w, status, body)
		default:
			Encode(w, status, out)
		}
	})
	return e
}
