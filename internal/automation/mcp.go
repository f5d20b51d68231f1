package automation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay/patchbay/internal/audit"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// The MCP server: the catalog served to AI agents over the Streamable HTTP
// transport, protected as the registered resource <PatchbayURL>/mcp.

const (
	// eventsResourceURI is the event catalog as an MCP resource.
	eventsResourceURI = "patchbay://catalog/events"
	// triggerToolPrefix names each trigger's "recent events" tool; action
	// keys have no dot, so the names cannot clash.
	triggerToolPrefix = "events."
	// apiAnswerMax bounds what a tool call reads of the API's answer.
	apiAnswerMax   = 1 << 20
	apiCallTimeout = 30 * time.Second
)

// MCPResource is the MCP server's resource identifier (RFC 8707): the
// audience its tokens must have.
func (s *Service) MCPResource() string { return strings.TrimSuffix(s.opts.PatchbayURL, "/") + "/mcp" }

func (s *Service) mcpMetadataURL() string {
	return strings.TrimSuffix(s.opts.PatchbayURL, "/") + oauth.ResourceMetadataPath(s.MCPResource())
}

type mcpCallerKey struct{}

// verifyMCP accepts a user's access token bound to the MCP server's audience.
func (s *Service) verifyMCP(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
	info, err := s.oauth.Introspect(ctx, token, "access_token", "")
	if err != nil {
		return nil, err
	}
	if !info.Active || info.TokenUse != "access_token" || info.TeamID == "" || info.Subject == info.ClientID ||
		tenants.ValidID(info.TeamID) != "" || !slices.Contains(info.Audience, s.MCPResource()) {
		return nil, auth.ErrInvalidToken
	}
	c := Caller{AppID: info.AppID, ClientID: info.ClientID, UserID: info.Subject, TeamID: info.TeamID,
		Scopes: strings.Fields(info.Scope), Audience: info.Audience, Token: token}
	return &auth.TokenInfo{Scopes: c.Scopes, UserID: c.UserID, Expiration: time.Unix(info.ExpiresAt, 0), Extra: map[string]any{"caller": c}}, nil
}

// HandleMCP serves the MCP server.
func HandleMCP(s *Service, log *audit.Log) httpapi.Endpoint {
	var once sync.Once
	var guarded http.Handler
	return httpapi.Endpoint{
		Summary: "The MCP server (Streamable HTTP): the SaaS's actions and triggers as tools for AI agents",
		Description: "JSON-RPC over the Model Context Protocol's Streamable HTTP transport. Needs a user's access token whose audience " +
			"is this server (<public URL>/mcp, a registered OAuth resource); without one it answers 401 with WWW-Authenticate naming the " +
			"resource metadata. Tools: each exposed action whose scopes the token holds (called on the SaaS's API with a token " +
			"exchanged for the API's audience), and events.<trigger> listing the tenant's recent events; resource " + eventsResourceURI + ".",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() {
				h := mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server { return s.mcpServer(r, log) },
					&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: s.logger})
				guarded = auth.RequireBearerToken(s.verifyMCP, &auth.RequireBearerTokenOptions{ResourceMetadataURL: s.mcpMetadataURL()})(h)
			})
			guarded.ServeHTTP(w, r)
		}),
	}
}

func callerOfRequest(r *http.Request) (Caller, bool) {
	info := auth.TokenInfoFromContext(r.Context())
	if info == nil {
		return Caller{}, false
	}
	c, ok := info.Extra["caller"].(Caller)
	return c, ok
}

// mcpServer builds the server for one request: the tools its token's scopes
// allow, from the live catalog.
func (s *Service) mcpServer(r *http.Request, log *audit.Log) *mcp.Server {
	server := mcp.NewServer(&mcp.Implementation{Name: "patchbay-automation", Version: CatalogVersion}, &mcp.ServerOptions{Logger: s.logger})
	c, ok := callerOfRequest(r)
	if !ok {
		return server
	}
	cat, err := s.Catalog(r.Context())
	if err != nil {
		s.logger.Error("mcp: load the catalog", "error", err)
		return server
	}
	server.AddResource(&mcp.Resource{URI: eventsResourceURI, Name: "events", Title: cat.Product.Name + " events",
		Description: "The event types agents can list, with their schemas and samples", MIMEType: "application/json"},
		func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			b, err := json.MarshalIndent(cat.Triggers, "", "  ")
			if err != nil {
				return nil, err
			}
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: eventsResourceURI, MIMEType: "application/json", Text: string(b)}}}, nil
		})
	if s.opts.HooksScope == "" || slices.Contains(c.Scopes, s.opts.HooksScope) {
		for _, t := range cat.Triggers {
			s.addTriggerTool(server, t, log)
		}
	}
	if s.mcpApp == "" {
		return server
	}
	for _, a := range cat.Actions {
		if !containsAll(c.Scopes, a.Scopes) {
			continue // a client sees only what its token may do
		}
		s.addActionTool(server, a, log)
	}
	return server
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func toolError(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}

