package marketplace

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
)

// NewListing is a listing to create.
type NewListing struct {
	Kind          string `json:"kind" enum:"app,integration" doc:"What is listed: app (an OAuth app) or integration (one of the SaaS's integrations)."`
	Slug          string `json:"slug" doc:"The listing's URL-safe name, 1 to 64 characters a-z, 0-9 and -; it never changes."`
	AppID         string `json:"app_id,omitempty" doc:"The OAuth app listed, for kind app."`
	IntegrationID string `json:"integration_id,omitempty" doc:"The integration listed, for kind integration."`
	DeveloperName string `json:"developer_name" doc:"The developer's display name, 1 to 100 characters."`
	ContentPatch
}

// Valid checks the new listing's shape.
func (n NewListing) Valid(ctx context.Context) map[string]string {
	p := n.ContentPatch.Valid(ctx)
	if !slugPattern.MatchString(n.Slug) {
		p["slug"] = "must be 1 to 64 characters a-z, 0-9 and -, not starting or ending with -"
	}
	switch n.Kind {
	case KindApp:
		if n.AppID == "" {
			p["app_id"] = "is required for an app listing"
		}
		if n.IntegrationID != "" {
			p["integration_id"] = "must be empty for an app listing"
		}
	case KindIntegration:
		if n.IntegrationID == "" {
			p["integration_id"] = "is required for an integration listing"
		}
		if n.AppID != "" {
			p["app_id"] = "must be empty for an integration listing"
		}
	default:
		p["kind"] = "must be app or integration"
	}
	if n.DeveloperName == "" || len(n.DeveloperName) > 100 || !httpapi.IsText(n.DeveloperName) {
		p["developer_name"] = "must be 1 to 100 characters"
	}
	return p
}

// errNotFound is the answer for a listing that does not exist or that the
// caller may not see: a team never learns of another team's drafts.
func errNotFound(ref string) error {
	return apperr.Errorf(apperr.NotFound, "listing %s not found", ref)
}

// CreateListing creates a listing in draft, with its first revision. A
// developer creates listings of its own team's apps only.
func (s *Service) CreateListing(ctx context.Context, a Actor, n NewListing) (Listing, error) {
	l := Listing{ID: id.New("lst"), Slug: n.Slug, Kind: n.Kind, AppID: n.AppID, IntegrationID: n.IntegrationID, DeveloperName: n.DeveloperName}
	switch n.Kind {
	case KindApp:
		app, err := s.deps.Apps.App(ctx, n.AppID)
		if apperr.CodeOf(err) == apperr.NotFound || err == nil && a.Type == ActorDeveloper && app.TeamID != a.TeamID {
			return Listing{}, apperr.InvalidFields(map[string]string{"app_id": "no such app of this team"})
		} else if err != nil {
			return Listing{}, err
		}
		l.TeamID = app.TeamID
	case KindIntegration:
		if a.Type == ActorDeveloper {
			return Listing{}, apperr.InvalidFields(map[string]string{"kind": "a developer team lists apps; integrations are the SaaS's own"})
		}
		if _, err := s.deps.Integrations.Integration(ctx, n.IntegrationID); apperr.CodeOf(err) == apperr.NotFound {
			return Listing{}, apperr.InvalidFields(map[string]string{"integration_id": "no such integration"})
		} else if err != nil {
			return Listing{}, err
		}
	}
	var c Content
	n.ContentPatch.apply(&c)
	if err := s.checkReferences(ctx, c); err != nil {
		return Listing{}, err
	}
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := listingInsert(ctx, tx, l); err != nil {
			if store.IsUniqueViolation(err) {
				return apperr.Because(apperr.Conflict, "slug_taken", "the slug %s is taken", l.Slug)
			}
			return err
		}
		if err := revisionInsert(ctx, tx, l.ID, 1, c); err != nil {
			return err
		}
		return s.record(ctx, tx, a, l.ID, 1, "create", "", StateDraft, "")
	})
	if err != nil {
		return Listing{}, err
	}
	return s.Listing(ctx, a, l.ID)
}

// checkReferences checks what a content names against the category catalog
// and the asset store.
func (s *Service) checkReferences(ctx context.Context, c Content) error {
	probs := map[string]string{}
	found, err := categoriesExisting(ctx, s.db, c.Categories)
	if err != nil {
		return err
	}
	for i, cat := range c.Categories {
		if !found[cat] {
			probs[fmt.Sprintf("categories/%d", i)] = "is not in the category catalog"
		}
	}
	check := func(field, path string) error {
		if path == "" || s.deps.Assets == nil {
			return nil
		}
		hash := path[len("/assets/") : len("/assets/")+64]
		if _, err := s.deps.Assets.Asset(ctx, hash); apperr.CodeOf(err) == apperr.NotFound {
			probs[field] = "no image was uploaded at this path"
		} else if err != nil {
			return err
		}
		return nil
	}
	if err := check("icon_url", c.IconURL); err != nil {
		return err
	}
	for i, sc := range c.Screenshots {
		if err := check(fmt.Sprintf("screenshots/%d/url", i), sc.URL); err != nil {
			return err
		}
	}
	if len(probs) > 0 {
		return apperr.InvalidFields(probs)
	}
	return nil
}

