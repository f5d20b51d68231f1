package appgen

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/automation"
)

//go:embed runtime
var runtime embed.FS

// Versions of the platforms' packages the generated apps are written and
// tested against (tools/automation/package-lock.json pins the same).
const (
	zapierCoreVersion = "19.1.0"
	n8nNodeCLIVersion = "0.48.3"
)

// Zapier generates a Zapier Platform CLI app: OAuth 2 with PKCE against
// Patchbay, a REST-hook trigger per exposed trigger (with a polling fallback
// for samples), and a create or search per action.
func Zapier(c automation.Catalog, opts Options) (Files, error) {
	if err := checkVersion(c); err != nil {
		return nil, err
	}
	triggerKeys, err := uniqueKeys(keysOf(c.Triggers, func(t automation.Trigger) string { return t.Key }), snake)
	if err != nil {
		return nil, fmt.Errorf("triggers: %w", err)
	}
	actionKeys, err := uniqueKeys(keysOf(c.Actions, func(a automation.Action) string { return a.Key }), snake)
	if err != nil {
		return nil, fmt.Errorf("actions: %w", err)
	}
	choiceKey := func(action string) string { return "choices_" + actionKeys[action] }
	actions := make(map[string]automation.Action, len(c.Actions))
	for _, a := range c.Actions {
		actions[a.Key] = a
	}

	files := Files{}
	lib, err := runtime.ReadFile("runtime/zapier.js")
	if err != nil {
		return nil, err
	}
	files["lib/patchbay.js"] = lib
	files["package.json"] = jsonFile(map[string]any{
		"name":         c.Product.Key + "-zapier",
		"version":      "1.0.0",
		"description":  sentence(fmt.Sprintf("%s on Zapier: triggers from its events, actions from its API", c.Product.Name)),
		"main":         "index.js",
		"private":      true,
		"engines":      map[string]string{"node": ">=18"},
		"dependencies": map[string]string{"zapier-platform-core": zapierCoreVersion},
	})
	files["authentication.js"] = jsModule("Signing in: OAuth 2 with PKCE against Patchbay.", "authentication", map[string]any{
		"authorize_url": c.OAuth.AuthorizeURL,
		"token_url":     c.OAuth.TokenURL,
		"me_url":        c.Hooks.MeURL,
		"scope":         strings.Join(c.OAuth.RequiredScopes, " "),
		"resource":      c.OAuth.Resource,
	})

	var triggerFiles, createFiles, searchFiles []string
	for _, t := range c.Triggers {
		key := triggerKeys[t.Key]
		filters := make([]map[string]any, 0, len(t.FilterFields))
		for _, f := range t.FilterFields {
			filters = append(filters, zapierField(f.Key, f.Label, f.Help, f.Type, false, f.Enum, nil, ""))
		}
		name := "triggers/" + key + ".js"
		triggerFiles = append(triggerFiles, name)
		files[name] = jsModule(fmt.Sprintf("The %s trigger: a REST hook on Patchbay.", t.Key), "hookTrigger", map[string]any{
			"zapier_key":      key,
			"trigger":         t.Key,
			"noun":            triggerNoun(t.Key),
			"label":           t.DisplayName,
			"description":     zapierDescription(t.Description, "Triggers when "+t.Key+" happens."),
			"filter_fields":   filters,
			"subscribe_url":   c.Hooks.SubscribeURL,
			"unsubscribe_url": c.Hooks.UnsubscribeURL,
			"poll_url":        c.Hooks.PollURL,
			"sample":          t.Sample,
		})
	}

	// Dynamic choices come from hidden triggers, one per action that lists
	// them, as Zapier's dynamic dropdowns require.
	choiceSources := map[string]automation.DynamicChoices{}
	for _, a := range c.Actions {
		for _, f := range a.Fields {
			if f.Choices == nil {
				continue
			}
			if _, ok := actions[f.Choices.Action]; !ok {
				return nil, fmt.Errorf("action %s: field %s takes its choices from %q, which is not an action", a.Key, f.Key, f.Choices.Action)
			}
			choiceSources[f.Choices.Action] = *f.Choices
		}
	}
	for _, source := range sortedKeys(choiceSources) {
		ch := choiceSources[source]
		a := actions[source]
		name := "triggers/" + choiceKey(source) + ".js"
		triggerFiles = append(triggerFiles, name)
		files[name] = jsModule(fmt.Sprintf("The choices %s lists, for dynamic dropdowns.", source), "choicesTrigger", map[string]any{
			"zapier_key":    choiceKey(source),
			"noun":          actionNoun(source),
			"label":         "Choices from " + a.DisplayName,
			"description":   zapierDescription("", "Lists the choices "+a.DisplayName+" gives."),
			"action":        zapierAction(a, choiceKey),
			"items_pointer": ch.ItemsPointer,
			"value_pointer": ch.ValuePointer,
			"label_pointer": ch.LabelPointer,
		})
	}

	for _, a := range c.Actions {
		key := actionKeys[a.Key]
		dir, list := "creates/", &createFiles
		if a.Search {
			dir, list = "searches/", &searchFiles
		}
		var sample any = map[string]any{"id": "1"}
		if len(a.OutputSample) > 0 {
			sample = a.OutputSample
			if a.Search {
				sample = searchSample(a.OutputSample)
			}
		}
		name := dir + key + ".js"
		*list = append(*list, name)
		files[name] = jsModule(fmt.Sprintf("The %s action.", a.Key), "action", map[string]any{
			"zapier_key":  key,
			"noun":        actionNoun(a.Key),
			"label":       a.DisplayName,
			"description": zapierDescription(a.Description, a.DisplayName+"."),
			"action":      zapierAction(a, choiceKey),
			"sample":      sample,
		})
	}

	var index strings.Builder
	index.WriteString(generatedHeader("//", "zapier"))
	index.WriteString("'use strict';\n\nconst { version } = require('./package.json');\nconst { version: platformVersion } = require('zapier-platform-core');\nconst lib = require('./lib/patchbay');\n\n")
	index.WriteString("module.exports = {\n  version,\n  platformVersion,\n  authentication: require('./authentication'),\n  beforeRequest: [lib.addBearer(" + jsonLiteral(c.OAuth.TokenURL, "") + ")],\n  afterResponse: [lib.explainErrors],\n")
	for _, group := range []struct {
		name  string
		files []string
	}{{"triggers", triggerFiles}, {"creates", createFiles}, {"searches", searchFiles}} {
		fmt.Fprintf(&index, "  %s: lib.byKey([", group.name)
		for i, f := range group.files {
			if i > 0 {
				index.WriteString(",")
			}
			fmt.Fprintf(&index, "\n    require('./%s')", strings.TrimSuffix(f, ".js"))
		}
		if len(group.files) > 0 {
			index.WriteString(",\n  ")
		}
		index.WriteString("]),\n")
	}
	index.WriteString("};\n")
	files["index.js"] = []byte(index.String())
	files["README.md"] = []byte(zapierReadme(c))
	return files, nil
}

