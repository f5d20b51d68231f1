package automation

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// ActionDef is an action as the admin API declares and lists it.
type ActionDef struct {
	Key         string `json:"key" doc:"Lower-case letters, digits and underscores, starting with a letter, at most 64: the action's key, such as create_project."`
	DisplayName string `json:"display_name" doc:"The name platforms show, such as Create Project."`
	Description string `json:"description" doc:"What the action does, for the platforms' listings and agents."`
	Search      bool   `json:"search" doc:"Whether the action finds records (a search) rather than changing them."`
	// Exposed is nil in a request for true.
	Exposed     *bool  `json:"exposed,omitempty" doc:"Whether platforms and agents see the action; true unless false."`
	Method      string `json:"method" doc:"The HTTP method of the SaaS API call." enum:"GET,POST,PUT,PATCH,DELETE"`
	URLTemplate string `json:"url_template" doc:"An absolute URL on the SaaS's API base URL; {name} placeholders name required string or integer input fields." format:"uri"`
	// InputSchema is a JSON Schema of type object.
	InputSchema  json.RawMessage `json:"input_schema" doc:"The JSON Schema (an object) of the input; property title is the label, description the help, x-patchbay-choices dynamic choices."`
	OutputSample json.RawMessage `json:"output_sample,omitempty" doc:"A sample of the call's JSON answer."`
	Scopes       []string        `json:"scopes" doc:"The OAuth scopes the call needs; each must be in the scope catalog."`
	Idempotency  string          `json:"idempotency,omitempty" doc:"How retries are made safe: none (the default) or key (an Idempotency-Key header is sent)." enum:"none,key"`
	Source       string          `json:"source,omitempty" doc:"How the action was declared: api, or openapi when imported." enum:"api,openapi"`
	CreatedAt    time.Time       `json:"created_at" doc:"When the action was declared."`
	UpdatedAt    time.Time       `json:"updated_at" doc:"When the action last changed."`
}

func (a ActionDef) exposed() bool { return a.Exposed == nil || *a.Exposed }

// The HTTP methods actions may use.
var actionMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

var (
	actionKeyPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	placeholderPattern = regexp.MustCompile(`\{([^{}]*)\}`)
	fieldNamePattern   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

const (
	descriptionMax  = 2000
	urlTemplateMax  = 2000
	inputSchemaMax  = 64 << 10
	outputSampleMax = 64 << 10
	actionScopesMax = 20
)

// placeholders returns the {name}s of a URL template, in order.
func placeholders(tmpl string) []string {
	var out []string
	for _, m := range placeholderPattern.FindAllStringSubmatch(tmpl, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkURLTemplate says what is wrong with a URL template on base, or "".
func checkURLTemplate(tmpl, base string) string {
	if tmpl == "" {
		return "is required"
	}
	if len(tmpl) > urlTemplateMax {
		return fmt.Sprintf("must be at most %d bytes", urlTemplateMax)
	}
	if base == "" {
		return "cannot be checked: the SaaS API base URL is not configured (--automation-api-url)"
	}
	for _, name := range placeholders(tmpl) {
		if !fieldNamePattern.MatchString(name) {
			return fmt.Sprintf("has the placeholder {%s}: a placeholder names an input field (letters, digits and _)", name)
		}
	}
	filled := placeholderPattern.ReplaceAllString(tmpl, "x")
	if strings.ContainsAny(filled, "{}") {
		return "has an unbalanced { or }"
	}
	u, err := url.Parse(filled)
	b, berr := url.Parse(base)
	if err != nil || berr != nil || !u.IsAbs() {
		return "must be an absolute URL"
	}
	if u.User != nil || u.Fragment != "" {
		return "must not have user information or a fragment"
	}
	basePath := strings.TrimSuffix(b.Path, "/")
	if u.Scheme != b.Scheme || u.Host != b.Host || !(u.Path == basePath || strings.HasPrefix(u.Path, basePath+"/")) {
		return "must be on the SaaS's API base URL " + base
	}
	if strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/..") {
		return "must not contain .. segments"
	}
	return ""
}

// schemaObject is an input schema parsed for the checks and the fields.
type schemaObject struct {
	order    []string                  // property names in document order
	props    map[string]map[string]any // property schemas
	required []string
}

// parseInputSchema parses an object schema, keeping its properties' order.
func parseInputSchema(raw json.RawMessage) (schemaObject, string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return schemaObject{}, "must be a JSON Schema object"
	}
	var so schemaObject
	if t, ok := top["type"]; ok && string(bytes.TrimSpace(t)) != `"object"` {
		return schemaObject{}, `must have type "object": an action's input is a set of named fields`
	}
	if r, ok := top["required"]; ok {
		if json.Unmarshal(r, &so.required) != nil {
			return schemaObject{}, "required must be an array of property names"
		}
	}
	so.props = map[string]map[string]any{}
	if p, ok := top["properties"]; ok {
		dec := json.NewDecoder(bytes.NewReader(p))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return schemaObject{}, "properties must be an object"
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return schemaObject{}, "properties must be an object"
			}
			name, _ := tok.(string)
			var prop map[string]any
			if err := dec.Decode(&prop); err != nil {
				return schemaObject{}, fmt.Sprintf("properties.%s must be a schema object", name)
			}
			if !fieldNamePattern.MatchString(name) {
				return schemaObject{}, fmt.Sprintf("property %q: names are letters, digits and _, at most 64, so that every platform accepts them", name)
			}
			if _, dup := so.props[name]; !dup {
				so.order = append(so.order, name)
			}
			so.props[name] = prop
		}
	}
	return so, ""
}

