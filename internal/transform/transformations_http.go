package transform

import (
	"context"
	"net/http"
	"strconv"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

func transformationFromPath(r *http.Request) (string, error) {
	return httpapi.PathID(r, "transformation_id", "tf")
}

type createRequest struct {
	Name     string `json:"name" doc:"A name for people, 1 to 200 bytes."`
	Language string `json:"language" enum:"javascript,wasm" doc:"javascript (code) or wasm (module_base64)."`
	Code
}

func (req createRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if req.Language != LangJavaScript && req.Language != LangWasm {
		p["language"] = "must be javascript or wasm"
	}
	if req.Name == "" || len(req.Name) > nameMax {
		p["name"] = "must be 1 to 200 bytes"
	}
	return p
}

// Created is a new transformation with its first version.
type Created struct {
	Transformation
	Version Version `json:"version" doc:"The first version, number 1."`
}

// HandleCreate saves a new transformation.
func HandleCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createRequest, Created]{
		Summary: "Create a transformation: JavaScript or a WebAssembly module that adapts deliveries or incoming events",
		Description: "Saves the code as version 1. JavaScript defines function handler(webhook) and returns the webhook " +
			"object; a Wasm module implements the ABI in docs/transformations.md. The code is compiled before it is saved: " +
			"a syntax error or a module without the ABI's exports is a 400 naming code or module_base64. Attach it to an " +
			"endpoint or a source with PUT /v1/transformations/{transformation_id}/attachments/{target_id}.",
		Status: http.StatusCreated,
		Do: func(r *http.Request, req createRequest) (Created, error) {
			t, v, err := s.Create(r.Context(), req.Name, req.Language, req.Code)
			return Created{Transformation: t, Version: v}, err
		},
	})
}

// HandleList lists transformations.
func HandleList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Transformation]]{
		Summary:     "List transformations ordered by ID",
		Description: "Pages through every transformation, without code; read a version for its code.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Transformation], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Transformation]{}, err
			}
			list, err := s.List(r.Context(), page)
			return httpapi.NewList(page, list, func(t Transformation) string { return t.ID }), err
		},
	})
}

// HandleGet returns a transformation.
func HandleGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Transformation]{
		Summary:     "Get a transformation",
		Description: "Returns the transformation's name, language and latest version number; 404 if it does not exist.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Transformation, error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return Transformation{}, err
			}
			return s.Transformation(r.Context(), id)
		},
	})
}

type renameRequest struct {
	Name string `json:"name" doc:"The new name, 1 to 200 bytes."`
}

func (req renameRequest) Valid(context.Context) map[string]string {
	if req.Name == "" || len(req.Name) > nameMax {
		return map[string]string{"name": "must be 1 to 200 bytes"}
	}
	return nil
}

// HandleUpdate renames a transformation.
func HandleUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[renameRequest, Transformation]{
		Summary:     "Rename a transformation",
		Description: "Changes the name only; code changes are new versions (POST …/versions), since a version never changes.",
		Do: func(r *http.Request, req renameRequest) (Transformation, error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return Transformation{}, err
			}
			return s.Rename(r.Context(), id, req.Name)
		},
	})
}

// HandleDelete deletes a transformation.
func HandleDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete a transformation and its versions",
		Description: "Refused with 409 while the transformation is attached to an endpoint or a source: detach it first, so that no delivery changes shape unnoticed.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.Delete(r.Context(), id)
		},
	})
}

type versionRequest struct{ Code }

// HandleVersionCreate saves a new version.
func HandleVersionCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[versionRequest, Version]{
		Summary: "Save new code as a transformation's next version",
		Description: "Versions are immutable and numbered 1, 2, 3…; attachments that follow the latest version run the new one " +
			"within seconds on every node, pinned ones keep theirs. The code is compiled first: a compile error is a 400 naming code or module_base64.",
		Status: http.StatusCreated,
		Do: func(r *http.Request, req versionRequest) (Version, error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return Version{}, err
			}
			return s.AddVersion(r.Context(), id, req.Code)
		},
	})
}

// HandleVersionList lists versions.
func HandleVersionList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Version]]{
		Summary:     "List a transformation's versions, newest first",
		Description: "Without code; each version's sha256 and size tell them apart.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Version], error) {
			page, err := httpapi.ParsePage(r) // a bad cursor is named first, as on every list
			if err != nil {
				return httpapi.List[Version]{}, err
			}
			id, err := transformationFromPath(r)
			if err != nil {
				return httpapi.List[Version]{}, err
			}
			before := 0
			if page.After != "" {
				if before, err = strconv.Atoi(page.After); err != nil {
					return httpapi.List[Version]{}, apperr.InvalidFields(map[string]string{"cursor": "is not a cursor this API returned"})
				}
			}
			list, err := s.Versions(r.Context(), id, before, page.Limit+1)
			return httpapi.NewList(page, list, func(v Version) string { return strconv.Itoa(v.Version) }), err
		},
	})
}

