package catalog

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"

	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/schemaerr"
)

// schemaJSON is the JSON Schema of a provider definition. Every definition,
// shipped or the operator's, is checked against it as it is parsed.
//
//go:embed provider.schema.json
var schemaJSON []byte

var providerSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("provider schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	const url = "mem:///provider.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("provider schema: %w", err)
	}
	return c.Compile(url)
})

const (
	// definitionMax bounds a definition's size; real ones are a few KiB.
	definitionMax = 256 << 10
	// depthMax bounds nesting, which the schema allows to five levels.
	depthMax = 16
	// problemsMax bounds the problems reported for one definition.
	problemsMax = 20
)

// Problem is one thing wrong with a provider definition.
type Problem struct {
	// Path is a JSON pointer to the value, such as /auth/token_url; empty
	// for the definition as a whole.
	Path string
	// Line is where the value is in the file; 0 when unknown.
	Line    int
	Message string
}

func (p Problem) String() string {
	switch {
	case p.Path != "" && p.Line > 0:
		return fmt.Sprintf("%s (line %d): %s", p.Path, p.Line, p.Message)
	case p.Line > 0:
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	case p.Path != "":
		return p.Path + ": " + p.Message
	}
	return p.Message
}

// DefinitionError is what is wrong with one provider definition.
type DefinitionError struct {
	// File is the definition's file name; empty when it did not come from a
	// file.
	File     string
	Problems []Problem
}

func (e *DefinitionError) Error() string {
	var b strings.Builder
	b.WriteString(cmp.Or(e.File, "provider definition"))
	b.WriteString(": ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Parse reads one provider definition, in YAML (or JSON, which is YAML),
// checks it against the schema and the rules the schema cannot express, and
// fills in defaults. name is used in errors: a file name, or empty for a
// definition that came through the API. Every error is a *DefinitionError
// that names each bad field by its JSON pointer and line.
func Parse(name string, data []byte) (*Provider, error) {
	fail := func(problems ...Problem) error {
		slices.SortFunc(problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), strings.Compare(a.Path, b.Path))
		})
		if len(problems) > problemsMax {
			more := len(problems) - problemsMax
			problems = append(problems[:problemsMax], Problem{Message: fmt.Sprintf("and %d more problems", more)})
		}
		return &DefinitionError{File: name, Problems: problems}
	}
	if len(data) > definitionMax {
		return nil, fail(Problem{Message: fmt.Sprintf("is larger than %d KiB", definitionMax>>10)})
	}
	doc, lines, problem := decodeYAML(data)
	if problem != nil {
		return nil, fail(*problem)
	}
	sch, err := providerSchema()
	if err != nil {
		return nil, err
	}
	if err := sch.Validate(doc); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return nil, fmt.Errorf("validate %s: %w", name, err)
		}
		return nil, fail(withLines(schemaProblems(verr), lines)...)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	var p Provider
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		// The schema admits only what Provider holds, so this is a bug.
		return nil, fmt.Errorf("parse %s: the schema and the Provider type disagree: %w", name, err)
	}
	if problems := p.check(); len(problems) > 0 {
		return nil, fail(withLines(problems, lines)...)
	}
	return &p, nil
}

// withLines adds each problem's line, or its nearest ancestor's for a value
// that is missing.
func withLines(problems []Problem, lines map[string]int) []Problem {
	for i, p := range problems {
		for path := p.Path; ; {
			if n, ok := lines[path]; ok {
				problems[i].Line = n
				break
			}
			cut := strings.LastIndexByte(path, '/')
			if cut < 0 {
				break
			}
			path = path[:cut]
		}
	}
	return problems
}

// decodeYAML turns YAML into the JSON values the schema validates, and
// records the line of every value by JSON pointer. It refuses what JSON
// cannot say and what makes a definition hard to read: aliases, merge keys,
// tags, duplicate keys and keys that are not scalars.
func decodeYAML(data []byte) (any, map[string]int, *Problem) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, &Problem{Message: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, nil, &Problem{Message: "is empty"}
	}
	lines := map[string]int{}
	v, problem := jsonValue(root.Content[0], "", lines, 0)
	return v, lines, problem
}

