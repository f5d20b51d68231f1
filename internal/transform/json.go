package transform

import (
	"encoding/base64"
	"encoding/json"
)

type rawJSON = json.RawMessage

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
