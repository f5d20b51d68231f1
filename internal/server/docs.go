package server

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/branding"
	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// handleDocs serves the API reference: the router's own OpenAPI document
// rendered on the server as one page, framed and branded like every other
// page, with no script and nothing from another origin, so it works offline
// and under the pages' strict CSP.
func handleDocs(rt *router, brands *branding.Service) httpapi.Endpoint {
	var b htmlpage.Brands
	if brands != nil { // documentation-only routers have no branding
		b = brands
	}
	return httpapi.Endpoint{
		Summary: "The API reference as a page: every operation by tag, with parameters, schemas, examples and scopes",
		Description: "A readable rendering of /openapi.json for people, served by the node itself: operations grouped by tag, " +
			"each with its parameters, request and response schemas and examples, the scope its key needs, and anchors to link to. " +
			"It loads nothing from elsewhere and runs no script.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			doc, _ := rt.document()
			htmlpage.Render(w, r, htmlpage.Page{Status: http.StatusOK, Template: docsPage, Name: "docs",
				Title: "docs.title", Brand: htmlpage.BrandOf(r.Context(), b, ""), Data: docsView(doc)})
		}),
	}
}

// docsTag is one tag's section of the page.
type docsTag struct {
	Name, Anchor, Description string
	Operations                []docsOperation
}

type docsOperation struct {
	ID, Method, Path, Summary, Scope, Capability string
	Description                                  string
	Parameters                                   []docsParam
	Request                                      *docsBody
	Responses                                    []docsResponse
	Public                                       bool
}

type docsParam struct{ Name, In, Description, Type string }

type docsBody struct {
	MediaType string
	Type      template.HTML
	Example   string
}

type docsResponse struct {
	Code, Description string
	Body              *docsBody
}

type docsSchema struct {
	Name       string
	Properties []docsProperty
}

type docsProperty struct {
	Name, Description, Enum string
	Type                    template.HTML
	Required                bool
}

type docsData struct {
	Title, Description string
	Tags               []docsTag
	Schemas            []docsSchema
}

func docsView(doc object) docsData {
	info, _ := doc["info"].(object)
	data := docsData{Title: str(info["title"]), Description: str(info["description"])}
	index := map[string]int{}
	for _, t := range asList(doc["tags"]) {
		t := t.(object)
		index[str(t["name"])] = len(data.Tags)
		data.Tags = append(data.Tags, docsTag{Name: str(t["name"]), Anchor: "tag-" + slug(str(t["name"])), Description: str(t["description"])})
	}
	paths, _ := doc["paths"].(object)
	for _, path := range sortedKeys(paths) {
		item := paths[path].(object)
		for _, method := range anyMethod {
			op, ok := item[strings.ToLower(method)].(object)
			if !ok {
				continue
			}
			o := docsOperation{ID: str(op["operationId"]), Method: method, Path: path, Summary: str(op["summary"]),
				Description: str(op["description"]), Scope: str(op["x-patchbay-scope"]), Capability: str(op["x-patchbay-capability"]),
				Public: len(asList(op["security"])) == 0}
			for _, p := range asList(op["parameters"]) {
				p := p.(object)
				schema, _ := p["schema"].(object)
				o.Parameters = append(o.Parameters, docsParam{Name: str(p["name"]), In: str(p["in"]), Description: str(p["description"]), Type: string(typeHTML(schema))})
			}
			if rb, ok := op["requestBody"].(object); ok {
				o.Request = docsBodyOf(rb)
			}
			responses, _ := op["responses"].(object)
			for _, code := range sortedKeys(responses) {
				resp := responses[code].(object)
				o.Responses = append(o.Responses, docsResponse{Code: code, Description: str(resp["description"]), Body: docsBodyOf(resp)})
			}
			tag := untagged
			if tags := asList(op["tags"]); len(tags) > 0 {
				tag = str(tags[0])
			}
			i, ok := index[tag]
			if !ok {
				index[tag] = len(data.Tags)
				i = len(data.Tags)
				data.Tags = append(data.Tags, docsTag{Name: tag, Anchor: "tag-" + slug(tag)})
			}
			data.Tags[i].Operations = append(data.Tags[i].Operations, o)
		}
	}
	data.Tags = slices.DeleteFunc(data.Tags, func(t docsTag) bool { return len(t.Operations) == 0 })
	components, _ := doc["components"].(object)
	schemas, _ := components["schemas"].(object)
	for _, name := range sortedKeys(schemas) {
		s := schemas[name].(object)
		props, _ := s["properties"].(object)
		var required []string
		for _, r := range asList(s["required"]) {
			required = append(required, str(r))
		}
		ds := docsSchema{Name: name}
		for _, p := range sortedKeys(props) {
			prop := props[p].(object)
			ds.Properties = append(ds.Properties, docsProperty{Name: p, Description: str(prop["description"]),
				Type: typeHTML(prop), Enum: enumOf(prop), Required: slices.Contains(required, p)})
		}
		data.Schemas = append(data.Schemas, ds)
	}
	return data
}

