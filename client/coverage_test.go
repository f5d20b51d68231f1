package client

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/patchbay/patchbay/client/internal/gen"
	"github.com/patchbay/patchbay/internal/server"
)

// TestEveryOperationHasAMethod walks the OpenAPI document: every operation
// has a method on *Client (hand-written or generated), or is one browsers or
// providers call (gen.NoMethod), and the mapping names no operation the
// document lacks.
func TestEveryOperationHasAMethod(t *testing.T) {
	t.Parallel()
	raw, err := server.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	client := reflect.TypeFor[*Client]()
	inDoc := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			inDoc[op.OperationID] = true
			if reason, ok := gen.NoMethod[op.OperationID]; ok {
				if reason == "" {
					t.Errorf("%s %s: left out of the SDK without a reason", method, path)
				}
				continue
			}
			name, ok := operationMethods[op.OperationID]
			if !ok {
				t.Errorf("%s %s (operationId %s) has no SDK method: run go run ./client/internal/gen/sdkgen, or add it to gen.HandWritten with a hand-written method",
					method, path, op.OperationID)
				continue
			}
			if _, ok := client.MethodByName(name); !ok {
				t.Errorf("%s %s (operationId %s): the mapping names %s, which *Client lacks", method, path, op.OperationID, name)
			}
		}
	}
	for id := range operationMethods {
		if !inDoc[id] {
			t.Errorf("the SDK maps operationId %s, which the document lacks", id)
		}
	}
	for id := range gen.HandWritten {
		if !inDoc[id] {
			t.Errorf("gen.HandWritten names operationId %s, which the document lacks", id)
		}
	}
}

// TestGeneratedCurrent fails when the committed generated files of the Go
// and TypeScript SDKs are not what the generator writes from the document
// now: run go run ./client/internal/gen/sdkgen and commit.
func TestGeneratedCurrent(t *testing.T) {
	t.Parallel()
	raw, err := server.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	goSrc, tsSrc, err := gen.Generate(raw)
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string][]byte{"zz_operations.go": goSrc, "../sdk/typescript/src/generated.ts": tsSrc} {
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the generator writes from the document now: run go run ./client/internal/gen/sdkgen", file)
		}
	}
}