// choicesOf reads a property's x-patchbay-choices.
func choicesOf(prop map[string]any) (*DynamicChoices, string) {
	raw, ok := prop["x-patchbay-choices"]
	if !ok {
		return nil, ""
	}
	b, _ := json.Marshal(raw)
	var c DynamicChoices
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, "x-patchbay-choices must be an object of action, items_pointer, value_pointer and label_pointer"
	}
	switch {
	case !actionKeyPattern.MatchString(c.Action):
		return nil, "x-patchbay-choices.action must be an action's key"
	case c.ItemsPointer != "" && !jsonptr.Valid(c.ItemsPointer):
		return nil, "x-patchbay-choices.items_pointer must be a JSON Pointer"
	case c.ValuePointer == "" || !jsonptr.Valid(c.ValuePointer):
		return nil, "x-patchbay-choices.value_pointer must be a JSON Pointer, such as /id"
	case c.LabelPointer == "" || !jsonptr.Valid(c.LabelPointer):
		return nil, "x-patchbay-choices.label_pointer must be a JSON Pointer, such as /name"
	}
	return &c, ""
}

// fields derives the catalog's field list of an action.
func (a ActionDef) fields() []Field {
	so, _ := parseInputSchema(a.InputSchema)
	inPath := placeholders(a.URLTemplate)
	out := []Field{}
	for _, name := range so.order {
		p := so.props[name]
		f := Field{Key: name, Label: name, Type: schemaType(p), Required: slices.Contains(so.required, name)}
		if f.Type == "" {
			f.Type = "string"
		}
		if t, _ := p["title"].(string); t != "" {
			f.Label = t
		}
		f.Help, _ = p["description"].(string)
		switch {
		case slices.Contains(inPath, name):
			f.In = "path"
		case a.Method == "GET" || a.Method == "DELETE":
			f.In = "query"
		default:
			f.In = "body"
		}
		if enum, ok := p["enum"].([]any); ok {
			for _, v := range enum {
				if s, ok := v.(string); ok {
					f.Enum = append(f.Enum, s)
				}
			}
		}
		if d, ok := p["default"]; ok {
			f.Default, _ = json.Marshal(d)
		}
		f.Choices, _ = choicesOf(p)
		out = append(out, f)
	}
	return out
}

// catalog is the action as the catalog lists it.
func (a ActionDef) catalog() Action {
	idem := a.Idempotency
	if idem == "" {
		idem = "none"
	}
	return Action{Key: a.Key, DisplayName: a.DisplayName, Description: a.Description, Search: a.Search, Method: a.Method,
		URLTemplate: a.URLTemplate, InputSchema: a.InputSchema, Fields: a.fields(), OutputSample: a.OutputSample,
		Scopes: append([]string{}, a.Scopes...), Idempotency: idem}
}