// audited records a tool call in the audit log under the token's client
// and user.
func (s *Service) audited(ctx context.Context, log *audit.Log, c Caller, tool string, status int, problem string) {
	if log == nil {
		return
	}
	e := audit.Event{ID: id.New("aud"), OccurredAt: time.Now().UTC().Truncate(time.Microsecond), APIKeyID: c.ClientID, UserID: c.UserID,
		Method: http.MethodPost, Route: "/mcp", ObjectID: tool, PathIDs: map[string]string{"tenant_id": c.TeamID, "tool": tool},
		Status: status, Outcome: audit.OutcomeSuccess, ProblemType: problem, RequestID: httpapi.RequestID(ctx)}
	if info := httpapi.InfoFrom(ctx); info != nil {
		e.OccurredAt = info.Start.UTC().Truncate(time.Microsecond)
		if info.ClientIP.IsValid() {
			e.ClientIP = info.ClientIP.String()
		}
	}
	if status >= 400 {
		e.Outcome = audit.OutcomeFailure
	}
	log.Add(e)
}

var recentInputSchema = json.RawMessage(`{"type":"object","properties":{` +
	`"limit":{"type":"integer","minimum":1,"maximum":100,"description":"How many events, newest first (default 20)."},` +
	`"cursor":{"type":"string","description":"The next_cursor of the previous page."}},"additionalProperties":false}`)

func (s *Service) addTriggerTool(server *mcp.Server, t Trigger, log *audit.Log) {
	name := triggerToolPrefix + t.Key
	server.AddTool(&mcp.Tool{Name: name, Title: "Recent: " + t.DisplayName,
		Description: "Lists the team's recent " + t.Key + " events, newest first. " + t.Description,
		InputSchema: recentInputSchema, Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			c, _ := req.Extra.TokenInfo.Extra["caller"].(Caller)
			var in struct {
				Limit  int    `json:"limit"`
				Cursor string `json:"cursor"`
			}
			if len(req.Params.Arguments) > 0 {
				if err := json.Unmarshal(req.Params.Arguments, &in); err != nil || in.Limit < 0 || in.Limit > httpapi.PageLimitMax {
					s.audited(ctx, log, c, name, http.StatusBadRequest, "")
					return toolError("limit must be an integer from 1 to 100 and cursor a string"), nil
				}
			}
			if err := s.allowed(ctx, c.TeamID, kindAgent); err != nil {
				s.audited(ctx, log, c, name, http.StatusForbidden, httpapi.ProblemTypeOf(err))
				return toolError(err.Error()), nil
			}
			page, err := pageOf(in.Limit, in.Cursor)
			if err != nil {
				s.audited(ctx, log, c, name, http.StatusBadRequest, "")
				return toolError(err.Error()), nil
			}
			list, err := s.recentEvents(ctx, c.TeamID, t.Key, page)
			if err != nil {
				s.audited(ctx, log, c, name, httpapi.StatusOf(err), httpapi.ProblemTypeOf(err))
				return toolError(err.Error()), nil
			}
			s.audited(ctx, log, c, name, http.StatusOK, "")
			b, _ := json.Marshal(list)
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil
		})
}

// pageOf makes a page from a tool's limit and cursor, as ParsePage would.
func pageOf(limit int, cursor string) (httpapi.Page, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	r, _ := http.NewRequest(http.MethodGet, "/?"+q.Encode(), nil)
	return httpapi.ParsePage(r)
}

