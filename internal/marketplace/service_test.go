package marketplace

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"net/http"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// fakeIntegrations is connect as far as integration listings need it.
type fakeIntegrations struct{}

func (fakeIntegrations) Integration(_ context.Context, id string) (connect.Integration, error) {
	if id == "int_missing" {
		return connect.Integration{}, apperr.Errorf(apperr.NotFound, "no")
	}
	return connect.Integration{ID: id, ProviderID: "fake", Scopes: []string{"read"}}, nil
}
func (fakeIntegrations) ProviderInfo(string) connect.ProviderInfo { return connect.ProviderInfo{} }
func (fakeIntegrations) CreateSession(context.Context, connect.NewSession) (connect.CreatedSession, error) {
	return connect.CreatedSession{}, nil
}
func (fakeIntegrations) DeleteConnection(context.Context, string) error { return nil }

type bundle struct {
	db  *store.DB
	svc *Service
}

func setup(t *testing.T, d storetest.Dialect) *bundle {
	t.Helper()
	db := d.Open(t)
	svc := NewService(db, Deps{Integrations: fakeIntegrations{}})
	if _, _, err := svc.PutCategory(t.Context(), "crm", CategoryRequest{Name: "CRM"}); err != nil {
		t.Fatal(err)
	}
	return &bundle{db: db, svc: svc}
}

var admin = Actor{Type: ActorAdmin, ID: "key_1"}

func ptr[T any](v T) *T { return &v }

// publish creates an integration listing and takes it to published.
func (b *bundle) publish(t *testing.T, slug, name, tagline, description string, tags ...string) Listing {
	t.Helper()
	ctx := t.Context()
	icon := "/assets/" + fmt.Sprintf("%064x", 1) + ".png"
	l, err := b.svc.CreateListing(ctx, admin, NewListing{Kind: KindIntegration, Slug: slug, IntegrationID: "int_" + slug, DeveloperName: "Acme",
		ContentPatch: ContentPatch{Name: &name, Tagline: &tagline, Description: &description, Categories: &[]string{"crm"}, Tags: &tags,
			IconURL: &icon, PrivacyURL: ptr("https://acme.example/p"), TermsURL: ptr("https://acme.example/t"), SupportEmail: ptr("help@acme.example"),
			ScopeJustifications: &map[string]string{"read": "to read"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{ActionSubmit, ActionApprove, ActionPublish} {
		if l, err = b.svc.Transition(ctx, admin, l.ID, TransitionRequest{Action: action}); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	return l
}

func slugs(ls []Listing) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, l.Slug)
	}
	return out
}

// TestDirectorySearch: full-text search finds words, stems and prefixes on
// both stores, the same listings on each; it ignores drafts; hostile query
// text is only words; and every sort pages through everything exactly once.
func TestDirectorySearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		b.publish(t, "ledger", "Ledger", "Accounting for small teams", "Reconcile invoices and payments every night.", "accounting")
		b.publish(t, "calendly", "Calendar Sync", "Two-way calendar syncing", "Keeps meetings in step with your schedule.", "calendar")
		b.publish(t, "helpdesk", "Helpdesk", "Support tickets in one place", "Answer customers from email and chat.", "support", "tickets")
		// A draft is never found.
		draftName := "Invoice Draft"
		if _, err := b.svc.CreateListing(ctx, admin, NewListing{Kind: KindIntegration, Slug: "draft", IntegrationID: "int_draft", DeveloperName: "Acme",
			ContentPatch: ContentPatch{Name: &draftName}}); err != nil {
			t.Fatal(err)
		}
		search := func(q string) []string {
			t.Helper()
			list, err := b.svc.List(ctx, Actor{}, ListFilter{Query: q, States: []string{StatePublished}, Page: httpapi.Page{Limit: 20}}, "team_1")
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			got := slugs(list.Data)
			slices.Sort(got)
			return got
		}
		for q, want := range map[string][]string{
			"invoices":                  {"ledger"},
			"invoice":                   {"ledger"}, // stemmed
			"calend":                    {"calendly"},
			"sync":                      {"calendly"},
			"tickets support":           {"helpdesk"},
			"accounting":                {"ledger"},
			"nothing-like-this":         {},
			`" OR 1=1 --`:               {},
			`*:() & | ! ' NEAR( "x" ^`:  {},
			"\x00\xff":                  {},
			"chat email customers from": {"helpdesk"},
		} {
			if diff := cmp.Diff(want, search(q)); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", q, diff)
			}
		}
		// Sorts and paging: every listing once, in order.
		for _, sort := range []string{"popular", "rating", "newest", "relevance"} {
			var seen []string
			page := httpapi.Page{Limit: 1}
			q := ""
			if sort == "relevance" {
				q = "a" // a prefix of a word of each
			}
			for range 10 {
				list, err := b.svc.List(ctx, Actor{}, ListFilter{Query: q, Sort: sort, States: []string{StatePublished}, Page: page}, "team_1")
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, slugs(list.Data)...)
				if list.NextCursor == "" {
					break
				}
				page.After = decodeCursor(t, list.NextCursor)
			}
			want := 3
			if len(seen) != want || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != want {
				t.Errorf("sort %s paged through %v", sort, seen)
			}
		}
	})
}

func decodeCursor(t *testing.T, c string) string {
	t.Helper()
	p, err := httpapi.ParsePage(requestWithQuery("cursor=" + c))
	if err != nil {
		t.Fatal(err)
	}
	return p.After
}

