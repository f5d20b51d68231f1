package main

import (
	"bytes"
	"encoding/json"
	"html"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
	"github.com/patchbay/patchbay/webhook"
)

// mpListing is what the tests read of a listing.
type mpListing struct {
	ID            string
	Slug          string
	Kind          string
	State         string
	RevisionState string `json:"revision_state"`
	Version       int
	TeamID        string `json:"team_id"`
	InstallCount  int    `json:"install_count"`
	Installed     bool
	Content       struct {
		Name            string
		Tagline         string
		Description     string
		DescriptionHTML string `json:"description_html"`
		IconURL         string `json:"icon_url"`
	}
	Revision *struct {
		Number int
		State  string
	}
	DataAccess []struct{ Scope, Description, Justification string } `json:"data_access"`
	Rating     struct {
		Average      float64
		Count        int
		Distribution map[string]int
	}
	Installation *struct{ ID, Status string }
}

// mpDo calls an embed route with a token and checks the status.
func mpDo(t *testing.T, e *env, token, method, path, body string, want int) []byte {
	t.Helper()
	resp, b := embedDo(t, e, token, embedOrigin, method, path, body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	return b
}

// adminDo calls an admin route and checks the status.
func adminDo(t *testing.T, e *env, method, path, body string, want int) []byte {
	t.Helper()
	resp, b := e.do(t, method, path, body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	return b
}

func mintCaps(t *testing.T, e *env, tenant, user, caps string) string {
	t.Helper()
	token, _ := mintEmbed(t, e, `{"tenant_id":"`+tenant+`","user_id":"`+user+`","user_name":"`+user+` Name","capabilities":[`+caps+`],"allowed_origins":["`+embedOrigin+`"]}`)
	return token
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload sends raw image bytes to an embed images route.
func upload(t *testing.T, e *env, token, path, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", e.node.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Origin", embedOrigin)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// eventsOf returns the types of the events a receiver got, each verified
// with secret when it is not empty.
func eventsOf(t *testing.T, rc *receiver, secret string) ([]string, []map[string]any) {
	t.Helper()
	var types []string
	var data []map[string]any
	for _, r := range rc.requests() {
		if secret != "" {
			if err := webhook.Verify(secret, r.Header, r.Body); err != nil {
				t.Errorf("event does not verify: %v\n%s", err, r.Body)
			}
		}
		var ev struct {
			Type string
			Data map[string]any
		}
		if err := json.Unmarshal(r.Body, &ev); err != nil {
			t.Fatalf("event body %s: %v", r.Body, err)
		}
		types = append(types, ev.Type)
		data = append(data, ev.Data)
	}
	return types, data
}

// TestMarketplaceAppEndToEnd is the loop on both stores: a developer
// team creates an app and its listing through its embed token, submits it; a
// reviewer requests changes, the developer fixes and resubmits, it is
// approved and published; a user of another team finds it, installs it
// through the real OAuth flow (login delegation, consent), the app receives
// app.installed, signed, and its token works; the user reviews it, the
// developer replies; the user uninstalls, every token dies at once and the
// app receives app.uninstalled; the count goes up and down. Hostile uploads
// and Markdown are neutralised, and another team never sees the drafts.
func TestMarketplaceAppEndToEnd(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		ops := newReceiver(t, nil)
		o := setupOAuth(t, d, append(slices.Clone(webhookArgs), "--operational-webhook-url", ops.URL)...)
		e := o.env
		for _, team := range []string{"devteam", "rival", "team_1"} {
			adminDo(t, e, "PUT", "/v1/tenants/"+team, `{"name":"Team `+team+`"}`, http.StatusCreated)
		}
		adminDo(t, e, "PUT", "/v1/marketplace/categories/productivity", `{"name":"Productivity","position":1}`, http.StatusCreated)
		dev := mintCaps(t, e, "devteam", "dana", `"developer"`)
		rival := mintCaps(t, e, "rival", "rick", `"developer","marketplace"`)

		// The developer registers an app and its lifecycle webhook.
		appBody := mpDo(t, e, dev, "POST", "/embed/v1/developer/apps", `{"name":"Timely","redirect_uris":["`+callbackURI+`"],
			"scopes":["read:projects"],"token_exchange":true}`, http.StatusBadRequest)
		if !strings.Contains(string(appBody), "token_exchange") {
			t.Errorf("a developer may not ask for token exchange: %s", appBody)
		}
		app := decodeJSON[struct {
			ID           string
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			TeamID       string `json:"team_id"`
		}](t, mpDo(t, e, dev, "POST", "/embed/v1/developer/apps", `{"name":"Timely","redirect_uris":["`+callbackURI+`"],"scopes":["read:projects"]}`, http.StatusCreated))
		if app.TeamID != "devteam" || app.ClientSecret == "" {
			t.Fatalf("developer app: %+v", app)
		}
		mpDo(t, e, rival, "GET", "/embed/v1/developer/apps/"+app.ID, "", http.StatusNotFound)
		appHook := newReceiver(t, nil)
		hook := decodeJSON[struct{ URL, Secret string }](t, mpDo(t, e, dev, "PUT", "/embed/v1/developer/apps/"+app.ID+"/webhook", `{"url":"`+appHook.URL+`/hooks"}`, http.StatusCreated))
		if !strings.HasPrefix(hook.Secret, "whsec_") {
			t.Fatalf("lifecycle webhook secret %q", hook.Secret)
		}
		mpDo(t, e, rival, "PUT", "/embed/v1/developer/apps/"+app.ID+"/webhook", `{"url":"`+appHook.URL+`/x"}`, http.StatusNotFound)

		// The listing, with a hostile description.
		l := decodeJSON[mpListing](t, mpDo(t, e, dev, "POST", "/embed/v1/developer/listings", `{"kind":"app","slug":"timely","app_id":"`+app.ID+`",
			"developer_name":"Timely Ltd","name":"Timely","tagline":"Track time on projects",
			"description":"Track **time**.<script>alert(1)</script> [x](javascript:alert(1)) ![t](https://evil.example/t.png) [docs](https://timely.example/docs)"}`,
			http.StatusCreated))
		if l.State != "draft" || l.TeamID != "devteam" || l.Revision == nil || l.Revision.Number != 1 {
			t.Fatalf("new listing: %+v", l)
		}
		if h := strings.ToLower(l.Content.DescriptionHTML); strings.Contains(h, "<script") || strings.Contains(h, "javascript:") || strings.Contains(h, "<img") ||
			!strings.Contains(h, `<a href="https://timely.example/docs" rel="noopener nofollow">docs</a>`) {
			t.Errorf("description rendered unsafely: %s", l.Content.DescriptionHTML)
		}
		base := "/embed/v1/developer/listings/" + l.ID
		mpDo(t, e, dev, "POST", "/embed/v1/developer/listings", `{"kind":"app","slug":"timely","app_id":"`+app.ID+`","developer_name":"X"}`, http.StatusConflict)
		mpDo(t, e, rival, "POST", "/embed/v1/developer/listings", `{"kind":"app","slug":"stolen","app_id":"`+app.ID+`","developer_name":"X"}`, http.StatusBadRequest)

		// Uploads: hostile ones are refused or served inert.
		for _, bad := range []struct {
			name, contentType string
			body              []byte
			status            int
		}{
			{"svg with script", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 400},
			{"svg with handler", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 400},
			{"html called png", "image/png", []byte(`<html><script>alert(1)</script></html>`), 400},
			{"gif", "image/png", []byte("GIF89a/*<script>alert(1)</script>*/"), 400},
			{"oversized", "image/png", append(pngImage(t), make([]byte, 300<<10)...), 413},
		} {
			if resp, b := upload(t, e, dev, base+"/images", bad.contentType, bad.body); resp.StatusCode != bad.status {
				t.Errorf("upload %s: %d %s, want %d", bad.name, resp.StatusCode, b, bad.status)
			}
		}
		polyglot := append(pngImage(t), []byte("<html><script>alert(1)</script></html>")...)
		resp, b := upload(t, e, dev, base+"/images", "image/png", polyglot)
		if resp.StatusCode != 200 {
			t.Fatalf("polyglot png: %d %s", resp.StatusCode, b)
		}
		poly := decodeJSON[struct{ URL string }](t, b)
		if served, err := http.Get(e.node.URL + poly.URL); err != nil || served.Header.Get("Content-Type") != "image/png" ||
			served.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("polyglot served as %v %v", served.Header, err)
		}
		if resp, b := upload(t, e, rival, "/embed/v1/developer/listings/"+l.ID+"/images", "image/png", pngImage(t)); resp.StatusCode != 404 {
			t.Errorf("another team's upload: %d %s", resp.StatusCode, b)
		}
		resp, b = upload(t, e, dev, base+"/images", "image/png", pngImage(t))
		if resp.StatusCode != 200 {
			t.Fatalf("icon: %d %s", resp.StatusCode, b)
		}
		iconURL := decodeJSON[struct{ URL string }](t, b).URL

		// Submission checks: what is missing is named.
		mpDo(t, e, dev, "PATCH", base, `{"icon_url":"`+iconURL+`","categories":["productivity"],"privacy_url":"http://timely.example/privacy",
			"terms_url":"https://timely.example/terms","support_email":"help@timely.example","tags":["time","billing"]}`, 200)
		mpDo(t, e, dev, "PATCH", base, `{"categories":["nope"]}`, 400)
		checks := decodeJSON[struct {
			OK       bool
			Problems []struct{ Field string }
		}](t, mpDo(t, e, dev, "GET", base+"/checks", "", 200))
		var fields []string
		for _, p := range checks.Problems {
			fields = append(fields, p.Field)
		}
		if checks.OK || !slices.Equal(fields, []string{"privacy_url", "scope_justifications/read:projects"}) {
			t.Errorf("checks: %+v", checks)
		}
		resp, b = embedDo(t, e, dev, embedOrigin, "POST", base+"/transitions", `{"action":"submit"}`)
		wantEmbedProblem(t, "submit before the checks pass", resp, b, 422, "checks_failed")
		mpDo(t, e, dev, "PATCH", base, `{"privacy_url":"https://timely.example/privacy","scope_justifications":{"read:projects":"To list the projects you track time on"}}`, 200)
		l = decodeJSON[mpListing](t, mpDo(t, e, dev, "POST", base+"/transitions", `{"action":"submit"}`, 200))
		if l.State != "submitted" {
			t.Fatalf("after submitting: %+v", l)
		}
		resp, b = embedDo(t, e, dev, embedOrigin, "POST", base+"/transitions", `{"action":"approve"}`)
		wantEmbedProblem(t, "a developer approving", resp, b, 403, "action_not_allowed")
		resp, b = embedDo(t, e, dev, embedOrigin, "PATCH", base, `{"tagline":"x"}`)
		wantEmbedProblem(t, "editing a submitted revision", resp, b, 409, "revision_locked")

		// Another team sees nothing of it: not in its console, not in the
		// directory.
		mpDo(t, e, rival, "GET", base, "", 404)
		if got := decodeJSON[struct{ Data []mpListing }](t, mpDo(t, e, rival, "GET", "/embed/v1/developer/listings", "", 200)).Data; len(got) != 0 {
			t.Errorf("another team's console lists %+v", got)
		}
		if got := decodeJSON[struct{ Data []mpListing }](t, mpDo(t, e, rival, "GET", "/embed/v1/marketplace/listings?q=timely", "", 200)).Data; len(got) != 0 {
			t.Errorf("the directory shows a draft: %+v", got)
		}
		mpDo(t, e, rival, "GET", "/embed/v1/marketplace/listings/timely", "", 404)

		// Review: changes requested, fixed, resubmitted, approved, published.
		admin := "/v1/marketplace/listings/" + l.ID
		queue := decodeJSON[struct{ Data []mpListing }](t, adminDo(t, e, "GET", "/v1/marketplace/listings?state=submitted,in_review", "", 200)).Data
		if len(queue) != 1 || queue[0].ID != l.ID {
			t.Errorf("review queue: %+v", queue)
		}
		adminDo(t, e, "POST", admin+"/transitions", `{"action":"start_review"}`, 200)
		adminDo(t, e, "POST", admin+"/transitions", `{"action":"request_changes"}`, 400)
		l = decodeJSON[mpListing](t, adminDo(t, e, "POST", admin+"/transitions", `{"action":"request_changes","note":"Say what data you export"}`, 200))
		if l.State != "changes_requested" {
			t.Fatalf("after requesting changes: %+v", l)
		}
		log := decodeJSON[struct {
			Data []struct {
				Action, Note string
				ActorType    string `json:"actor_type"`
			}
		}](t, mpDo(t, e, dev, "GET", base+"/transitions", "", 200)).Data
		if len(log) != 4 || log[3].Action != "request_changes" || log[3].Note != "Say what data you export" || log[3].ActorType != "admin" {
			t.Errorf("the developer's log: %+v", log)
		}
		mpDo(t, e, dev, "PATCH", base, `{"description":"Track **time** on projects. We export nothing."}`, 200)
		mpDo(t, e, dev, "POST", base+"/transitions", `{"action":"submit"}`, 200)
		adminDo(t, e, "POST", admin+"/transitions", `{"action":"approve","note":"Thanks"}`, 200)
		l = decodeJSON[mpListing](t, mpDo(t, e, dev, "POST", base+"/transitions", `{"action":"publish"}`, 200))
		if l.State != "published" || l.Version != 1 || l.Revision != nil {
			t.Fatalf("after publishing: %+v", l)
		}
		waitFor(t, 10*time.Second, "the listing's lifecycle events on the operational webhook", func() bool {
			types, _ := eventsOf(t, ops, "")
			return slices.Contains(types, "listing.published")
		})
		types, _ := eventsOf(t, ops, "")
		for _, want := range []string{"listing.submitted", "listing.changes_requested", "listing.approved", "listing.published"} {
			if !slices.Contains(types, want) {
				t.Errorf("operational events %v lack %s", types, want)
			}
		}

		// An edit of the published listing is a revision; the live version
		// stays until it is published.
		l = decodeJSON[mpListing](t, mpDo(t, e, dev, "PATCH", base, `{"tagline":"Track time, bill clients"}`, 200))
		if l.State != "published" || l.RevisionState != "draft" || l.Content.Tagline != "Track time on projects" || l.Revision == nil || l.Revision.Number != 2 {
			t.Errorf("a revision of a published listing: %+v", l)
		}

		// A user of team_1 finds it and installs it through the OAuth flow.
		user := mintCaps(t, e, "team_1", "user_1", `"marketplace"`)
		found := decodeJSON[struct{ Data []mpListing }](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings?q=track+tim&category=productivity", "", 200)).Data
		if len(found) != 1 || found[0].Slug != "timely" || found[0].Installed || found[0].Content.Tagline != "Track time on projects" {
			t.Fatalf("directory search: %+v", found)
		}
		page := decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/timely", "", 200))
		if len(page.DataAccess) != 1 || page.DataAccess[0].Scope != "read:projects" || page.DataAccess[0].Description != "Do read:projects things" ||
			page.DataAccess[0].Justification == "" || page.Revision != nil {
			t.Errorf("listing page: %+v", page)
		}
		start := decodeJSON[struct{ Kind, URL string }](t, mpDo(t, e, user, "POST", "/embed/v1/marketplace/listings/timely/install", "", 200))
		if start.Kind != "app" || !strings.HasPrefix(start.URL, e.node.URL+"/oauth/authorize?") {
			t.Fatalf("install: %+v", start)
		}
		cb := o.authorize(t, newBrowser(t), start.URL, client.Ptr(true))
		conf := o.config(testApp{ID: app.ID, ClientID: app.ClientID, ClientSecret: app.ClientSecret}, "read:projects")
		tok, err := conf.Exchange(t.Context(), cb.Query().Get("code"))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "app.installed at the app's webhook", func() bool { return len(appHook.requests()) >= 1 })
		types, data := eventsOf(t, appHook, hook.Secret)
		if types[0] != "app.installed" || data[0]["tenant_id"] != "team_1" || data[0]["user_id"] != "user_1" || data[0]["listing_slug"] != "timely" {
			t.Errorf("app.installed: %v %v", types, data)
		}
		// The app calls the SaaS's API with its token.
		if o.introspect(t, tok.AccessToken)["active"] != true {
			t.Fatal("the installed app's token is not active")
		}
		page = decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/timely", "", 200))
		if !page.Installed || page.Installation == nil || page.InstallCount != 1 {
			t.Errorf("after installing: %+v", page)
		}
		mpDo(t, e, user, "POST", "/embed/v1/marketplace/listings/timely/install", "", 409)
		stats := decodeJSON[struct {
			ActiveInstalls int `json:"active_installs"`
			Days           []struct{ Installs, Uninstalls int }
		}](t, mpDo(t, e, dev, "GET", base+"/stats", "", 200))
		if stats.ActiveInstalls != 1 || len(stats.Days) != 1 || stats.Days[0].Installs != 1 {
			t.Errorf("stats after installing: %+v", stats)
		}

		// Reviews: once per team and user, editable; only installers; the
		// developer replies once; an admin hides.
		resp, b = embedDo(t, e, rival, embedOrigin, "PUT", "/embed/v1/marketplace/listings/timely/review", `{"rating":1,"body":"spam"}`)
		wantEmbedProblem(t, "a review from a team without it", resp, b, 403, "not_installed")
		mpDo(t, e, user, "PUT", "/embed/v1/marketplace/listings/timely/review", `{"rating":6}`, 400)
		mpDo(t, e, user, "PUT", "/embed/v1/marketplace/listings/timely/review", `{"rating":3,"body":"ok"}`, 201)
		rv := decodeJSON[struct {
			ID   string
			Mine bool
		}](t, mpDo(t, e, user, "PUT", "/embed/v1/marketplace/listings/timely/review", `{"rating":5,"body":"Great"}`, 200))
		page = decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/timely", "", 200))
		if page.Rating.Count != 1 || page.Rating.Average != 5 || page.Rating.Distribution["5"] != 1 {
			t.Errorf("rating: %+v", page.Rating)
		}
		mpDo(t, e, dev, "PUT", base+"/reviews/"+rv.ID+"/reply", `{"body":"Thank you"}`, 200)
		mpDo(t, e, dev, "PUT", base+"/reviews/"+rv.ID+"/reply", `{"body":"Again"}`, 409)
		adminDo(t, e, "POST", "/v1/marketplace/reviews/"+rv.ID+"/hide", `{"body":"off-topic"}`, 200)
		if got := decodeJSON[struct{ Data []any }](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/timely/reviews", "", 200)).Data; len(got) != 0 {
			t.Errorf("a hidden review is shown: %v", got)
		}
		adminDo(t, e, "POST", "/v1/marketplace/reviews/"+rv.ID+"/unhide", "", 200)

		// Uninstall: every token dies at once, the app is told, the count
		// goes down.
		ins := decodeJSON[struct{ Status string }](t, mpDo(t, e, user, "POST", "/embed/v1/marketplace/listings/timely/uninstall", "", 200))
		if ins.Status != "uninstalled" {
			t.Errorf("uninstall: %+v", ins)
		}
		for _, tk := range []string{tok.AccessToken, tok.RefreshToken} {
			if o.introspect(t, tk)["active"] != false {
				t.Error("a token survived the uninstall")
			}
		}
		if _, err := conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Error("the refresh token still refreshes after the uninstall")
		}
		waitFor(t, 10*time.Second, "app.uninstalled at the app's webhook", func() bool {
			types, _ := eventsOf(t, appHook, hook.Secret)
			return slices.Contains(types, "app.uninstalled") && slices.Contains(types, "authorization.revoked")
		})
		page = decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/timely", "", 200))
		if page.Installed || page.InstallCount != 0 {
			t.Errorf("after uninstalling: %+v", page)
		}
		stats = decodeJSON[struct {
			ActiveInstalls int `json:"active_installs"`
			Days           []struct{ Installs, Uninstalls int }
		}](t, mpDo(t, e, dev, "GET", base+"/stats", "", 200))
		if stats.ActiveInstalls != 0 || len(stats.Days) != 1 || stats.Days[0].Installs != 1 || stats.Days[0].Uninstalls != 1 {
			t.Errorf("stats after uninstalling: %+v", stats)
		}

		// Installing again and revoking from the authorized-apps component
		// also uninstalls.
		start = decodeJSON[struct{ Kind, URL string }](t, mpDo(t, e, user, "POST", "/embed/v1/marketplace/listings/timely/install", "", 200))
		o.authorize(t, newBrowser(t), start.URL, client.Ptr(true)) // the uninstall revoked the consent too
		if page = decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/timely", "", 200)); page.InstallCount != 1 {
			t.Errorf("after installing again: %+v", page)
		}
		apps := mintCaps(t, e, "team_1", "user_1", `"authorized_apps"`)
		mpDo(t, e, apps, "DELETE", "/embed/v1/authorized-apps/"+app.ID, "", 204)
		if page = decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/timely", "", 200)); page.InstallCount != 0 || page.Installed {
			t.Errorf("after revoking in authorized apps: %+v", page)
		}
		installs := decodeJSON[struct {
			Data []struct {
				Status        string
				UninstalledBy string `json:"uninstalled_by"`
			}
		}](t, adminDo(t, e, "GET", "/v1/marketplace/installations?tenant_id=team_1", "", 200)).Data
		if len(installs) != 2 || installs[0].UninstalledBy != "user_1" || installs[1].UninstalledBy != "revoked" || installs[1].Status != "uninstalled" {
			t.Errorf("installations: %+v", installs)
		}

		// Suspension takes it out of the directory and refuses installs.
		adminDo(t, e, "POST", admin+"/transitions", `{"action":"suspend","note":"Abuse report"}`, 200)
		if got := decodeJSON[struct{ Data []mpListing }](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings", "", 200)).Data; len(got) != 0 {
			t.Errorf("directory shows a suspended listing: %+v", got)
		}
		resp, b = embedDo(t, e, user, embedOrigin, "POST", "/embed/v1/marketplace/listings/timely/install", "")
		wantEmbedProblem(t, "installing a suspended listing", resp, b, 409, "listing_unavailable")
	})
}