// check validates an action against the API base URL, the scope catalog
// and the keys of the actions its choices may name, and normalises it.
func (a *ActionDef) check(base string, scopes []string, actionKeys []string) error {
	problems := map[string]string{}
	if !actionKeyPattern.MatchString(a.Key) {
		problems["key"] = "must be lower-case letters, digits and _, starting with a letter, at most 64"
	}
	a.DisplayName = strings.TrimSpace(a.DisplayName)
	switch {
	case a.DisplayName == "":
		problems["display_name"] = "is required"
	case len(a.DisplayName) > displayNameMax:
		problems["display_name"] = fmt.Sprintf("must be at most %d bytes", displayNameMax)
	}
	if len(a.Description) > descriptionMax {
		problems["description"] = fmt.Sprintf("must be at most %d bytes", descriptionMax)
	}
	a.Method = strings.ToUpper(a.Method)
	if !slices.Contains(actionMethods, a.Method) {
		problems["method"] = "must be one of " + strings.Join(actionMethods, ", ")
	}
	if msg := checkURLTemplate(a.URLTemplate, base); msg != "" {
		problems["url_template"] = msg
	}
	if len(a.InputSchema) == 0 || string(a.InputSchema) == "null" {
		a.InputSchema = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	if len(a.InputSchema) > inputSchemaMax {
		problems["input_schema"] = fmt.Sprintf("must be at most %d bytes", inputSchemaMax)
	} else if so, msg := parseInputSchema(a.InputSchema); msg != "" {
		problems["input_schema"] = msg
	} else if _, msg := webhooks.CompileSchema(a.InputSchema); msg != "" {
		problems["input_schema"] = msg
	} else {
		for _, name := range placeholders(a.URLTemplate) {
			p, ok := so.props[name]
			if !ok || !slices.Contains(so.required, name) {
				problems["url_template"] = fmt.Sprintf("has the placeholder {%s}, which must be a required property of input_schema", name)
				break
			}
			if t := schemaType(p); t != "string" && t != "integer" {
				problems["url_template"] = fmt.Sprintf("has the placeholder {%s}, whose property must be a string or an integer", name)
				break
			}
		}
		for _, name := range so.order {
			c, msg := choicesOf(so.props[name])
			if msg != "" {
				problems["input_schema.properties."+name] = msg
			} else if c != nil && (c.Action == a.Key || !slices.Contains(actionKeys, c.Action)) {
				problems["input_schema.properties."+name] = fmt.Sprintf("x-patchbay-choices names the action %s, which is not another declared action", c.Action)
			}
		}
	}
	if len(a.OutputSample) > 0 && string(a.OutputSample) != "null" {
		if len(a.OutputSample) > outputSampleMax {
			problems["output_sample"] = fmt.Sprintf("must be at most %d bytes", outputSampleMax)
		} else if !json.Valid(a.OutputSample) {
			problems["output_sample"] = "must be JSON"
		}
	} else {
		a.OutputSample = nil
	}
	if a.Scopes == nil {
		a.Scopes = []string{}
	}
	if len(a.Scopes) > actionScopesMax {
		problems["scopes"] = fmt.Sprintf("must name at most %d scopes", actionScopesMax)
	}
	for i, sc := range a.Scopes {
		if !slices.Contains(scopes, sc) {
			problems[fmt.Sprintf("scopes[%d]", i)] = fmt.Sprintf("%q is not in the scope catalog (/v1/oauth/scopes)", sc)
		}
	}
	slices.Sort(a.Scopes)
	a.Scopes = slices.Compact(a.Scopes)
	switch a.Idempotency {
	case "":
		a.Idempotency = "none"
	case "none", "key":
	default:
		problems["idempotency"] = "must be none or key"
	}
	if len(problems) > 0 {
		return apperr.InvalidFields(problems)
	}
	if a.Exposed == nil {
		t := true
		a.Exposed = &t
	}
	if compacted, err := compact(a.InputSchema); err == nil {
		a.InputSchema = compacted
	}
	if a.OutputSample != nil {
		if compacted, err := compact(a.OutputSample); err == nil {
			a.OutputSample = compacted
		}
	}
	return nil
}

func compact(raw json.RawMessage) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func actionNotFound(key string) error {
	return apperr.Errorf(apperr.NotFound, "action %s not found", key)
}

// scopeNames returns the scope catalog's names.
func scopeNames(ctx context.Context, q store.Querier) ([]string, error) {
	scopes, err := oauth.ScopeCatalog(ctx, q)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		names[i] = sc.Name
	}
	return names, nil
}

// CreateAction declares an action; its key must be new.
func (s *Service) CreateAction(ctx context.Context, a ActionDef) (ActionDef, error) {
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (ActionDef, error) {
		if err := s.checkAction(ctx, tx, &a, nil); err != nil {
			return ActionDef{}, err
		}
		a.Source = "api"
		a.CreatedAt, a.UpdatedAt = tx.Now(), tx.Now()
		if err := actionInsert(ctx, tx, a); store.IsUniqueViolation(err) {
			return ActionDef{}, apperr.Errorf(apperr.Conflict, "action %s exists; replace it with PUT", a.Key)
		} else if err != nil {
			return ActionDef{}, err
		}
		return a, nil
	})
}

func (s *Service) checkAction(ctx context.Context, tx *store.Tx, a *ActionDef, extraKeys []string) error {
	scopes, err := scopeNames(ctx, tx)
	if err != nil {
		return err
	}
	keys, err := actionKeysAll(ctx, tx)
	if err != nil {
		return err
	}
	return a.check(s.opts.APIBaseURL, scopes, append(keys, extraKeys...))
}

// Action returns one action.
func (s *Service) Action(ctx context.Context, key string) (ActionDef, error) {
	a, err := actionGet(ctx, s.db, key)
	if errors.Is(err, sql.ErrNoRows) {
		return ActionDef{}, actionNotFound(key)
	}
	return a, err
}

// Actions lists every action in key order.
func (s *Service) Actions(ctx context.Context) ([]ActionDef, error) {
	return actionsAll(ctx, s.db, false)
}

// ReplaceAction replaces an action, or declares it when the key is new.
func (s *Service) ReplaceAction(ctx context.Context, key string, a ActionDef) (ActionDef, bool, error) {
	a.Key = key
	var created bool
	out, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (ActionDef, error) {
		if err := s.checkAction(ctx, tx, &a, nil); err != nil {
			return ActionDef{}, err
		}
		a.Source = "api"
		var err error
		created, err = actionUpsert(ctx, tx, a)
		if err != nil {
			return ActionDef{}, err
		}
		return actionGet(ctx, tx, key)
	})
	return out, created, err
}

// DeleteAction removes an action.
func (s *Service) DeleteAction(ctx context.Context, key string) error {
	found, err := actionDelete(ctx, s.db, key)
	if err != nil {
		return err
	}
	if !found {
		return actionNotFound(key)
	}
	return nil
}
