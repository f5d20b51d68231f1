package transform

import "encoding/json"

type rawJSON = json.RawMessage

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
