package catalog

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func definition(id, name string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(strings.NewReplacer("id: acme", "id: "+id, "display_name: Acme", "display_name: "+name).Replace(minimal))}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	builtin := fstest.MapFS{
		"acme.yaml":  definition("acme", "Acme"),
		"zeta.yml":   definition("zeta", "Zeta"),
		"README.md":  {Data: []byte("not a definition")},
		".swp.yaml":  {Data: []byte("editor junk")},
		"sub/x.yaml": {Data: []byte("ignored: subdirectories are not read")},
	}
	operator := fstest.MapFS{
		"acme.yaml":  definition("acme", "Acme (sandbox)"),
		"beta.yaml":  definition("beta", "Beta"),
		"dir.yaml/x": {Data: []byte("a directory named like a file")},
	}
	c, err := Load(builtin, operator)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.List() {
		got = append(got, p.ID+": "+p.DisplayName)
	}
	want := []string{"acme: Acme (sandbox)", "beta: Beta", "zeta: Zeta"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List() (-want +got):\n%s", diff)
	}
	if p, ok := c.Get("zeta"); !ok || p.DisplayName != "Zeta" {
		t.Errorf(`Get("zeta") = %v, %v`, p, ok)
	}
	if p, ok := c.Get("nope"); ok {
		t.Errorf(`Get("nope") = %v, want none`, p)
	}
}

func TestLoadReportsEveryBadFile(t *testing.T) {
	t.Parallel()
	_, err := Load(fstest.MapFS{
		"a.yaml":   definition("same", "A"),
		"b.yaml":   definition("same", "B"),
		"bad.yaml": {Data: []byte("id: bad\n")},
		"big.yaml": {Data: make([]byte, definitionMax+10)},
	})
	if err == nil {
		t.Fatal("Load() succeeded, want errors")
	}
	for _, want := range []string{
		"b.yaml: provider same is also defined in a.yaml",
		"bad.yaml: /auth (line 1): is required",
		"big.yaml: is larger than 256 KiB",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load() error = %q, want it to contain %q", err, want)
		}
	}
	var derr *DefinitionError
	if !errors.As(err, &derr) {
		t.Errorf("Load() error does not wrap a *DefinitionError")
	}
}

func TestLoadEmpty(t *testing.T) {
	t.Parallel()
	c, err := Load()
	if err != nil || len(c.List()) != 0 {
		t.Errorf("Load() = %v, %v; want an empty catalog", c.List(), err)
	}
}
