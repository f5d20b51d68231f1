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
	rows, err := s.db.Query(ctx, `SELECT z.id, z.user_id, z.team_id, z.scopes, z.resources, z.created_at, z.updated_at, `+appColumns+`
		FROM oauth_authorizations z JOIN oauth_apps a ON a.id = z.app_id
		WHERE z.user_id = ? AND z.team_id = ? AND z.revoked_at IS NULL AND z.id > ? ORDER BY z.id LIMIT ?`,
		userID, teamID, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list authorizations: %w", err)
	}
	defer rows.Close()
	var list []Authorization
	for rows.Next() {
		var z Authorization
		var scopes, resources string
		var as appScan
		if err := rows.Scan(append([]any{&z.ID, &z.UserID, &z.TeamID, &scopes, &resources, &z.CreatedAt, &z.UpdatedAt}, as.dest()...)...); err != nil {
			return nil, err
		}
		app, err := as.finish()
		if err != nil {
			return nil, err
		}
		z.App = app.public()
		if z.Scopes, err = unmarshalList(scopes); err != nil {
			return nil, err
		}
		if z.Resources, err = unmarshalList(resources); err != nil {
			return nil, err
		}
		list = append(list, z)
	}
	return list, rows.Err()
}

// RevokeAuthorization revokes an authorization and, at once, every token
// issued under it.
func (s *Service) RevokeAuthorization(ctx context.Context, authID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE oauth_authorizations SET revoked_at = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL", tx.Now(), tx.Now(), authID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Errorf(apperr.NotFound, "authorization %s not found or already revoked", authID)
		}
		_, err = tx.Exec(ctx, "UPDATE oauth_tokens SET revoked_at = ? WHERE authorization_id = ? AND revoked_at IS NULL", tx.Now(), authID)
		return err
	})
}

// RevokeAppForUser revokes what a user granted an app in a team, and every
// token issued under it, at once: the "revoke" of the user's own list of
// authorized apps, which knows the app rather than the authorization.
func (s *Service) RevokeAppForUser(ctx context.Context, userID, teamID, appID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE oauth_authorizations SET revoked_at = ?, updated_at = ? WHERE user_id = ? AND team_id = ? AND app_id = ? AND revoked_at IS NULL",
			tx.Now(), tx.Now(), userID, teamID, appID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Errorf(apperr.NotFound, "app %s is not authorized by this user", appID)
		}
		_, err = tx.Exec(ctx, `UPDATE oauth_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND authorization_id IN
			(SELECT id FROM oauth_authorizations WHERE user_id = ? AND team_id = ? AND app_id = ?)`, tx.Now(), userID, teamID, appID)
		return err
	})
}

// HandleAuthorizationList lists what a user granted.
func HandleAuthorizationList(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:  "List the apps a user has authorized in a team, with the scopes granted and when",
		Response: httpapi.List[Authorization]{},
		Query: append([]httpapi.Param{{Name: "user_id", Description: "the user (required)"}, {Name: "team_id", Description: "the team (required)"}},
			httpapi.PageParams...),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			q := r.URL.Query()
			problems := map[string]string{}
			for _, field := range []string{"user_id", "team_id"} {
				if msg := tenants.ValidID(q.Get(field)); msg != "" {
					problems[field] = msg
				}
			}
			if len(problems) > 0 {
				httpapi.Error(w, r, apperr.InvalidFields(problems))
				return
			}
			list, err := s.ListAuthorizations(r.Context(), q.Get("user_id"), q.Get("team_id"), page)
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			httpapi.Encode(w, http.StatusOK, httpapi.NewList(page, list, func(z Authorization) string { return z.ID }))
		}),
	}
}

// HandleAuthorizationRevoke revokes an authorization.
func HandleAuthorizationRevoke(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary: "Revoke an authorization and every token issued under it, at once",
		Status:  http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			authID, err := httpapi.PathID(r, "authorization_id", "oauthz")
			if err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if err := s.RevokeAuthorization(r.Context(), authID); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
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
	cutoff := now.Add(-s.cfg.Retention)
	for _, stmt := range []struct {
		query string
		args  []any
	}{
		{"DELETE FROM oauth_requests WHERE expires_at < ?", []any{now}},
		{"DELETE FROM oauth_device_codes WHERE expires_at < ?", []any{now.Add(-deviceExpiredKept)}},
		{"DELETE FROM oauth_codes WHERE expires_at < ?", []any{cutoff}},
		{`DELETE FROM oauth_tokens WHERE revoked_at < ? OR (access_expires_at < ? AND (refresh_expires_at IS NULL OR refresh_expires_at < ?))`,
			[]any{cutoff, cutoff, cutoff}},
		{"DELETE FROM oauth_authorizations WHERE revoked_at < ?", []any{cutoff}},
		// Self-registered clients (dynamic or from a metadata document) that
		// no user authorized in time: anyone can make them, so what nobody
		// uses must not pile up.
		{`DELETE FROM oauth_apps WHERE registration <> ? AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM oauth_authorizations z WHERE z.app_id = oauth_apps.id)`,
			[]any{registrationAdmin, now.Add(-s.cfg.RegistrationUnusedTTL)}},
	} {
		if _, err := s.db.Exec(ctx, stmt.query, stmt.args...); err != nil {
			return fmt.Errorf("oauth cleanup: %w", err)
		}
	}
	return nil
}
