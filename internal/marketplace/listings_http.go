package marketplace

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/assets"
	"github.com/patchbay/patchbay/internal/embed"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// Who says who a request's caller is: AsAdmin, AsDeveloper or AsReviewer.
type Who func(r *http.Request) Actor

// AsAdmin is the caller of an admin route: its API key.
func AsAdmin(r *http.Request) Actor {
	a := Actor{Type: ActorAdmin}
	if info := httpapi.InfoFrom(r.Context()); info != nil {
		a.ID = info.APIKeyID
	}
	return a
}

// AsDeveloper is the caller of a developer route: the embed token's user,
// for the token's team.
func AsDeveloper(r *http.Request) Actor {
	t, _ := embed.TokenFrom(r.Context())
	return Actor{Type: ActorDeveloper, ID: t.UserID, Name: t.UserName, TeamID: t.TenantID}
}

// AsReviewer is the caller of a review console route: the embed token's
// user.
func AsReviewer(r *http.Request) Actor {
	t, _ := embed.TokenFrom(r.Context())
	return Actor{Type: ActorReviewer, ID: t.UserID, Name: t.UserName}
}

func listingFromPath(r *http.Request) (string, error) { return httpapi.PathID(r, "listing_id", "lst") }

func slugFromPath(r *http.Request) (string, error) {
	slug := r.PathValue("slug")
	if !slugPattern.MatchString(slug) {
		return "", apperr.InvalidFields(map[string]string{"slug": "must be a listing's slug"})
	}
	return slug, nil
}

// listingPatch edits a listing.
type listingPatch struct {
	DeveloperName *string `json:"developer_name,omitempty" doc:"The developer's display name, 1 to 100 characters."`
	ContentPatch
}

func (p listingPatch) Valid(ctx context.Context) map[string]string {
	probs := p.ContentPatch.Valid(ctx)
	if p.DeveloperName != nil && (*p.DeveloperName == "" || len(*p.DeveloperName) > 100 || !httpapi.IsText(*p.DeveloperName)) {
		probs["developer_name"] = "must be 1 to 100 characters"
	}
	return probs
}

// HandleListingCreate creates a listing.
func HandleListingCreate(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[NewListing, Listing]{
		Summary: "Create a marketplace listing in draft, with its first revision",
		Description: "Creates a listing of an OAuth app (kind app) or of one of the SaaS's integrations (kind integration), in state draft. " +
			"Content fields may be given now or later with PATCH. A developer's token lists only its team's apps. " +
			"409 slug_taken when the slug is in use; 400 names bad fields, including categories missing from the catalog and images never uploaded.",
		Status: http.StatusCreated,
		Do: func(r *http.Request, n NewListing) (Listing, error) {
			return s.CreateListing(r.Context(), who(r), n)
		},
	})
}

// HandleListingGet returns a listing with its working revision.
func HandleListingGet(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Listing]{
		Summary: "Get a listing with its working revision and data-access disclosure",
		Description: "Returns the listing's live content (or, before its first publication, its revision's), the working revision when there is one, " +
			"and the scopes it can use with their descriptions and justifications. Another team's listing is 404 to a developer.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Listing, error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return Listing{}, err
			}
			return s.Listing(r.Context(), who(r), listingID)
		},
	})
}

// HandleListingUpdate edits a listing's working revision.
func HandleListingUpdate(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[listingPatch, Listing]{
		Summary: "Edit a listing: its working revision, started from the live content when there is none",
		Description: "Changes the given fields of the listing's working revision; absent fields stay. A published listing stays live as it is " +
			"while the revision goes through review. 409 revision_locked while the revision is submitted, in review or approved.",
		Do: func(r *http.Request, p listingPatch) (Listing, error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return Listing{}, err
			}
			return s.UpdateListing(r.Context(), who(r), listingID, p.ContentPatch, p.DeveloperName)
		},
	})
}