// visible reports whether a may see (and change) listing l: admins and
// reviewers see every listing, a developer its team's.
func (a Actor) visible(l listingRow) bool {
	return a.Type != ActorDeveloper || l.TeamID == a.TeamID && l.TeamID != ""
}

// listing reads a listing a may see.
func (s *Service) listing(ctx context.Context, q store.Querier, a Actor, listingID string) (listingRow, error) {
	l, err := listingGet(ctx, q, listingID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !a.visible(l) {
		return listingRow{}, errNotFound(listingID)
	}
	return l, err
}

// Listing returns a listing with its working revision and data access.
func (s *Service) Listing(ctx context.Context, a Actor, listingID string) (Listing, error) {
	l, err := s.listing(ctx, s.db, a, listingID)
	if err != nil {
		return Listing{}, err
	}
	return s.complete(ctx, l, true)
}

// complete fills in what a listing page shows beyond the row: the working
// revision (withRevision) and the data-access disclosure.
func (s *Service) complete(ctx context.Context, l listingRow, withRevision bool) (Listing, error) {
	out := l.Listing
	out.Content = out.Content.normalized()
	if withRevision && l.revision > 0 {
		r, err := revisionGet(ctx, s.db, l.ID, l.revision)
		if err != nil {
			return Listing{}, fmt.Errorf("listing %s revision %d: %w", l.ID, l.revision, err)
		}
		out.Revision = &r
	}
	access, err := s.dataAccess(ctx, out)
	if err != nil {
		return Listing{}, err
	}
	out.DataAccess = access
	return out, nil
}

// productScopes returns the scopes the listed product asks for, and for an
// app its redirect URIs.
func (s *Service) productScopes(ctx context.Context, l Listing) (scopes, redirectURIs []string, err error) {
	switch l.Kind {
	case KindApp:
		if s.deps.Apps == nil {
			return nil, nil, nil
		}
		app, err := s.deps.Apps.App(ctx, l.AppID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, nil, nil
		}
		return app.Scopes, app.RedirectURIs, err
	default:
		if s.deps.Integrations == nil {
			return nil, nil, nil
		}
		in, err := s.deps.Integrations.Integration(ctx, l.IntegrationID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, nil, nil
		} else if err != nil {
			return nil, nil, err
		}
		if len(in.Scopes) > 0 || s.deps.ProviderScopes == nil {
			return in.Scopes, nil, nil
		}
		return s.deps.ProviderScopes(in.ProviderID), nil, nil
	}
}

// dataAccess derives what a listing can access: never typed by the
// developer, only justified.
func (s *Service) dataAccess(ctx context.Context, l Listing) ([]DataAccess, error) {
	scopes, _, err := s.productScopes(ctx, l)
	if err != nil {
		return nil, err
	}
	out := make([]DataAccess, 0, len(scopes))
	for _, name := range scopes {
		d := DataAccess{Scope: name, Justification: l.Content.ScopeJustifications[name]}
		if l.Kind == KindApp && s.deps.Apps != nil {
			sc, err := s.deps.Apps.Scope(ctx, name)
			if err != nil && apperr.CodeOf(err) != apperr.NotFound {
				return nil, err
			}
			d.Description = sc.Description
		}
		out = append(out, d)
	}
	return out, nil
}

// UpdateListing edits a listing's working revision, starting one from the
// live content when there is none. A revision under review or approved is
// locked.
func (s *Service) UpdateListing(ctx context.Context, a Actor, listingID string, p ContentPatch, developerName *string) (Listing, error) {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockRow(ctx, "marketplace_listings", "id", listingID); err != nil {
			return err
		}
		l, err := s.listing(ctx, tx, a, listingID)
		if err != nil {
			return err
		}
		if developerName != nil {
			if err := listingSetDeveloperName(ctx, tx, l.ID, *developerName); err != nil {
				return err
			}
		}
		var c Content
		number := l.revision
		if number == 0 {
			if l.live != "" {
				c = l.Content
			}
			if number, err = revisionMax(ctx, tx, l.ID); err != nil {
				return err
			}
			number++
			p.apply(&c)
			if err := s.checkReferences(ctx, c); err != nil {
				return err
			}
			if err := revisionInsert(ctx, tx, l.ID, number, c); err != nil {
				return err
			}
			return listingSetState(ctx, tx, l.ID, l.State, number)
		}
		r, err := revisionGet(ctx, tx, l.ID, number)
		if err != nil {
			return err
		}
		if r.State != StateDraft && r.State != StateChangesRequested {
			return apperr.Because(apperr.Conflict, "revision_locked",
				"revision %d is %s: withdraw it (or wait for the review) before editing", number, r.State)
		}
		c = r.Content
		p.apply(&c)
		if err := s.checkReferences(ctx, c); err != nil {
			return err
		}
		if err := revisionSetContent(ctx, tx, l.ID, number, c); err != nil {
			return err
		}
		return listingSetState(ctx, tx, l.ID, l.State, number)
	})
	if err != nil {
		return Listing{}, err
	}
	return s.Listing(ctx, a, listingID)
}