func jsonValue(n *yaml.Node, path string, lines map[string]int, depth int) (any, *Problem) {
	if _, ok := lines[path]; !ok {
		lines[path] = n.Line
	}
	bad := func(msg string) (any, *Problem) {
		return nil, &Problem{Path: path, Line: n.Line, Message: msg}
	}
	if depth > depthMax {
		return bad("nests too deeply")
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return nil, &Problem{Path: path, Line: k.Line, Message: "keys must be plain strings"}
			}
			if _, dup := m[k.Value]; dup {
				return nil, &Problem{Path: path + "/" + jsonptr.Escape(k.Value), Line: k.Line, Message: "is defined twice"}
			}
			child := path + "/" + jsonptr.Escape(k.Value)
			lines[child] = k.Line
			cv, problem := jsonValue(v, child, lines, depth+1)
			if problem != nil {
				return nil, problem
			}
			m[k.Value] = cv
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			v, problem := jsonValue(item, path+"/"+strconv.Itoa(i), lines, depth+1)
			if problem != nil {
				return nil, problem
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.AliasNode:
		return bad("aliases (*name) are not supported: write the value out")
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str", "!!timestamp": // a date such as an API version stays a string
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if n.Decode(&b) != nil {
				return bad("is not a boolean")
			}
			return b, nil
		case "!!int":
			var i int64
			if n.Decode(&i) != nil {
				return bad("is not an integer in range")
			}
			return i, nil
		case "!!float":
			var f float64
			if n.Decode(&f) != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return bad("is not a finite number")
			}
			return f, nil
		}
		return bad("tags are not supported")
	}
	return bad("is not a YAML value")
}

// schemaProblems lists the failed keywords of a validation, by the JSON
// pointer of the value each is about. A missing or unknown property is
// reported at its own path, where a reader looks for it.
func schemaProblems(verr *jsonschema.ValidationError) []Problem {
	var problems []Problem
	for _, p := range schemaerr.Problems(verr, definitionWords) {
		problems = append(problems, Problem{Path: jsonptr.Format(p.Location), Message: p.Message})
	}
	return problems
}

// definitionWords say the problems of provider definitions.
var definitionWords = schemaerr.Words{
	NotAllowed: func(e *jsonschema.ValidationError) string {
		if strings.HasSuffix(e.SchemaURL, "Map") { // the schema's $defs name maps so
			return "is not an allowed name"
		}
		return "is not a known property"
	},
	Keyword: func(e *jsonschema.ValidationError) ([]schemaerr.Problem, bool) {
		switch k := e.ErrorKind.(type) {
		case *kind.FalseSchema:
			return []schemaerr.Problem{{Location: e.InstanceLocation, Message: "is not allowed here"}}, true
		case *kind.Pattern:
			if msg, ok := patternProblems[k.Want]; ok {
				return []schemaerr.Problem{{Location: e.InstanceLocation, Message: msg}}, true
			}
		}
		return nil, false
	},
}

// patternProblems says in words what the schema's patterns want, for
// messages that do not quote regular expressions at operators.
var patternProblems = map[string]string{
	"^[a-z0-9][a-z0-9_-]{0,62}$":          "must be 1 to 63 lowercase letters, digits, _ and -, starting with a letter or digit",
	"^https://[^\\s]+$":                   "must be an https URL without spaces",
	"^https://[^\\s#]+$":                  "must be an https URL without spaces or fragment",
	"^[^\\x00-\\x1f\\x7f]*$":              "must not hold control characters such as line breaks",
	"^[0-9]{1,6}(ms|s|m|h)$":              "must be a duration such as 500ms, 30s, 5m or 1h",
	"^[a-z][a-z0-9_]{0,39}$":              "must be 1 to 40 lowercase letters, digits and _, starting with a letter",
	"^(/([^~]|~[01])*)+$":                 "must be a JSON pointer such as /data/next_cursor",
	"^[$A-Za-z0-9_.\\[\\]-]{1,100}$":      "must be a query parameter name of letters, digits and $ _ . [ ] -",
	"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$": "must be an HTTP header name",
}

// reservedHeaders are set by the proxy or by Credentials, never by a
// definition's headers.
var reservedHeaders = []string{"authorization", "connection", "content-length", "cookie", "host", "proxy-authorization", "transfer-encoding"}