// docsBodyOf is the first body of a request or response: its media type,
// schema and example.
func docsBodyOf(o object) *docsBody {
	content, _ := o["content"].(object)
	for _, mediaType := range sortedKeys(content) {
		m := content[mediaType].(object)
		schema, _ := m["schema"].(object)
		b := &docsBody{MediaType: mediaType, Type: typeHTML(schema)}
		if ex, ok := m["example"]; ok {
			if s, isString := ex.(string); isString && !strings.HasSuffix(mediaType, "json") {
				b.Example = s
			} else if raw, err := json.MarshalIndent(ex, "", "  "); err == nil {
				b.Example = string(raw)
			}
		}
		return b
	}
	return nil
}

// typeHTML names a schema's type for people, linking component schemas.
func typeHTML(s object) template.HTML {
	if s == nil {
		return "any"
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return template.HTML(fmt.Sprintf(`<a href="#schema-%s">%s</a>`, template.HTMLEscapeString(name), template.HTMLEscapeString(name)))
	}
	if one := asList(s["oneOf"]); len(one) == 2 {
		if inner, ok := one[0].(object); ok {
			return typeHTML(inner) + " or null"
		}
	}
	switch t := str(s["type"]); t {
	case "array":
		items, _ := s["items"].(object)
		return "array of " + typeHTML(items)
	case "object":
		if add, ok := s["additionalProperties"].(object); ok {
			return "map of " + typeHTML(add)
		}
		return "object"
	case "":
		return "any JSON"
	default:
		if f := str(s["format"]); f != "" {
			return template.HTML(template.HTMLEscapeString(t + " (" + f + ")"))
		}
		return template.HTML(template.HTMLEscapeString(t))
	}
}

func enumOf(s object) string {
	for _, inner := range []object{s, first(asList(s["oneOf"])), itemsOf(s)} {
		if values := asList(inner["enum"]); len(values) > 0 {
			var out []string
			for _, v := range values {
				out = append(out, fmt.Sprint(v))
			}
			return strings.Join(out, ", ")
		}
	}
	return ""
}

func first(l []any) object {
	if len(l) == 0 {
		return nil
	}
	o, _ := l[0].(object)
	return o
}

func itemsOf(s object) object { o, _ := s["items"].(object); return o }

func asList(v any) []any { l, _ := v.([]any); return l }

func str(v any) string { s, _ := v.(string); return s }

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}

// prose writes a description's paragraphs, `code` spans as <code>.
func prose(s string) template.HTML {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		for i, part := range strings.Split(para, "`") {
			if i%2 == 1 {
				b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
			} else {
				b.WriteString(template.HTMLEscapeString(part))
			}
		}
		b.WriteString("</p>")
	}
	return template.HTML(b.String())
}

