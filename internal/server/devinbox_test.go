package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/devinbox"
)

type noSecrets struct{}

func (noSecrets) SecretsForURLSuffix(context.Context, string) ([]string, error) { return nil, nil }

// TestOpenAPIDevInbox: the dev inbox is served, public and documented only
// with Dev; TestOpenAPIComplete covers the routes without it.
func TestOpenAPIDevInbox(t *testing.T) {
	t.Parallel()
	devRoutes := []string{"POST /dev/inbox/{name}", "GET /dev/inbox/{name}", "DELETE /dev/inbox/{name}"}
	for _, dev := range []bool{true, false} {
		d := testDeps(t)
		d.Dev = dev
		if dev {
			d.DevInbox = devinbox.New(noSecrets{})
		}
		srv := httptest.NewServer(NewServer(d))
		t.Cleanup(srv.Close)

		resp, err := http.Get(srv.URL + "/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Paths map[string]map[string]struct {
				Summary    string                  `json:"summary"`
				Parameters []struct{ Name string } `json:"parameters"`
				Responses  map[string]any          `json:"responses"`
				Security   []map[string][]any      `json:"security"`
			} `json:"paths"`
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, pattern := range devRoutes {
			method, path, _ := strings.Cut(pattern, " ")
			op, documented := doc.Paths[path][strings.ToLower(method)]
			if documented != dev {
				t.Errorf("dev %v: %s documented %v", dev, pattern, documented)
				continue
			}
			if dev && (op.Summary == "" || len(op.Security) > 0 || len(op.Responses) < 2 ||
				len(op.Parameters) == 0 || op.Parameters[0].Name != "name") {
				t.Errorf("%s: summary %q, security %v, %d responses, parameters %v", pattern, op.Summary, op.Security, len(op.Responses), op.Parameters)
			}
		}

		resp, err = http.Post(srv.URL+"/dev/inbox/demo", "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[dev]; resp.StatusCode != want {
			t.Errorf("dev %v: POST /dev/inbox/demo without a key: %d, want %d", dev, resp.StatusCode, want)
		}
	}
}
