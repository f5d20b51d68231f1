package marketplace

import (
	"context"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// CategoryRequest creates or replaces a category.
type CategoryRequest struct {
	Name        string `json:"name" doc:"The category's display name, 1 to 60 characters."`
	Description string `json:"description,omitempty" doc:"A sentence about the category, at most 300 characters."`
	Position    int    `json:"position,omitempty" doc:"Where the category sorts; lower first (then by slug)."`
}

// Valid checks the category's shape.
func (c CategoryRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 60 || !httpapi.IsText(c.Name) {
		p["name"] = "must be 1 to 60 characters"
	}
	if utf8.RuneCountInString(c.Description) > 300 || !httpapi.IsText(c.Description) {
		p["description"] = "must be at most 300 characters"
	}
	return p
}

// PutCategory creates or replaces a category of the catalog.
func (s *Service) PutCategory(ctx context.Context, slug string, req CategoryRequest) (Category, bool, error) {
	if !slugPattern.MatchString(slug) {
		return Category{}, false, apperr.InvalidFields(map[string]string{"slug": "must be 1 to 64 characters a-z, 0-9 and -"})
	}
	c := Category{Slug: slug, Name: req.Name, Description: req.Description, Position: req.Position}
	var created bool
	err := s.db.WithTx(ctx, func(tx *store.Tx) (err error) {
		created, err = categoryUpsert(ctx, tx, c)
		return err
	})
	return c, created, err
}

// DeleteCategory removes a category no published listing uses.
func (s *Service) DeleteCategory(ctx context.Context, slug string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		inUse, err := categoryInUse(ctx, tx, slug)
		if err != nil {
			return err
		}
		if inUse {
			return apperr.Because(apperr.Conflict, "category_in_use", "category %s is used by published listings", slug)
		}
		deleted, err := categoryDelete(ctx, tx, slug)
		if err == nil && !deleted {
			err = apperr.Errorf(apperr.NotFound, "category %s not found", slug)
		}
		return err
	})
}

// Categories lists the catalog with each category's published listings.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	list, err := categoriesList(ctx, s.db)
	return nonNil(list), err
}