var docsPage = template.Must(template.New("docs").Funcs(template.FuncMap{"prose": prose, "lower": strings.ToLower}).Parse(`{{define "docs"}}<style>
body{max-width:72rem}.card{padding:1.5rem 2rem}
nav.toc ul{columns:2 18rem;padding-left:1rem}nav.toc li{margin:.15rem 0;break-inside:avoid}
section.tag{border-top:2px solid var(--border);margin-top:2rem;padding-top:.5rem}
article.op{border:1px solid var(--border);border-radius:8px;padding:.75rem 1rem;margin:1rem 0}
article.op h3{font-size:1rem;margin:0 0 .4rem;font-family:ui-monospace,monospace;overflow-wrap:anywhere}
.method{display:inline-block;min-width:4.5rem;font-weight:700;color:var(--accent)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
pre{background:var(--bg);border:1px solid var(--border);border-radius:6px;padding:.6rem;overflow:auto;max-height:24rem}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.4rem 0}th,td{text-align:left;vertical-align:top;border-bottom:1px solid var(--border);padding:.3rem .4rem}
.badge{display:inline-block;border:1px solid var(--border);border-radius:999px;padding:0 .5rem;font-size:.8rem;margin-right:.3rem}
h2 a,h3 a{color:inherit;text-decoration:none}
</style>
<h1>{{.Data.Title}}</h1>
{{prose .Data.Description}}
<p class="muted">This page renders <a href="/openapi.json">/openapi.json</a>, which SDKs and tools read.</p>
<nav class="toc" aria-label="Contents"><ul>
{{range .Data.Tags}}<li><a href="#{{.Anchor}}">{{.Name}}</a> ({{len .Operations}})</li>{{end}}
<li><a href="#schemas">Schemas</a></li>
</ul></nav>
{{range .Data.Tags}}<section class="tag" id="{{.Anchor}}" aria-labelledby="{{.Anchor}}-h">
<h2 id="{{.Anchor}}-h"><a href="#{{.Anchor}}">{{.Name}}</a></h2>
{{prose .Description}}
{{range .Operations}}<article class="op" id="op-{{.ID}}">
<h3><a href="#op-{{.ID}}"><span class="method">{{.Method}}</span> {{.Path}}</a></h3>
<p><strong>{{.Summary}}</strong></p>
{{prose .Description}}
<p>{{if .Scope}}<span class="badge">scope <code>{{.Scope}}</code></span>{{end}}{{if .Capability}}<span class="badge">embed token: <code>{{.Capability}}</code></span>{{end}}{{if .Public}}<span class="badge">no key needed</span>{{end}}<span class="badge">operationId <code>{{.ID}}</code></span></p>
{{if .Parameters}}<table><caption class="muted">Parameters</caption><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
{{range .Parameters}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}
</tbody></table>{{end}}
{{with .Request}}<p>Request body: <code>{{.MediaType}}</code>, {{.Type}}</p>{{if .Example}}<p class="muted">Example request</p><pre aria-label="Example request">{{.Example}}</pre>{{end}}{{end}}
<table><caption class="muted">Responses</caption><tbody>
{{range .Responses}}<tr><td><code>{{.Code}}</code></td><td>{{.Description}}{{with .Body}} — <code>{{.MediaType}}</code>, {{.Type}}{{end}}</td></tr>{{end}}
</tbody></table>
{{range .Responses}}{{$code := .Code}}{{with .Body}}{{if .Example}}<p class="muted">Example response ({{$code}})</p><pre aria-label="Example response {{$code}}">{{.Example}}</pre>{{end}}{{end}}{{end}}
</article>{{end}}
</section>{{end}}
<section class="tag" id="schemas" aria-labelledby="schemas-h"><h2 id="schemas-h"><a href="#schemas">Schemas</a></h2>
{{range .Data.Schemas}}<article class="op" id="schema-{{.Name}}"><h3><a href="#schema-{{.Name}}">{{.Name}}</a></h3>
{{if .Properties}}<table><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
{{range .Properties}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="muted">required</span>{{end}}</td><td>{{.Type}}{{if .Enum}}<br><span class="muted">one of {{.Enum}}</span>{{end}}</td><td>{{.Description}}</td></tr>{{end}}
</tbody></table>{{else}}<p class="muted">No fields.</p>{{end}}
</article>{{end}}
</section>{{end}}`))
