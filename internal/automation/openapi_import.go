package automation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/store"
)

// ImportRequest is an OpenAPI document to import actions from.
type ImportRequest struct {
	// Document is an OpenAPI 3.0 or 3.1 document as JSON.
	Document json.RawMessage `json:"document" doc:"The SaaS's OpenAPI 3.x document (JSON); operations with x-patchbay-action become actions."`
}

// ImportResult says what an import did.
type ImportResult struct {
	Actions []ActionDef `json:"actions" doc:"The actions imported, in key order."`
	Created int         `json:"created" doc:"How many were new."`
	Updated int         `json:"updated" doc:"How many replaced an action of the same key."`
}

// importExtension is an operation's x-patchbay-action when an object; true
// takes every default.
type importExtension struct {
	Key         string   `json:"key"`
	DisplayName string   `json:"display_name"`
	Search      *bool    `json:"search"`
	Idempotency string   `json:"idempotency"`
	Scopes      []string `json:"scopes"`
	Exposed     *bool    `json:"exposed"`
}

const (
	refDepthMax      = 32
	importActionsMax = 500
)

// openAPIDoc is a parsed document and what resolves its references.
type openAPIDoc struct {
	root any
}

// resolve inlines local references ($ref "#/…") in v, refusing cycles and
// references to other documents.
func (d openAPIDoc) resolve(v any, depth int, seen []string) (any, error) {
	if depth > refDepthMax {
		return nil, fmt.Errorf("nests deeper than %d levels", refDepthMax)
	}
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			if !strings.HasPrefix(ref, "#") || !jsonptr.Valid(ref[1:]) {
				return nil, fmt.Errorf("refers to %q: only references within the document (#/…) are followed", ref)
			}
			if slices.Contains(seen, ref) {
				return nil, fmt.Errorf("refers to %s within itself: recursive schemas cannot be fields", ref)
			}
			target, ok := jsonptr.Lookup(d.root, ref[1:])
			if !ok {
				return nil, fmt.Errorf("refers to %s, which the document does not have", ref)
			}
			return d.resolve(target, depth+1, append(seen, ref))
		}
		out := make(map[string]any, len(x))
		for k, val := range x {
			r, err := d.resolve(val, depth+1, seen)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			r, err := d.resolve(val, depth+1, seen)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// snakeKey makes an operationId such as createProject into create_project.
func snakeKey(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r) && r < unicode.MaxASCII:
			if prevLower && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			prevLower = false
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			prevLower = true
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			prevLower = false
		}
	}
	out := strings.Trim(b.String(), "_")
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "_")
	}
	return out
}

// actionsFromOpenAPI reads the operations marked x-patchbay-action.
// Problems are keyed by the operation (paths./x.post…).
func actionsFromOpenAPI(raw json.RawMessage, apiBase string) ([]ActionDef, map[string]string) {
	problems := map[string]string{}
	var root any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&root); err != nil {
		return nil, map[string]string{"document": "must be an OpenAPI document in JSON"}
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, map[string]string{"document": "must be a JSON object"}
	}
	if v, _ := top["openapi"].(string); !strings.HasPrefix(v, "3.") {
		return nil, map[string]string{"document.openapi": "must be an OpenAPI 3.x version, such as 3.1.0"}
	}
	d := openAPIDoc{root: root}
	base := strings.TrimSuffix(apiBase, "/")
	if servers, ok := top["servers"].([]any); ok && len(servers) > 0 {
		if s0, ok := servers[0].(map[string]any); ok {
			if u, _ := s0["url"].(string); u != "" && strings.HasPrefix(strings.TrimSuffix(u, "/")+"/", base+"/") {
				base = strings.TrimSuffix(u, "/")
			}
		}
	}
	paths, _ := top["paths"].(map[string]any)
	pathKeys := make([]string, 0, len(paths))
	for p := range paths {
		pathKeys = append(pathKeys, p)
	}
	sort.Strings(pathKeys)
	var out []ActionDef
	for _, p := range pathKeys {
		item, _ := paths[p].(map[string]any)
		for _, method := range []string{"get", "post", "put", "patch", "delete"} {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			ext, marked := op["x-patchbay-action"]
			if !marked || ext == false || ext == nil {
				continue
			}
			where := "paths." + p + "." + method
			if len(out) >= importActionsMax {
				problems["document"] = fmt.Sprintf("marks more than %d operations", importActionsMax)
				return nil, problems
			}
			a, msg := d.action(top, item, op, ext, p, method, base)
			if msg != "" {
				problems[where] = msg
				continue
			}
			out = append(out, a)
		}
	}
	if len(out) == 0 && len(problems) == 0 {
		problems["document"] = "has no operation marked x-patchbay-action"
	}
	return out, problems
}