// TestMarketplaceIntegrationEndToEnd: the SaaS lists one of its own
// integrations; a user installs it through a connect session with a
// loopback mock provider, and uninstalling deletes the connection and its
// credentials; the count goes up and down. On both stores.
func TestMarketplaceIntegrationEndToEnd(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		c := setupConnect(t, d)
		e := c.env
		inID := c.createJSON(t, "/v1/integrations", `{"provider_id":"fakekey","name":"Keys"}`)["id"].(string)
		adminDo(t, e, "PUT", "/v1/marketplace/categories/finance", `{"name":"Finance"}`, 201)
		resp, b := upload(t, e, "", "/v1/marketplace/listings/lst_01jd0000000000000000000000/images", "image/png", pngImage(t))
		if resp.StatusCode != 401 {
			t.Errorf("upload without a key: %d %s", resp.StatusCode, b)
		}
		l := decodeJSON[mpListing](t, adminDo(t, e, "POST", "/v1/marketplace/listings", `{"kind":"integration","slug":"fake-keys","integration_id":"`+inID+`",
			"developer_name":"Acme","name":"Fake Keys","tagline":"Connect your Fake account","description":"Sync your Fake data into Acme every hour.",
			"categories":["finance"],"privacy_url":"https://acme.example/privacy","terms_url":"https://acme.example/terms","support_url":"https://acme.example/help"}`, 201))
		iconReq, _ := http.NewRequestWithContext(t.Context(), "POST", e.node.URL+"/v1/marketplace/listings/"+l.ID+"/images", bytes.NewReader(pngImage(t)))
		iconReq.Header.Set("Authorization", "Bearer "+e.key)
		iconReq.Header.Set("Content-Type", "image/png")
		iconResp, err := http.DefaultClient.Do(iconReq)
		if err != nil {
			t.Fatal(err)
		}
		icon := decodeJSON[struct{ URL string }](t, func() []byte { b, _ := io.ReadAll(iconResp.Body); iconResp.Body.Close(); return b }())
		admin := "/v1/marketplace/listings/" + l.ID
		adminDo(t, e, "PATCH", admin, `{"icon_url":"`+icon.URL+`"}`, 200)
		for _, action := range []string{"submit", "approve", "publish"} {
			l = decodeJSON[mpListing](t, adminDo(t, e, "POST", admin+"/transitions", `{"action":"`+action+`"}`, 200))
		}
		if l.State != "published" {
			t.Fatalf("after publishing: %+v", l)
		}

		user := mintCaps(t, e, "acme", "u1", `"marketplace"`)
		start := decodeJSON[struct {
			Kind, URL string
			SessionID string `json:"session_id"`
		}](t, mpDo(t, e, user, "POST", "/embed/v1/marketplace/listings/fake-keys/install", "", 200))
		if start.Kind != "integration" || !strings.HasPrefix(start.URL, e.node.URL+"/connect/") {
			t.Fatalf("install: %+v", start)
		}
		browser := c.fake.browser(t)
		action, csrf := connectForm(t, browser, start.URL)
		done, body := submit(t, browser, e.node.URL, action, url.Values{"csrf_token": {csrf}, "api_key": {fakeAPIKey}})
		if done.StatusCode != 200 || done.Request.URL.Path != "/connect/done" {
			t.Fatalf("end of the connect flow: %d %s\n%s", done.StatusCode, done.Request.URL, html.UnescapeString(body))
		}
		page := decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/fake-keys", "", 200))
		if !page.Installed || page.InstallCount != 1 {
			t.Fatalf("after installing: %+v", page)
		}
		installs := decodeJSON[struct {
			Data []struct {
				ID           string
				ConnectionID string `json:"connection_id"`
				Status       string
			}
		}](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/installations", "", 200)).Data
		if len(installs) != 1 || !strings.HasPrefix(installs[0].ConnectionID, "conn_") {
			t.Fatalf("installations: %+v", installs)
		}
		adminDo(t, e, "GET", "/v1/connections/"+installs[0].ConnectionID, "", 200)
		// The admin uninstalls: the connection and its credentials go.
		ins := decodeJSON[struct{ Status string }](t, adminDo(t, e, "DELETE", "/v1/marketplace/installations/"+installs[0].ID, "", 200))
		if ins.Status != "uninstalled" {
			t.Errorf("uninstall: %+v", ins)
		}
		adminDo(t, e, "GET", "/v1/connections/"+installs[0].ConnectionID, "", 404)
		page = decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/fake-keys", "", 200))
		if page.Installed || page.InstallCount != 0 {
			t.Errorf("after uninstalling: %+v", page)
		}
		// A disconnect from the connections component uninstalls too.
		start = decodeJSON[struct {
			Kind, URL string
			SessionID string `json:"session_id"`
		}](t, mpDo(t, e, user, "POST", "/embed/v1/marketplace/listings/fake-keys/install", "", 200))
		browser = c.fake.browser(t)
		action, csrf = connectForm(t, browser, start.URL)
		submit(t, browser, e.node.URL, action, url.Values{"csrf_token": {csrf}, "api_key": {fakeAPIKey}})
		installs = decodeJSON[struct {
			Data []struct {
				ID           string
				ConnectionID string `json:"connection_id"`
				Status       string
			}
		}](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/installations", "", 200)).Data
		if len(installs) != 1 {
			t.Fatalf("installations after installing again: %+v", installs)
		}
		conns := mintCaps(t, e, "acme", "u1", `"connections"`)
		mpDo(t, e, conns, "DELETE", "/embed/v1/connections/"+installs[0].ConnectionID, "", 204)
		if page = decodeJSON[mpListing](t, mpDo(t, e, user, "GET", "/embed/v1/marketplace/listings/fake-keys", "", 200)); page.InstallCount != 0 {
			t.Errorf("after disconnecting: %+v", page)
		}
	})
}

