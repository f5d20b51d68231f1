package assets

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// svgPolicy keeps an SVG opened on its own from running script, loading
// anything or submitting forms; its inline styles still apply.
const svgPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// HandleServe serves an asset. Its URL holds the hash of its bytes, so the
// response may be cached for ever; the type is the one sniffed when it was
// stored, and browsers are told not to guess another.
func HandleServe(s *Store) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "A stored image (logo, icon) by the SHA-256 of its bytes; public and cached for ever",
		Description: "Serves an uploaded logo or icon by the hash of its bytes, with a Content-Type from its stored kind and a cache lifetime of a year. Pages and components link here; the name changes whenever the image does. 404 for an unknown hash.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hash, ext, _ := strings.Cut(r.PathValue("file"), ".")
			if !validHash(hash) {
				httpapi.Error(w, r, apperr.Errorf(apperr.NotFound, "no asset at this path"))
				return
			}
			a, err := s.Asset(r.Context(), hash)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if extensions[a.ContentType] != ext {
				httpapi.Error(w, r, apperr.Errorf(apperr.NotFound, "no asset at this path"))
				return
			}
			h := w.Header()
			h.Set("Content-Type", a.ContentType)
			h.Set("Content-Length", strconv.Itoa(len(a.Bytes)))
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			h.Set("ETag", `"`+a.Hash+`"`)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Cross-Origin-Resource-Policy", "cross-origin") // embeds on the SaaS's pages show them too
			if a.ContentType == SVG {
				h.Set("Content-Security-Policy", svgPolicy)
			}
			if r.Header.Get("If-None-Match") == `"`+a.Hash+`"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.WriteHeader(http.StatusOK)
			if r.Method != http.MethodHead {
				w.Write(a.Bytes) //nolint:errcheck // the client may be gone; nothing to do
			}
		}),
	}
}

// validHash reports whether s is a lowercase hex SHA-256, the only names
// assets have; anything else is not looked up.
func validHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Types are the Content-Types an image upload may have.
var Types = []string{PNG, SVG, WebP}

// HandleUpload is an image upload route: the image's bytes as the body,
// with one of Types as its Content-Type. save checks and stores them (in
// Store.PutUpload's transaction) and returns the response body, a
// response; summary documents the route.
func HandleUpload(summary string, response any, save func(r *http.Request, contentType string, body []byte) (any, error)) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: summary + ": the image's bytes as the body, Content-Type image/png, image/svg+xml or image/webp, at most 256 KiB " +
			"(SVG without script, event handlers or external references)",
		Description: "Send the image itself as the request body, not a form or JSON; the answer shows where the stored copy is served. " +
			"SVGs are refused if they hold scripts, event handlers or external references. 415 for another media type, 413 over 256 KiB.",
		RawRequest: Types, Response: response,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := readUpload(w, r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			out, err := save(r, r.Header.Get("Content-Type"), body)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, out)
		}),
	}
}

// readUpload reads an uploaded image's body: more than MaxSize is a 413
// that says the limit.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxSize))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, apperr.Errorf(apperr.TooLarge, "the image is larger than %d KiB", MaxSize>>10)
	case err != nil:
		return nil, apperr.Errorf(apperr.Invalid, "could not read the request body")
	}
	return body, nil
}