// HandleListingDelete deletes a listing nobody has installed.
func HandleListingDelete(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete a listing that has no active installations",
		Description: "Removes the listing, its revisions, log and reviews. 409 listing_installed while anyone has it installed: suspend it instead.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteListing(r.Context(), who(r), listingID)
		},
	})
}

// ImageUpload is where an uploaded image is served.
type ImageUpload struct {
	URL         string `json:"url" doc:"The image's path, /assets/…, to put in icon_url or screenshots."`
	ContentType string `json:"content_type" enum:"image/png,image/svg+xml,image/webp" doc:"The image's type, as sniffed from its bytes."`
}

// HandleImageUpload uploads an icon or screenshot for a listing.
func HandleImageUpload(s *Service, who Who) httpapi.Endpoint {
	e := assets.HandleUpload("Upload an icon or screenshot for a listing", ImageUpload{}, func(r *http.Request, contentType string, body []byte) (any, error) {
		listingID, err := listingFromPath(r)
		if err != nil {
			return nil, err
		}
		if _, err := s.listing(r.Context(), s.db, who(r), listingID); err != nil {
			return nil, err
		}
		var a assets.Asset
		err = s.db.WithTx(r.Context(), func(tx *store.Tx) error {
			a, err = s.deps.Assets.PutUpload(r.Context(), tx, contentType, body)
			return err
		})
		if err != nil {
			return nil, err
		}
		return ImageUpload{URL: a.Path(), ContentType: a.ContentType}, nil
	})
	e.Description = "Stores the image (checked: PNG, WebP or SVG without script, event handlers or external references; at most 256 KiB) " +
		"and answers its path, which the listing's icon_url or screenshots then name. 413 when too large; 400 when the bytes are not such an image."
	return e
}

// HandleChecks runs the pre-submission checks.
func HandleChecks(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Checks]{
		Summary: "Run the pre-submission checks on a listing's working revision",
		Description: "Reports what must be fixed before the listing can be submitted: required fields, https URLs, a justification for every scope, " +
			"and for an app at least one redirect URI. Submitting runs the same checks.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Checks, error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return Checks{}, err
			}
			return s.Checks(r.Context(), who(r), listingID)
		},
	})
}

// HandleTransition performs a workflow action.
func HandleTransition(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[TransitionRequest, Listing]{
		Summary: "Move a listing through the review workflow: submit, review, approve, publish, suspend …",
		Description: "Performs one action on the listing's working revision (submit, withdraw, start_review, request_changes, approve, publish) " +
			"or on the live listing (suspend, reinstate, unlist, relist), records who, when and the note, and sends the lifecycle event. " +
			"409 invalid_transition from the wrong state; 422 checks_failed when a submission fails its checks; 403 action_not_allowed " +
			"when the caller's role may not do it.",
		Do: func(r *http.Request, req TransitionRequest) (Listing, error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return Listing{}, err
			}
			return s.Transition(r.Context(), who(r), listingID, req)
		},
	})
}

// HandleTransitions lists a listing's workflow log.
func HandleTransitions(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Transition]]{
		Summary:     "List a listing's workflow log, oldest first: who did what, when, with which note",
		Description: "The review conversation: every transition with its actor and note. Reviewers' notes are how the developer learns what to change.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Transition], error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return httpapi.List[Transition]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Transition]{}, err
			}
			return s.Transitions(r.Context(), who(r), listingID, page)
		},
	})
}

// HandleRevisions lists a listing's revisions.
func HandleRevisions(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Revision]]{
		Summary:     "List a listing's revisions, newest first, with their content",
		Description: "Every version of the listing's content and where it is in the workflow; compare two to see what a revision changes.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Revision], error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return httpapi.List[Revision]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Revision]{}, err
			}
			return s.Revisions(r.Context(), who(r), listingID, page)
		},
	})
}

