package httpapi

import "net/http"

// Endpoint is a handler with the facts the OpenAPI document needs. Handler
// makers return one, so a route's documentation sits beside its code and
// routes.go stays the single list of routes.
type Endpoint struct {
	http.Handler
	// Summary is one line for the API reference.
	Summary string
	// Description says, for the API reference, what the operation does,
	// when to use it and what it may answer besides success.
	Description string
	// Request is a zero value of the JSON body type, or nil for no body.
	Request any
	// RawRequest lists the media types of a body that is not JSON, such as
	// an image upload; Request is then nil.
	RawRequest []string
	// OptionalBody documents the request body as optional: a request
	// without one means the zero value.
	OptionalBody bool
	// Response is a zero value of the success body type, or nil for no body.
	Response any
	// Status is the success status; zero means 200.
	Status int
	// MayCreate documents a second success, 201 Created with the same body,
	// for a PUT that creates the resource when it is new.
	MayCreate bool
	// Query lists the query parameters the endpoint reads.
	Query []Param
	// Secret marks an endpoint whose response carries a secret: the router
	// sends its every response with Cache-Control: no-store, and the OpenAPI
	// document marks it x-patchbay-secret.
	Secret bool
}

// Param documents a query parameter.
type Param struct {
	Name, Description string
}

// PageParams are the query parameters of every list endpoint.
var PageParams = []Param{
	{Name: "limit", Description: "page size, 1 to 100 (default 20)"},
	{Name: "cursor", Description: "next_cursor from the previous page"},
}
