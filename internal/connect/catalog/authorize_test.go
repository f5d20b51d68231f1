package catalog

import "testing"

func TestWithParam(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ raw, want string }{
		{"", "api_key=k%2B1"},
		{"b=2&a=1", "b=2&a=1&api_key=k%2B1"},
		{"q=a%20b;c&api_key=mine&api%5Fkey=also", "q=a%20b;c&api_key=k%2B1"},
		{"&&x", "x&api_key=k%2B1"},
	} {
		if got := withParam(tt.raw, "api_key", "k+1"); got != tt.want {
			t.Errorf("withParam(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