// check applies the rules the schema cannot express, and fills in defaults.
func (p *Provider) check() []Problem {
	var problems []Problem
	bad := func(path, format string, args ...any) {
		problems = append(problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	fields := map[string]*Field{}
	for i := range p.Fields {
		f := &p.Fields[i]
		at := "/fields/" + strconv.Itoa(i)
		switch {
		case fields[f.Name] != nil:
			bad(at+"/name", "is used by another field")
		case f.Name == accessToken && p.Auth.Mode.OAuth():
			bad(at+"/name", "is reserved for the OAuth access token")
		}
		fields[f.Name] = f
		if f.Pattern != "" {
			re, err := regexp.Compile("^(?:" + f.Pattern + ")$")
			if err != nil {
				bad(at+"/pattern", "is not a valid regular expression: %v", err)
			} else {
				f.pattern = re
			}
		}
		switch {
		case f.Default != "" && f.Secret:
			bad(at+"/default", "is not allowed for a secret field")
		case f.Default != "" && f.pattern != nil && !f.pattern.MatchString(f.Default):
			bad(at+"/default", "does not match the field's pattern")
		}
	}

	urls := []struct{ path, tmpl string }{
		{"/auth/authorization_url", p.Auth.AuthorizationURL},
		{"/auth/token_url", p.Auth.TokenURL},
		{"/auth/revocation_url", p.Auth.RevocationURL},
		{"/proxy/base_url", p.Proxy.BaseURL},
	}
	for _, u := range urls {
		if u.tmpl == "" {
			continue
		}
		t, err := parseURLTemplate(u.tmpl)
		if err != nil {
			bad(u.path, "%v", err)
			continue
		}
		for _, part := range t.parts {
			if part.name == "" {
				continue
			}
			switch f := fields[part.name]; {
			case f == nil:
				bad(u.path, "%s names no field", part)
			case f.Secret:
				bad(u.path, "%s names a secret field, and secrets may not appear in URLs", part)
			case !f.Required && f.Default == "":
				bad(u.path, "%s names a field that is neither required nor has a default", part)
			}
		}
	}

	c := &p.Proxy.Credentials
	if p.Auth.Mode.OAuth() {
		c.In = cmp.Or(c.In, InBearer)
		if c.In != InBasic {
			c.Value = cmp.Or(c.Value, "${secret.access_token}")
		}
	} else if c.In != InBasic && c.Value == "" {
		bad("/proxy/credentials/value", "is required")
	}
	values := []struct{ path, tmpl string }{
		{"/proxy/credentials/value", c.Value},
		{"/proxy/credentials/username", c.Username},
		{"/proxy/credentials/password", c.Password},
	}
	for name, v := range p.Proxy.Headers {
		if slices.Contains(reservedHeaders, strings.ToLower(name)) {
			bad("/proxy/headers/"+jsonptr.Escape(name), "is set by the proxy; use credentials for authentication")
		}
		values = append(values, struct{ path, tmpl string }{"/proxy/headers/" + jsonptr.Escape(name), v})
	}
	for _, v := range values {
		parts, err := splitTemplate(v.tmpl)
		if err != nil {
			bad(v.path, "%v", err)
			continue
		}
		for _, part := range parts {
			if part.name == "" {
				continue
			}
			f := fields[part.name]
			switch {
			case part.ns == nsSecret && part.name == accessToken && p.Auth.Mode.OAuth():
			case part.ns != nsConfig && part.ns != nsSecret:
				bad(v.path, "unknown placeholder %s: the namespaces are config and secret", part)
			case f == nil:
				bad(v.path, "%s names no field", part)
			case f.Secret != (part.ns == nsSecret):
				bad(v.path, "%s: secret fields are ${secret.name} and others ${config.name}", part)
			}
		}
	}

	if pg := p.Pagination; pg != nil && pg.Style == PaginateCursor && (pg.NextCursor == "") == (pg.LastItemCursor == "") {
		bad("/pagination", "the cursor style needs either next_cursor or last_item_cursor")
	}

	if p.Auth.Mode.OAuth() {
		p.Auth.ScopeSeparator = cmp.Or(p.Auth.ScopeSeparator, " ")
		if p.Auth.Refresh.Margin == 0 {
			p.Auth.Refresh.Margin = Duration(RefreshMarginDefault)
		}
	}
	if v := p.Verification; v != nil {
		v.Method = cmp.Or(v.Method, "GET")
		if v.ExpectStatus == 0 {
			v.ExpectStatus = 200
		}
	}
	return problems
}