// connectForm opens a connect page and returns its form's action and CSRF
// token.
func connectForm(t *testing.T, browser *http.Client, u string) (action, csrf string) {
	t.Helper()
	resp, err := browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a, c := formAction.FindStringSubmatch(string(page)), formCSRF.FindStringSubmatch(string(page))
	if a == nil || c == nil {
		t.Fatalf("connect page has no form:\n%s", page)
	}
	return html.UnescapeString(a[1]), html.UnescapeString(c[1])
}

// TestMarketplaceReviewConsole: only an installation-wide key holding
// marketplace:admin mints a marketplace:review token; with one, the
// operator's console sees the queue of every team, a listing's revision,
// and approves; a token without the capability is refused. On both stores.
func TestMarketplaceReviewConsole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		o := setupOAuth(t, d)
		e := o.env
		for _, team := range []string{"devteam", "ops"} {
			adminDo(t, e, "PUT", "/v1/tenants/"+team, `{"name":"Team"}`, http.StatusCreated)
		}
		mint := func(key, body string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), "POST", e.node.URL+"/v1/embed/tokens", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, b
		}
		body := `{"tenant_id":"ops","user_id":"olga","capabilities":["marketplace:review"],"allowed_origins":["` + embedOrigin + `"]}`
		for _, key := range []string{createKey(t, e.opts, "--tenant", "ops", "--scope", "embed", "--scope", "marketplace:admin"),
			createKey(t, e.opts, "--scope", "embed")} {
			resp, b := mint(key, body)
			wantEmbedProblem(t, "minting marketplace:review without an installation-wide marketplace:admin key", resp, b, 403, "capability_not_allowed")
		}
		resp, b := mint(createKey(t, e.opts, "--scope", "embed", "--scope", "marketplace:admin"), body)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("mint a review token: %d %s", resp.StatusCode, b)
		}
		reviewer := decodeJSON[struct{ Token string }](t, b).Token

		dev := mintCaps(t, e, "devteam", "dana", `"developer"`)
		app := decodeJSON[struct{ ID string }](t, mpDo(t, e, dev, "POST", "/embed/v1/developer/apps", `{"name":"Timely","redirect_uris":["`+callbackURI+`"]}`, 201))
		l := decodeJSON[mpListing](t, mpDo(t, e, dev, "POST", "/embed/v1/developer/listings", `{"kind":"app","slug":"timely","app_id":"`+app.ID+`",
			"developer_name":"Timely Ltd","name":"Timely"}`, 201))
		queue := func() []mpListing {
			return decodeJSON[struct{ Data []mpListing }](t, mpDo(t, e, reviewer, "GET", "/embed/v1/marketplace/review/listings", "", 200)).Data
		}
		if got := queue(); len(got) != 0 {
			t.Errorf("the queue holds a draft: %+v", got)
		}
		// Submitted by the admin API here (the checks are the developer
		// test's business): straight into the queue.
		adminDo(t, e, "PUT", "/v1/marketplace/categories/c", `{"name":"C"}`, 201)
		resp, b = upload(t, e, dev, "/embed/v1/developer/listings/"+l.ID+"/images", "image/png", pngImage(t))
		if resp.StatusCode != 200 {
			t.Fatalf("icon: %d %s", resp.StatusCode, b)
		}
		mpDo(t, e, dev, "PATCH", "/embed/v1/developer/listings/"+l.ID, `{"icon_url":"`+decodeJSON[struct{ URL string }](t, b).URL+`","tagline":"Time",
			"description":"Tracks the time you spend on projects.","categories":["c"],"privacy_url":"https://t.example/p","terms_url":"https://t.example/t",
			"support_url":"https://t.example/s"}`, 200)
		mpDo(t, e, dev, "POST", "/embed/v1/developer/listings/"+l.ID+"/transitions", `{"action":"submit"}`, 200)
		if got := queue(); len(got) != 1 || got[0].ID != l.ID {
			t.Fatalf("the queue: %+v", got)
		}
		console := "/embed/v1/marketplace/review/listings/" + l.ID
		if got := decodeJSON[mpListing](t, mpDo(t, e, reviewer, "GET", console, "", 200)); got.Revision == nil || got.Revision.State != "submitted" {
			t.Errorf("the console's listing: %+v", got)
		}
		mpDo(t, e, reviewer, "POST", console+"/transitions", `{"action":"start_review"}`, 200)
		l = decodeJSON[mpListing](t, mpDo(t, e, reviewer, "POST", console+"/transitions", `{"action":"approve","note":"Fine"}`, 200))
		if l.State != "approved" {
			t.Errorf("after approving: %+v", l)
		}
		log := decodeJSON[struct {
			Data []struct {
				ActorType string `json:"actor_type"`
				ActorID   string `json:"actor_id"`
				Action    string
			}
		}](t, mpDo(t, e, dev, "GET", "/embed/v1/developer/listings/"+l.ID+"/transitions", "", 200)).Data
		if last := log[len(log)-1]; last.Action != "approve" || last.ActorType != "reviewer" || last.ActorID != "olga" {
			t.Errorf("the log's last entry: %+v", last)
		}
		// Neither a developer token nor a marketplace token reaches the console.
		resp, b = embedDo(t, e, dev, embedOrigin, "GET", "/embed/v1/marketplace/review/listings", "")
		wantEmbedProblem(t, "a developer token in the console", resp, b, 403, "capability_missing")
		resp, b = embedDo(t, e, reviewer, embedOrigin, "GET", "/embed/v1/developer/listings", "")
		wantEmbedProblem(t, "a review token in the developer console", resp, b, 403, "capability_missing")
	})
}
