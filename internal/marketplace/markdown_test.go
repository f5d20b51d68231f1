package marketplace

import (
	"regexp"
	"strings"
	"testing"
)

// eventAttr finds an event handler attribute of an element: one after a tag
// name or after another attribute's closing quote.
var eventAttr = regexp.MustCompile(`(<[a-z]+|")\s+on[a-z]+\s*=`)

func TestRenderMarkdownHostile(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"<script>alert(1)</script>",
		"hello <img src=x onerror=alert(1)> there",
		"[click](javascript:alert(1))",
		"[click](JaVaScRiPt:alert(1))",
		"[click]( javascript:alert(1))",
		"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"![pic](https://evil.example/track.png \"t\")",
		"![<script>x</script>](https://evil.example/a.png)",
		"<a href=\"https://x\" onclick=\"alert(1)\">x</a>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"[a](https://example.com \"\\\" onmouseover=alert(1) x=\\\"\")",
		"<svg onload=alert(1)>",
		"```html\n<script>alert(1)</script>\n```",
		"<div>\n\n*md inside*\n\n</div>",
		"[x](vbscript:msgbox)",
		"<<script>script>alert(1)<</script>/script>",
		"www.example.com/<script>",
	} {
		got := RenderMarkdown(src)
		low := strings.ToLower(got)
		for _, bad := range []string{"<script", "<img", "<iframe", "<svg", "javascript:", "vbscript:", "data:", "<div", "src="} {
			if strings.Contains(low, bad) {
				t.Errorf("RenderMarkdown(%q) = %q, holds %q", src, got, bad)
			}
		}
		if eventAttr.MatchString(low) {
			t.Errorf("RenderMarkdown(%q) = %q, has an event handler attribute", src, got)
		}
	}
}

func TestRenderMarkdownLinks(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		"[site](https://example.com)":  `<p><a href="https://example.com" rel="noopener nofollow">site</a></p>`,
		"see https://example.com now":  `<p>see <a href="https://example.com" rel="noopener nofollow">https://example.com</a> now</p>`,
		"## Title\n\n**bold**":         "<h2>Title</h2>\n<p><strong>bold</strong></p>",
		"![alt text](https://x/a.png)": "<p>alt text</p>",
	} {
		if got := strings.TrimSpace(RenderMarkdown(src)); got != want {
			t.Errorf("RenderMarkdown(%q) = %q, want %q", src, got, want)
		}
	}
}

func FuzzRenderMarkdown(f *testing.F) {
	f.Add("<script>alert(1)</script> [a](javascript:x) ![i](https://x/y.png)")
	f.Add("*a* _b_ `c` <b onmouseover=x>")
	f.Fuzz(func(t *testing.T, src string) {
		got := strings.ToLower(RenderMarkdown(src))
		for _, bad := range []string{"<script", "<img", "<iframe", "<svg", "<object", "<embed", "<style", "<form", "<input", "<meta", "<link "} {
			if strings.Contains(got, bad) {
				t.Fatalf("RenderMarkdown(%q) holds %q: %q", src, bad, got)
			}
		}
		if strings.Contains(got, "href=\"javascript:") || strings.Contains(got, "href=\"data:") {
			t.Fatalf("RenderMarkdown(%q) links a script: %q", src, got)
		}
	})
}
