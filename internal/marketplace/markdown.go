package marketplace

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders listing descriptions. Raw HTML is never passed through
// (goldmark's default without html.WithUnsafe: it is dropped, and links and
// images with a javascript:, vbscript:, file: or data: URL lose the URL);
// safeLinks then gives every link rel="noopener nofollow", keeps only http,
// https and mailto links, and turns images into their alternative text, since
// a listing's page must not load anything from another host.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Strikethrough, extension.Table, extension.Linkify),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(safeLinks{}, 1000))),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

// RenderMarkdown renders a description to HTML that is safe to insert into
// a page.
func RenderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// Convert fails only when writing to buf does, which it does not;
		// show nothing rather than something unchecked.
		return ""
	}
	return buf.String()
}

type safeLinks struct{}

// allowedLink reports whether a link's destination may be followed: an
// absolute http, https or mailto URL, or a fragment on the same page.
func allowedLink(dest []byte) bool {
	d := strings.ToLower(strings.TrimSpace(string(dest)))
	return strings.HasPrefix(d, "https://") || strings.HasPrefix(d, "http://") || strings.HasPrefix(d, "mailto:") ||
		strings.HasPrefix(d, "#")
}

func (safeLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	var images []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			if !allowedLink(n.Destination) {
				n.Destination = []byte("#")
			}
			n.SetAttributeString("rel", []byte("noopener nofollow"))
		case *ast.AutoLink:
			n.SetAttributeString("rel", []byte("noopener nofollow"))
		case *ast.Image:
			images = append(images, n)
		case *ast.RawHTML, *ast.HTMLBlock:
			// Dropped by the renderer (not unsafe); nothing to do.
		}
		return ast.WalkContinue, nil
	})
	for _, img := range images {
		alt := ast.NewString(img.Text(reader.Source())) //nolint:staticcheck // the alternative text is what is kept
		alt.SetCode(false)
		img.Parent().ReplaceChild(img.Parent(), img, alt)
	}
}
