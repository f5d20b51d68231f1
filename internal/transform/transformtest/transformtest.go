// Package transformtest builds the Wasm transformations tests run: the
// example module under examples/ and the hostile one under testdata/.
package transformtest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = map[string][]byte{}
)

// Example is the example module's .wasm (examples/transform-wasm).
func Example(t testing.TB) []byte { return Build(t, "examples/transform-wasm") }

// Hostile is the hostile test module's .wasm.
func Hostile(t testing.TB) []byte { return Build(t, "internal/transform/testdata/hostile") }

// Build compiles the Go package at dir (relative to the repository's root)
// with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared, once per test process,
// keeping the .wasm in a temporary directory keyed by the source's hash, so
// that other test processes reuse it.
func Build(t testing.TB, dir string) []byte {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if b, ok := built[dir]; ok {
		return b
	}
	root := repoRoot(t)
	src, err := os.ReadFile(filepath.Join(root, dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(append(src, runtime.Version()...))
	out := filepath.Join(os.TempDir(), "patchbay-transform-wasm", hex.EncodeToString(sum[:8])+".wasm")
	if b, err := os.ReadFile(out); err == nil {
		built[dir] = b
		return b
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := out + ".tmp" + hex.EncodeToString(sum[8:12])
	cmd := exec.Command(goTool(), "build", "-buildmode=c-shared", "-o", tmp, "./"+dir)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", dir, err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	built[dir] = b
	return b
}

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// goTool is the go command of the toolchain running the tests, else the
// one on PATH.
func goTool() string {
	if root := runtime.GOROOT(); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
