package marketplace

import (
	"context"
	"database/sql"
	"errors"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
)

const maxReviewBody = 2000

// ReviewRequest writes the user's review of a listing.
type ReviewRequest struct {
	Rating int    `json:"rating" doc:"The rating, 1 to 5."`
	Body   string `json:"body" doc:"The review's text, at most 2,000 characters; may be empty."`
}

// Valid checks the review's shape.
func (r ReviewRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if r.Rating < 1 || r.Rating > 5 {
		p["rating"] = "must be 1 to 5"
	}
	if utf8.RuneCountInString(r.Body) > maxReviewBody || !httpapi.IsText(r.Body) {
		p["body"] = "must be text of at most 2,000 characters"
	}
	return p
}

// TextRequest is a body of text: a developer's reply, a reason to hide.
type TextRequest struct {
	Body string `json:"body" doc:"The text, 1 to 2,000 characters."`
}

// Valid checks the text's shape.
func (r TextRequest) Valid(context.Context) map[string]string {
	if r.Body == "" || utf8.RuneCountInString(r.Body) > maxReviewBody || !httpapi.IsText(r.Body) {
		return map[string]string{"body": "must be text of 1 to 2,000 characters"}
	}
	return nil
}

// Reviewer is who writes a review: a marketplace embed token's user.
type Reviewer struct {
	TenantID, UserID, UserName string
}

// WriteReview writes or edits the user's review of a listing, which the
// team must have installed. It answers whether the review is new.
func (s *Service) WriteReview(ctx context.Context, who Reviewer, slug string, req ReviewRequest) (Review, bool, error) {
	l, err := listingGetBySlug(ctx, s.db, slug)
	if errors.Is(err, sql.ErrNoRows) || err == nil && l.Version == 0 {
		return Review{}, false, errNotFound(slug)
	} else if err != nil {
		return Review{}, false, err
	}
	var reviewID string
	created := false
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockRow(ctx, "marketplace_listings", "id", l.ID); err != nil {
			return err
		}
		installed, err := installationsActiveWhere(ctx, tx, "i.listing_id = ? AND i.tenant_id = ?", l.ID, who.TenantID)
		if err != nil {
			return err
		}
		if len(installed) == 0 {
			return apperr.Because(apperr.Forbidden, "not_installed", "only a team that has %s installed may review it", slug)
		}
		r, err := reviewGetByAuthor(ctx, tx, l.ID, who.TenantID, who.UserID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			reviewID, created = id.New("rvw"), true
			if err := reviewInsert(ctx, tx, Review{ID: reviewID, ListingID: l.ID, TenantID: who.TenantID, UserID: who.UserID, UserName: who.UserName,
				Rating: req.Rating, Body: req.Body}); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			reviewID = r.ID
			if err := reviewUpdate(ctx, tx, r.ID, who.UserName, req.Rating, req.Body); err != nil {
				return err
			}
		}
		return s.retally(ctx, tx, l.ID)
	})
	if err != nil {
		return Review{}, false, err
	}
	r, err := reviewGet(ctx, s.db, reviewID)
	r.Mine = true
	return r, created, err
}

// retally recomputes a listing's rating summary from its visible reviews.
func (s *Service) retally(ctx context.Context, tx *store.Tx, listingID string) error {
	dist, err := reviewsTally(ctx, tx, listingID)
	if err != nil {
		return err
	}
	count, sum := 0, 0
	for i, n := range dist {
		count += n
		sum += (i + 1) * n
	}
	avg := 0.0
	if count > 0 {
		avg = float64(sum) / float64(count)
	}
	return listingSetRating(ctx, tx, listingID, count, avg, dist)
}

// Reviews lists a listing's reviews: visible ones for the directory (the
// user's own marked), all of them for admins, reviewers and the developer.
func (s *Service) Reviews(ctx context.Context, a Actor, listingID string, viewer *Reviewer, page httpapi.Page) (httpapi.List[Review], error) {
	withHidden := viewer == nil
	if viewer == nil {
		if _, err := s.listing(ctx, s.db, a, listingID); err != nil {
			return httpapi.List[Review]{}, err
		}
	}
	list, err := reviewsList(ctx, s.db, listingID, withHidden, page.After, page.Limit+1)
	if err != nil {
		return httpapi.List[Review]{}, err
	}
	for i := range list {
		if viewer != nil && list[i].TenantID == viewer.TenantID && list[i].UserID == viewer.UserID {
			list[i].Mine = true
		}
	}
	return httpapi.NewList(page, list, func(r Review) string { return r.ID }), nil
}

// DirectoryReviews lists the visible reviews of a published listing.
func (s *Service) DirectoryReviews(ctx context.Context, viewer Reviewer, slug string, page httpapi.Page) (httpapi.List[Review], error) {
	l, err := listingGetBySlug(ctx, s.db, slug)
	if errors.Is(err, sql.ErrNoRows) || err == nil && l.State != StatePublished && l.State != StateUnlisted {
		return httpapi.List[Review]{}, errNotFound(slug)
	} else if err != nil {
		return httpapi.List[Review]{}, err
	}
	return s.Reviews(ctx, Actor{}, l.ID, &viewer, page)
}

// reviewOf reads a review a may act on.
func (s *Service) reviewOf(ctx context.Context, q store.Querier, a Actor, reviewID string) (Review, error) {
	r, err := reviewGet(ctx, q, reviewID)
	if errors.Is(err, sql.ErrNoRows) {
		return Review{}, apperr.Errorf(apperr.NotFound, "review %s not found", reviewID)
	} else if err != nil {
		return Review{}, err
	}
	if _, err := s.listing(ctx, q, a, r.ListingID); err != nil {
		return Review{}, apperr.Errorf(apperr.NotFound, "review %s not found", reviewID)
	}
	return r, nil
}

// Reply stores the developer's one reply to a review of its listing.
func (s *Service) Reply(ctx context.Context, a Actor, listingID, reviewID, body string) (Review, error) {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		r, err := s.reviewOf(ctx, tx, a, reviewID)
		if err != nil {
			return err
		}
		if r.ListingID != listingID {
			return apperr.Errorf(apperr.NotFound, "review %s not found", reviewID)
		}
		replied, err := reviewReply(ctx, tx, reviewID, body)
		if err != nil {
			return err
		}
		if !replied {
			return apperr.Because(apperr.Conflict, "already_replied", "review %s already has a reply", reviewID)
		}
		return nil
	})
	if err != nil {
		return Review{}, err
	}
	return reviewGet(ctx, s.db, reviewID)
}

// HideReview hides (or shows again) a review, with a reason, and updates
// the listing's rating.
func (s *Service) HideReview(ctx context.Context, a Actor, reviewID string, hidden bool, reason string) (Review, error) {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		r, err := s.reviewOf(ctx, tx, a, reviewID)
		if err != nil {
			return err
		}
		if err := reviewSetHidden(ctx, tx, reviewID, hidden, reason); err != nil {
			return err
		}
		return s.retally(ctx, tx, r.ListingID)
	})
	if err != nil {
		return Review{}, err
	}
	return reviewGet(ctx, s.db, reviewID)
}
