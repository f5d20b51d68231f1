package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/id"
)

type widgetRequest struct {
	Name string `json:"name"`
}

func (req widgetRequest) Valid(context.Context) map[string]string {
	if req.Name == "" {
		return map[string]string{"name": "is required"}
	}
	return nil
}

type widget struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type answer struct {
	status      int
	contentType string
	body        string
}

// call sends one request through e, served on loopback, with the server's
// body limit as Patchbay's observe middleware sets it.
func call(t *testing.T, e Endpoint, method, target, body string) answer {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
		r.SetPathValue("widget_id", strings.TrimPrefix(r.URL.Path, "/widgets/"))
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), strings.TrimSpace(string(b))}
}

// problemFields is the field problems of a problem document.
func problemFields(t *testing.T, a answer) map[string]string {
	t.Helper()
	if a.contentType != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body %s", a.contentType, a.body)
	}
	var p Problem
	if err := json.Unmarshal([]byte(a.body), &p); err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, f := range p.Errors {
		fields[f.Field] = f.Detail
	}
	return fields
}

func TestHandleDecodesAndEncodes(t *testing.T) {
	t.Parallel()
	e := Handle(Op[widgetRequest, widget]{
		Summary: "Create a widget", Status: http.StatusCreated, Secret: true,
		Do: func(r *http.Request, in widgetRequest) (widget, error) {
			if in.Name == "taken" {
				return widget{}, apperr.Errorf(apperr.Conflict, "the name is taken")
			}
			return widget{ID: "wid_1", Name: in.Name}, nil
		},
	})

	got := call(t, e, http.MethodPost, "/widgets", `{"name":"left"}`)
	if diff := cmp.Diff(answer{http.StatusCreated, "application/json", `{"id":"wid_1","name":"left"}`}, got, cmp.AllowUnexported(answer{})); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		body       string
		wantStatus int
		wantFields map[string]string
	}{
		{`{}`, http.StatusBadRequest, map[string]string{"name": "is required"}}, // Valid
		{`{"name":"a","colour":1}`, http.StatusBadRequest, map[string]string{"colour": "unknown field"}},
		{`{"name":3}`, http.StatusBadRequest, map[string]string{"name": "must be a string"}},
		{`{"name":"` + strings.Repeat("a", 2000) + `"}`, http.StatusRequestEntityTooLarge, map[string]string{}},
	} {
		got := call(t, e, http.MethodPost, "/widgets", tc.body)
		if got.status != tc.wantStatus {
			t.Errorf("body %.40s: status %d, want %d", tc.body, got.status, tc.wantStatus)
		}
		if diff := cmp.Diff(tc.wantFields, problemFields(t, got)); diff != "" {
			t.Errorf("body %.40s: field problems (-want +got):\n%s", tc.body, diff)
		}
	}

	if got := call(t, e, http.MethodPost, "/widgets", `{"name":"taken"}`); got.status != http.StatusConflict || !strings.Contains(got.body, "the name is taken") {
		t.Errorf("Do's error answered %d %s, want 409 with its message", got.status, got.body)
	}

	if diff := cmp.Diff(Endpoint{Summary: "Create a widget", Status: http.StatusCreated, Secret: true, Request: widgetRequest{}, Response: widget{}},
		e, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Handler" }, cmp.Ignore())); diff != "" {
		t.Errorf("documented endpoint (-want +got):\n%s", diff)
	}
}

// TestHandleReadsPathAndQuery: Do reads path and query parameters with the
// shared helpers, and their problems are answered like the body's.
func TestHandleReadsPathAndQuery(t *testing.T) {
	t.Parallel()
	rows := []widget{{ID: "wid_1"}, {ID: "wid_2"}, {ID: "wid_3"}}
	list := Handle(Op[NoBody, List[widget]]{
		Summary: "List widgets", Query: PageParams,
		Do: func(r *http.Request, _ NoBody) (List[widget], error) {
			p, err := ParsePage(r)
			if err != nil {
				return List[widget]{}, err
			}
			return NewList(p, rows[:min(p.Limit+1, len(rows))], func(w widget) string { return w.ID }), nil
		},
	})
	got := call(t, list, http.MethodGet, "/widgets?limit=2", "")
	var page List[widget]
	if err := json.Unmarshal([]byte(got.body), &page); err != nil || got.status != http.StatusOK {
		t.Fatalf("list: %d %s (%v)", got.status, got.body, err)
	}
	if diff := cmp.Diff([]widget{{ID: "wid_1"}, {ID: "wid_2"}}, page.Data); diff != "" || page.NextCursor == "" {
		t.Errorf("page (-want +got):\n%s\nnext cursor %q", diff, page.NextCursor)
	}
	got = call(t, list, http.MethodGet, "/widgets?limit=0", "")
	if diff := cmp.Diff(map[string]string{"limit": "must be an integer from 1 to 100"}, problemFields(t, got)); diff != "" || got.status != http.StatusBadRequest {
		t.Errorf("bad limit: status %d, problems (-want +got):\n%s", got.status, diff)
	}
	if list.Request != nil || list.Response == nil || reflect.TypeOf(list.Response) != reflect.TypeFor[List[widget]]() {
		t.Errorf("list documents request %T and response %T, want none and List[widget]", list.Request, list.Response)
	}

	get := Handle(Op[NoBody, widget]{
		Do: func(r *http.Request, _ NoBody) (widget, error) {
			id, err := PathID(r, "widget_id", "wid")
			return widget{ID: id}, err
		},
	})
	if got := call(t, get, http.MethodGet, "/widgets/nope", ""); got.status != http.StatusBadRequest || !strings.Contains(got.body, `"field":"widget_id"`) {
		t.Errorf("bad path ID answered %d %s, want 400 naming widget_id", got.status, got.body)
	}
	// NoBody reads nothing: a body sent anyway is not decoded.
	if got := call(t, get, http.MethodGet, "/widgets/"+id.New("wid"), "not json"); got.status != http.StatusOK {
		t.Errorf("NoBody with a body sent: %d %s, want 200", got.status, got.body)
	}
}

