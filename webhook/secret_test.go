package webhook_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/webhook"
)

func TestNewSecret(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	for range 100 {
		s := webhook.NewSecret()
		if !strings.HasPrefix(s, webhook.SecretPrefix) {
			t.Fatalf("NewSecret() = %q, want prefix %q", s, webhook.SecretPrefix)
		}
		key, err := webhook.ParseSecret(s)
		if err != nil {
			t.Fatalf("ParseSecret(NewSecret()): %v", err)
		}
		if len(key) != 32 {
			t.Fatalf("NewSecret() has %d key bytes, want 32", len(key))
		}
		if seen[s] {
			t.Fatalf("NewSecret() repeated %q", s)
		}
		seen[s] = true
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for name, tc := range map[string]struct {
		secret  string
		wantLen int    // when valid
		wantMsg string // when invalid: the whole message, to check it names no secret
	}{
		"prefixed":              {secret: vectorSecret, wantLen: 24},
		"bare base64":           {secret: strings.TrimPrefix(vectorSecret, "whsec_"), wantLen: 24},
		"64 bytes":              {secret: "whsec_" + b64(64), wantLen: 64},
		"newlines are skipped":  {secret: "whsec_" + b64(32) + "\n", wantLen: 32},
		"empty":                 {secret: "", wantMsg: "webhook: empty secret: invalid signing secret"},
		"prefix only":           {secret: "whsec_", wantMsg: "webhook: empty secret: invalid signing secret"},
		"23 bytes":              {secret: "whsec_" + b64(23), wantMsg: "webhook: secret has 23 bytes, want at least 24: invalid signing secret"},
		"not base64":            {secret: "whsec_not*base64*at*all*not*base64*at*all*", wantMsg: "webhook: secret is not base64 (illegal base64 data at input byte 3): invalid signing secret"},
		"URL-safe alphabet":     {secret: "whsec_" + strings.Repeat("-_", 16), wantMsg: "webhook: secret is not base64 (illegal base64 data at input byte 0): invalid signing secret"},
		"missing padding":       {secret: "whsec_" + strings.TrimRight(b64(25), "="), wantMsg: "webhook: secret is not base64 (illegal base64 data at input byte 32): invalid signing secret"},
		"other scheme prefix":   {secret: "whsk_" + b64(32), wantMsg: "webhook: secret is not base64 (illegal base64 data at input byte 4): invalid signing secret"},
		"doubled whsec_ prefix": {secret: "whsec_" + vectorSecret, wantMsg: "webhook: secret is not base64 (illegal base64 data at input byte 5): invalid signing secret"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			key, err := webhook.ParseSecret(tc.secret)
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("ParseSecret: %v", err)
				}
				if len(key) != tc.wantLen {
					t.Errorf("ParseSecret: %d bytes, want %d", len(key), tc.wantLen)
				}
				return
			}
			if !errors.Is(err, webhook.ErrInvalidSecret) {
				t.Fatalf("ParseSecret error = %v, want ErrInvalidSecret", err)
			}
			if diff := cmp.Diff(tc.wantMsg, err.Error()); diff != "" {
				t.Errorf("ParseSecret error (-want +got):\n%s", diff)
			}
		})
	}
}