func (s *Service) addActionTool(server *mcp.Server, a Action, log *audit.Log) {
	annotations := &mcp.ToolAnnotations{ReadOnlyHint: a.Search, IdempotentHint: a.Method == http.MethodGet || a.Method == http.MethodPut || a.Method == http.MethodDelete}
	server.AddTool(&mcp.Tool{Name: a.Key, Title: a.DisplayName, Description: a.Description, InputSchema: a.InputSchema, Annotations: annotations},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			c, _ := req.Extra.TokenInfo.Extra["caller"].(Caller)
			status, text, problem := s.callAction(ctx, c, a, req.Params.Arguments)
			s.audited(ctx, log, c, a.Key, status, problem)
			return &mcp.CallToolResult{IsError: status >= 400, Content: []mcp.Content{&mcp.TextContent{Text: text}}}, nil
		})
}

// callAction calls the SaaS's API for an action with a token exchanged for
// the API's audience (never the client's own token), and returns the
// answer's status and body.
func (s *Service) callAction(ctx context.Context, c Caller, a Action, rawArgs json.RawMessage) (int, string, string) {
	if err := s.allowed(ctx, c.TeamID, kindAgent); err != nil {
		return http.StatusForbidden, err.Error(), httpapi.ProblemTypeOf(err)
	}
	var args map[string]any
	if len(rawArgs) == 0 || string(rawArgs) == "null" {
		args = map[string]any{}
	} else if err := json.Unmarshal(rawArgs, &args); err != nil {
		return http.StatusBadRequest, "the arguments must be a JSON object", ""
	}
	if sch, msg := webhooks.CompileSchema(a.InputSchema); msg != "" {
		return http.StatusInternalServerError, "the action's input schema does not compile", ""
	} else if err := sch.Validate(jsonNumbers(rawArgs, args)); err != nil {
		return http.StatusBadRequest, "the arguments do not match the input schema: " + err.Error(), ""
	}
	token, err := s.oauth.ExchangeFor(ctx, s.mcpApp, c.Token, s.opts.audience(), a.Scopes)
	if err != nil {
		s.logger.Warn("mcp: token exchange failed", "action", a.Key, "error", err)
		return http.StatusBadGateway, "could not obtain a token for the API: " + err.Error(), ""
	}
	req, err := buildActionRequest(ctx, a, args)
	if err != nil {
		return http.StatusBadRequest, err.Error(), ""
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if a.Idempotency == "key" {
		req.Header.Set("Idempotency-Key", id.New("mcp"))
	}
	ctx, cancel := context.WithTimeout(ctx, apiCallTimeout)
	defer cancel()
	resp, err := s.api.Do(req.WithContext(ctx))
	if err != nil {
		return http.StatusBadGateway, "the API could not be reached", ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, apiAnswerMax+1))
	if err != nil {
		return http.StatusBadGateway, "the API's answer could not be read", ""
	}
	if len(body) > apiAnswerMax {
		return http.StatusBadGateway, fmt.Sprintf("the API's answer is over %d bytes", apiAnswerMax), ""
	}
	text := string(body)
	if resp.StatusCode >= 400 {
		text = fmt.Sprintf("the API answered %d: %s", resp.StatusCode, text)
	}
	return resp.StatusCode, text, ""
}

// jsonNumbers decodes raw again with numbers kept as json.Number, which the
// schema validator wants; args is the fallback.
func jsonNumbers(raw json.RawMessage, args map[string]any) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if len(raw) == 0 || dec.Decode(&v) != nil {
		return args
	}
	return v
}

// buildActionRequest fills an action's URL template, query and body from
// its arguments.
func buildActionRequest(ctx context.Context, a Action, args map[string]any) (*http.Request, error) {
	u := a.URLTemplate
	query := url.Values{}
	body := map[string]any{}
	for _, f := range a.Fields {
		v, ok := args[f.Key]
		if !ok {
			continue
		}
		switch f.In {
		case "path":
			u = strings.ReplaceAll(u, "{"+f.Key+"}", url.PathEscape(scalarText(v)))
		case "query":
			if arr, ok := v.([]any); ok {
				for _, x := range arr {
					query.Add(f.Key, scalarText(x))
				}
			} else {
				query.Set(f.Key, scalarText(v))
			}
		default:
			body[f.Key] = v
		}
	}
	if strings.Contains(u, "{") {
		return nil, errors.New("a path field is missing")
	}
	if len(query) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + query.Encode()
	}
	var r io.Reader
	if a.Method != http.MethodGet && a.Method != http.MethodDelete {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, a.Method, u, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return fmt.Sprint(v)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
