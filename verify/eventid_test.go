package verify

import "testing"

func TestLookupPointer(t *testing.T) {
	body := []byte(`{"data":{"object":{"tenant":"acme","n":7,"a/b":"slash"},"list":["x","y"]}}`)
	for pointer, want := range map[string]string{
		"/data/object/tenant": "acme",
		"/data/object/n":      "7",
		"/data/object/a~1b":   "slash",
		"/data/list/1":        "y",
		"/data/missing":       "",
		"/data/object":        "",
	} {
		got, err := LookupPointer(body, pointer)
		if err != nil || got != want {
			t.Errorf("LookupPointer(%q) = %q, %v; want %q", pointer, got, err, want)
		}
	}
	for _, bad := range []string{"", "data", "/a~2"} {
		if _, err := LookupPointer(body, bad); err == nil {
			t.Errorf("LookupPointer(%q) accepted", bad)
		}
	}
}
