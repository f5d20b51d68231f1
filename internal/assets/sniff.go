package assets

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The image types Patchbay stores and serves. Browsers render each without
// help from us; SVG alone can carry script, so it is checked (CheckSVG) and
// served under a sandboxing Content-Security-Policy. ICO is only ever a copy
// of a logo hosted elsewhere (most sites' favicon.ico); uploads take the
// other three.
const (
	PNG  = "image/png"
	SVG  = "image/svg+xml"
	WebP = "image/webp"
	ICO  = "image/x-icon"
)

// MaxSize is the largest image Patchbay stores: plenty for a logo, and small
// enough to keep in the database and in memory while serving.
const MaxSize = 256 << 10

// extensions maps each image type to the extension in its URL.
var extensions = map[string]string{PNG: "png", SVG: "svg", WebP: "webp", ICO: "ico"}

// Sniff returns the image type of body from its first bytes (never from what
// a client or server claims), or an error a person can act on when it is not
// a PNG, WebP or a safe SVG.
func Sniff(body []byte) (string, error) {
	switch {
	case len(body) == 0:
		return "", errors.New("the image is empty")
	case len(body) > MaxSize:
		return "", fmt.Errorf("the image is larger than %d KiB", MaxSize>>10)
	case bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case len(body) >= 12 && string(body[:4]) == "RIFF" && string(body[8:12]) == "WEBP":
		return WebP, nil
	case isICO(body):
		return ICO, nil
	}
	if err := CheckSVG(body); err != nil {
		return "", err
	}
	return SVG, nil
}

// isICO reports whether body starts as an icon file does: reserved 0, type
// 1, at least one image, and room for every image's 16-byte directory entry.
func isICO(body []byte) bool {
	if len(body) < 6 || !bytes.HasPrefix(body, []byte{0, 0, 1, 0}) {
		return false
	}
	n := int(body[4]) | int(body[5])<<8
	return n > 0 && len(body) >= 6+16*n
}

// CheckSVG returns why body is not an SVG Patchbay will serve, or nil. The
// rules refuse what could run script or reach elsewhere when the image is
// opened on its own: script and foreignObject elements, event-handler
// attributes, links to anything but the document's own fragments, CSS that
// loads from elsewhere, and DTDs (entity expansion). Serving SVG with
// "sandbox" in its CSP is the second wall behind this one.
func CheckSVG(body []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	depth, root := 0, false
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errors.New("the image is not a PNG, a WebP or well-formed SVG")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if depth == 0 {
				if root || name != "svg" {
					return errors.New("the image is not a PNG, a WebP or an SVG document (its root element must be svg)")
				}
				root = true
			}
			depth++
			switch name {
			case "script", "foreignobject", "iframe", "embed", "object", "handler", "listener":
				return fmt.Errorf("SVG with a %s element is refused: it can run script or embed other documents", t.Name.Local)
			}
			for _, a := range t.Attr {
				if err := checkSVGAttr(a); err != nil {
					return err
				}
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth > 0 && !fragmentRefsOnly(string(t)) {
				return errors.New("SVG whose CSS loads from elsewhere (url() or @import) is refused")
			}
		case xml.Directive:
			return errors.New("SVG with a DOCTYPE or entity declarations is refused")
		case xml.ProcInst:
			if t.Target != "xml" {
				return fmt.Errorf("SVG with the processing instruction %q is refused", t.Target)
			}
		}
	}
	if !root {
		return errors.New("the image is not a PNG, a WebP or an SVG document")
	}
	return nil
}

func checkSVGAttr(a xml.Attr) error {
	name := strings.ToLower(a.Name.Local)
	value := strings.TrimSpace(a.Value)
	switch {
	case strings.HasPrefix(name, "on"):
		return fmt.Errorf("SVG with the event-handler attribute %s is refused: it runs script", a.Name.Local)
	case name == "href" || name == "src" || strings.HasSuffix(name, ":href"):
		if !strings.HasPrefix(value, "#") {
			return fmt.Errorf("SVG with a link to %q is refused: only references within the image (#id) are allowed, never external or javascript: URLs", truncate(value, 60))
		}
	case !fragmentRefsOnly(value):
		return fmt.Errorf("SVG whose %s attribute loads from elsewhere is refused", a.Name.Local)
	}
	return nil
}

// fragmentRefsOnly reports whether CSS or an attribute value refers to
// nothing but the document's own fragments: every url( points at #id, and
// there is no @import, image-set() nor a javascript: URL.
func fragmentRefsOnly(s string) bool {
	lower := strings.ToLower(s)
	// A backslash would let a CSS escape spell url( in a way this check
	// does not see.
	// image-set() takes plain strings as URLs, without url().
	if strings.Contains(lower, "@import") || strings.Contains(lower, "image-set(") || strings.Contains(lower, "javascript:") || strings.Contains(lower, `\`) {
		return false
	}
	for rest := lower; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			return true
		}
		rest = strings.TrimLeft(rest[i+len("url("):], " \t\r\n'\"")
		if !strings.HasPrefix(rest, "#") {
			return false
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