// TestWorkflowRules: who may do what from which state, notes where they are
// required, and a published listing's revision leaves the live version be.
func TestWorkflowRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d)
		ctx := t.Context()
		l := b.publish(t, "ledger", "Ledger", "Accounting for small teams", "Reconcile invoices and payments every night.")
		reviewer := Actor{Type: ActorReviewer, ID: "u_rev"}
		developer := Actor{Type: ActorDeveloper, ID: "u_dev", TeamID: "devteam"}
		for _, c := range []struct {
			who    Actor
			action string
			note   string
			code   apperr.Code
		}{
			{admin, ActionSubmit, "", apperr.Conflict},    // no revision
			{admin, ActionReinstate, "", apperr.Conflict}, // not suspended
			{admin, ActionSuspend, "", apperr.Invalid},    // note required
			{reviewer, ActionSubmit, "", apperr.Forbidden},
			{developer, ActionUnlist, "", apperr.NotFound}, // not its team's
			{reviewer, ActionUnlist, "", ""},
			{admin, ActionRelist, "", ""},
			{reviewer, ActionSuspend, "spam", ""},
			{admin, ActionReinstate, "", ""},
		} {
			_, err := b.svc.Transition(ctx, c.who, l.ID, TransitionRequest{Action: c.action, Note: c.note})
			if got := apperr.CodeOf(err); got != c.code && !(c.code == "" && err == nil) {
				t.Errorf("%s by %s: %v, want %q", c.action, c.who.Type, err, c.code)
			}
		}
		tag := "New tagline"
		l, err := b.svc.UpdateListing(ctx, admin, l.ID, ContentPatch{Tagline: &tag}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if l.State != StatePublished || l.RevisionState != StateDraft || l.Content.Tagline != "Accounting for small teams" || l.Revision.Content.Tagline != tag {
			t.Errorf("revision of a published listing: %+v", l)
		}
		for _, action := range []string{ActionSubmit, ActionApprove} {
			if l, err = b.svc.Transition(ctx, admin, l.ID, TransitionRequest{Action: action}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.svc.UpdateListing(ctx, admin, l.ID, ContentPatch{Tagline: &tag}, nil); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("editing an approved revision: %v, want a conflict", err)
		}
		if l, err = b.svc.Transition(ctx, admin, l.ID, TransitionRequest{Action: ActionPublish}); err != nil {
			t.Fatal(err)
		}
		if l.Content.Tagline != tag || l.Version != 2 || l.Revision != nil {
			t.Errorf("after publishing the revision: %+v", l)
		}
		log, err := b.svc.Transitions(ctx, admin, l.ID, httpapi.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, tr := range log.Data {
			actions = append(actions, tr.Action)
		}
		want := []string{"create", "submit", "approve", "publish", "unlist", "relist", "suspend", "reinstate", "submit", "approve", "publish"}
		if diff := cmp.Diff(want, actions); diff != "" {
			t.Errorf("log (-want +got):\n%s", diff)
		}
		revs, err := b.svc.Revisions(ctx, admin, l.ID, httpapi.Page{Limit: 10})
		if err != nil || len(revs.Data) != 2 || revs.Data[0].State != StatePublished || revs.Data[1].State != "superseded" {
			t.Errorf("revisions: %+v %v", revs.Data, err)
		}
	})
}

// TestContentValidation: the shapes a listing's content may have.
func TestContentValidation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		patch ContentPatch
		field string
	}{
		{ContentPatch{Name: ptr("")}, "name"},
		{ContentPatch{Tagline: ptr(string(make([]rune, 121)))}, "tagline"},
		{ContentPatch{IconURL: ptr("https://evil.example/x.png")}, "icon_url"},
		{ContentPatch{IconURL: ptr("/assets/../../etc/passwd")}, "icon_url"},
		{ContentPatch{Screenshots: &[]Screenshot{{URL: "javascript:alert(1)"}}}, "screenshots/0/url"},
		{ContentPatch{Screenshots: ptr(make([]Screenshot, 7))}, "screenshots"},
		{ContentPatch{Categories: &[]string{"a", "a"}}, "categories/1"},
		{ContentPatch{Tags: &[]string{"Not A Tag"}}, "tags/0"},
		{ContentPatch{WebsiteURL: ptr("javascript:alert(1)")}, "website_url"},
		{ContentPatch{SupportEmail: ptr("not an email")}, "support_email"},
		{ContentPatch{Languages: &[]string{"english!"}}, "languages/0"},
		{ContentPatch{ScopeJustifications: &map[string]string{"read": string(make([]byte, 501))}}, "scope_justifications/read"},
		{ContentPatch{Description: ptr("\x00")}, "description"},
	} {
		if got := c.patch.Valid(context.Background()); got[c.field] == "" {
			t.Errorf("Valid(%+v) = %v, want a problem with %s", c.patch, got, c.field)
		}
	}
	ok := ContentPatch{Name: ptr("Ledger"), WebsiteURL: ptr("https://ledger.example"), Tags: &[]string{"accounting", "b2b"},
		Languages: &[]string{"en", "pt-BR"}, SupportEmail: ptr("help@ledger.example")}
	if got := ok.Valid(context.Background()); len(got) != 0 {
		t.Errorf("Valid(good content) = %v", got)
	}
	ch := checksOf(Content{Name: "x", WebsiteURL: "http://x.example"}, []string{"read"}, nil, true)
	var fields []string
	for _, p := range ch.Problems {
		fields = append(fields, p.Field)
	}
	want := []string{"app_id", "categories", "description", "icon_url", "privacy_url", "scope_justifications/read", "support_url", "tagline", "terms_url", "website_url"}
	if diff := cmp.Diff(want, fields); diff != "" || ch.OK {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
}

func requestWithQuery(q string) *http.Request {
	r, _ := http.NewRequest("GET", "/?"+q, nil)
	return r
}
