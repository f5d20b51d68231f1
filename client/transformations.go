package client

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
)

// Transformation is code run for endpoints (before signing) and sources
// (after verification); see docs/transformations.md.
type Transformation struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Language      string `json:"language"`
	LatestVersion int    `json:"latest_version"`
	// Version is the first version, in the answer to a create.
	Version *TransformationVersion `json:"version,omitempty"`
}

// TransformationVersion is one immutable version of a transformation.
type TransformationVersion struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
	Size    int    `json:"size"`
	Code    string `json:"code,omitempty"`
}

// CreateJSTransformation saves a JavaScript transformation (function
// handler(webhook) { … return webhook; }).
func (c *Client) CreateJSTransformation(ctx context.Context, name, code string, opts ...RequestOption) (*Transformation, error) {
	var out Transformation
	_, err := c.do(ctx, http.MethodPost, "/v1/transformations", nil, map[string]string{"name": name, "language": "javascript", "code": code}, &out, opts)
	return &out, err
}

// CreateWasmTransformation saves a WebAssembly transformation from the
// module's bytes (they may be gzip-compressed).
func (c *Client) CreateWasmTransformation(ctx context.Context, name string, module []byte, opts ...RequestOption) (*Transformation, error) {
	var out Transformation
	in := map[string]string{"name": name, "language": "wasm", "module_base64": base64.StdEncoding.EncodeToString(module)}
	_, err := c.do(ctx, http.MethodPost, "/v1/transformations", nil, in, &out, opts)
	return &out, err
}

// AttachTransformation runs a transformation for an endpoint (ep_…) or a
// source (src_…), at version (nil: always the latest).
func (c *Client) AttachTransformation(ctx context.Context, transformationID, targetID string, version *int, opts ...RequestOption) error {
	_, err := c.do(ctx, http.MethodPut, "/v1/transformations/"+url.PathEscape(transformationID)+"/attachments/"+url.PathEscape(targetID), nil,
		map[string]*int{"version": version}, nil, opts)
	return err
}