// DeleteListing removes a listing that nobody has installed.
func (s *Service) DeleteListing(ctx context.Context, a Actor, listingID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockRow(ctx, "marketplace_listings", "id", listingID); err != nil {
			return err
		}
		l, err := s.listing(ctx, tx, a, listingID)
		if err != nil {
			return err
		}
		if l.InstallCount > 0 {
			return apperr.Because(apperr.Conflict, "listing_installed", "listing %s has %d active installations; suspend it instead", l.ID, l.InstallCount)
		}
		if err := searchIndex.Delete(ctx, tx, searchKey(l.ID)); err != nil {
			return err
		}
		_, err = listingDelete(ctx, tx, l.ID)
		return err
	})
}

// Checks runs the pre-submission checks on a listing's working revision
// (or its live content when there is none).
func (s *Service) Checks(ctx context.Context, a Actor, listingID string) (Checks, error) {
	l, err := s.Listing(ctx, a, listingID)
	if err != nil {
		return Checks{}, err
	}
	c := l.Content
	if l.Revision != nil {
		c = l.Revision.Content
	}
	return s.checks(ctx, l, c)
}

func (s *Service) checks(ctx context.Context, l Listing, c Content) (Checks, error) {
	scopes, redirects, err := s.productScopes(ctx, l)
	if err != nil {
		return Checks{}, err
	}
	return checksOf(c, scopes, redirects, l.Kind == KindApp), nil
}

// ListFilter is what a listing list asks for.
type ListFilter struct {
	Query, Kind, Category, Sort string
	States                      []string
	TeamID                      *string
	Installed                   *bool
	Page                        httpapi.Page
}

// List returns a page of listings as a sees them: the directory (published
// only) for the marketplace's users, a team's own for a developer, every
// listing for admins and reviewers.
func (s *Service) List(ctx context.Context, a Actor, f ListFilter, directoryTenant string) (httpapi.List[Listing], error) {
	lf := listingFilter{Query: f.Query, Kind: f.Kind, Category: f.Category, States: f.States, TeamID: f.TeamID, Installed: f.Installed,
		Sort: f.Sort, After: f.Page.After, Limit: f.Page.Limit, InstalledBy: directoryTenant, RevisionToo: a.Type != ""}
	if a.Type == ActorDeveloper {
		lf.TeamID = &a.TeamID
	}
	if lf.Sort == "" {
		lf.Sort = "newest"
		if lf.Query != "" {
			lf.Sort = "relevance"
		} else if a.Type == "" {
			lf.Sort = "popular"
		}
	}
	if lf.Sort == "relevance" && lf.Query == "" {
		lf.Sort = "popular"
	}
	rows, keys, err := listingsList(ctx, s.db, lf)
	if err != nil {
		return httpapi.List[Listing]{}, err
	}
	out := make([]Listing, len(rows))
	for i, l := range rows {
		out[i] = l.Listing
		out[i].Content = out[i].Content.card()
		out[i].DataAccess = []DataAccess{}
	}
	if directoryTenant != "" && len(out) > 0 {
		if err := s.markInstalled(ctx, directoryTenant, out); err != nil {
			return httpapi.List[Listing]{}, err
		}
	}
	list := httpapi.NewList(f.Page, out, func(l Listing) string {
		return keys[slices.IndexFunc(out, func(o Listing) bool { return o.ID == l.ID })]
	})
	return list, nil
}

// Revisions lists a listing's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, a Actor, listingID string, page httpapi.Page) (httpapi.List[Revision], error) {
	if _, err := s.listing(ctx, s.db, a, listingID); err != nil {
		return httpapi.List[Revision]{}, err
	}
	before := 0
	if page.After != "" {
		fmt.Sscanf(page.After, "%d", &before)
	}
	list, err := revisionsList(ctx, s.db, listingID, before, page.Limit+1)
	return httpapi.NewList(page, list, func(r Revision) string { return fmt.Sprint(r.Number) }), err
}

// Transitions lists a listing's workflow log, oldest first.
func (s *Service) Transitions(ctx context.Context, a Actor, listingID string, page httpapi.Page) (httpapi.List[Transition], error) {
	if _, err := s.listing(ctx, s.db, a, listingID); err != nil {
		return httpapi.List[Transition]{}, err
	}
	list, err := transitionsList(ctx, s.db, listingID, page.After, page.Limit+1)
	return httpapi.NewList(page, list, func(t Transition) string { return t.ID }), err
}