// zapierAction is an action as the runtime calls it, its fields carrying the
// dynamic-dropdown reference Zapier wants.
func zapierAction(a automation.Action, choiceKey func(string) string) map[string]any {
	fields := make([]map[string]any, 0, len(a.Fields))
	for _, f := range a.Fields {
		dynamic := ""
		if f.Choices != nil {
			dynamic = choiceKey(f.Choices.Action) + ".id.label"
		}
		field := zapierField(f.Key, f.Label, f.Help, f.Type, f.Required, f.Enum, f.Default, dynamic)
		field["in"] = f.In
		fields = append(fields, field)
	}
	return map[string]any{
		"method":       a.Method,
		"url_template": a.URLTemplate,
		"search":       a.Search,
		"idempotency":  a.Idempotency,
		"fields":       fields,
	}
}

func zapierField(key, label, help, typ string, required bool, enum []string, def json.RawMessage, dynamic string) map[string]any {
	f := map[string]any{"key": key, "label": label, "type": typ, "required": required}
	if help != "" {
		f["help"] = help
	}
	if len(enum) > 0 {
		f["enum"] = enum
	}
	if len(def) > 0 {
		f["default"] = def
	}
	if dynamic != "" {
		f["dynamic"] = dynamic
	}
	return f
}

// zapierDescription is a description as Zapier's validation wants it: a
// sentence of at most 1,000 characters.
func zapierDescription(d, fallback string) string {
	d = sentence(strings.Join(strings.Fields(d), " "))
	if d == "" {
		d = fallback
	}
	if len(d) > 1000 {
		d = d[:997] + "..."
	}
	return d
}

