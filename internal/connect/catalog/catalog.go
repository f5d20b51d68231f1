// Package catalog is the provider catalog: declarative definitions of the
// third-party APIs Patchbay connects to (how users authorize them, what they
// must supply, how the proxy calls them), read from YAML files and checked
// against an embedded JSON Schema.
//
// Patchbay ships definitions in the providers directory at the repository
// root; operators add their own, from a directory of files or through the
// API, and the same schema and rules apply to both.
package catalog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/patchbay/patchbay/internal/apperr"
)

// Sources of a definition, as Provider.Source reports them.
const (
	SourceFile = "file" // shipped in the binary, or from the operator's directory
	SourceAPI  = "api"  // added through the API, kept in the database
)

// Catalog is a set of providers by ID: the definitions from files, fixed once
// loaded, overlaid by the operator's definitions added through the API. It is
// safe for concurrent use.
type Catalog struct {
	files map[string]*Provider

	mu        sync.RWMutex
	providers map[string]*Provider // files, then the API's
}

// Load reads the provider definitions (*.yaml and *.yml files) at the top of
// each source. Later sources win: a definition replaces one with the same ID
// from an earlier source, so pass the built-in set first and the operator's
// directory after it, and an operator can correct or replace a shipped
// provider without waiting for a release. Within one source, two
// definitions with the same ID are an error, since neither can be meant.
//
// Files whose names start with a dot are skipped, as are directories, so a
// Kubernetes ConfigMap mount (with its ..data links) can be a source. Load
// reports every bad file, not only the first.
func Load(sources ...fs.FS) (*Catalog, error) {
	c := &Catalog{files: map[string]*Provider{}}
	var errs []error
	for _, fsys := range sources {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return nil, fmt.Errorf("read provider definitions: %w", err)
		}
		defined := map[string]string{} // ID → file, within this source
		for _, e := range entries {
			name := e.Name()
			if ext := path.Ext(name); strings.HasPrefix(name, ".") || ext != ".yaml" && ext != ".yml" {
				continue
			}
			data, err := readDefinition(fsys, name)
			if errors.Is(err, errDirectory) {
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			p, err := Parse(name, data)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if first, dup := defined[p.ID]; dup {
				errs = append(errs, fmt.Errorf("%s: provider %s is also defined in %s", name, p.ID, first))
				continue
			}
			defined[p.ID] = name
			p.Source = SourceFile
			c.files[p.ID] = p
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c.providers = c.files
	return c, nil
}

// SetAPIDefinitions replaces the definitions added through the API. One
// replaces a file's definition with the same ID for as long as it exists.
func (c *Catalog) SetAPIDefinitions(defs []*Provider) {
	merged := maps.Clone(c.files)
	for _, p := range defs {
		p.Source = SourceAPI
		merged[p.ID] = p
	}
	c.mu.Lock()
	c.providers = merged
	c.mu.Unlock()
}

// File returns the file definition with the given ID, which an API
// definition may hide.
func (c *Catalog) File(id string) (*Provider, bool) {
	p, ok := c.files[id]
	return p, ok
}

var errDirectory = errors.New("is a directory")

// readDefinition reads one file, following links, and at most a byte more
// than a definition may hold so that Parse can refuse it.
func readDefinition(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, errDirectory
	}
	data, err := io.ReadAll(io.LimitReader(f, definitionMax+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

// Get returns the provider with the given ID. The caller must not modify it.
func (c *Catalog) Get(id string) (*Provider, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.providers[id]
	return p, ok
}

// Provider returns the provider a stored object (an integration, a
// connection) names, or an Unprocessable error: the provider was in the
// catalog when the object was made, and has left it since.
func (c *Catalog) Provider(id string) (*Provider, error) {
	p, ok := c.Get(id)
	if !ok {
		return nil, apperr.Errorf(apperr.Unprocessable, "provider %s is no longer in the catalog", id)
	}
	return p, nil
}

// List returns every provider, ordered by ID. The caller must not modify them.
func (c *Catalog) List() []*Provider {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ids := slices.Sorted(maps.Keys(c.providers))
	list := make([]*Provider, len(ids))
	for i, id := range ids {
		list[i] = c.providers[id]
	}
	return list
}
