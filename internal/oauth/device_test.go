package oauth

import (
	"strings"
	"testing"
)

func TestUserCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := newUserCode()
		if normalizeUserCode(c) != c || normalizeUserCode(strings.ToLower(displayUserCode(c))) != c {
			t.Fatalf("user code %q does not read back", c)
		}
		seen[c] = true
	}
	if len(seen) < 999 {
		t.Errorf("%d distinct codes in 1000", len(seen))
	}
	for typed, want := range map[string]string{
		"bcdf-ghjk": "BCDFGHJK", " BCDF GHJK ": "BCDFGHJK", "BCDFGHJ": "", "BCDF-GHJKL": "", "ABCD-FGHJ": "", "BCDF_GHJK": "", "ВCDF-GHJK": "",
	} {
		if got := normalizeUserCode(typed); got != want {
			t.Errorf("normalizeUserCode(%q) = %q, want %q", typed, got, want)
		}
	}
}

// FuzzUserCode: whatever a user types, reading it never panics and yields
// either nothing or a well-formed code that reads back as itself.
func FuzzUserCode(f *testing.F) {
	for _, s := range []string{"BCDF-GHJK", "bcdfghjk", "", "ß-ß", strings.Repeat("B", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		c := normalizeUserCode(typed)
		if c == "" {
			return
		}
		if len(c) != userCodeLength || strings.Trim(c, userCodeAlphabet) != "" || normalizeUserCode(displayUserCode(c)) != c {
			t.Fatalf("normalizeUserCode(%q) = %q", typed, c)
		}
	})
}