func (d openAPIDoc) action(top, item, op map[string]any, extRaw any, path, method, base string) (ActionDef, string) {
	var ext importExtension
	if m, ok := extRaw.(map[string]any); ok {
		b, _ := json.Marshal(m)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ext); err != nil {
			return ActionDef{}, "x-patchbay-action must be true or an object of key, display_name, search, idempotency, scopes and exposed"
		}
	} else if extRaw != true {
		return ActionDef{}, "x-patchbay-action must be true or an object"
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	a := ActionDef{Key: ext.Key, DisplayName: ext.DisplayName, Description: str(op, "description"), Method: strings.ToUpper(method),
		URLTemplate: base + path, Idempotency: ext.Idempotency, Scopes: ext.Scopes, Exposed: ext.Exposed}
	if a.Key == "" {
		a.Key = snakeKey(str(op, "operationId"))
	}
	if a.Key == "" {
		a.Key = snakeKey(method + " " + path)
	}
	if a.DisplayName == "" {
		a.DisplayName = str(op, "summary")
	}
	if a.DisplayName == "" {
		a.DisplayName = defaultDisplayName(a.Key)
	}
	if a.Description == "" {
		a.Description = str(op, "summary")
	}
	a.Search = a.Method == http.MethodGet
	if ext.Search != nil {
		a.Search = *ext.Search
	}

	// Input: path and query parameters, then the JSON body's properties.
	props := map[string]any{}
	var order, required []string
	params := append(asList(item["parameters"]), asList(op["parameters"])...)
	for _, raw := range params {
		rp, err := d.resolve(raw, 0, nil)
		if err != nil {
			return ActionDef{}, "a parameter " + err.Error()
		}
		pm, _ := rp.(map[string]any)
		name, in := str(pm, "name"), str(pm, "in")
		if in != "path" && in != "query" {
			continue // headers and cookies are the platform's business
		}
		sch, _ := pm["schema"].(map[string]any)
		prop := map[string]any{}
		for k, v := range sch {
			prop[k] = v
		}
		if desc := str(pm, "description"); desc != "" {
			prop["description"] = desc
		}
		if _, ok := prop["title"]; !ok {
			prop["title"] = name
		}
		if _, ok := props[name]; !ok {
			order = append(order, name)
		}
		props[name] = prop
		if req, _ := pm["required"].(bool); req || in == "path" {
			if !slices.Contains(required, name) {
				required = append(required, name)
			}
		}
	}
	if rb, ok := op["requestBody"]; ok {
		rrb, err := d.resolve(rb, 0, nil)
		if err != nil {
			return ActionDef{}, "the request body " + err.Error()
		}
		content, _ := rrb.(map[string]any)["content"].(map[string]any)
		media, _ := content["application/json"].(map[string]any)
		if media == nil {
			return ActionDef{}, "the request body has no application/json content: only JSON bodies become input fields"
		}
		sch, _ := media["schema"].(map[string]any)
		bodyProps, _ := sch["properties"].(map[string]any)
		if sch != nil && schemaType(sch) != "object" {
			return ActionDef{}, "the request body's schema must be an object: its properties become input fields"
		}
		keys := make([]string, 0, len(bodyProps))
		for k := range bodyProps {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, dup := props[k]; dup {
				return ActionDef{}, fmt.Sprintf("the body property %s has the name of a parameter", k)
			}
			order = append(order, k)
			props[k] = bodyProps[k]
		}
		if req, ok := sch["required"].([]any); ok {
			for _, r := range req {
				if s, ok := r.(string); ok {
					required = append(required, s)
				}
			}
		}
	}
	// The schema is written with its properties in order, for the fields.
	var b bytes.Buffer
	b.WriteString(`{"type":"object","properties":{`)
	for i, name := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		v, err := json.Marshal(props[name])
		if err != nil {
			return ActionDef{}, "a field's schema cannot be written as JSON"
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString("}")
	if len(required) > 0 {
		r, _ := json.Marshal(required)
		b.WriteString(`,"required":`)
		b.Write(r)
	}
	b.WriteString("}")
	a.InputSchema = b.Bytes()

	// Output sample: the first 2xx JSON answer's example.
	if responses, ok := op["responses"].(map[string]any); ok {
		codes := make([]string, 0, len(responses))
		for c := range responses {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			if !strings.HasPrefix(c, "2") {
				continue
			}
			r, err := d.resolve(responses[c], 0, nil)
			if err != nil {
				continue
			}
			content, _ := r.(map[string]any)["content"].(map[string]any)
			media, _ := content["application/json"].(map[string]any)
			if ex := exampleOf(media); ex != nil {
				a.OutputSample, _ = json.Marshal(ex)
				break
			}
		}
	}

	// Scopes: the extension's, else the operation's (or the document's)
	// first security requirement's.
	if a.Scopes == nil {
		sec, ok := op["security"].([]any)
		if !ok {
			sec, _ = top["security"].([]any)
		}
		a.Scopes = []string{}
		if len(sec) > 0 {
			if req, ok := sec[0].(map[string]any); ok {
				names := make([]string, 0, len(req))
				for n := range req {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					for _, sc := range asList(req[n]) {
						if s, ok := sc.(string); ok {
							a.Scopes = append(a.Scopes, s)
						}
					}
				}
			}
		}
	}
	return a, ""
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// exampleOf returns a media type's example: example, the first of
// examples, or the schema's example.
func exampleOf(media map[string]any) any {
	if media == nil {
		return nil
	}
	if ex, ok := media["example"]; ok {
		return ex
	}
	if exs, ok := media["examples"].(map[string]any); ok {
		names := make([]string, 0, len(exs))
		for n := range exs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if e, ok := exs[n].(map[string]any); ok {
				if v, ok := e["value"]; ok {
					return v
				}
			}
		}
	}
	if sch, ok := media["schema"].(map[string]any); ok {
		if ex, ok := sch["example"]; ok {
			return ex
		}
	}
	return nil
}

// ImportOpenAPI declares (or replaces) the actions of an OpenAPI
// document's marked operations, all or none.
func (s *Service) ImportOpenAPI(ctx context.Context, in ImportRequest) (ImportResult, error) {
	actions, problems := actionsFromOpenAPI(in.Document, s.opts.APIBaseURL)
	if len(problems) > 0 {
		return ImportResult{}, apperr.InvalidFields(problems)
	}
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (ImportResult, error) {
		keys := make([]string, len(actions))
		for i, a := range actions {
			keys[i] = a.Key
		}
		res := ImportResult{Actions: []ActionDef{}}
		problems := map[string]string{}
		for i := range actions {
			if slices.Contains(keys[:i], actions[i].Key) {
				problems["actions."+actions[i].Key] = "two operations have this key; name one in x-patchbay-action.key"
				continue
			}
			if err := s.checkAction(ctx, tx, &actions[i], keys); err != nil {
				var ae *apperr.Error
				if errors.As(err, &ae) && len(ae.Fields) > 0 {
					for f, msg := range ae.Fields {
						problems["actions."+actions[i].Key+"."+f] = msg
					}
					continue
				}
				return ImportResult{}, err
			}
		}
		if len(problems) > 0 {
			return ImportResult{}, apperr.InvalidFields(problems)
		}
		for _, a := range actions {
			a.Source = "openapi"
			created, err := actionUpsert(ctx, tx, a)
			if err != nil {
				return ImportResult{}, err
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
			stored, err := actionGet(ctx, tx, a.Key)
			if err != nil {
				return ImportResult{}, err
			}
			res.Actions = append(res.Actions, stored)
		}
		slices.SortFunc(res.Actions, func(a, b ActionDef) int { return strings.Compare(a.Key, b.Key) })
		return res, nil
	})
}
