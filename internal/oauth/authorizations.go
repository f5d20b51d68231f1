package oauth

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tenants"
)

// Authorization is what a user granted an app for a team.
type Authorization struct {
	ID     string    `json:"id"`
	App    PublicApp `json:"app"`
	UserID string    `json:"user_id"`
	TeamID string    `json:"team_id"`
	Scopes []string  `json:"scopes"`
	// Resources are the APIs and MCP servers the user let the app reach
	// (RFC 8707); empty when it named none.
	Resources []string  `json:"resources"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ListAuthorizations returns a user's live authorizations in a team.
func (s *Service) ListAuthorizations(ctx context.Context, userID, teamID string, page httpapi.Page) ([]Authorization, error) {
	list, err := authorizationsListLive(ctx, s.db, userID, teamID, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list authorizations: %w", err)
	}
	return list, nil
}

// RevokeAuthorization revokes an authorization and, at once, every token
// issued under it.
func (s *Service) RevokeAuthorization(ctx context.Context, authID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if revoked, err := authorizationRevoke(ctx, tx, authID); err != nil {
			return err
		} else if !revoked {
			return apperr.Errorf(apperr.NotFound, "authorization %s not found or already revoked", authID)
		}
		if err := tokensRevokeByAuthorization(ctx, tx, authID); err != nil {
			return err
		}
		appID, userID, teamID, err := authorizationParties(ctx, tx, authID)
		if err != nil {
			return err
		}
		return s.revoked(ctx, tx, appID, userID, teamID)
	})
}

// OnRevoke registers fn, called in the transaction that revokes what a user
// granted an app in a team, or (userID and teamID empty) every grant of an
// app, or deletes the app: so that what was made under the grants (REST
// hooks) goes with them.
func (s *Service) OnRevoke(fn func(ctx context.Context, tx *store.Tx, appID, userID, teamID string) error) {
	s.onRevoke = fn
}

func (s *Service) revoked(ctx context.Context, tx *store.Tx, appID, userID, teamID string) error {
	if s.onRevoke == nil {
		return nil
	}
	return s.onRevoke(ctx, tx, appID, userID, teamID)
}

// RevokeAppForUser revokes what a user granted an app in a team, and every
// token issued under it, at once: the "revoke" of the user's own list of
// authorized apps, which knows the app rather than the authorization.
func (s *Service) RevokeAppForUser(ctx context.Context, userID, teamID, appID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if revoked, err := authorizationRevokeOfUserApp(ctx, tx, userID, teamID, appID); err != nil {
			return err
		} else if !revoked {
			return apperr.Errorf(apperr.NotFound, "app %s is not authorized by this user", appID)
		}
		if err := tokensRevokeOfUserApp(ctx, tx, userID, teamID, appID); err != nil {
			return err
		}
		return s.revoked(ctx, tx, appID, userID, teamID)
	})
}

// HandleAuthorizationList lists what a user granted.
func HandleAuthorizationList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Authorization]]{
		Summary: "List the apps a user has authorized in a team, with the scopes granted and when",
		Query: append([]httpapi.Param{{Name: "user_id", Description: "the user (required)"}, {Name: "team_id", Description: "the team (required)"}},
			httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Authorization], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Authorization]{}, err
			}
			q := r.URL.Query()
			problems := map[string]string{}
			for _, field := range []string{"user_id", "team_id"} {
				if msg := tenants.ValidID(q.Get(field)); msg != "" {
					problems[field] = msg
				}
			}
			if len(problems) > 0 {
				return httpapi.List[Authorization]{}, apperr.InvalidFields(problems)
			}
			list, err := s.ListAuthorizations(r.Context(), q.Get("user_id"), q.Get("team_id"), page)
			return httpapi.NewList(page, list, func(z Authorization) string { return z.ID }), err
		},
	})
}

// HandleAuthorizationRevoke revokes an authorization.
func HandleAuthorizationRevoke(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary: "Revoke an authorization and every token issued under it, at once",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			authID, err := httpapi.PathID(r, "authorization_id", "oauthz")
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.RevokeAuthorization(r.Context(), authID)
		},
	})
}

// CleanupArgs is the periodic job that removes what the provider no longer
// needs.
type CleanupArgs struct{}

func (CleanupArgs) Kind() string { return "oauth_cleanup" }

// CleanupWorker removes expired requests and codes, and tokens that expired or
// were revoked longer ago than the retention window. Revoked records are kept
// that long so that reuse of a revoked token is still recognised as such.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	Service *Service
}

func (w *CleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	s := w.Service
	now := time.Now()
	if err := cleanupExpired(ctx, s.db, now, now.Add(-s.cfg.Retention), now.Add(-deviceExpiredKept), now.Add(-s.cfg.RegistrationUnusedTTL)); err != nil {
		return fmt.Errorf("oauth cleanup: %w", err)
	}
	return nil
}
