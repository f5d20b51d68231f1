package appgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The parts of Make's app structure CheckMake holds an app to, from Make's
// documentation of custom apps and of local development for apps.
var (
	makeModuleTypes     = []string{"trigger", "action", "search", "instant_trigger", "responder", "universal"}
	makeConnectionTypes = []string{"basic", "oauth"}
	makeWebhookTypes    = []string{"web", "web-shared"}
	makeCruds           = []string{"create", "read", "update", "delete"}
	makeParamTypes      = []string{"any", "array", "boolean", "buffer", "cert", "collection", "color", "date", "email", "file",
		"filename", "filter", "folder", "hidden", "integer", "number", "password", "path", "pkey", "port", "select", "text",
		"time", "timestamp", "timezone", "uinteger", "url", "uuid"}
	makeOAuthSections = []string{"preauthorize", "authorize", "token", "info", "refresh", "invalidate"}
	// makeCodes are the code files each kind of component may have.
	makeCodes = map[string][]string{
		"connection": {"communication", "params", "common", "scopeList", "defaultScope", "installSpec", "installDirectives"},
		"webhook":    {"communication", "params", "attach", "detach", "update", "requiredScope"},
		"module":     {"communication", "epoch", "staticParams", "mappableParams", "interface", "samples", "scope"},
		"rpc":        {"communication", "params"},
		"function":   {"code", "test"},
	}
	makeComponentName = regexp.MustCompile(`^[a-zA-Z][0-9a-zA-Z]*$`)
	makeParamRef      = regexp.MustCompile(`parameters\.([A-Za-z0-9_]+)`)
)