// HandleStats returns a listing's install figures.
func HandleStats(s *Service, who Who) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Stats]{
		Summary:     "A listing's active installs and its installs and uninstalls per day",
		Description: "Counted as installs happen, so reading them scans nothing. days (1 to 90, default 30) is how many days back.",
		Query:       []httpapi.Param{{Name: "days", Description: "how many days, 1 to 90 (default 30)"}},
		Do: func(r *http.Request, _ httpapi.NoBody) (Stats, error) {
			listingID, err := listingFromPath(r)
			if err != nil {
				return Stats{}, err
			}
			days := 30
			if v := r.URL.Query().Get("days"); v != "" {
				if days, err = strconv.Atoi(v); err != nil || days < 1 || days > 90 {
					return Stats{}, apperr.InvalidFields(map[string]string{"days": "must be 1 to 90"})
				}
			}
			return s.Stats(r.Context(), who(r), listingID, days)
		},
	})
}

// listQuery are the query parameters of the listing lists.
var listQuery = append([]httpapi.Param{
	{Name: "q", Description: "words to search for in name, tagline, description and tags"},
	{Name: "kind", Description: "app or integration"},
	{Name: "category", Description: "a category slug"},
	{Name: "sort", Description: "relevance (the default with q), popular, rating or newest"},
}, httpapi.PageParams...)

// parseListFilter reads the listing lists' query.
func parseListFilter(r *http.Request, withStates bool) (ListFilter, error) {
	page, err := httpapi.ParsePage(r)
	if err != nil {
		return ListFilter{}, err
	}
	q := r.URL.Query()
	f := ListFilter{Query: q.Get("q"), Kind: q.Get("kind"), Category: q.Get("category"), Sort: q.Get("sort"), Page: page}
	probs := map[string]string{}
	if len(f.Query) > 200 || !httpapi.IsText(f.Query) {
		probs["q"] = "must be text of at most 200 bytes"
	}
	if f.Kind != "" && f.Kind != KindApp && f.Kind != KindIntegration {
		probs["kind"] = "must be app or integration"
	}
	if f.Category != "" && !slugPattern.MatchString(f.Category) {
		probs["category"] = "must be a category slug"
	}
	if f.Sort != "" && !slices.Contains([]string{"relevance", "popular", "rating", "newest"}, f.Sort) {
		probs["sort"] = "must be relevance, popular, rating or newest"
	}
	if v := q.Get("installed"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			probs["installed"] = "must be true or false"
		}
		f.Installed = &b
	}
	if withStates {
		if v := q.Get("state"); v != "" {
			for _, st := range strings.Split(v, ",") {
				if !slices.Contains([]string{StateDraft, StateSubmitted, StateInReview, StateChangesRequested, StateApproved, StatePublished,
					StateSuspended, StateUnlisted}, st) {
					probs["state"] = "must be listing states separated by commas"
				}
				f.States = append(f.States, st)
			}
		}
		if v := q.Get("team_id"); v != "" {
			f.TeamID = &v
		}
	}
	if len(probs) > 0 {
		return ListFilter{}, apperr.InvalidFields(probs)
	}
	return f, nil
}

// HandleListingList lists listings for admins, reviewers and developers.
func HandleListingList(s *Service, who Who, defaultStates []string) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Listing]]{
		Summary: "List and search listings in every state",
		Description: "Lists listings with full-text search (q), filters (kind, category, state: states separated by commas, matching a listing's " +
			"or its working revision's, team_id) and sorts (relevance, popular, rating, newest), paged by cursor. A developer sees its team's only.",
		Query: append(slices.Clone(listQuery), httpapi.Param{Name: "state", Description: "states separated by commas"},
			httpapi.Param{Name: "team_id", Description: "only this developer team's"}),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Listing], error) {
			f, err := parseListFilter(r, true)
			if err != nil {
				return httpapi.List[Listing]{}, err
			}
			if f.States == nil {
				f.States = defaultStates
			}
			f.Installed = nil
			return s.List(r.Context(), who(r), f, "")
		},
	})
}