func versionFromPath(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return 0, apperr.InvalidFields(map[string]string{"version": "must be a version number: 1, 2, …"})
	}
	return n, nil
}

// HandleVersionGet returns a version.
func HandleVersionGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Version]{
		Summary:     "Get one version of a transformation, with its JavaScript source",
		Description: "A Wasm version has no code field: its sha256 identifies the module uploaded.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Version, error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return Version{}, err
			}
			n, err := versionFromPath(r)
			if err != nil {
				return Version{}, err
			}
			return s.Version(r.Context(), id, n)
		},
	})
}

type attachRequest struct {
	Version *int `json:"version" doc:"The version to pin, or null (or absent) to run the latest version."`
}

// HandleAttach attaches a transformation to an endpoint or a source.
func HandleAttach(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[attachRequest, Attachment]{
		Summary: "Run a transformation for an endpoint (before signing) or a source (after verification)",
		Description: "target_id is an endpoint (ep_…) or a source (src_…); it replaces the target's transformation, if it had one. " +
			"For an endpoint, each attempt runs it and records the version that ran; a failed run fails the attempt, which is retried " +
			"on the endpoint's schedule (or failed at once when the version is pinned and the failure does not depend on timing). " +
			"For a source, each new event runs it before it is forwarded or re-emitted. 404 if the target does not exist; " +
			"400 if the version does not.",
		OptionalBody: true,
		Do: func(r *http.Request, req attachRequest) (Attachment, error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return Attachment{}, err
			}
			return s.Attach(r.Context(), id, r.PathValue("target_id"), req.Version)
		},
	})
}

// HandleDetach detaches a transformation.
func HandleDetach(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Stop running a transformation for an endpoint or a source",
		Description: "Deliveries and events after this are sent as published; 404 if the transformation is not attached there.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.Detach(r.Context(), id, r.PathValue("target_id"))
		},
	})
}

// HandleAttachmentList lists where a transformation runs.
func HandleAttachmentList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Attachment]]{
		Summary:     "List the endpoints and sources a transformation runs for",
		Description: "At most 1,000, ordered by target ID.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Attachment], error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return httpapi.List[Attachment]{}, err
			}
			list, err := s.Attachments(r.Context(), id)
			if list == nil {
				list = []Attachment{}
			}
			return httpapi.List[Attachment]{Data: list}, err
		},
	})
}

type testRequest struct {
	Language string `json:"language" enum:"javascript,wasm" doc:"javascript (code) or wasm (module_base64)."`
	Code
	Sample
}

func (req testRequest) Valid(context.Context) map[string]string {
	p := req.problems()
	if req.Language != LangJavaScript && req.Language != LangWasm {
		p["language"] = "must be javascript or wasm"
	} else if _, problems := req.Code.bytesFor(req.Language); len(problems) > 0 {
		for k, v := range problems {
			p[k] = v
		}
	}
	return p
}

// HandleTest runs unsaved code on a sample.
func HandleTest(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[testRequest, TestResult]{
		Summary: "Try a transformation before saving it: run code on a sample and see the result, logs and time taken",
		Description: "The sample is the payload given, else a real message (message_id with tenant_id), else the example of " +
			"event_type. The run has the same limits as a delivery's. A run that fails (compile error, throw, timeout, out of memory, " +
			"invalid return) is answered 200 with ok false and the error; bad input is a 400, an unknown message or event type a 404.",
		Do: func(r *http.Request, req testRequest) (TestResult, error) {
			code, _ := req.Code.bytesFor(req.Language)
			return s.Test(r.Context(), Program{Language: req.Language, Code: code}, req.Sample)
		},
	})
}

type versionTestRequest struct {
	Version *int `json:"version,omitempty" doc:"The version to run; the latest if absent."`
	Sample
}

func (req versionTestRequest) Valid(context.Context) map[string]string { return req.problems() }

// HandleVersionTest runs a saved transformation on a sample.
func HandleVersionTest(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[versionTestRequest, TestResult]{
		Summary:     "Run a saved transformation (a version, or the latest) on a sample",
		Description: "As POST /v1/transformations/test, with the saved code: shows what its attachments would send for the sample.",
		Do: func(r *http.Request, req versionTestRequest) (TestResult, error) {
			id, err := transformationFromPath(r)
			if err != nil {
				return TestResult{}, err
			}
			return s.TestVersion(r.Context(), id, req.Version, req.Sample)
		},
	})
}