// CheckMake holds a Make app in the local-development layout to Make's
// structure: makecomapp.json's shape, every code file present and JSON, the
// component types and names Make knows, the references between components
// (connections, webhooks, remote procedures, groups), OAuth sections,
// parameter types, an epoch for every polling trigger, and every
// parameters.x a module's communication reads declared by that module.
func CheckMake(files Files) error {
	var app struct {
		FileVersion      int                                   `json:"fileVersion"`
		GeneralCodeFiles map[string]string                     `json:"generalCodeFiles"`
		Components       map[string]map[string]json.RawMessage `json:"components"`
		Origins          []struct {
			Label      string `json:"label"`
			BaseURL    string `json:"baseUrl"`
			AppID      string `json:"appId"`
			AppVersion int    `json:"appVersion"`
			APIKeyFile string `json:"apikeyFile"`
		} `json:"origins"`
	}
	if err := strictJSON(files["makecomapp.json"], &app); err != nil {
		return fmt.Errorf("makecomapp.json: %w", err)
	}
	if app.FileVersion != 1 {
		return fmt.Errorf("makecomapp.json: fileVersion %d, want 1", app.FileVersion)
	}
	for _, general := range []string{"base", "common", "readme", "groups"} {
		path, ok := app.GeneralCodeFiles[general]
		if !ok {
			return fmt.Errorf("makecomapp.json: generalCodeFiles has no %s", general)
		}
		if _, ok := files[path]; !ok {
			return fmt.Errorf("makecomapp.json: generalCodeFiles.%s names %s, which is missing", general, path)
		}
		if general != "readme" && !json.Valid(files[path]) {
			return fmt.Errorf("%s is not JSON", path)
		}
	}
	if len(app.Origins) == 0 {
		return fmt.Errorf("makecomapp.json: no origin")
	}
	for i, o := range app.Origins {
		if !strings.HasPrefix(o.BaseURL, "https://") || !strings.HasSuffix(o.BaseURL, "/api") || o.AppID == "" || o.AppVersion < 1 || o.APIKeyFile == "" {
			return fmt.Errorf("makecomapp.json: origins[%d] needs an https baseUrl ending in /api, an appId, an appVersion and an apikeyFile", i)
		}
	}

	comps := map[string]map[string]makeComponent{}
	for kind, byName := range app.Components {
		codes, ok := makeCodes[kind]
		if !ok {
			return fmt.Errorf("makecomapp.json: Make has no component type %q", kind)
		}
		comps[kind] = map[string]makeComponent{}
		for name, raw := range byName {
			var c makeComponent
			if err := strictJSON(raw, &c); err != nil {
				return fmt.Errorf("%s %s: %w", kind, name, err)
			}
			if !makeComponentName.MatchString(name) {
				return fmt.Errorf("%s %q: a component's name is letters and digits, starting with a letter", kind, name)
			}
			for code, path := range c.CodeFiles {
				if !slices.Contains(codes, code) {
					return fmt.Errorf("%s %s: a %s has no %s code", kind, name, kind, code)
				}
				content, ok := files[path]
				if !ok {
					return fmt.Errorf("%s %s: code file %s is missing", kind, name, path)
				}
				if !strings.HasPrefix(path, kind+"s/") {
					return fmt.Errorf("%s %s: code file %s is outside %ss/", kind, name, path, kind)
				}
				if strings.HasSuffix(path, ".json") && !json.Valid(content) {
					return fmt.Errorf("%s is not JSON", path)
				}
			}
			comps[kind][name] = c
		}
	}

	connections := comps["connection"]
	refersTo := func(kind, name string, ref *string) error {
		if ref != nil && *ref != "" {
			if _, ok := connections[*ref]; !ok {
				return fmt.Errorf("%s %s: connection %q does not exist", kind, name, *ref)
			}
		}
		return nil
	}
	for name, c := range connections {
		if !slices.Contains(makeConnectionTypes, c.ConnectionType) {
			return fmt.Errorf("connection %s: connectionType %q is not one of %v", name, c.ConnectionType, makeConnectionTypes)
		}
		if c.ConnectionType == "oauth" {
			var sections map[string]json.RawMessage
			if err := json.Unmarshal(files[c.CodeFiles["communication"]], &sections); err != nil {
				return fmt.Errorf("connection %s: communication: %w", name, err)
			}
			for s := range sections {
				if !slices.Contains(makeOAuthSections, s) {
					return fmt.Errorf("connection %s: an OAuth 2 communication has no %q section", name, s)
				}
			}
			for _, s := range []string{"authorize", "token"} {
				if _, ok := sections[s]; !ok {
					return fmt.Errorf("connection %s: an OAuth 2 communication needs %q", name, s)
				}
			}
		}
	}
	for name, c := range comps["webhook"] {
		if !slices.Contains(makeWebhookTypes, c.WebhookType) {
			return fmt.Errorf("webhook %s: webhookType %q is not one of %v", name, c.WebhookType, makeWebhookTypes)
		}
		if err := refersTo("webhook", name, c.Connection); err != nil {
			return err
		}
		if (c.CodeFiles["attach"] == "") != (c.CodeFiles["detach"] == "") {
			return fmt.Errorf("webhook %s: attach and detach come together", name)
		}
		if err := checkParams(files, "webhook "+name, c.CodeFiles["params"], comps["rpc"]); err != nil {
			return err
		}
	}
	for name, c := range comps["rpc"] {
		if err := refersTo("rpc", name, c.Connection); err != nil {
			return err
		}
	}
	grouped := map[string]int{}
	var groups []struct {
		Label   string   `json:"label"`
		Modules []string `json:"modules"`
	}
	if err := strictJSON(files[app.GeneralCodeFiles["groups"]], &groups); err != nil {
		return fmt.Errorf("groups: %w", err)
	}
	for _, g := range groups {
		for _, m := range g.Modules {
			if _, ok := comps["module"][m]; !ok {
				return fmt.Errorf("group %q lists module %q, which does not exist", g.Label, m)
			}
			grouped[m]++
		}
	}
	for name, c := range comps["module"] {
		where := "module " + name
		if !slices.Contains(makeModuleTypes, c.ModuleType) {
			return fmt.Errorf("%s: moduleType %q is not one of %v", where, c.ModuleType, makeModuleTypes)
		}
		if c.Label == "" || c.Description == "" {
			return fmt.Errorf("%s: Make shows a module's label and description; both are needed", where)
		}
		if c.ActionCrud != "" && (c.ModuleType != "action" || !slices.Contains(makeCruds, c.ActionCrud)) {
			return fmt.Errorf("%s: actionCrud %q is for action modules, one of %v", where, c.ActionCrud, makeCruds)
		}
		if err := refersTo("module", name, c.Connection); err != nil {
			return err
		}
		switch c.ModuleType {
		case "instant_trigger":
			if _, ok := comps["webhook"][c.Webhook]; !ok {
				return fmt.Errorf("%s: an instant trigger needs an existing webhook; %q is not one", where, c.Webhook)
			}
		case "trigger":
			if c.CodeFiles["epoch"] == "" {
				return fmt.Errorf("%s: a polling trigger needs an epoch", where)
			}
		}
		if grouped[name] != 1 {
			return fmt.Errorf("%s is in %d groups; each module belongs to one", where, grouped[name])
		}
		declared := map[string]bool{}
		for _, code := range []string{"staticParams", "mappableParams"} {
			if err := checkParams(files, where, c.CodeFiles[code], comps["rpc"]); err != nil {
				return err
			}
			var params []struct {
				Name string `json:"name"`
			}
			if c.CodeFiles[code] != "" {
				_ = json.Unmarshal(files[c.CodeFiles[code]], &params)
			}
			for _, p := range params {
				declared[p.Name] = true
			}
		}
		for _, m := range makeParamRef.FindAllStringSubmatch(string(files[c.CodeFiles["communication"]]), -1) {
			if !declared[m[1]] {
				return fmt.Errorf("%s: its communication reads parameters.%s, which it does not declare", where, m[1])
			}
		}
	}
	return nil
}

