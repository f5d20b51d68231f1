// Package appgen generates the automation platforms' apps (Zapier, n8n,
// Make) from the automation catalog, so that each platform's app follows the
// SaaS's events and API instead of being kept in step by hand.
//
// A generator is a pure function of the catalog: the same catalog gives the
// same files, byte for byte, which is what lets a SaaS commit the output and
// review a regeneration as a diff.
package appgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/patchbay/patchbay/internal/automation"
)

// Files is a generated app: slash-separated paths relative to the app's
// folder, and their contents.
type Files map[string][]byte

// Generator makes one platform's app.
type Generator func(automation.Catalog, Options) (Files, error)

// Options are what a generator needs beyond the catalog.
type Options struct {
	// AuthorEmail is the package author's address, which n8n's lint
	// requires of a community node package.
	AuthorEmail string
}

// Platforms are the generators by the name the CLI takes.
var Platforms = map[string]Generator{
	"zapier": Zapier,
	"n8n":    N8n,
	"make":   Make,
}

// Write puts the files under dir, creating folders as needed. Files already
// there are overwritten; other files are left alone.
func (f Files) Write(dir string) error {
	for _, name := range f.Names() {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Names are the files' paths in order.
func (f Files) Names() []string {
	names := make([]string, 0, len(f))
	for name := range f {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// checkVersion refuses a catalog whose shape this generator does not know.
func checkVersion(c automation.Catalog) error {
	if c.Version != automation.CatalogVersion {
		return fmt.Errorf("catalog version %q is not %q, the one this Patchbay generates apps from", c.Version, automation.CatalogVersion)
	}
	if c.Product.Key == "" || c.Product.Name == "" {
		return fmt.Errorf("the catalog names no product (product.key and product.name are empty)")
	}
	return nil
}

// jsonLiteral is v as indented JSON, which is also a valid JavaScript and
// TypeScript expression: generated code embeds data this way so that no
// value from the catalog is ever spliced into source text unescaped.
func jsonLiteral(v any, indent string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(indent, "  ")
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("appgen: %v", err)) // only catalog values, all encodable
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonFile is v as an indented JSON file.
func jsonFile(v any) []byte {
	return []byte(jsonLiteral(v, "") + "\n")
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// words splits a key such as project.created or create_project into words.
func words(key string) []string {
	return strings.Fields(nonWord.ReplaceAllString(key, " "))
}

// snake is key as lower_snake_case starting with a letter, the identifier
// shape every platform accepts.
func snake(key string) string {
	s := strings.ToLower(strings.Join(words(key), "_"))
	if s == "" || !unicode.IsLetter(rune(s[0])) {
		s = "x_" + s
	}
	return s
}

// kebab is key as lower-kebab-case.
func kebab(key string) string {
	return strings.ReplaceAll(snake(key), "_", "-")
}

// camel is key as lowerCamelCase.
func camel(key string) string {
	ws := words(snake(key))
	for i := range ws {
		ws[i] = strings.ToLower(ws[i])
		if i > 0 {
			ws[i] = title(ws[i])
		}
	}
	return strings.Join(ws, "")
}

// pascal is key as PascalCase.
func pascal(key string) string {
	c := camel(key)
	return strings.ToUpper(c[:1]) + c[1:]
}

func title(w string) string {
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// triggerNoun is what a trigger is about: its key's first word
// (project.created → Project).
func triggerNoun(key string) string {
	ws := words(key)
	if len(ws) == 0 {
		return "Event"
	}
	return title(strings.ToLower(ws[0]))
}

// actionNoun is what an action acts on: its key's last word
// (create_project → Project).
func actionNoun(key string) string {
	ws := words(key)
	if len(ws) == 0 {
		return "Record"
	}
	return title(strings.ToLower(ws[len(ws)-1]))
}

// uniqueKeys maps each key through f and fails when two keys collide, which
// would make one platform component overwrite another.
func uniqueKeys(keys []string, f func(string) string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	seen := make(map[string]string, len(keys))
	for _, k := range keys {
		v := f(k)
		if other, ok := seen[v]; ok {
			return nil, fmt.Errorf("%q and %q both become %q on this platform; rename one", other, k, v)
		}
		seen[v] = k
		out[k] = v
	}
	return out, nil
}

// sentence ends s with a full stop, as the platforms' reviews want
// descriptions to.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if strings.ContainsAny(s[len(s)-1:], ".!?") {
		return s
	}
	return s + "."
}