// searchSample is one result of a search, from its answer's sample.
func searchSample(raw json.RawMessage) any {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return map[string]any{"id": "1"}
	}
	switch s := v.(type) {
	case []any:
		if len(s) > 0 {
			return s[0]
		}
	case map[string]any:
		if list, ok := s["data"].([]any); ok && len(list) > 0 {
			return list[0]
		}
		return s
	}
	return map[string]any{"id": "1"}
}

// jsModule is a CommonJS file exporting lib.<maker>(spec).
func jsModule(comment, maker string, spec any) []byte {
	return []byte(generatedHeader("//", "zapier") + "// " + comment + "\n'use strict';\n\nconst lib = require('" + relLib(maker) + "');\n\nmodule.exports = lib." + maker + "(" + jsonLiteral(spec, "") + ");\n")
}

// relLib is the runtime's path from a generated file: authentication.js sits
// at the top, the others one folder down.
func relLib(maker string) string {
	if maker == "authentication" {
		return "./lib/patchbay"
	}
	return "../lib/patchbay"
}

// generatedHeader says where a file came from and how to remake it.
func generatedHeader(comment, platform string) string {
	return comment + " Generated by Patchbay from its automation catalog: patchbay automation " + platform + " --out DIR\n" +
		comment + " Regenerate rather than edit; the next generation overwrites this file.\n"
}

func keysOf[T any](items []T, key func(T) string) []string {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = key(it)
	}
	return keys
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func zapierReadme(c automation.Catalog) string {
	return fmt.Sprintf(`# %[1]s on Zapier

Generated by Patchbay from %[1]s's automation catalog (%[2]d triggers, %[3]d actions). Regenerate it
with `+"`patchbay automation zapier --out DIR`"+` whenever event types or actions change, and review
the diff; do not edit the files by hand.

## What it does

- **Sign-in:** OAuth 2 (authorization code with PKCE, refresh tokens) against Patchbay at
  %[4]s, asking for: %[5]s.
- **Triggers:** one REST-hook trigger per event type. Zapier subscribes a target URL through
  Patchbay (`+"`POST /v1/hooks`"+`), which delivers each event with retries; turning a Zap off
  unsubscribes; a `+"`410 Gone`"+` from Zapier removes the hook. Samples come from Patchbay's polling
  endpoint.
- **Creates and searches:** one per action of the catalog, calling %[6]s with the user's token.

## Publishing

1. In Patchbay, register the Zapier app as a confidential OAuth client whose redirect URI is
   Zapier's (`+"`https://zapier.com/dashboard/auth/oauth/return/App<ID>CLIAPI/`"+`, shown by
   `+"`zapier describe`"+` after step 3), with the scopes above.
2. `+"`npm install -g zapier-platform-cli`"+`, then `+"`zapier login`"+` with a Zapier account.
3. In this folder: `+"`npm install`"+`, `+"`zapier register \"%[1]s\"`"+` (once), then
   `+"`zapier env:set 1.0.0 CLIENT_ID=… CLIENT_SECRET=…`"+` and `+"`zapier push`"+`.
4. Test every trigger and action in the Zap editor, then `+"`zapier promote 1.0.0`"+`.
5. To make it public, submit it for Zapier's review: it asks for a logo, a homepage, working test
   credentials, a description of every trigger and action (taken from the catalog), and that each
   trigger's sample looks like a real event.
`, c.Product.Name, len(c.Triggers), len(c.Actions), c.Product.PatchbayURL, strings.Join(c.OAuth.RequiredScopes, ", "), c.Product.APIBaseURL)
}