func TestHandleNoContent(t *testing.T) {
	t.Parallel()
	var deleted string
	del := Handle(Op[NoBody, NoContent]{
		Do: func(r *http.Request, _ NoBody) (NoContent, error) {
			deleted = r.PathValue("widget_id")
			return NoContent{}, nil
		},
	})
	if diff := cmp.Diff(answer{status: http.StatusNoContent}, call(t, del, http.MethodDelete, "/widgets/wid_1", ""), cmp.AllowUnexported(answer{})); diff != "" || deleted != "wid_1" {
		t.Errorf("delete (-want +got):\n%s\ndeleted %q", diff, deleted)
	}
	if del.Status != http.StatusNoContent || del.Response != nil || del.Request != nil {
		t.Errorf("delete documents status %d, request %T, response %T; want 204 and no bodies", del.Status, del.Request, del.Response)
	}

	accept := Handle(Op[widgetRequest, NoContent]{Status: http.StatusAccepted,
		Do: func(*http.Request, widgetRequest) (NoContent, error) { return NoContent{}, nil }})
	if got := call(t, accept, http.MethodPost, "/widgets", `{"name":"a"}`); got.status != http.StatusAccepted || got.body != "" {
		t.Errorf("accepted without a body: %d %q", got.status, got.body)
	}
}

func TestHandleOptionalBody(t *testing.T) {
	t.Parallel()
	e := Handle(Op[widgetRequest, widget]{
		OptionalBody: true,
		Do: func(_ *http.Request, in widgetRequest) (widget, error) {
			return widget{Name: in.Name}, nil
		},
	})
	if got := call(t, e, http.MethodPost, "/widgets", ""); got.status != http.StatusOK || got.body != `{"id":"","name":""}` {
		t.Errorf("no body: %d %s, want the zero value's answer", got.status, got.body)
	}
	if got := call(t, e, http.MethodPost, "/widgets", `{"name":"b"}`); got.body != `{"id":"","name":"b"}` {
		t.Errorf("with a body: %d %s", got.status, got.body)
	}
	if got := call(t, e, http.MethodPost, "/widgets", `{}`); got.status != http.StatusBadRequest {
		t.Errorf("a body given is validated: %d %s, want 400", got.status, got.body)
	}
	if !e.OptionalBody {
		t.Error("the endpoint does not document its body as optional")
	}
}

func TestHandleUpsert(t *testing.T) {
	t.Parallel()
	e := Handle(Op[widgetRequest, Upsert[widget]]{
		Do: func(_ *http.Request, in widgetRequest) (Upsert[widget], error) {
			return Upsert[widget]{Value: widget{Name: in.Name}, Created: in.Name == "new"}, nil
		},
	})
	for name, status := range map[string]int{"new": http.StatusCreated, "old": http.StatusOK} {
		want := answer{status, "application/json", `{"id":"","name":"` + name + `"}`}
		if diff := cmp.Diff(want, call(t, e, http.MethodPut, "/widgets/wid_1", `{"name":"`+name+`"}`), cmp.AllowUnexported(answer{})); diff != "" {
			t.Errorf("put %s (-want +got):\n%s", name, diff)
		}
	}
	if !e.MayCreate || e.Status != http.StatusOK || reflect.TypeOf(e.Response) != reflect.TypeFor[widget]() {
		t.Errorf("documents MayCreate %v, status %d, response %T; want true, 200, widget", e.MayCreate, e.Status, e.Response)
	}
}

func TestHandleRefusesInterfaceBodies(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Handle accepted an interface-typed Out, which the document cannot describe")
		}
	}()
	Handle(Op[NoBody, any]{Do: func(*http.Request, NoBody) (any, error) { return nil, nil }})
}