// checkParams holds a parameters file to Make's parameter shape: named,
// unique, of a type Make knows, selects with options, remote procedures that
// exist.
func checkParams(files Files, where, path string, rpcs map[string]makeComponent) error {
	if path == "" {
		return nil
	}
	var params []struct {
		Name     string          `json:"name"`
		Label    string          `json:"label"`
		Type     string          `json:"type"`
		Required bool            `json:"required"`
		Help     string          `json:"help"`
		Default  json.RawMessage `json:"default"`
		Options  json.RawMessage `json:"options"`
		Spec     json.RawMessage `json:"spec"`
	}
	if err := strictJSON(files[path], &params); err != nil {
		return fmt.Errorf("%s: %s: %w", where, path, err)
	}
	seen := map[string]bool{}
	for _, p := range params {
		if p.Name == "" || p.Label == "" || seen[p.Name] {
			return fmt.Errorf("%s: every parameter needs a unique name and a label (%q)", where, p.Name)
		}
		seen[p.Name] = true
		if !slices.Contains(makeParamTypes, p.Type) {
			return fmt.Errorf("%s: parameter %s has type %q, which Make does not know", where, p.Name, p.Type)
		}
		if p.Type != "select" {
			continue
		}
		var rpc string
		if json.Unmarshal(p.Options, &rpc) == nil {
			name, ok := strings.CutPrefix(rpc, "rpc://")
			if _, exists := rpcs[name]; !ok || !exists {
				return fmt.Errorf("%s: parameter %s takes its options from %q, which is no remote procedure of the app", where, p.Name, rpc)
			}
			continue
		}
		var options []struct {
			Label string `json:"label"`
			Value any    `json:"value"`
		}
		if err := json.Unmarshal(p.Options, &options); err != nil || len(options) == 0 {
			return fmt.Errorf("%s: select parameter %s needs options", where, p.Name)
		}
	}
	return nil
}

// strictJSON decodes data into v, refusing unknown fields.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
