package oauth

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// Scope is a permission apps may ask for, such as read:projects. Its
// description is what the consent screen shows the user.
type Scope struct {
	Name        string `json:"name" doc:"The scope's name, as apps ask for it."`
	Description string `json:"description" doc:"What the scope lets an app do, shown on the consent page."`
	// AccessLevel is read, write or admin: what kind of access the scope
	// gives, by which the consent screen groups scopes. Default read.
	AccessLevel string    `json:"access_level" enum:"read,write,admin" doc:"Read, write or admin: what kind of access the scope gives, by which the consent screen groups scopes. Default read."`
	CreatedAt   time.Time `json:"created_at" doc:"When the scope was created."`
	UpdatedAt   time.Time `json:"updated_at" doc:"When the scope last changed."`
}

// The access levels of scopes, from least to most.
const (
	AccessRead  = "read"
	AccessWrite = "write"
	AccessAdmin = "admin"
)

// validAccessLevel reports what is wrong with an access level, or "".
func validAccessLevel(s string) string {
	switch s {
	case AccessRead, AccessWrite, AccessAdmin:
		return ""
	}
	return "must be read, write or admin"
}

// validScopeName reports what is wrong with a scope name, or "". RFC 6749
// §3.3 allows any printable ASCII but space, quote and backslash; a narrower
// set keeps names readable and safe in every context they appear in.
func validScopeName(s string) string {
	if s == "" || len(s) > 100 {
		return "must be 1 to 100 characters"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ':' || c == '.' || c == '_' || c == '-' || c == '/') {
			return "may contain only letters, digits and : . _ - /"
		}
	}
	return ""
}

// CreateScope adds a scope to the catalog.
func (s *Service) CreateScope(ctx context.Context, sc Scope) (Scope, error) {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		sc.CreatedAt, sc.UpdatedAt = tx.Now(), tx.Now()
		sc.AccessLevel = cmp.Or(sc.AccessLevel, AccessRead)
		err := scopeInsert(ctx, tx, sc)
		if store.IsUniqueViolation(err) {
			return apperr.Errorf(apperr.Conflict, "scope %s already exists", sc.Name)
		}
		return err
	})
	return sc, err
}

// Scope returns one scope.
func (s *Service) Scope(ctx context.Context, name string) (Scope, error) {
	sc, err := scopeGet(ctx, s.db, name)
	if errors.Is(err, sql.ErrNoRows) {
		return Scope{}, apperr.Errorf(apperr.NotFound, "scope %s not found", name)
	}
	return sc, err
}

// ListScopes returns a page of the catalog ordered by name.
func (s *Service) ListScopes(ctx context.Context, page httpapi.Page) ([]Scope, error) {
	list, err := scopesList(ctx, s.db, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list scopes: %w", err)
	}
	return list, nil
}

// UpdateScope changes a scope's description, and its access level unless
// accessLevel is "".
func (s *Service) UpdateScope(ctx context.Context, name, description, accessLevel string) (Scope, error) {
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Scope, error) {
		if found, err := scopeUpdate(ctx, tx, name, description, accessLevel); err != nil {
			return Scope{}, err
		} else if !found {
			return Scope{}, apperr.Errorf(apperr.NotFound, "scope %s not found", name)
		}
		return scopeGet(ctx, tx, name)
	})
}

// DeleteScope removes a scope from the catalog. Apps that list it can no
// longer ask for it; grants already made keep it until revoked.
func (s *Service) DeleteScope(ctx context.Context, name string) error {
	if found, err := scopeDelete(ctx, s.db, name); err != nil {
		return err
	} else if !found {
		return apperr.Errorf(apperr.NotFound, "scope %s not found", name)
	}
	return nil
}

// describeScopes returns the catalog entries for names, in their order, and
// the names the catalog does not have.
func (s *Service) describeScopes(ctx context.Context, names []string) ([]Scope, []string, error) {
	var found []Scope
	var unknown []string
	for _, n := range names {
		sc, err := s.Scope(ctx, n)
		switch {
		case apperr.CodeOf(err) == apperr.NotFound:
			unknown = append(unknown, n)
		case err != nil:
			return nil, nil, err
		default:
			found = append(found, sc)
		}
	}
	return found, unknown, nil
}

// allScopeNames lists the catalog for the server metadata.
func (s *Service) allScopeNames(ctx context.Context) ([]string, error) {
	return scopeNamesAll(ctx, s.db)
}
