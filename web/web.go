// Package web serves Patchbay's web components: the bundle built from the
// TypeScript under web/src (committed as dist/patchbay.js and embedded, so
// Go builds and tests need no Node) and the hosted pages that mount one
// component each.
package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// bundle is dist/patchbay.js, built by `npm run build` in web/.
//
//go:embed dist/patchbay.js
var bundle []byte

// BundlePath is where the bundle is served. Pages pin it with ?v=Version.
const BundlePath = "/embed/v1/patchbay.js"

// Version names the embedded bundle: the first 12 hex digits of its SHA-256,
// as web/scripts/sri.mjs computes them for the docs.
var Version = func() string {
	sum := sha256.Sum256(bundle)
	return hex.EncodeToString(sum[:])[:12]
}()

// HandleBundle serves patchbay.js. A request for this very version (?v=
// Version) may be cached for good; any other is revalidated by its ETag, so
// a page without ?v= picks up a new release. Any site may load it (CORS *),
// which integrity checks on cross-origin scripts need.
func HandleBundle() httpapi.Endpoint {
	etag := `"` + Version + `"`
	return httpapi.Endpoint{
		Summary:     "The web components' JavaScript bundle (immutable when ?v= names its version)",
		Description: "The bundle that defines the web components. With ?v= (the bundle's hash) it is immutable and cached for a year; pages should load it with Subresource Integrity.",
		Query:       []httpapi.Param{{Name: "v", Description: "the bundle's version; when it matches, the response may be cached for a year"}},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "text/javascript; charset=utf-8")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Cross-Origin-Resource-Policy", "cross-origin")
			h.Set("ETag", etag)
			if r.URL.Query().Get("v") == Version {
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				h.Set("Cache-Control", "no-cache")
			}
			// The ETag, not a modification time, identifies a version.
			http.ServeContent(w, r, "patchbay.js", time.Time{}, bytes.NewReader(bundle))
		}),
	}
}

// Page is a hosted page: one component on a page of its own.
type Page struct {
	// Element is the component's tag, e.g. "patchbay-webhooks".
	Element string
	// Title is the page's title, a message key of htmlpage's catalog.
	Title string
}

var portalBody = template.Must(template.New("portal").Parse(`{{.Data}}`))

// HandlePage serves p in htmlpage's frame, in the installation's branding
// (the tenant is known only once the component reads its token). The token
// travels in the fragment (#token=…), which never reaches a server, and
// patchbay.js removes it from the address bar as it starts. Only Patchbay's
// own script runs, and the page may be framed (see htmlpage.Page.Portal).
func HandlePage(p Page, brands htmlpage.Brands) httpapi.Endpoint {
	tag := template.HTML("<" + p.Element + "></" + p.Element + ">")
	return httpapi.Endpoint{
		Summary: "Hosted page: " + p.Title + " (token in the URL fragment, #token=…)",
		Description: "A full page that mounts the " + p.Element + " component, for SaaSes that link to Patchbay instead of embedding it. " +
			"The embed token travels in the URL fragment, which never reaches a server.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			htmlpage.Render(w, r, htmlpage.Page{Status: http.StatusOK, Template: portalBody, Name: "portal", Title: p.Title,
				Brand: htmlpage.BrandOf(r.Context(), brands, ""), Data: tag, Portal: true, Scripts: []string{BundlePath + "?v=" + Version}})
		}),
	}
}
