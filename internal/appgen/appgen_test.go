package appgen

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/automation"
)

var testOptions = Options{AuthorEmail: "integrations@acme.test"}

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func testCatalog(t *testing.T) automation.Catalog {
	t.Helper()
	raw, err := os.ReadFile("testdata/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	var c automation.Catalog
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("testdata/catalog.json does not match the catalog's shape: %v", err)
	}
	return c
}

// TestGeneratorsMatchGolden pins each platform's output byte for byte, and
// checks that generating twice gives the same bytes.
func TestGeneratorsMatchGolden(t *testing.T) {
	c := testCatalog(t)
	for platform, gen := range Platforms {
		t.Run(platform, func(t *testing.T) {
			files, err := gen(c, testOptions)
			if err != nil {
				t.Fatal(err)
			}
			again, err := gen(c, testOptions)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range files.Names() {
				if !bytes.Equal(files[name], again[name]) {
					t.Errorf("%s differs between two generations of the same catalog", name)
				}
			}
			dir := filepath.Join("testdata", "golden", platform)
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if err := files.Write(dir); err != nil {
					t.Fatal(err)
				}
			}
			var onDisk []string
			err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(dir, path)
				onDisk = append(onDisk, filepath.ToSlash(rel))
				return nil
			})
			if err != nil {
				t.Fatalf("%v (run go test ./internal/appgen -update to write the golden files)", err)
			}
			if got, want := strings.Join(files.Names(), "\n"), strings.Join(onDisk, "\n"); got != want {
				t.Fatalf("files:\n%s\nwant (golden):\n%s", got, want)
			}
			for _, name := range onDisk {
				want, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
				if !bytes.Equal(files[name], want) {
					t.Errorf("%s differs from its golden file (go test ./internal/appgen -update rewrites them)", name)
				}
			}
		})
	}
}

// TestGeneratorsRefuseBadCatalogs: an unknown catalog version, keys that
// collide on a platform, and choices from a missing action are refused,
// never written as a broken app.
func TestGeneratorsRefuseBadCatalogs(t *testing.T) {
	for name, mutate := range map[string]func(*automation.Catalog){
		"version": func(c *automation.Catalog) { c.Version = "2" },
		"no name": func(c *automation.Catalog) { c.Product.Name = "" },
		"collide": func(c *automation.Catalog) { c.Actions[1].Key = "create-project"; c.Actions[0].Key = "create_project" },
		"choices": func(c *automation.Catalog) { c.Actions[0].Fields[0].Choices.Action = "missing" },
	} {
		for platform, gen := range Platforms {
			if name == "collide" && platform == "make" {
				continue // Make keys modules by camelCase names, checked by CheckMake below
			}
			c := testCatalog(t)
			mutate(&c)
			if _, err := gen(c, testOptions); err == nil {
				t.Errorf("%s: %s generated an app from a bad catalog", platform, name)
			}
		}
	}
}

// TestCheckMakeFindsBrokenStructure: each way of breaking Make's structure
// is caught, so a passing check means something.
func TestCheckMakeFindsBrokenStructure(t *testing.T) {
	good, err := Make(testCatalog(t), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(name string, f func(map[string]any)) Files {
		out := Files{}
		for k, v := range good {
			out[k] = v
		}
		var doc map[string]any
		if err := json.Unmarshal(out[name], &doc); err != nil {
			t.Fatal(err)
		}
		f(doc)
		out[name] = jsonFile(doc)
		return out
	}
	modules := func(doc map[string]any) map[string]any {
		return doc["components"].(map[string]any)["module"].(map[string]any)
	}
	for what, broken := range map[string]Files{
		"unknown module type": edit("makecomapp.json", func(d map[string]any) {
			modules(d)["createProject"].(map[string]any)["moduleType"] = "mutation"
		}),
		"missing webhook": edit("makecomapp.json", func(d map[string]any) {
			modules(d)["watchInvoicePaid"].(map[string]any)["webhook"] = "nope"
		}),
		"trigger without epoch": edit("makecomapp.json", func(d map[string]any) {
			delete(modules(d)["pollInvoicePaid"].(map[string]any)["codeFiles"].(map[string]any), "epoch")
		}),
		"unknown connection": edit("makecomapp.json", func(d map[string]any) {
			modules(d)["createProject"].(map[string]any)["connection"] = "other"
		}),
		"bad component name": edit("makecomapp.json", func(d map[string]any) {
			modules(d)["create-project"] = modules(d)["createProject"]
		}),
		"unknown oauth section": edit("connections/acme/acme.oauth-communication.iml.json", func(d map[string]any) {
			d["exchange"] = map[string]any{}
		}),
		"undeclared parameter": edit("modules/create-project/create-project.communication.iml.json", func(d map[string]any) {
			d["qs"] = map[string]any{"x": "{{parameters.undeclared}}"}
		}),
	} {
		if err := CheckMake(broken); err == nil {
			t.Errorf("%s: CheckMake passed", what)
		}
	}
	missing := Files{}
	for k, v := range good {
		if k != "modules/groups.json" {
			missing[k] = v
		}
	}
	if CheckMake(missing) == nil {
		t.Error("missing groups.json: CheckMake passed")
	}
}
