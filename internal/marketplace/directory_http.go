package marketplace

import (
	"context"
	"net/http"
	"slices"

	"github.com/patchbay/patchbay/internal/embed"
	"github.com/patchbay/patchbay/internal/httpapi"
)

func tokenOf(r *http.Request) embed.Token {
	t, _ := embed.TokenFrom(r.Context())
	return t
}

// HandleDirectory lists the published listings for a team's user.
func HandleDirectory(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Listing]]{
		Summary: "Search the marketplace directory: published listings, with whether this team installed each",
		Description: "Full-text search over name, tagline, description and tags (q), filters by kind, category and installed=true|false " +
			"(for the token's team), sorted by relevance, popular, rating or newest, paged by cursor. Only published listings appear.",
		Query: append(slices.Clone(listQuery), httpapi.Param{Name: "installed", Description: "true or false: only listings this team has (not) installed"}),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Listing], error) {
			f, err := parseListFilter(r, false)
			if err != nil {
				return httpapi.List[Listing]{}, err
			}
			f.States = []string{StatePublished}
			return s.List(r.Context(), Actor{}, f, tokenOf(r).TenantID)
		},
	})
}

// HandleDirectoryListing returns a listing's page for a team's user.
func HandleDirectoryListing(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Listing]{
		Summary: "A published listing's page: content, data access, rating, and this team's installation",
		Description: "Everything the listing page shows, by slug. installed and installation say whether the token's team has it installed. " +
			"404 for listings that are not published (or unlisted, which only a direct link reaches).",
		Do: func(r *http.Request, _ httpapi.NoBody) (Listing, error) {
			slug, err := slugFromPath(r)
			if err != nil {
				return Listing{}, err
			}
			return s.DirectoryListing(r.Context(), tokenOf(r).TenantID, slug)
		},
	})
}

// HandleCategories lists the category catalog.
func HandleCategories(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Category]]{
		Summary:     "List the marketplace's categories with their published listings",
		Description: "The catalog the SaaS defines, in position order; listing_count counts published listings.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Category], error) {
			list, err := s.Categories(r.Context())
			return httpapi.List[Category]{Data: list}, err
		},
	})
}

// installRequest starts an install.
type installRequest struct{}

func (installRequest) Valid(context.Context) map[string]string { return nil }

// HandleInstall starts installing a listing for the token's user.
func HandleInstall(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[installRequest, InstallStart]{
		Summary: "Start installing a listing for this user: the URL to open (OAuth consent, or the connect page)",
		Description: "For an app, the OAuth authorize URL with the app's first redirect URI and its scopes (or the listing's install_url); " +
			"for an integration, a connect session's page. The installation is recorded when the user consents or the connection is made. " +
			"409 already_installed; 409 listing_unavailable for a suspended listing.",
		OptionalBody: true,
		Do: func(r *http.Request, _ installRequest) (InstallStart, error) {
			slug, err := slugFromPath(r)
			if err != nil {
				return InstallStart{}, err
			}
			t := tokenOf(r)
			who := Installer{TenantID: t.TenantID, UserID: t.UserID, OpenerOrigin: r.Header.Get("Origin")}
			if who.OpenerOrigin == "" && len(t.AllowedOrigins) == 1 {
				who.OpenerOrigin = t.AllowedOrigins[0]
			}
			return s.Install(r.Context(), who, slug)
		},
	})
}

// HandleUninstall uninstalls a listing for the token's user.
func HandleUninstall(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Installation]{
		Summary: "Uninstall a listing for this user: revokes the app's authorization and tokens, or deletes the connection",
		Description: "Ends this user's installation and what it granted at once: an app's authorization and every token under it, or an " +
			"integration's connection and credentials. The app is told (app.uninstalled). 404 not_installed when there is nothing to uninstall.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Installation, error) {
			slug, err := slugFromPath(r)
			if err != nil {
				return Installation{}, err
			}
			t := tokenOf(r)
			return s.UninstallListing(r.Context(), Installer{TenantID: t.TenantID, UserID: t.UserID}, slug)
		},
	})
}

// HandleTeamInstallations lists the token's team's active installations.
func HandleTeamInstallations(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Installation]]{
		Summary:     "List this team's active installations",
		Description: "The marketplace's installed view: every listing the token's team has installed, by whom and when.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Installation], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Installation]{}, err
			}
			return s.Installations(r.Context(), InstallationFilter{TenantID: tokenOf(r).TenantID, Status: InstallActive, Page: page})
		},
	})
}

// HandleDirectoryReviews lists a published listing's visible reviews.
func HandleDirectoryReviews(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Review]]{
		Summary:     "List a listing's reviews, newest first; mine marks this user's",
		Description: "Reviews an admin hid are left out.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Review], error) {
			slug, err := slugFromPath(r)
			if err != nil {
				return httpapi.List[Review]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Review]{}, err
			}
			t := tokenOf(r)
			return s.DirectoryReviews(r.Context(), Reviewer{TenantID: t.TenantID, UserID: t.UserID, UserName: t.UserName}, slug, page)
		},
	})
}

// HandleWriteReview writes or edits the user's review.
func HandleWriteReview(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[ReviewRequest, httpapi.Upsert[Review]]{
		Summary: "Write or edit this user's review of a listing (rating 1 to 5 and a text)",
		Description: "One review per team and user, editable. Only a team that has the listing installed may review it (403 not_installed). " +
			"201 for a new review, 200 for an edit.",
		Do: func(r *http.Request, req ReviewRequest) (httpapi.Upsert[Review], error) {
			slug, err := slugFromPath(r)
			if err != nil {
				return httpapi.Upsert[Review]{}, err
			}
			t := tokenOf(r)
			name := t.UserName
			if name == "" {
				name = t.UserID
			}
			rv, created, err := s.WriteReview(r.Context(), Reviewer{TenantID: t.TenantID, UserID: t.UserID, UserName: name}, slug, req)
			return httpapi.Upsert[Review]{Value: rv, Created: created}, err
		},
	})
}

// MarkdownRequest is Markdown to preview.
type MarkdownRequest struct {
	Markdown string `json:"markdown" doc:"The Markdown, at most 20,000 bytes."`
}

// Valid checks the Markdown's size.
func (m MarkdownRequest) Valid(context.Context) map[string]string {
	if len(m.Markdown) > maxDescription || !httpapi.IsText(m.Markdown) {
		return map[string]string{"markdown": "must be text of at most 20,000 bytes"}
	}
	return nil
}

// MarkdownPreview is rendered Markdown.
type MarkdownPreview struct {
	HTML string `json:"html" doc:"The HTML the listing page would show, safe to insert into a page."`
}

// HandleMarkdownPreview renders a description for the edit form's preview.
func HandleMarkdownPreview() httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[MarkdownRequest, MarkdownPreview]{
		Summary:     "Render a listing description's Markdown as the listing page will show it",
		Description: "The same renderer as listings: raw HTML dropped, images shown as their text, links rel=\"noopener nofollow\".",
		Do: func(r *http.Request, m MarkdownRequest) (MarkdownPreview, error) {
			return MarkdownPreview{HTML: RenderMarkdown(m.Markdown)}, nil
		},
	})
}
